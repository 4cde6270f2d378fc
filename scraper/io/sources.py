"""Turn the command line's INPUTS (files, folders, archives, ``-`` for stdin) into pages to clean.

Each page becomes a :class:`PageSource`: a label for messages and the ``source`` field, the
relative path its output is named after, and a way to read it (gzip undone). Folders are walked
recursively for ``.html``, ``.htm``, ``.html.gz`` and ``.htm.gz`` files, in sorted order,
skipping hidden files and folders; a file whose name ends in a registered archive suffix
(``ARCHIVES``: ``.zip``, and web archives: ``.warc.gz``, ``.warc``, ``.arc.gz``, ``.arc``) is
opened and every page inside it is one source. A new kind of
input is one entry in ``ARCHIVES``. Reading happens in ``read_page``, so a worker process reads
its own pages and a missing or unreadable one fails on its own, named, without stopping the
others. Only regular files are read (a FIFO or a device in a folder would block or never end),
and never more than ``MAX_PAGE_BYTES``. A file name that is not valid UTF-8 is kept, escaped
(``caf\\xe9.html``) in labels and output names, since the outputs are UTF-8. Nothing here prints.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from scraper.article import Page
from scraper.errors import InputError

STDIN = "-"
STDIN_LABEL = "<stdin>"
STDIN_STEM = "stdin"
# Suffixes a folder walk picks up, longest first so ``.html.gz`` wins over ``.gz``.
PAGE_SUFFIXES = (".html.gz", ".htm.gz", ".html", ".htm")
GZIP_MAGIC = b"\x1f\x8b"
# What a fetch recorded about a saved page (URL, headers), written beside it by crawls.
SIDECAR_SUFFIX = ".page.json"
# A page that inflates beyond this is not an article but a gzip bomb (or a whole site dump).
MAX_PAGE_BYTES = 256 * 1024 * 1024
# A fetch record is a few headers; anything larger beside a page is not one.
MAX_SIDECAR_BYTES = 1024 * 1024
# Lone surrogates: what Python makes of file-name bytes that are not UTF-8 (surrogateescape).
_SURROGATE = re.compile("[\ud800-\udfff]")
_FILE_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def readable_name(name: str) -> str:
    """``name`` with the undecodable bytes of a file name written as ``\\xNN``.

    Python reads such a name with surrogate escapes (``b'caf\\xe9'`` -> ``'caf\\udce9'``), which no
    UTF-8 output can hold; the escape keeps the name readable and the article written.
    """

    def escape(match: re.Match[str]) -> str:
        code = ord(match[0])
        return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"

    return _SURROGATE.sub(escape, name)


def _file_kind(mode: int) -> str:
    return next((kind for test, kind in _FILE_KINDS if test(mode)), "a special file")


def read_regular_file(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file, at most ``limit`` of them, else :class:`InputError`.

    Opened without blocking and checked before reading: a FIFO would wait for a writer forever
    and a device (``/dev/zero``) never ends. Reads at most ``limit + 1`` bytes, so a file over
    the limit fails without being read whole.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise InputError("is a folder") from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc)) from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError("is a folder")
        if not stat.S_ISREG(mode):
            raise InputError(f"is {_file_kind(mode)}, not a regular file; not read")
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise InputError(exc.strerror or str(exc)) from None
    if len(data) > limit:
        raise InputError(f"is larger than {_size(limit)}; not a page")
    return data


def _size(count: int) -> str:
    return f"{count // 2**20} MiB" if count >= 2**20 else f"{count} bytes"


class PageSource(Protocol):
    """Something that reads as one page: a saved file, a page inside an archive, a fetched page.

    ``label`` names it in messages; ``relpath`` and ``stem`` name its output; ``site`` is set
    once the site memory has read it.
    """

    label: str
    relpath: str
    stem: str
    site: str | None

    def read_page(self) -> Page: ...


@dataclass(frozen=True, slots=True)
class InputItem:
    """One page to clean.

    ``label`` names it in messages and in the output's ``source`` field (the path as the
    user would type it, or ``<stdin>``). ``relpath`` is its path relative to the folder
    argument it came from (the file name for a file argument, ``stdin`` for stdin); ``stem``
    is ``relpath`` without its page suffix, made unique within the batch, and names the
    output files. ``data`` holds stdin's bytes (read once, up front); ``error`` is set for an
    input that was found broken while listing (an unreadable folder).
    """

    label: str
    relpath: str
    stem: str
    path: str | None = None
    data: bytes | None = None
    error: str | None = None
    site: str | None = None  # set once the site memory has read the page (scraper.extract.sitememory)

    def read(self) -> bytes:
        """The page's bytes, gunzipped when the name ends in ``.gz`` or the data is gzip."""
        if self.error is not None:
            raise InputError(self.error)
        if self.data is not None:
            raw = self.data
        else:
            assert self.path is not None
            raw = read_regular_file(self.path, MAX_PAGE_BYTES)
        if raw.startswith(GZIP_MAGIC) or (self.path or "").endswith(".gz"):
            return _gunzip(raw)
        return raw

    def read_page(self) -> Page:
        """The page with what its fetch recorded, when a ``.page.json`` sidecar is beside it
        (``scraper crawl`` and ``scraper fetch --raw`` write one): its URL picks the site rule
        and its ``Content-Type`` charset counts, exactly as when it was first cleaned."""
        body = self.read()
        record = _sidecar(self.path) if self.path else None
        if record is None:
            return Page(url=None, body=body)
        headers = record.get("headers")
        return Page(
            url=record.get("url") if isinstance(record.get("url"), str) else None,
            body=body,
            final_url=record.get("final_url") if isinstance(record.get("final_url"), str) else None,
            headers={str(k): str(v) for k, v in headers.items()} if isinstance(headers, dict) else {},
        )


