"""Where a page says when its article was published and last modified.

Structured sources first (the article's JSON-LD, the date metas, microdata and ``<time pubdate>``,
the JSON-LD page, other metas named like a date), then what the reader sees: a day in the URL, next
to the headline, in date-named elements, next to the byline; last, any ``<time>``. A JSON-LD
``datePublished`` not written in ISO 8601 ("Jun 24, 2025") marks a hand-made template, often bound to
the wrong CMS field, so the date shown on the page goes before it. Reading each date string is
:mod:`.dates`' job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.metadata.common import DIGIT, SPACES, Lazy, node_text, short_text, split_url
from scraper.extract.metadata.dates import dates_in_text, first_unlabelled, iso_day, normalise_date
from scraper.extract.metadata.layout import MAX_HEADER_TEXT, is_foreign
from scraper.extract.metadata.scan import Scan, first_meta

# Meta keys (name / property / itemprop, lowercase) per field, most trusted first.
META_PUBLISHED = (
    "article:published_time",
    "og:published_time",
    "article:published",
    "itemprop:datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "dc.date.created",
    "citation_publication_date",
    "citation_date",
    "article.published",
    "publish-date",
    "publish_date",
    "published_date",
    "publication_date",
    "pubdate",
    "date",
    "itemprop:datecreated",
    "article_date_original",
    "cxenseparse:recs:publishtime",
)
META_MODIFIED = (
    "article:modified_time",
    "og:modified_time",
    "itemprop:datemodified",
    "dcterms.modified",
    "dc.date.modified",
    "article.updated",
    "last-modified",
    "lastmod",
    "og:updated_time",
)
_DOM_DATE_SELECTORS = (
    "[itemprop~=datePublished]",
    "time[pubdate]",
    "article time[datetime], main time[datetime], [class*=byline i] time[datetime], "
    "[class*=meta i] time[datetime], [class*=date i] time[datetime], [class*=publish i] time[datetime]",
)
_DOM_MODIFIED_SELECTORS = ("[itemprop~=dateModified]",)
_ISO_START = re.compile(r"\s*(?:19|20)\d\d-[01]\d-[0-3]\d")
_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)([/_.-]?)([01]\d)\2([0-3]\d)(?!\d)|/((?:19|20)\d\d)/([01]?\d)/([0-3]?\d)/"
)
_GENERIC_PUBLISHED_KEY = re.compile(r"publi|pub.?date|release|creat|issued|^date$|[.:_-]date$", re.IGNORECASE)
_GENERIC_NOT_PUBLISHED_KEY = re.compile(r"modif|updat|expir|revis|valid|birth|event|start|end", re.IGNORECASE)
_DATE_CLASS_SELECTOR = (
    '[class*="date" i], [id*="date" i], [class*="publish" i], [class*="posted" i], '
    '[class*="entry-meta" i], [class*="post-meta" i], [class*="article-meta" i], [class*="byline" i]'
)
MAX_DATE_ELEMENT_TEXT = 120
MAX_BYLINES_FOR_DATE = 6


def page_dates(
    tree: LexborHTMLParser,
    scan: Scan,
    article: dict[str, Any],
    page: dict[str, Any],
    url: str | None,
    header: Lazy[list[list[str]]],
    bylines: Lazy[list[tuple[int, LexborNode]]],
) -> tuple[str | None, str | None]:
    """The publication and the last modification date; without any sign of the first
    publication, the last modification is the best date there is."""
    metas = scan.metas
    # "05/03/2024" is May 3 on American pages (and on English ones that name no region), 5 March
    # elsewhere.
    locale = (scan.html_lang or first_meta(metas, ("og:locale",)) or "").strip().lower().replace("_", "-")
    month_first = locale in ("en", "en-us") or locale.endswith("-us")
    modified = (
        normalise_date(article.get("dateModified"))
        or _meta_date(metas, META_MODIFIED, month_first)
        or _dom_date(tree, _DOM_MODIFIED_SELECTORS, month_first)
        or normalise_date(page.get("dateModified"))
    )
    published = _published(tree, metas, article, page, url, (header, bylines), month_first)
    return published or modified, modified


def _published(
    tree: LexborHTMLParser,
    metas: dict[str, list[str]],
    article: dict[str, Any],
    page: dict[str, Any],
    url: str | None,
    near: tuple[Lazy[list[list[str]]], Lazy[list[tuple[int, LexborNode]]]],
    month_first: bool,
) -> str | None:
    """The publication date: structured sources first, then what the page shows next to the
    headline or the byline, then any ``<time>``."""
    # schema.org asks for ISO 8601; a date written for humans ("Jun 24, 2025") marks a hand-made
    # template, whose bindings are often the wrong CMS field: the visible date goes first then.
    json_published = article.get("datePublished") or article.get("dateCreated")
    json_iso = isinstance(json_published, str) and bool(_ISO_START.match(json_published))
    sources = (
        lambda: normalise_date(json_published) if json_iso else None,
        lambda: _meta_date(metas, META_PUBLISHED, month_first),
        lambda: _dom_date(tree, _DOM_DATE_SELECTORS, month_first),
        lambda: normalise_date(page.get("datePublished")),
        lambda: normalise_date(article.get("uploadDate")),
        lambda: _generic_meta_date(metas, month_first),
        lambda: _url_date(url),
        lambda: _header_date(near[0].get(), month_first),
        lambda: _class_date(tree, month_first),
        lambda: _byline_date(near[1].get(), month_first),
        lambda: normalise_date(json_published, month_first),
        lambda: _dom_date(tree, ("time[datetime]",), month_first),
    )
    for source in sources:
        if date := source():
            return date
    return None


def _meta_date(metas: dict[str, list[str]], keys: Iterable[str], month_first: bool) -> str | None:
    """The first value of the metas named ``keys`` (in that order) that reads as a date."""
    dates = (normalise_date(value, month_first) for key in keys for value in metas.get(key, ()))
    return next(filter(None, dates), None)


def _generic_meta_date(metas: dict[str, list[str]], month_first: bool) -> str | None:
    """Any other meta whose name says "published" / "created" / "date" (not "modified")."""
    for key, values in metas.items():
        if _GENERIC_PUBLISHED_KEY.search(key) and not _GENERIC_NOT_PUBLISHED_KEY.search(key):
            for value in values:
                if date := normalise_date(value, month_first):
                    return date
    return None


def _dom_date(tree: LexborHTMLParser, selectors: tuple[str, ...], month_first: bool) -> str | None:
    root = tree.body or tree.root
    if root is None:
        return None
    for selector in selectors:
        for node in root.css(selector)[:8]:
            attrs = node.attributes
            value = attrs.get("datetime") or attrs.get("content") or node_text(node)
            date = normalise_date(value, month_first)
            if date and not is_foreign(node):
                return date
    return None


def _url_date(url: str | None) -> str | None:
    """A full day in the URL's path: ``/2024/05/03/``, ``/2024-05-03-``, ``/20240503/``."""
    if not url:
        return None
    match = _URL_DATE.search(split_url(url).path)
    if not match:
        return None
    year, month, day = (match[1], match[3], match[4]) if match[1] else (match[5], match[6], match[7])
    return iso_day(int(year), int(month), int(day))


