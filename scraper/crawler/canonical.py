"""An AMP copy of an article gives way to the article's canonical URL.

An AMP page (``<html amp>`` or ``<html ⚡>``, as the AMP specification requires) names the
article's canonical URL. Written first, it would take the article's place, and the canonical page,
fetched later, would be refused as its duplicate. So an AMP copy read first waits once: the
canonical URL is queued, and the AMP copy is read again later. By then the canonical holds the
article (the copy is its duplicate), or it gave nothing (failed, gone, not an article) and the copy
is written after all: waiting never loses the article. Only AMP documents wait: any other page
whose canonical URL differs from the one fetched is written as it is, at no extra request.

Articles are named after their canonical URL on the same site (:mod:`scraper.io.naming`), so a
copy and its canonical page share one name. Should the copy hold it (written because its
canonical page gave nothing at the time), the canonical page, once it gives the article, is
written in the copy's place and the copy becomes its duplicate (:func:`takes_over`): the
canonical page wins whichever was read first.
"""

from __future__ import annotations

import re
from pathlib import Path

from scraper.article import Article
from scraper.crawler.state import UrlRecord
from scraper.io.naming import OutputName, url_name
from scraper.web.urls import normalize_url

DEFERRED = "deferred"
# The canonical URL's record says it holds the article, or will not give it.
_SETTLED = frozenset(
    {"written", "unchanged", "writing", "failed", "gave-up", "not-article", "gone", "skipped-robots"}
    | {"duplicate"}
)
# An AMP document's <html> tag carries the attribute "amp" or "⚡" (AMP specification), near the
# top: the raw bytes are searched, so the crawl's process decodes no article page to ask.
_AMP_HTML = re.compile(rb"<html\b[^>]*?\s(?:amp|\xe2\x9a\xa1)(?=[\s=/>])", re.IGNORECASE)


def is_amp(body: bytes) -> bool:
    """Whether the page (its raw bytes) declares itself an AMP document."""
    return _AMP_HTML.search(body, 0, 4096) is not None


def waits_for_canonical(
    record: UrlRecord, canonical: str | None, known: UrlRecord | None, *, in_scope: bool
) -> bool:
    """Whether the AMP copy fetched at ``record`` should wait for ``canonical`` (its state: ``known``)."""
    if canonical is None or not in_scope or canonical == normalize_url(record.url):
        return False
    if record.status == DEFERRED or record.text_hash:
        return False  # it waited once, or it holds its article already (an update stays put)
    return known is None or known.status not in _SETTLED


def output_name(record: UrlRecord, article: Article, suffixes: tuple[str, ...], out: Path) -> OutputName:
    """The article's name (:func:`url_name`); an article written before keeps the name of its files
    (``out/<stem><suffixes[0]>``), so an update replaces them even if an older rule named them."""
    name = url_name(record.url, article)
    first = Path(record.output[0]) if record.text_hash and record.output and suffixes else None
    if first is not None and first.name.endswith(suffixes[0]) and first.is_relative_to(out):
        stem = str(first.relative_to(out))[: -len(suffixes[0])]
        return OutputName(stem=stem, key=name.key, canonical=name.canonical)
    return name


def takes_over(held: UrlRecord, name: OutputName, canonical: str | None, written: list[str]) -> bool:
    """Whether the page named ``name``, fetched at its own canonical URL, replaces ``held``: a copy
    written under the same name (its files, or its record's file, are the ones this write
    replaces), and not still being written."""
    if canonical is None or not name.canonical or name.key != canonical:
        return False
    return (
        held.status in ("written", "unchanged")
        and held.canonical_url == canonical
        and list(held.output) == written
    )
