"""The extractors ``benchmarks/quality.py`` compares: ours, bare trafilatura, and optional others.

Each text extractor takes the page's raw bytes and its URL and returns plain text (``""`` for nothing);
exceptions propagate so the caller can count and list them. Timing is the caller's job.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import trafilatura

from scraper.extract.timelimit import time_limit


class HardTimeout(BaseException):
    """One extractor call ran past the benchmark's hard limit (a hang guard, not a measurement).

    A ``BaseException`` so that an extractor's own ``except Exception`` cannot swallow it."""


def hard_limit(seconds: float) -> AbstractContextManager[None]:
    """Raise :class:`HardTimeout` inside the block after ``seconds`` (0 = no limit; any thread)."""
    return time_limit(seconds, "one extractor call", error=HardTimeout)


def bare_text(html: bytes, url: str | None) -> str:
    """Bare trafilatura: default settings but for comments, which an article body leaves out."""
    return trafilatura.extract(html, url=url, include_comments=False) or ""


@dataclass(frozen=True, slots=True)
class Metadata:
    title: str | None
    authors: tuple[str, ...]
    date: str | None


def bare_metadata(html: bytes, url: str | None) -> Metadata:
    """Bare trafilatura's metadata (a separate, untimed pass)."""
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if document is None:
        return Metadata(None, (), None)
    author = getattr(document, "author", None) or ""
    authors = tuple(name.strip() for name in author.split(";") if name.strip())
    return Metadata(getattr(document, "title", None), authors, getattr(document, "date", None))


def _decode(html: bytes) -> str:
    """Bytes to str the way trafilatura would decode them (for extractors that want str)."""
    from trafilatura.utils import decode_file

    return decode_file(html)


_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "section")


def _html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, a line break after each block so words never run together."""
    import lxml.html

    if not fragment.strip():
        return ""
    root = lxml.html.fromstring(fragment)
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    return root.text_content()


def readability_text(html: bytes, url: str | None) -> str:
    """readability-lxml: ``Document(html).summary()``, then its text."""
    from readability import Document

    return _html_to_text(Document(html, url=url).summary(html_partial=True))


def newspaper_text(html: bytes, url: str | None) -> str:
    """newspaper4k on saved HTML (no network: images are not fetched)."""
    import newspaper

    article = newspaper.Article(url or "https://example.invalid/", fetch_images=False)
    article.download(input_html=_decode(html))
    article.parse()
    return article.text or ""


def available_others() -> dict[str, Callable[[bytes, str | None], str]]:
    """The optional extractors that can be imported here, by name."""
    found: dict[str, Callable[[bytes, str | None], str]] = {}
    try:
        import readability  # noqa: F401

        found["readability"] = readability_text
    except Exception:
        pass
    try:
        import newspaper  # noqa: F401

        found["newspaper4k"] = newspaper_text
    except Exception:
        pass
    return found
