"""Output formats: one registry entry per format, pure functions of an :class:`Article`.

A format says what one article becomes: the bytes of each file it is written to (``files``,
by suffix) and what it prints on stdout (``render``). A *stream* format (``jsonl``) writes one
file for a whole batch instead, a line per article. Where the files go is :mod:`scraper.io.sink`.

Registered formats, for an output stem ``DIR/theweek.com/x``:

- ``txt``: ``x.txt`` (the text) and ``x.json`` (the metadata: ``Article.to_dict()`` minus
  ``text``, plus ``source``).
- ``md``: ``x.md``: YAML front matter, then the article as CommonMark (headings, lists, quotes,
  fenced code, tables; links and images when kept).
- ``html``: ``x.html``: a clean, minimal HTML document of the article.
- ``json``: ``x.json``: all of ``Article.to_dict()`` plus ``source``.
- ``jsonl``: one ``DIR/articles.jsonl`` for the whole batch, one record per line in the
  Dolma / datatrove shape (``id``, ``text``, ``source``, ``added``, ``created``, ``metadata``),
  one record per ``id`` (:mod:`scraper.io.records`: a re-run replaces its records in place).
- ``parquet``: one new ``DIR/articles-<batch time>.parquet`` per batch, the same records
  (:mod:`scraper.io.parquet`; the optional extra ``scraper[parquet]``).

A new format is one :func:`register` call here; the CLI, the crawl and the README's list of
``--format`` choices follow from the registry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scraper.article import Article
from scraper.io.parquet import parquet_bytes, require_pyarrow
from scraper.io.render import html_document, markdown_body

JSONL_NAME = "articles.jsonl"
PARQUET_NAME = "articles-{batch}.parquet"
# Keys of the Markdown front matter, in the order written; others stay in the JSON formats.
FRONT_MATTER_KEYS = (
    "title",
    "authors",
    "published",
    "modified",
    "published_date",
    "modified_date",
    "url",
    "canonical_url",
    "sitename",
    "language",
    "detected_language",
    "detected_language_probability",
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


@dataclass(frozen=True, slots=True)
class Written:
    """Where one article came from, as the outputs record it."""

    source: str  # the input path or URL
    relpath: str  # the input's path under its folder argument (or the output stem)
    added: str  # when the batch ran (ISO 8601 UTC)
    key: str = ""  # the record's id in a batch file (scraper.io.naming); "" for relpath's fallbacks


@dataclass(frozen=True, slots=True)
class OutputFormat:
    """One output format: an article becomes one file per suffix of ``suffixes``, their texts
    given by ``files`` in that order; a stream format has no suffixes and writes one
    ``stream_name`` file for the batch, a ``render`` per article. ``render`` is the stdout form."""

    name: str
    help: str
    render: Callable[[Article, Written], str]
    suffixes: tuple[str, ...] = ()
    files: Callable[[Article, Written], tuple[str, ...]] | None = None
    stream_name: str | None = None
    # A batch format (parquet): the batch's records (jsonl_record dicts, in order) become one file's
    # bytes when the batch ends, in a new ``stream_name`` file whose ``{batch}`` is the batch time;
    # written to a folder only. ``needs`` raises ConfigError when the optional extra it uses is missing.
    encode_batch: Callable[[list[dict[str, Any]]], bytes] | None = None
    needs: Callable[[], object] | None = None

    @property
    def streams(self) -> bool:
        """Articles go to one file per batch (and to stdout one line each), not a file each."""
        return self.stream_name is not None and self.encode_batch is None


_REGISTRY: dict[str, OutputFormat] = {}


def register(fmt: OutputFormat) -> OutputFormat:
    """Add a format (its name becomes a ``--format`` choice)."""
    if (fmt.files is None or not fmt.suffixes) == (fmt.stream_name is None):
        raise ValueError(f"format {fmt.name!r} needs either suffixes and files, or a stream_name")
    _REGISTRY[fmt.name] = fmt
    return fmt


def get_format(name: str) -> OutputFormat:
    """The registered format ``name``; ``ValueError`` names the known ones otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown format {name!r} (known: {', '.join(format_names())})") from None


def format_names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def formats_help() -> str:
    """The ``--format`` help line: each format and what it writes."""
    return "; ".join(f"{fmt.name}: {fmt.help}" for fmt in _REGISTRY.values()) + "."


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
    """The ``md`` format: ``---`` front matter (``FRONT_MATTER_KEYS``) ``---``, then the article as
    CommonMark, made from its blocks (:mod:`scraper.io.render`)."""
    data = article_dict(article, source)
    lines = ["---", *(f"{key}: {yaml_scalar(data.get(key))}" for key in FRONT_MATTER_KEYS), "---"]
    return "\n".join(lines) + "\n\n" + markdown_body(article)


def utc_now() -> str:
    """This moment as ISO 8601 UTC to the second (``2026-11-24T15:45:27Z``): a run's ``added``."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def jsonl_record(
    article: Article, *, relpath: str, source: str, added: str, record_id: str | None = None
) -> dict[str, Any]:
    """One ``jsonl`` line, shaped as Dolma and datatrove read documents.

    ``id`` is ``record_id`` (the output's key, :mod:`scraper.io.naming`: the input's path under
    its folder argument for a saved page, the canonical or fetched URL for a fetched one); without
    it the canonical URL, else the URL, else ``relpath``; ``source`` the URL if known, else the
    input path; ``created`` the published timestamp (with offset) or None, never a day alone (that is in
    ``metadata.published_date``), so readers type it as a timestamp; ``metadata`` the rest of
    ``Article.to_dict()`` plus ``input`` (the input path, which the URL would otherwise hide).
    """
    metadata = article.to_dict()
    text = metadata.pop("text")
    url = article.canonical_url or article.url
    return {
        "id": record_id or url or relpath,
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


def _text(article: Article) -> str:
    return article.text.rstrip("\n") + "\n"


def _json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _jsonl(article: Article, origin: Written) -> str:
    key = origin.key or None
    record = jsonl_record(
        article, relpath=origin.relpath, source=origin.source, added=origin.added, record_id=key
    )
    return jsonl_line(record).decode("utf-8")


register(
    OutputFormat(
        "txt",
        "text + .json metadata",
        render=lambda article, origin: _text(article),
        suffixes=(".txt", ".json"),
        files=lambda article, origin: (_text(article), _json_text(metadata_dict(article, origin.source))),
    )
)
register(
    OutputFormat(
        "md",
        "front matter + text",
        render=lambda article, origin: render_markdown(article, origin.source),
        suffixes=(".md",),
        files=lambda article, origin: (render_markdown(article, origin.source),),
    )
)
register(
    OutputFormat(
        "json",
        "everything",
        render=lambda article, origin: _json_text(article_dict(article, origin.source)),
        suffixes=(".json",),
        files=lambda article, origin: (_json_text(article_dict(article, origin.source)),),
    )
)
register(
    OutputFormat(
        "html",
        "a clean, minimal HTML document",
        render=lambda article, origin: html_document(article),
        suffixes=(".html",),
        files=lambda article, origin: (html_document(article),),
    )
)
register(OutputFormat("jsonl", f"one {JSONL_NAME}, one record per id", render=_jsonl, stream_name=JSONL_NAME))
register(
    OutputFormat(
        "parquet",
        "one articles-<time>.parquet per batch (pip install 'scraper[parquet]')",
        render=_jsonl,
        stream_name=PARQUET_NAME,
        encode_batch=parquet_bytes,
        needs=require_pyarrow,
    )
)
