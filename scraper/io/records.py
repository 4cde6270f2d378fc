"""A JSONL output file keyed by its records' ``id``: one record per id, so re-runs never duplicate.

The rule, the same for ``scraper clean``, ``scraper fetch`` and ``scraper crawl``: when records
are merged into the file (a batch, or a crawl's appended updates),

- a record whose ``id`` the file already holds replaces the old one *in place*;
- a record with a new ``id`` goes at the end, in the order written;
- every other line of the file stays as it was, in order (a line that is not a JSON object
  with a string ``id`` is kept too: nothing already written is lost).

So the file holds the newest record of each id at the place of its first. The file is
rewritten atomically (:func:`scraper.io.atomic.atomic_open`): a reader, or a run killed
mid-way, sees the old file or the new one. Memory stays small: ids are kept as 16-byte digests
with the place of their newest line, and lines are copied from disk.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from scraper.io.atomic import atomic_open

_ID_PREFIX = b'{"id":"'  # how jsonl_line writes a record: its id first, compact
_DECODER = json.JSONDecoder()


def line_id(line: bytes) -> str | None:
    """The ``id`` of one JSONL line, or None when it is not a JSON object with a string id."""
    if line.startswith(_ID_PREFIX):  # the fast path: read the id alone
        try:
            value, _ = _DECODER.raw_decode(line[len(_ID_PREFIX) - 1 :].decode("utf-8"))
        except ValueError:
            return None
        return value if isinstance(value, str) else None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    value = record.get("id") if isinstance(record, dict) else None
    return value if isinstance(value, str) else None


def _key(line: bytes) -> bytes | None:
    found = line_id(line)
    if found is None:
        return None
    return hashlib.blake2b(found.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _lines(handle: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(offset, line) of every line of ``handle`` from its start."""
    handle.seek(0)
    offset = 0
    for line in handle:
        yield offset, line
        offset += len(line)


def merge_records(target: Path, batch: IO[bytes] | None = None) -> bool:
    """Merge the JSONL lines of ``batch`` (a binary file, read from its start) into ``target``
    by the module's rule, and drop older duplicates of an id already in ``target``; True if
    ``target`` was rewritten (nothing to change leaves it untouched)."""
    try:
        old: IO[bytes] | None = target.open("rb")
    except FileNotFoundError:
        old = None
    try:
        sources = [handle for handle in (old, batch) if handle is not None]
        newest: dict[bytes, tuple[int, int, int] | None] = {}
        repeats = False
        for index, handle in enumerate(sources):
            for offset, line in _lines(handle):
                key = _key(line)
                if key is not None:
                    repeats = repeats or key in newest
                    newest[key] = (index, offset, len(line))
        if not repeats and (batch is None or not _has_lines(batch)):
            return False
        with atomic_open(target, "wb") as out:
            for handle in sources:
                for _, line in _lines(handle):
                    key = _key(line)
                    if key is None:
                        out.write(line if line.endswith(b"\n") else line + b"\n")
                        continue
                    where = newest.get(key)
                    if where is None:
                        continue  # written already, at the place of its first line
                    newest[key] = None
                    out.write(_read(sources[where[0]], where[1], where[2]))
        return True
    finally:
        if old is not None:
            old.close()


def _has_lines(handle: IO[bytes]) -> bool:
    handle.seek(0)
    return bool(handle.read(1))


def _read(handle: IO[bytes], offset: int, length: int) -> bytes:
    """One line at ``offset``, read without losing the place of a loop reading ``handle``."""
    place = handle.tell()
    handle.seek(offset)
    line = handle.read(length)
    handle.seek(place)
    return line if line.endswith(b"\n") else line + b"\n"
