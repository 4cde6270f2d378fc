"""The article's title: the one field where the first signal does not simply win.

The visible ``<h1>`` is what readers take as the title, and the structured titles often add a site
suffix or a different (SEO) wording. So a structured title that agrees with an ``<h1>`` (exactly,
once its site suffix is cut, or as its start) is chosen first, then one that agrees with an ``<h2>``
(blogs whose ``<h1>`` is the blog's name); without agreement the JSON-LD headline (unless cut short),
``og:title``, the other metas, a lone ``<h1>`` and the ``<title>`` less its site suffix follow in that
order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from selectolax.lexbor import LexborNode

from scraper.extract.metadata.common import clean, fold, host_label, node_text
from scraper.extract.metadata.scan import Scan

# Meta keys (name / property / itemprop, lowercase), most trusted first.
META_TITLE = (
    "og:title",
    "twitter:title",
    "parsely-title",
    "sailthru.title",
    "dc.title",
    "dcterms.title",
    "citation_title",
    "headline",
    "itemprop:headline",
    "title",
)
# Title separators before a site name: " | Site", " - Site", " — Site", " :: Site".
TITLE_SEPARATOR = re.compile(r"\s+(?:\||-|\u2013|\u2014|::|·|•|»|«|/|~|:)\s+")
MIN_TRUNCATED_TITLE = 80


def title(scan: Scan, article: dict[str, Any], sitename: str | None, host: str | None) -> str | None:
    """The title from the article's JSON-LD, the title metas, the headings and the ``<title>``."""
    headline_node = scan.headline
    structured = [
        t
        for t in (
            clean(article.get("headline")),
            clean(article.get("name")) if not article.get("headline") else None,
            *(clean(v) for key in META_TITLE for v in scan.metas.get(key, ())),
            (headline_node.attributes.get("content") or node_text(headline_node)) if headline_node else None,
        )
        if t and len(t) <= 500
    ]
    html_title = node_text(scan.title) if scan.title else None
    headings = (_heading_texts(scan.h1), _heading_texts(scan.h2))
    return _choose_title(list(dict.fromkeys(structured)), headings, html_title or None, sitename, host)


def _heading_texts(nodes: Iterable[LexborNode]) -> list[str]:
    texts = []
    for node in nodes:
        text = node_text(node)
        if 2 <= len(text) <= 400:
            texts.append(text)
    return texts


def _choose_title(
    structured: list[str],
    headings: tuple[list[str], list[str]],
    html_title: str | None,
    sitename: str | None,
    host: str | None,
) -> str | None:
    candidates = [*structured, *([html_title] if html_title else [])]
    site_key = fold(sitename) if sitename else None
    h1s = [h for h in headings[0] if fold(h) != site_key]
    # 1. A structured title (or the <title>) that is an <h1>, else an <h2>, whole or without its
    # site suffix; or an <h1> that one of them starts with (adding a site name or a tagline; from
    # the <title>, adding less than the <h1>: a blog's name as <h1> is shorter than the post's).
    for level in (h1s, headings[1]):
        keys = {fold(h): h for h in level}
        for candidate in candidates:
            if fold(candidate) in keys:
                return candidate
        for candidate in candidates:
            stripped = fold(_strip_site(candidate, sitename, host))
            if stripped in keys:
                return keys[stripped]
        if level is h1s:
            for heading in level:
                key = fold(heading)
                for candidate in candidates:
                    folded = fold(candidate)
                    shorter = candidate is not html_title or len(folded) - len(key) < len(key)
                    if len(key) >= 10 and folded.startswith(key) and shorter:
                        return heading
    # 2. Otherwise the most trusted structured title, without a site suffix, unless it was cut
    # short (schema.org headlines are often cut at 110 characters) and another one is whole.
    if structured:
        best = _strip_site(structured[0], sitename, host)
        if len(best) >= MIN_TRUNCATED_TITLE or best.endswith(("…", "...")):
            prefix = fold(best).rstrip(".… ")
            for candidate in candidates[1:]:
                stripped = _strip_site(candidate, sitename, host)
                if len(stripped) > len(best) and fold(stripped).startswith(prefix):
                    return stripped
        return best
    if len(h1s) == 1:
        return h1s[0]
    if html_title:
        return _strip_site(html_title, sitename, host)
    return h1s[0] if h1s else None


def _strip_site(title: str, sitename: str | None, host: str | None) -> str:
    """``title`` without a leading or trailing site name (" | Site", " - Site", "Site: ...")."""
    parts = [p for p in TITLE_SEPARATOR.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    site_keys = set()
    if sitename:
        site_keys.add(fold(sitename).replace(" ", ""))
    if host:
        site_keys.add(host_label(host))
        site_keys.add(host.replace(".", ""))
    site_keys.discard("")

    def is_site(part: str) -> bool:
        key = fold(part).replace(" ", "")
        if not key:
            return False
        return any(
            key == site or (len(site) > 3 and (key in site or (site in key and len(key) <= len(site) + 12)))
            for site in site_keys
        )

    # Drop site-looking segments at either end.
    start, end = 0, len(parts)
    while end - start > 1 and is_site(parts[end - 1]):
        end -= 1
    while end - start > 1 and is_site(parts[start]):
        start += 1
    if (start, end) != (0, len(parts)):
        return _rejoin(title, parts[start], parts[end - 1])
    # Unknown site name: a short last segment after a much longer head is the usual suffix
    # (not after a colon, which introduces the rest of a headline).
    last = parts[-1]
    head = _rejoin(title, parts[0], parts[-2])
    separator = title[len(head) : len(title) - len(last)].strip() if title.endswith(last) else ":"
    if separator != ":" and len(last.split()) <= 4 and len(head) >= 2 * len(last) and len(head.split()) >= 3:
        return head
    return title


def _rejoin(title: str, first: str, last: str) -> str:
    start = title.find(first)
    end = title.rfind(last)
    if start < 0 or end < 0:
        return first
    return title[start : end + len(last)].strip()
