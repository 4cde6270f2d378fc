"""Value objects that flow through the pipeline: a fetched or saved :class:`Page`
and the cleaned :class:`Article` with what was removed from it and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

SNIPPET_CHARS = 100


def snippet(text: str) -> str:
    """A short excerpt of removed text for :attr:`Removal.text`, whitespace folded."""
    return " ".join(text[: 4 * SNIPPET_CHARS].split())[:SNIPPET_CHARS]


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
        # The decoded text is not sent to worker processes: it would double what crosses over.
        return {f.name: getattr(self, f.name) for f in fields(self) if f.init}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_text", None)


@dataclass(frozen=True, slots=True)
class Article:
    """The clean body text of one article with its metadata.

    Dates are ISO 8601 strings (``YYYY-MM-DD`` or a full timestamp) as the page
    gives them; ``text`` has one paragraph per line, blank-line separated.
    """

    text: str
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    modified: str | None = None
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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: tuples become lists, removals become dicts."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Inverse of :meth:`to_dict`; unknown keys are an error, not ignored."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown Article fields: {', '.join(sorted(unknown))}")
        values = dict(data)
        for key in ("authors", "tags", "warnings", "failed_rules"):
            if key in values:
                values[key] = tuple(values[key])
        if "removed" in values:
            values["removed"] = tuple(Removal(**r) for r in values["removed"])
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