def _gunzip(raw: bytes) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            data = stream.read(MAX_PAGE_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"not valid gzip data ({exc})") from None
    if len(data) > MAX_PAGE_BYTES:
        raise InputError(f"inflates to more than {_size(MAX_PAGE_BYTES)}; not a page")
    return data


def _sidecar(path: str) -> dict[str, object] | None:
    """The fetch record ``<stem>.page.json`` next to a page file, if there is a readable one."""
    where = Path(path)
    sidecar = where.with_name(page_stem(where.name) + SIDECAR_SUFFIX)
    try:
        record = json.loads(read_regular_file(sidecar, MAX_SIDECAR_BYTES).decode("utf-8"))
    except (InputError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def page_stem(name: str) -> str:
    """``x.html.gz`` → ``x``; a name without a page suffix is kept whole (``x.php`` → ``x.php``)."""
    lowered = name.lower()
    for suffix in PAGE_SUFFIXES:
        if lowered.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def is_page_file(name: str) -> bool:
    """Whether a folder walk picks up a file of this name."""
    return not name.startswith(".") and name.lower().endswith(PAGE_SUFFIXES)


def _walk(folder: Path, label: str) -> list[InputItem]:
    found: list[InputItem] = []
    problems: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(folder, onerror=problems.append):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not is_page_file(name):
                continue
            full = Path(dirpath) / name
            rel = PurePosixPath(readable_name(full.relative_to(folder).as_posix()))
            found.append(
                InputItem(
                    label=readable_name(str(Path(label) / rel)),
                    relpath=str(rel),
                    stem=str(rel.parent / page_stem(rel.name)),
                    path=str(full),
                )
            )
    for problem in problems:
        where = Path(problem.filename or folder)
        rel = where.relative_to(folder).as_posix() if where.is_relative_to(folder) else str(where)
        rel = readable_name(rel)
        found.append(
            InputItem(
                label=readable_name(str(Path(label) / rel)),
                relpath=rel,
                stem=rel,
                error=f"cannot list folder ({problem.strerror or problem})",
            )
        )
    # os.walk goes depth-first folder by folder; sort by relative path for one stable order.
    found.sort(key=lambda item: PurePosixPath(item.relpath).parts)
    return found


def _unique(items: list[PageSource]) -> list[PageSource]:
    """Give every item its own output stem: a clash (``a/x.html`` and ``b/x.html`` as two file
    arguments, or ``x.html`` next to ``x.htm``) gets ``-2``, ``-3`` ... in input order.
    Compared case-insensitively, because some file systems are."""
    taken: set[str] = set()
    out = []
    for item in items:
        stem, n = item.stem, 1
        while stem.lower() in taken:
            n += 1
            stem = f"{item.stem}-{n}"
        taken.add(stem.lower())
        out.append(item if stem == item.stem else _replace_stem(item, stem))
    return out


def _replace_stem(item: PageSource, stem: str) -> PageSource:
    return replace(item, stem=stem)  # type: ignore[type-var]


@dataclass(frozen=True, slots=True)
class ZipMember:
    """One page inside a ``.zip`` archive (read from the archive when it is cleaned)."""

    label: str
    relpath: str
    stem: str
    archive: str
    member: str
    site: str | None = None

    def read_page(self) -> Page:
        try:
            with zipfile.ZipFile(self.archive) as archive:
                if archive.getinfo(self.member).file_size > MAX_PAGE_BYTES:
                    raise InputError(f"inflates to more than {_size(MAX_PAGE_BYTES)}; not a page")
                raw = archive.read(self.member)
        except (OSError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
            raise InputError(f"cannot read it from {self.archive} ({exc})") from None
        return Page(url=None, body=_gunzip(raw) if raw.startswith(GZIP_MAGIC) else raw)


def _zip_members(path: Path, label: str) -> list[PageSource]:
    """The page files of a zip archive, in sorted order, named ``<archive stem>/<member path>``."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(info.filename for info in archive.infolist() if not info.is_dir())
    except (OSError, zipfile.BadZipFile) as exc:
        stem = path.name.removesuffix(".zip")
        return [InputItem(label, path.name, stem, error=f"not a readable zip archive ({exc})")]
    base = PurePosixPath(path.name.removesuffix(".zip"))
    members: list[PageSource] = []
    for name in names:
        # Only the member's plain name parts name its output: an absolute name, a ``..`` or a
        # backslash in an archive must not write outside the output folder.
        parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".", "..")]
        if not parts:
            continue
        rel = PurePosixPath(*parts)
        if not is_page_file(rel.name) or any(part.startswith(".") for part in rel.parts):
            continue
        members.append(
            ZipMember(
                label=f"{label}/{name}",  # a path into the archive: its pages group as one folder
                relpath=str(base / rel),
                stem=str(base / rel.parent / page_stem(rel.name)),
                archive=str(path),
                member=name,
            )
        )
    return members


def _warc_records(path: Path, label: str) -> list[PageSource]:
    """The records of a web archive (WARC or ARC, gzip or not): :mod:`scraper.io.warcsource`."""
    from scraper.io.warcsource import warc_sources  # warcio loads only when an archive is given

    return warc_sources(path, label)


# Archive suffix -> what opens it: the pages inside an archive file given as an input.
ARCHIVES: dict[str, Callable[[Path, str], list[PageSource]]] = {
    ".zip": _zip_members,
    **dict.fromkeys((".warc.gz", ".warc", ".arc.gz", ".arc"), _warc_records),
}


def _archive_opener(name: str) -> Callable[[Path, str], list[PageSource]] | None:
    lowered = name.lower()
    return next((opener for suffix, opener in ARCHIVES.items() if lowered.endswith(suffix)), None)


@dataclass(frozen=True, slots=True)
class Expansion:
    """What INPUTS expanded to: the pages, and folder or archive arguments that held none."""

    items: list[PageSource]
    empty_folders: list[str]


def expand_inputs(args: Sequence[str], stdin: BinaryIO | None = None) -> Expansion:
    """Expand INPUTS in the order given: a folder to its page files (sorted), an archive to
    the pages inside it, any other file to itself (any name), ``-`` to stdin's bytes. A path
    that does not exist becomes an item whose ``read_page`` fails, so it is reported by name
    with the others.

    Raises :class:`InputError` if ``-`` is given twice (stdin can be read only once).
    """
    items: list[PageSource] = []
    empty: list[str] = []
    seen_stdin = False
    for arg in args:
        if arg == STDIN:
            if seen_stdin:
                raise InputError("'-' (stdin) can be given only once")
            seen_stdin = True
            data = stdin.read(MAX_PAGE_BYTES + 1) if stdin is not None else b""
            if len(data) > MAX_PAGE_BYTES:
                error = f"is larger than {_size(MAX_PAGE_BYTES)}; not a page"
                items.append(InputItem(STDIN_LABEL, STDIN_STEM, STDIN_STEM, error=error))
            else:
                items.append(InputItem(STDIN_LABEL, STDIN_STEM, STDIN_STEM, data=data))
            continue
        path = Path(arg)
        if path.is_dir():
            found = _walk(path, arg)
            if not found:
                empty.append(arg)
            items.extend(found)
        elif path.is_file() and (opener := _archive_opener(path.name)) is not None:
            inside = opener(path, arg)
            if not inside:
                empty.append(arg)
            items.extend(inside)
        else:
            name = readable_name(path.name)
            items.append(InputItem(readable_name(arg), name, page_stem(name), path=arg))
    return Expansion(_unique(items), empty)
