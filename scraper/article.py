"""Value objects that flow through the pipeline: a fetched or saved :class:`Page`, the cleaned
:class:`Article` with what was removed from it and why, and the :class:`Block` list of its
structure (headings, paragraphs, lists, quotes, code, tables, figures) that Markdown, HTML and
JSON outputs are made from."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from typing import Any

SNIPPET_CHARS = 100

# The dates of the output contract (docs/output.md): a moment is a full ISO 8601 timestamp with its
# offset; a day is ``YYYY-MM-DD`` as the page states it. One never stands in the other's field, so a
# reader (duckdb, pandas) types each field once: TIMESTAMP WITH TIME ZONE, and DATE.
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
DAY = re.compile(r"\d{4}-\d\d-\d\d")
# (timestamp field, day field) pairs of an Article.
DATE_FIELDS = (("published", "published_date"), ("modified", "modified_date"))
# Keys the tool's files add beside an Article's fields (the input's path or URL): set aside on reading.
ENVELOPE_KEYS = frozenset({"source", "input"})
# A jsonl record, the Dolma / datatrove shape: the Article is its ``text`` and its ``metadata``.
RECORD_KEYS = frozenset({"id", "text", "source", "added", "created", "metadata"})


def split_date(value: str | None) -> tuple[str | None, str | None]:
    """A date read from a page (ISO 8601, whatever its precision) as the contract's two fields:
    the timestamp, if it has a time *and* an offset, else None; and its day as written.

    A day alone, or a time without an offset, names no moment (its zone is unknown): only its day
    is kept. Guessing UTC would give a wrong instant, and put a late story on the wrong day.
    """
    if not value or not DAY.match(value):
        return None, None
    return (value if TIMESTAMP.fullmatch(value) else None), value[:10]


def snippet(text: str) -> str:
    """A short excerpt of removed text for :attr:`Removal.text`, whitespace folded."""
    return " ".join(text[: 4 * SNIPPET_CHARS].split())[:SNIPPET_CHARS]


# The kinds of block, in the order a reader meets them in most articles.
BLOCK_TYPES = ("heading", "paragraph", "list", "quote", "code", "table", "figure")


@dataclass(frozen=True, slots=True)
class Link:
    """A link inside a block: its text as it reads there and its absolute URL."""

    text: str
    url: str


@dataclass(frozen=True, slots=True)
class Block:
    """One block of the article, in reading order.

    - ``heading``: ``text``, ``level`` (1 to 6);
    - ``paragraph``, ``quote``: ``text``;
    - ``code``: ``text`` with its line breaks and indentation;
    - ``list``: ``items`` (a nested list's items follow their parent item, one deeper in ``depths``),
      ``ordered`` (the outer list's numbering, which its nested lists share);
    - ``table``: ``rows`` of cell texts, ``header`` when the first row is the table's head;
    - ``figure``: ``src`` (absolute), ``alt``, ``text`` (its caption, if any).

    ``links`` (any type with text; only when links are kept) are the links inside the block.
    """

    type: str
    text: str = ""
    level: int | None = None
    items: tuple[str, ...] = ()
    depths: tuple[int, ...] = ()
    ordered: bool | None = None
    rows: tuple[tuple[str, ...], ...] = ()
    header: bool | None = None
    src: str | None = None
    alt: str | None = None
    links: tuple[Link, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in BLOCK_TYPES:
            raise ValueError(f"unknown block type {self.type!r} (known: {', '.join(BLOCK_TYPES)})")

    def to_dict(self) -> dict[str, Any]:
        """The block's own fields (empty ones left out), JSON-ready."""
        out: dict[str, Any] = {"type": self.type}
        if self.text:
            out["text"] = self.text
        if self.level is not None:
            out["level"] = self.level
        if self.items:
            out["items"] = list(self.items)
            if any(self.depths):
                out["depths"] = list(self.depths)
        if self.ordered is not None:
            out["ordered"] = self.ordered
        if self.rows:
            out["rows"] = [list(row) for row in self.rows]
        if self.header is not None:
            out["header"] = self.header
        if self.src is not None:
            out["src"] = self.src
        if self.alt is not None:
            out["alt"] = self.alt
        if self.links:
            out["links"] = [{"text": link.text, "url": link.url} for link in self.links]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Block:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        unknown = set(data) - set(cls.__slots__)
        if unknown:
            raise ValueError(f"unknown block fields: {', '.join(sorted(unknown))}")
        values = dict(data)
        items = tuple(values.get("items", ()))
        values["items"] = items
        values["depths"] = tuple(values.get("depths", ())) or (0,) * len(items)
        values["rows"] = tuple(tuple(row) for row in values.get("rows", ()))
        values["links"] = tuple(Link(**link) for link in values.get("links", ()))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Removal:
    """One piece of the page that was removed, and who removed it.

    ``by`` names the source: ``rule:<file stem>`` for a site or generic rule,
    ``detector:<name>`` for a generic detector. ``what`` is the selector,
    pattern or heuristic that matched; ``text`` a short excerpt of what went.
    ``kind`` is ``element`` (a DOM node before extraction) or ``line`` (a text
    line after extraction).
    """

    by: str
    what: str
    text: str
    kind: str = "element"
    # How sure a learned model was that this was boilerplate (``model:*`` removals only).
    probability: float | None = None


@dataclass(frozen=True, slots=True)
class Flag:
    """A line kept in the text although a learned model reads it as boilerplate.

    The text is never cut on a guess: measured on sites the model never saw, its surest calls still
    took about one article line (a subheading, a line of code, a sign-off) for every one or two
    boilerplate lines (docs/models.md). So the line stays, and the doubt is recorded here with the
    model's ``probability`` that it is boilerplate; a pipeline that would rather lose such a line
    than keep a promo can drop them (:meth:`Article.text_without_flagged`). ``text`` is the whole
    line as it stands in :attr:`Article.text`.
    """

    by: str
    what: str
    text: str
    probability: float


@dataclass(frozen=True, slots=True)
class Received:
    """A response as it came off the wire, kept only for a crawl's WARC (``scraper crawl --warc``).

    ``headers`` are the response headers in the server's order and spelling (repeats kept);
    ``body`` is the entity body as received: de-chunked, but still in its ``Content-Encoding``.
    ``reason`` is the status line's reason phrase, ``http_version`` its protocol (``HTTP/1.1``).
    """

    http_version: str
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class Page:
    """Raw HTML as fetched or read from disk; :attr:`text` is it decoded, once.

    Every step that reads a page (links, the site memory, cleaning) asks the page for its
    text, so a page is decoded once however many steps read it, with the same answer.
    """

    url: str | None
    body: bytes
    final_url: str | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: str | None = None
    # The response as received, when a crawl archives it (WARC); never sent to workers.
    received: Received | None = field(default=None, repr=False, compare=False)
    _text: str | None = field(default=None, init=False, repr=False, compare=False)

    def header(self, name: str) -> str | None:
        """A response header, whatever the case of its name where it was recorded."""
        name = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == name), None)

    @property
    def text(self) -> str:
        """The HTML decoded (BOM, ``Content-Type`` charset, ``<meta>``, else detected).

        Raises :class:`~scraper.errors.NoArticleError` (``binary``) for bytes that are no text.
        """
        if self._text is None:
            from scraper.extract.decode import decode_html  # charset detection loads on first use

            object.__setattr__(self, "_text", decode_html(self.body, self.header("content-type"))[0])
        assert self._text is not None
        return self._text

    def __getstate__(self) -> dict[str, object]:
        # Neither the decoded text nor the copy as received is sent to worker processes: each
        # would double what crosses over, and cleaning reads neither.
        return {f.name: getattr(self, f.name) for f in fields(self) if f.init and f.name != "received"}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "received", None)
        object.__setattr__(self, "_text", None)


