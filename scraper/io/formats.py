"""Output formats and atomic writes: pure functions of an :class:`~scraper.article.Article`
and paths. Nothing here prints; nothing else in the package touches the disk.

Formats (``FORMATS``), for an output stem ``DIR/theweek.com/x``:

- ``txt``: ``x.txt`` (the text) and ``x.json`` (the metadata: ``Article.to_dict()`` minus
  ``text``, plus ``source``).
- ``md``: ``x.md``: YAML front matter, then the text.
- ``json``: ``x.json``: all of ``Article.to_dict()`` plus ``source``.
- ``jsonl``: one ``DIR/articles.jsonl`` for the whole batch, one record per line in the
  Dolma / datatrove shape (``id``, ``text``, ``source``, ``added``, ``created``, ``metadata``).

Every file is written to a hidden temporary file next to it, flushed, fsynced and moved into
place with :func:`os.replace`: a reader sees the old file or the new one, never half of one,
and a re-run overwrites rather than duplicates.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from scraper.article import Article

FORMATS = ("txt", "md", "json", "jsonl")
JSONL_NAME = "articles.jsonl"
# Keys of the Markdown front matter, in the order written; others stay in the JSON formats.
FRONT_MATTER_KEYS = (
    "title",
    "authors",
    "published",
    "modified",
    "url",
    "canonical_url",
    "sitename",
    "language",
    "description",
    "tags",
    "image",
    "word_count",
    "paywalled",
    "source",
)
# Characters YAML will not take raw inside a double-quoted scalar (non-printable in YAML 1.2),
# plus the ones YAML 1.1 readers (PyYAML) treat as line breaks and would fold away.
_YAML_LINE_BREAKS = {"\x85", "\u2028", "\u2029"}
# Raw in JSON (which allows them in strings) but line breaks to str.splitlines().
_JSONL_ESCAPES = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


# -- atomic writes ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _file_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give a new file under the current umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_dir(folder: Path) -> None:
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, _file_mode())
        kwargs: dict[str, Any] = {} if mode == "wb" else {"encoding": encoding, "newline": "\n"}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    data = text.encode("utf-8")  # fails here, before the disk is touched, on lone surrogates
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def atomic_write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented UTF-8 JSON to ``path`` atomically."""
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


# -- what goes into each format ----------------------------------------------------------------


def article_dict(article: Article, source: str) -> dict[str, Any]:
    """The ``json`` format: all of ``Article.to_dict()`` plus where the page came from."""
    return {**article.to_dict(), "source": source}


def metadata_dict(article: Article, source: str) -> dict[str, Any]:
    """The ``txt`` format's sidecar: everything but the text, plus ``source``."""
    data = article_dict(article, source)
    del data["text"]
    return data


def yaml_scalar(value: Any) -> str:
    """One YAML value written by hand: strings as JSON double-quoted strings (valid YAML),
    with the characters YAML rejects or folds escaped; lists in flow style; None as null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(yaml_scalar(v) for v in value) + "]"
    text = json.dumps(str(value), ensure_ascii=False)
    return "".join(
        f"\\u{ord(ch):04x}" if ch in _YAML_LINE_BREAKS or not _yaml_printable(ch) else ch for ch in text
    )


def _yaml_printable(ch: str) -> bool:
    code = ord(ch)
    return (
        code in (0x09, 0x0A, 0x0D)
        or 0x20 <= code <= 0x7E
        or code == 0x85
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or code >= 0x10000
    )


def render_markdown(article: Article, source: str) -> str:
    """The ``md`` format: ``---`` front matter (``FRONT_MATTER_KEYS``) ``---``, then the text."""
    data = article_dict(article, source)
    lines = ["---", *(f"{key}: {yaml_scalar(data.get(key))}" for key in FRONT_MATTER_KEYS), "---"]
    return "\n".join(lines) + "\n\n" + article.text.rstrip("\n") + "\n"


def utc_now() -> str:
    """This moment as ISO 8601 UTC to the second (``2026-11-24T15:45:27Z``): a run's ``added``."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def jsonl_record(article: Article, *, relpath: str, source: str, added: str) -> dict[str, Any]:
    """One ``jsonl`` line, shaped as Dolma and datatrove read documents.

    ``id`` is the canonical URL, else the URL, else ``relpath`` (the input's path relative to
    the folder argument); ``source`` the URL if known, else the input path; ``created`` the
    published date or None; ``metadata`` the rest of ``Article.to_dict()`` plus ``input``
    (the input path, which the URL would otherwise hide).
    """
    metadata = article.to_dict()
    text = metadata.pop("text")
    url = article.canonical_url or article.url
    return {
        "id": url or relpath,
        "text": text,
        "source": article.url or article.canonical_url or source,
        "added": added,
        "created": article.published,
        "metadata": {**metadata, "input": source},
    }