def _header_date(levels: Iterable[list[str]], month_first: bool) -> str | None:
    """The day shown next to the headline, nearest first.

    A date labelled "Updated" is taken only when no other date is shown there.
    """
    for texts in levels:
        dates = dates_in_text(" | ".join(texts), month_first) if texts else []
        if dates:
            return first_unlabelled(dates) or dates[0][1]
    return None


def _class_date(tree: LexborHTMLParser, month_first: bool) -> str | None:
    """A short element whose class names a date ("post-date", "entry-meta", "byline"...)."""
    root = tree.body
    if root is None:
        return None
    updated: str | None = None
    for node in root.css(_DATE_CLASS_SELECTOR)[:30]:
        attrs = node.attributes
        # "Posted on April 13, 2023 | Tags: ...": the start is enough (and cheap on big elements).
        text = (
            attrs.get("datetime") or attrs.get("content") or node.text(deep=True, separator=" ", strip=True)
        )
        text = SPACES.sub(" ", text[: 4 * MAX_DATE_ELEMENT_TEXT])[:MAX_DATE_ELEMENT_TEXT]
        if not DIGIT.search(text):
            continue
        dates = dates_in_text(text, month_first)
        if not dates or is_foreign(node):
            continue
        if plain := first_unlabelled(dates):
            return plain
        updated = updated or dates[0][1]
    return updated


def _byline_date(bylines: list[tuple[int, LexborNode]], month_first: bool) -> str | None:
    """A day written next to the author's name: in the byline, its parent or grandparent."""
    checked = 0
    for _, node in bylines:
        if checked >= MAX_BYLINES_FOR_DATE:
            break
        if is_foreign(node):
            continue
        checked += 1
        container: LexborNode | None = node
        for _ in range(3):  # the byline itself, its parent, its grandparent
            if container is None or container.tag in ("body", "html", "article", "main"):
                break
            text = short_text(container, MAX_HEADER_TEXT)
            if text is None:
                break
            if dates := dates_in_text(text, month_first):
                return first_unlabelled(dates) or dates[0][1]
            container = container.parent
    return None
