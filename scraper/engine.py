"""Page → Article: the one function every way in (library, CLI, crawler) goes through."""

from __future__ import annotations

import hashlib
import re
from importlib.metadata import PackageNotFoundError, version

import trafilatura

from .article import Article
from .errors import InputError, NoArticleError


def _versions() -> dict[str, str]:
    out = {}
    for dist in ("scraper", "trafilatura", "selectolax"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "unknown"
    return out


VERSIONS = _versions()
_WORD = re.compile(r"\w+")


def clean(html: str | bytes, url: str | None = None, *, rules: object = None) -> Article:
    """Return the clean article of one page (provisional minimal version)."""
    if isinstance(html, bytes):
        raw = html
        text_html = html.decode("utf-8", errors="replace")
    elif isinstance(html, str):
        raw = html.encode("utf-8")
        text_html = html
    else:
        raise InputError(f"html must be str or bytes, not {type(html).__name__}")
    text = trafilatura.extract(text_html, url=url, include_comments=False) or ""
    if not text.strip():
        raise NoArticleError("no article text found on the page", reason="empty")
    return Article(
        text=text,
        url=url,
        word_count=len(_WORD.findall(text)),
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
        source_sha256=hashlib.sha256(raw).hexdigest(),
        versions=dict(VERSIONS),
    )