def jsonl_line(record: dict[str, Any]) -> bytes:
    """A record as one UTF-8 line, no line-break character left raw inside it."""
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in _JSONL_ESCAPES.items():
        text = text.replace(raw, escaped)
    return (text + "\n").encode("utf-8")


def render(article: Article, fmt: str, *, source: str, relpath: str, added: str) -> str:
    """One article in ``fmt`` as a string, for stdout (``txt`` is the bare text)."""
    if fmt == "txt":
        return article.text.rstrip("\n") + "\n"
    if fmt == "md":
        return render_markdown(article, source)
    if fmt == "json":
        return json.dumps(article_dict(article, source), ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return jsonl_line(jsonl_record(article, relpath=relpath, source=source, added=added)).decode()
    raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")


# -- writing files -------------------------------------------------------------------------------


def output_paths(out_dir: Path, stem: str, fmt: str) -> list[Path]:
    """The files one article becomes (``jsonl`` writes none of its own: see :class:`JsonlWriter`)."""
    base = out_dir / stem
    named = {"txt": [".txt", ".json"], "md": [".md"], "json": [".json"], "jsonl": []}
    if fmt not in named:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    return [base.parent / (base.name + suffix) for suffix in named[fmt]]


def write_article(article: Article, out_dir: Path, stem: str, fmt: str, *, source: str) -> list[Path]:
    """Write one article's files for ``fmt`` under ``out_dir``; return the paths written.

    Everything is serialised before the first file is touched, so a value that cannot be
    written (a lone surrogate) fails without leaving one file of a pair new and one old.
    """
    paths = output_paths(out_dir, stem, fmt)
    if fmt == "txt":
        contents = [article.text.rstrip("\n") + "\n", _json_text(metadata_dict(article, source))]
    elif fmt == "md":
        contents = [render_markdown(article, source)]
    elif fmt == "json":
        contents = [_json_text(article_dict(article, source))]
    else:
        raise ValueError(f"format {fmt!r} is written with JsonlWriter, not write_article")
    encoded = [content.encode("utf-8") for content in contents]
    for path, data in zip(paths, encoded, strict=True):
        with atomic_open(path, "wb") as handle:
            handle.write(data)
    return paths


def _json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


class JsonlWriter:
    """Collect a batch into ``DIR/articles.jsonl``: lines go to a temporary file as they
    come, which replaces the old file only when the block ends without an exception (so an
    aborted run leaves the previous file whole, and a re-run never appends duplicates)::

        with JsonlWriter(out_dir / JSONL_NAME) as out:
            out.add(record)
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.count = 0
        self._context: Any = None
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> JsonlWriter:
        self._context = atomic_open(self.path, "wb")
        self._handle = self._context.__enter__()
        return self

    def add(self, record: dict[str, Any]) -> None:
        """Append one record (serialised first: a bad record raises and writes nothing)."""
        if self._handle is None:
            raise RuntimeError("JsonlWriter.add outside its with block")
        line = jsonl_line(record)
        self._handle.write(line)
        self.count += 1

    def __exit__(self, *exc_info: Any) -> bool | None:
        context, self._context, self._handle = self._context, None, None
        return context.__exit__(*exc_info)


# -- appending, for crawls that add to one file run after run ---------------------------------


def append_jsonl(path: str | Path, record: dict[str, Any]) -> None:
    """Append one record to ``path`` as a single write, flushed to disk before returning.

    A crawl appends as it goes (its file grows run after run). A kill mid-write can leave a
    partial last line, which :func:`repair_jsonl_tail` removes at the next run's start.
    """
    line = jsonl_line(record)  # serialised first: a bad record writes nothing
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, _file_mode())
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def repair_jsonl_tail(path: str | Path) -> bool:
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
