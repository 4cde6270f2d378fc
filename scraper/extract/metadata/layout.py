"""Where an element sits on the page: in the article's header, or in a block about something else.

Bylines and dates read from the visible page are the least trusted signals, because menus, teasers,
comments and author boxes look the same as the real thing. Both the author and the date readers ask
here whether an element sits in such a foreign block, and read the short texts around the headline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from selectolax.lexbor import LexborNode

from scraper.extract.metadata.common import fold, node_text, short_text
from scraper.extract.metadata.scan import Scan

# Containers whose bylines belong to something other than the article.
# Whole words of a class or id (lowercase-bounded, so "relatedPosts" counts and "promoted" does not).
FOREIGN_CONTAINER = re.compile(
    r"(?<![a-z])(?i:comment|related|recommend|teaser|sidebar|footer|popular|trending|"
    r"promo|more-from|read-?more|next-article|card|rail|nav|navbar|menu|breadcrumb)s?(?![a-z])"
)
SOFT_FOREIGN = frozenset({"footer", "card"})
FOREIGN_TAGS = frozenset({"footer", "nav", "aside", "header"})

MAX_HEADER_TEXT = 300
HEADER_LEVELS = 6
HEADER_SIBLINGS = 8
SKIPPED_NEAR_HEADLINE = frozenset(
    {"-text", "-comment", "script", "style", "svg", "h1", "nav", "aside", "footer"}
)


def is_foreign(node: LexborNode) -> bool:
    """Whether a byline or date sits in a comment, a teaser, the site's header or footer...

    Class and id names ("related", "comments", "sidebar") count up to the article; the tags
    ``header``, ``footer``, ``nav``, ``aside`` and the classes "footer" and "card" only outside
    an ``<article>`` or ``<main>`` (an article's own footer holds its byline and date).
    """
    current = node.parent
    outside = False
    depth = 0
    while current is not None and depth < 12:
        tag = current.tag
        if tag in ("body", "html"):
            return outside
        attrs = current.attributes
        marker = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
        if marker.strip() and (found := FOREIGN_CONTAINER.search(marker)):
            if found[0].lower().rstrip("s") not in SOFT_FOREIGN:
                return True
            outside = True
        if tag in ("article", "main"):
            return False
        if tag in FOREIGN_TAGS:
            outside = True
        current = current.parent
        depth += 1
    return outside


def _foreign_itself(node: LexborNode) -> bool:
    """Whether the element's own class or id marks it as a teaser, menu, comments... block."""
    attrs = node.attributes
    marker = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    found = FOREIGN_CONTAINER.search(marker) if marker.strip() else None
    return bool(found) and found[0].lower().rstrip("s") not in SOFT_FOREIGN


def header_texts(h1: LexborNode | None) -> Iterator[list[str]]:
    """Short texts around the headline, level by level: the ``<h1>``'s siblings, then its parent's..."""
    node = h1
    for _ in range(HEADER_LEVELS):
        if node is None or (parent := node.parent) is None or parent.tag in ("body", "html"):
            return
        texts = []
        child = parent.child
        count = 0
        while child is not None and count < 4 * HEADER_SIBLINGS:
            if child.tag not in SKIPPED_NEAR_HEADLINE and child != node and not _foreign_itself(child):
                if text := short_text(child, MAX_HEADER_TEXT):
                    texts.append(text)
                count += 1
            child = child.next
        yield texts
        node = parent


def title_heading(scan: Scan, title: str | None) -> LexborNode | None:
    """The heading that shows the title (an ``<h1>``, else an ``<h2>``), else the first ``<h1>``."""
    key = fold(title) if title else None
    first = None
    for node in (*scan.h1, *scan.h2):
        if key and fold(node_text(node)) == key:
            return node
        if first is None and node.tag == "h1":
            first = node
    return first