@dataclass(frozen=True, slots=True)
class Article:
    """The clean body text of one article with its metadata.

    ``published`` and ``modified`` are full ISO 8601 timestamps with their offset, or None;
    ``published_date`` and ``modified_date`` the day (``YYYY-MM-DD``) as the page states it, set
    whenever any date is known, so a page that gives only a day (or a time without an offset) has
    ``published=None, published_date="2025-01-02"`` (docs/output.md). ``text`` has one paragraph
    per line, blank-line separated.
    """

    text: str
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    modified: str | None = None
    published_date: str | None = None
    modified_date: str | None = None
    sitename: str | None = None
    language: str | None = None  # as the page declares it (primary subtag)
    # As the text reads (scraper.extract.language): None when it is too short or mixed to tell.
    detected_language: str | None = None
    detected_language_probability: float | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    url: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    word_count: int = 0
    text_sha256: str = ""
    source_sha256: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    removed: tuple[Removal, ...] = ()
    # Lines kept although a learned model reads them as boilerplate (Flag, above).
    flagged: tuple[Flag, ...] = ()
    warnings: tuple[str, ...] = ()
    # The visible text may be only a teaser: the page marks the article as subscriber-only
    # (schema.org isAccessibleForFree false) or shows a paywall prompt beside a short text.
    paywalled: bool = False
    # Labels of site rules that failed on this page (body selectors matched nothing, or far less
    # text than the generic path found); the page was then cleaned generically.
    failed_rules: tuple[str, ...] = ()
    # What kind of page the learned page-type model reads this as (article, listing, forum, product,
    # other) and its probability; None when the model was off (``clean(..., model=False)``).
    page_kind: str | None = None
    page_kind_probability: float | None = None
    # The article's structure (headings, paragraphs, lists, quotes, code, tables, figures) in
    # reading order: what the Markdown, HTML and JSON outputs are made from (Block, above).
    blocks: tuple[Block, ...] = ()
    # Where a page read from a web archive was (scraper.io.warc): the file as given, the record's
    # WARC-Record-ID and its byte offset; None for every other input.
    warc_file: str | None = None
    warc_record_id: str | None = None
    warc_offset: int | None = None

    def __post_init__(self) -> None:
        # The dates' contract holds for every Article however it was made: a day or a time without
        # offset in a timestamp field is refused, and a timestamp's day fills its day field.
        for moment, day_field in DATE_FIELDS:
            stamp, day = getattr(self, moment), getattr(self, day_field)
            if stamp is not None and not TIMESTAMP.fullmatch(stamp):
                raise ValueError(
                    f"{moment} must be a full ISO 8601 timestamp with offset or None, not {stamp!r}"
                    f" (a day alone goes in {day_field})"
                )
            if day is not None and not DAY.fullmatch(day):
                raise ValueError(f"{day_field} must be a day (YYYY-MM-DD) or None, not {day!r}")
            if stamp is not None and day is None:
                object.__setattr__(self, day_field, stamp[:10])

    def text_without_flagged(self, at_least: float = 0.0) -> str:
        """:attr:`text` without the flagged lines whose probability of being boilerplate is at
        least ``at_least``: for a pipeline that prefers a little less article to a promo. A line
        that stands in the text more often than it is flagged loses its last copies (the judge
        flags where boilerplate sits: in boxes and the text's tail)."""
        doubted = Counter(flag.text.strip() for flag in self.flagged if flag.probability >= at_least)
        kept: list[str] = []
        for line in reversed(self.text.split("\n\n")):
            if doubted[line.strip()] > 0:
                doubted[line.strip()] -= 1
            else:
                kept.append(line)
        return "\n\n".join(reversed(kept))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: tuples become lists, removals and flags become dicts."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        out["blocks"] = [block.to_dict() for block in self.blocks]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, text: str | None = None) -> Article:
        """Inverse of :meth:`to_dict`, and the reader of every JSON the tool writes
        (docs/output.md): a ``json`` file or a ``txt`` format's ``.json`` (their ``source`` set
        aside), a ``jsonl`` record (``metadata`` and ``text`` read; ``id``, ``source``, ``added``,
        ``created`` and the metadata's ``input`` set aside) and the ``md`` front matter.

        ``text`` is the article's text where ``data`` holds none (the ``.txt`` beside a ``txt``
        format's ``.json``, the body under the front matter). A ``published`` that is a day, from
        files written before ``published_date`` existed, is read into the day field. Any other
        unknown key is an error, not ignored.
        """
        values = dict(data)
        if isinstance(values.get("metadata"), dict) and "id" in values:  # a jsonl record
            if extra := set(values) - RECORD_KEYS:
                raise ValueError(f"unknown jsonl record keys: {', '.join(sorted(extra))}")
            values = {**values["metadata"], "text": values.get("text")}
        for key in ENVELOPE_KEYS:
            values.pop(key, None)
        if text is not None:
            values["text"] = text
        if not isinstance(values.get("text"), str):
            raise ValueError(
                "no article text: a txt format's .json and the md front matter hold the metadata only;"
                " pass the text (the .txt beside it, the Markdown body) as text="
            )
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown Article fields: {', '.join(sorted(unknown))}")
        for moment, day_field in DATE_FIELDS:
            if day_field not in values and isinstance(values.get(moment), str):
                values[moment], values[day_field] = split_date(values[moment])
        for key in ("authors", "tags", "warnings", "failed_rules"):
            if key in values:
                values[key] = tuple(values[key])
        if "blocks" in values:
            values["blocks"] = tuple(Block.from_dict(b) for b in values["blocks"])
        if "removed" in values:
            values["removed"] = tuple(Removal(**r) for r in values["removed"])
        if "flagged" in values:
            values["flagged"] = tuple(Flag(**f) for f in values["flagged"])
        return cls(**values)


PAYWALL_NOTE = "paywalled: the text may be only the visible teaser"


def rule_failures(article: Article) -> list[tuple[str, str]]:
    """Each failed site rule of the page with the engine's warning saying how it failed."""
    return [
        (label, next((w for w in article.warnings if label in w), f"site rule {label} failed"))
        for label in article.failed_rules
    ]


def article_notes(article: Article) -> list[str]:
    """What a batch should tell its user about an article it writes: a paywall teaser, and each
    site rule that failed on the page (with how), so neither goes unnoticed."""
    notes = [PAYWALL_NOTE] if article.paywalled else []
    notes += [warning for _, warning in rule_failures(article)]
    return notes
