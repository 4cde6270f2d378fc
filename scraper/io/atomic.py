"""Writes that never leave half a file: a reader sees the old file or the new one.

Every file is written to a hidden temporary file next to it, flushed, fsynced and moved into
place with :func:`os.replace`; a re-run overwrites rather than duplicates. Files that belong
together (an article's ``.txt`` and ``.json``) are written by :func:`atomic_write_files`: every
temporary file first, then the renames, so a full disk leaves the old pair, not half of a new one.
Appends (a crawl's JSONL file that grows run after run) are single fsynced writes whose torn tail,
after a kill, :func:`repair_tail` cuts. A kill can still leave a temporary file behind;
:func:`sweep_stale_temps` removes those at the next run.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

# The temporary files made here: ``.<name>.<8 random characters>.tmp`` (tempfile.mkstemp's names).
_TEMP_NAME = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp", re.DOTALL)
# A temporary file this old is a leftover of a killed run, not a write in progress.
STALE_TEMP_SECONDS = 3600.0


@lru_cache(maxsize=1)
def _file_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give a new file under the current umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def fsync_dir(folder: Path) -> None:
    """Make the rename itself durable; not every platform lets a folder be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on a clean exit move it onto ``path``.

    If the block raises, the temporary file is removed and ``path`` keeps its old content
    (or stays absent). Parent folders are created. ``mode`` is ``"w"`` or ``"wb"``.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open mode must be 'w' or 'wb', not {mode!r}")
    path = Path(path)
    fd, tmp = _temp_beside(path)
    try:
        kwargs: dict[str, Any] = {} if mode == "wb" else {"encoding": encoding, "newline": "\n"}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def _temp_beside(path: Path) -> tuple[int, Path]:
    """A new hidden temporary file in ``path``'s folder (created), with a plain file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _file_mode())
    except BaseException:
        os.close(fd)
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return fd, Path(tmp_name)


def _stage(path: Path, data: bytes) -> Path:
    """``data`` in a temporary file beside ``path``, on disk; the temporary file's path."""
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def atomic_write_files(files: Sequence[tuple[str | Path, bytes]]) -> None:
    """Write files that belong together so that they change together, or not at all.

    Every file is written and fsynced to its temporary file before any is renamed: an I/O error
    (a full disk, a file size limit) while writing leaves every target as it was. The renames
    need no space; should one still fail, the targets not yet renamed keep their old content.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files:
            staged.append((_stage(Path(path), data), Path(path)))
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for folder in dict.fromkeys(path.parent for _, path in staged):
        fsync_dir(folder)


def sweep_stale_temps(folder: str | Path, max_age: float = STALE_TEMP_SECONDS) -> int:
    """Remove the temporary files a killed run left under ``folder``; how many were removed.

    Only regular files named like this module's temporary files and untouched for ``max_age``
    seconds: a file being written by a run that is still going is younger. Anything that cannot
    be listed or removed is left alone.
    """
    cutoff = time.time() - max_age
    removed = 0
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            if not name.endswith(".tmp") or not _TEMP_NAME.fullmatch(name):
                continue
            where = os.path.join(dirpath, name)
            try:
                info = os.lstat(where)
                if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                    os.unlink(where)
                    removed += 1
            except OSError:
                continue
    return removed


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    data = text.encode("utf-8")  # fails here, before the disk is touched, on lone surrogates
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def atomic_write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented UTF-8 JSON to ``path`` atomically."""
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def append_line(path: str | Path, line: bytes) -> None:
    """Append one line to ``path``, flushed to disk before returning, or leave the file as it was.

    A write can be short (a nearly full disk): the rest is written until the line is whole; if
    that fails, the file is cut back to its old size, so no torn line is left for the next append
    to run into. A kill mid-write can still leave a partial last line, which :func:`repair_tail`
    removes at the next run's start.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, _file_mode())
    try:
        size = os.fstat(fd).st_size
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except OSError:
            os.ftruncate(fd, size)
            raise
    finally:
        os.close(fd)


def repair_tail(path: str | Path) -> bool:
    """Cut a partial last line (no newline) left by a killed append; True if one was cut."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    if size == 0:
        return False
    with path.open("r+b") as handle:
        handle.seek(-1, os.SEEK_END)
        if handle.read(1) == b"\n":
            return False
        end = size
        while end > 0:
            step = min(65536, end)
            handle.seek(end - step)
            chunk = handle.read(step)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                end = end - step + cut + 1
                break
            end -= step
        handle.truncate(max(end, 0))
        handle.flush()
        os.fsync(handle.fileno())
    return True


def file_mentions(path: str | Path, needle: str) -> bool:
    """Whether the file at ``path`` exists and contains ``needle`` (read in chunks)."""
    data = needle.encode("utf-8")
    overlap = len(data) - 1
    try:
        with Path(path).open("rb") as handle:
            tail = b""
            while chunk := handle.read(1 << 20):
                if data in tail + chunk:
                    return True
                tail = chunk[-overlap:] if overlap else b""
    except OSError:
        return False
    return False
