"""Who wrote the article: the first source that names someone other than the publication.

Sources in order of trust: the article's JSON-LD ``author`` (or ``creator``), the author metas,
then bylines on the page. Bylines are found with one query and ranked by how specifically they are
marked (``itemprop=author`` and ``rel=author`` first, then author-name classes, a "By ..." next to
the headline, links to author pages, ``.byline`` elements, anything named "author"); the first kind
with names wins, and bylines in comments, teasers, menus or the site's header and footer are skipped.
Turning each string into names is :mod:`.names`' job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.metadata.common import Lazy, as_list, node_text, short_text
from scraper.extract.metadata.jsonld import PUBLISHER_TYPES, JsonLd, parse_json, types_of
from scraper.extract.metadata.layout import is_foreign
from scraper.extract.metadata.names import (
    MAX_BYLINE_CHARS,
    dedupe_names,
    is_publication,
    meta_names,
    split_names,
)

# Meta keys (name / property / itemprop, lowercase), most trusted first.
META_AUTHOR = (
    "article:author",
    "author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "citation_author",
    "byl",
    "authors",
    "article:author_name",
    "cxenseparse:author",
)

# Byline elements, most specific first (tier 0 to 4); the first tier with names wins.
# 0: marked as the author   1: marked as the author's name   2: links to author pages
# 3: byline elements        4: anything named "author"
AUTHOR_NAME_CLASSES = (
    "author-name",
    "author__name",
    "authorname",
    "byline__name",
    "byline-name",
    "author-link",
)
AUTHOR_PATHS = (
    "/author/",
    "/authors/",
    "/autor/",
    "/autoren/",
    "/auteur/",
    "/journalist/",
    "/writers/",
    "/staff/",
    "/contributors/",
    "/reporters/",
)
# One query finds them all (each query is a pass over the DOM); ``_byline_tier`` sorts them.
BYLINE_SELECTOR = (
    "[itemprop~=author], a[rel~=author], link[rel~=author], address, "
    '[class*="author" i], [id*="author" i], [data-testid*="author" i], [class*="byl" i], [id*="byline" i], '
    'a[href*="/author" i], a[href*="/autor" i], a[href*="/auteur/" i], a[href*="/journalist/" i], '
    'a[href*="/writers/" i], a[href*="/staff/" i], a[href*="/contributors/" i], a[href*="/reporters/" i]'
)
TIERS = 5
SINGLE_NAME_TIERS = 2  # the first two tiers mark the name itself: one word is enough there
# A class naming a part of an author box that is not the name ("author-bio", "author__avatar").
NOT_NAME_PART = re.compile(
    r"(?:author|byl)\w*[-_]+(?:avatar|image|img|photo|pic|bio|desc|title|role|position|job|date|time|"
    r"social|share|follow|count|posts|label|icon|prefix|intro|info|about|more)|"
    r"(?:avatar|image|img|photo|bio|desc|social|share|label|icon|prefix)[-_]*(?:author|byl)",
    re.IGNORECASE,
)
_BYLINE_START = re.compile(
    r"(?:^|[|·•]\s*)(?:(?:written|posted|words|story|text|article|reported|compiled)\s+)?"
    r"(?:by|von|par|por|door|av|af|di|przez)\b\s*:?\s*(.*)$",
    re.IGNORECASE,
)
MAX_BYLINE_TEXT = 120


def authors(
    json_ld: JsonLd,
    article: dict[str, Any],
    metas: dict[str, list[str]],
    publication: list[frozenset[str]],
    bylines: Lazy[list[tuple[int, LexborNode]]],
    header: Lazy[list[list[str]]],
) -> tuple[str, ...]:
    """The first source (JSON-LD, metas, bylines) that names someone other than the publication."""
    sources = (
        lambda: [
            name
            for raw, is_org in (_json_authors(json_ld, article) if article else ())
            for name in split_names(raw, strict=False)
            if not (is_org and (not publication or is_publication(name, publication, loose=True)))
        ],
        lambda: next((found for key in META_AUTHOR if (found := meta_names(metas.get(key, ())))), []),
        lambda: _dom_authors(bylines.get(), header),
    )
    for source in sources:
        if found := dedupe_names(source(), publication):
            return found
    return ()


def _json_authors(json_ld: JsonLd, entity: dict[str, Any]) -> list[tuple[str, bool]]:
    """Author names of one entity, each with whether it is typed as an organisation."""
    raw = entity.get("author")
    if raw is None:
        raw = entity.get("creator")
    if isinstance(raw, str) and raw.lstrip().startswith(("{", "[")):
        parsed = parse_json(raw)
        raw = parsed[0] if parsed and not (isinstance(parsed[0], dict) and parsed[0].get("_broken")) else raw
    found: list[tuple[str, bool]] = []
    for item in as_list(raw)[:20]:
        item = json_ld.resolve(item)
        if isinstance(item, str):
            found.append((item, False))
        elif isinstance(item, dict):
            types = {t.lower() for t in types_of(item)}
            is_org = bool(types & PUBLISHER_TYPES) and "person" not in types
            name = item.get("name")
            if isinstance(name, list):
                for one in name:
                    if isinstance(one, str):
                        found.append((one, is_org))
                continue
            if isinstance(name, dict):
                name = name.get("name") or name.get("@value")
            if not isinstance(name, str) or not name.strip():
                parts = [item.get(k) for k in ("givenName", "additionalName", "familyName")]
                name = " ".join(p for p in parts if isinstance(p, str) and p.strip())
            if name:
                found.append((name, is_org))
    return found


def byline_nodes(tree: LexborHTMLParser) -> list[tuple[int, LexborNode]]:
    """Byline elements of the page with their tier, in document order (one query for all)."""
    root = tree.body
    if root is None:
        return []
    found = []
    for node in root.css(BYLINE_SELECTOR):
        if node.tag in ("img", "script", "style", "svg") or NOT_NAME_PART.search(
            node.attributes.get("class") or ""
        ):
            continue
        if (tier := _byline_tier(node)) is not None and (not found or found[-1][1] != node):
            found.append((tier, node))
    return found


def _byline_tier(node: LexborNode) -> int | None:
    """Which kind of byline element ``node`` is (0 most specific), None for none."""
    attrs = node.attributes
    tag = node.tag
    if "author" in (attrs.get("itemprop") or "").split():
        return 0
    if tag in ("a", "link") and "author" in (attrs.get("rel") or "").lower().split():
        return 0
    classes = (attrs.get("class") or "").lower()
    if (
        any(name in classes for name in AUTHOR_NAME_CLASSES)
        or "author" in (attrs.get("data-testid") or "").lower()
    ):
        return 1
    if tag == "a" and any(path in (attrs.get("href") or "").lower() for path in AUTHOR_PATHS):
        return 2
    ident = (attrs.get("id") or "").lower()
    if "byl" in classes or "byline" in ident:
        return 3
    if "author" in classes or "author" in ident or tag == "address":
        return 4
    return None


def _byline_names(node: LexborNode, single: bool) -> list[str]:
    attrs = node.attributes
    if node.tag in ("link", "meta"):
        value = attrs.get("content") or attrs.get("title") or ""
        return split_names(value, strict=True, single=single)
    # An itemprop=author scope names its person in an itemprop=name.
    if "author" in (attrs.get("itemprop") or "").split() and (inner := node.css_first("[itemprop~=name]")):
        value = inner.attributes.get("content") or node_text(inner)
        if value:
            return split_names(value, strict=True, single=single)
    content = attrs.get("content")
    if content:
        return split_names(content, strict=True, single=single)
    text = short_text(node, MAX_BYLINE_CHARS)
    return split_names(text, strict=True, single=single) if text else []


def _dom_authors(bylines: list[tuple[int, LexborNode]], header: Lazy[list[list[str]]]) -> list[str]:
    """Names in the first byline found, by the most specific kind of byline element first.

    One-word names only from elements marked as the author's name (``itemprop``, ``rel``,
    ``author-name``): in a loose ``.byline`` or ``[class*=author]`` they are mostly labels.
    After those marked elements, a "By ..." text next to the headline, then links to author pages.
    """
    for tier in range(TIERS):
        if tier == SINGLE_NAME_TIERS and (names := _header_byline(header.get())):
            return names
        first_parent: LexborNode | None = None
        names = []
        for node_tier, node in bylines:
            if node_tier != tier:
                continue
            if first_parent is not None:
                # Further names only from the same byline: siblings of the first one.
                parent = node.parent
                if parent is None or (parent != first_parent and parent.parent != first_parent.parent):
                    continue
            found = _byline_names(node, single=tier < SINGLE_NAME_TIERS)
            if not found or is_foreign(node):
                continue
            if first_parent is None:
                first_parent = node.parent
            names.extend(found)
        if names:
            return names
    return []


def _header_byline(levels: Iterable[list[str]]) -> list[str]:
    """Names in a "By Jane Doe" text next to the headline (or after a bare "Written by" label)."""
    for texts in levels:
        for index, text in enumerate(texts):
            if len(text) > MAX_BYLINE_TEXT or not (match := _BYLINE_START.search(text)):
                continue
            rest = match[1] or (texts[index + 1] if index + 1 < len(texts) else "")
            if names := split_names(rest, strict=True, single=False):
                return names
    return []
