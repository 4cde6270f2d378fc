"""Apply rule selectors to the parsed page (selectolax): drop noise, strip, pick the body."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.detectors import Pruner, contains, link_text_chars, text_of
from scraper.extract.prose import prose_blocks, prose_chars
from scraper.rules.book import SiteRule

# Never article text, and the bulk of most pages' bytes: dropping them first makes every later
# step (detectors, serialisation, trafilatura's own parse) cheaper. Navigation is dropped here too:
# measured on wcxb-dev, it raises F1 slightly and saves trafilatura a share of its work.
NOISE_SELECTOR = ", ".join(
    (
        "script",
        "style",
        "template",
        "svg",
        "iframe",
        "canvas",
        "object",
        "embed",
        "head link",
        "head meta",
        "nav",
        "[role=navigation]",
    )
)


# Share of the page's prose that one <article>/<main> must hold to be handed over alone.
MAIN_REGION_SHARE = 0.85
MAIN_REGION_SELECTOR = "article, main, [role=main], [itemprop=articleBody]"
# An unmarked container (prose_container) whose text is more than this share link text holds the
# page's menus and link lists too. Measured on wcxb-dev's 238 article pages that have one: with
# the limit, F1 +0.0080 a page on the 207 kept; the 31 beyond it lost 0.0095 each as <article>.
CONTAINER_MAX_LINK_SHARE = 0.2


def drop_noise(tree: LexborHTMLParser) -> None:
    """Remove scripts, styles and other nodes that never hold article text; render <noscript>."""
    render_noscript(tree)
    for node in tree.css(NOISE_SELECTOR):
        node.decompose()


# A <noscript> with at most this much text that mentions scripts or the browser is a notice
# ("Please enable JavaScript", "Your browser does not support ..."), not content.
_NOSCRIPT_NOTICE_CHARS = 300
_NOTICE_WORDS = ("javascript", "browser")
# Copies of text shown elsewhere are looked for in this many text-holding <noscript>s at most
# (each look is a scan of the page's text); later ones are kept.
_MAX_DUPLICATE_CHECKS = 50
_DUPLICATE_MIN_CHARS = 60


def render_noscript(tree: LexborHTMLParser) -> None:
    """Show <noscript> content as a browser without scripts does, and drop script fallbacks.

    Blogger and other CMSs serve the post inside <noscript> for readers without scripts, and an
    unclosed <noscript> (a tracking pixel whose end tag is missing) holds the rest of the body once
    parsed: deleting either deletes the article. So a <noscript> is unwrapped (its content stays in
    place) unless it is a fallback of no value as text: empty of text (pixels, lazy-image copies,
    tag-manager iframes), a short notice about scripts or the browser, or a whole copy of text the
    page shows elsewhere.
    """
    nodes = tree.css("noscript")
    if not nodes:
        return
    # The page's text, before any <noscript> is settled, is needed only to look for copies of one
    # long enough to be checked (most hold no text: pixels, lazy-image copies).
    page_text = ""
    if tree.body is not None and any(len(text_of(node)) >= _DUPLICATE_MIN_CHARS for node in nodes):
        page_text = _squash(text_of(tree.body))
    checks = _MAX_DUPLICATE_CHECKS
    # Last first: a nested <noscript> is settled before the one around it, so no node is touched
    # after a decomposed ancestor freed it.
    for node in reversed(nodes):
        text = _squash(text_of(node))
        duplicate = False
        if len(text) >= _DUPLICATE_MIN_CHARS and checks > 0:
            checks -= 1
            duplicate = page_text.count(text) >= 2
        if duplicate or _is_fallback(tree, node, text):
            node.decompose()
        else:
            node.unwrap()


def _is_fallback(tree: LexborHTMLParser, node: LexborNode, text: str) -> bool:
    """No text, in the <head>, or a short notice (every "enable JavaScript" phrase names it)."""
    if not text or (tree.head is not None and contains(tree.head, node)):
        return True
    folded = text.casefold()
    return len(text) <= _NOSCRIPT_NOTICE_CHARS and any(word in folded for word in _NOTICE_WORDS)


def _squash(text: str) -> str:
    return " ".join(text.split())


def apply_strip(pruner: Pruner, rules: Sequence[SiteRule]) -> None:
    """Remove every node matched by the rules' ``strip`` selectors, attributed to the rule."""
    for rule in rules:
        if not rule.strip or pruner.root.css_first(", ".join(rule.strip)) is None:
            continue  # one scan of the page tells that none of them matches (as on most pages)
        for selector in rule.strip:
            pruner.remove_all(((node, selector) for node in pruner.root.css(selector)), by=rule.label)


def body_nodes(tree: LexborHTMLParser, rules: Sequence[SiteRule]) -> tuple[list[LexborNode], str | None]:
    """The body containers named by the most specific rule's ``body`` selectors.

    The first selector that matches an element with text wins (later ones are fallbacks for
    other page templates; an empty match, such as a skip-link target, is no body). Returns the
    nodes and the selector, or ``([], None)`` when no rule names a body that matches.
    """
    for rule in reversed(rules):
        for selector in rule.body:
            nodes = outermost(tree.css(selector))
            if any(node.text(strip=True) for node in nodes):
                return nodes, selector
    return [], None


def outermost(nodes: list[LexborNode]) -> list[LexborNode]:
    """Each matched node once, and none inside another (a selector list may match a node twice,
    or a container and its child): the body's text must not be repeated."""
    ids = {node.mem_id for node in nodes}
    kept: list[LexborNode] = []
    seen: set[int] = set()
    for node in nodes:
        if node.mem_id in seen:
            continue
        seen.add(node.mem_id)
        ancestor = node.parent
        while ancestor is not None and ancestor.mem_id not in ids:
            ancestor = ancestor.parent
        if ancestor is None:
            kept.append(node)
    return kept


@dataclass(frozen=True, slots=True)
class Region:
    """The article's container and how much prose it held before pruning."""

    node: LexborNode
    prose: int
    # Found by where the prose is (prose_container), not marked by the page: handed to
    # trafilatura as an <article>, so that it treats it as the article's container.
    unmarked: bool = False
    headline: LexborNode | None = None  # the <h1> an unmarked region was found from


def main_region(tree: LexborHTMLParser, page_prose: int) -> Region | None:
    """The tightest article container (<article>, <main>, role=main, itemprop=articleBody) that
    holds nearly all of the page's prose, if there is one.

    Handing trafilatura that region alone spares it the page's chrome: faster, and measured on
    both development sets no less accurate. Two disjoint containers cannot both hold 85 % of the
    prose, so the qualifying ones are nested in each other: the tightest is the deepest.
    """
    if not page_prose:
        return None
    headline = tree.body.css_first("h1") if tree.body is not None else None
    best: Region | None = None
    best_depth = -1
    for node in tree.css(MAIN_REGION_SELECTOR):
        if headline is not None and not contains(node, headline):
            continue  # the headline's standfirst and lede would be left out with it
        prose = prose_chars(node)
        if prose < MAIN_REGION_SHARE * page_prose:
            continue
        depth = _depth(node)
        if depth > best_depth:
            best, best_depth = Region(node, prose), depth
    return best


def prose_container(tree: LexborHTMLParser, page_prose: int) -> Region | None:
    """When the page marks no article container, the element that holds it anyway: the deepest
    one holding the headline and :data:`MAIN_REGION_SHARE` of the page's prose.

    Pages built from generated classes (``<div class="css-1x2y3z">``) give trafilatura no
    container to recognise; it then keeps paragraphs but drops the article's own headings and
    lists. Handed this element as an ``<article>``, it keeps them, and the page's chrome around
    it never reaches the detectors. Without a headline inside a qualifying element (the title
    sits in a header apart from the body, or there is none), nothing is chosen: the standfirst
    and lede near the headline could be left out.
    """
    body = tree.body
    if not page_prose or body is None:
        return None
    headline = body.css_first("h1")
    if headline is None:
        return None
    held: dict[int, int] = {}
    for node, own in prose_blocks(body):
        ancestor = node
        while ancestor is not None and ancestor.tag != "body":
            held[ancestor.mem_id] = held.get(ancestor.mem_id, 0) + own
            ancestor = ancestor.parent
    ancestor = headline.parent
    while ancestor is not None and ancestor.tag != "body":
        prose = held.get(ancestor.mem_id, 0)
        if prose >= MAIN_REGION_SHARE * page_prose:
            if link_text_chars(ancestor) > CONTAINER_MAX_LINK_SHARE * len(text_of(ancestor)):
                return None  # the page's wrapper, menus and all: trafilatura must not take it whole
            return Region(ancestor, prose, unmarked=True, headline=headline)
        ancestor = ancestor.parent
    return None


def above_headline(region: Region) -> list[tuple[LexborNode, str]]:
    """What an unmarked region holds before its headline and that holds no prose: skip links,
    the site's tagline and menu, breadcrumbs. A page's own <article> starts at its header; a
    container found by where the prose is may start at the page's, whose lines trafilatura would
    now take for the article's. A paragraph of prose there (a lede set above the title) stays."""
    if not region.unmarked or region.headline is None:
        return []
    found = []
    node = region.headline
    while node is not None and node.mem_id != region.node.mem_id:
        sibling = node.prev
        while sibling is not None:
            if sibling.tag not in ("-text", "-comment") and not prose_chars(sibling):
                found.append((sibling, "no prose above the headline"))
            sibling = sibling.prev
        node = node.parent
    return found


def _depth(node: LexborNode) -> int:
    depth = 0
    ancestor = node.parent
    while ancestor is not None:
        depth += 1
        ancestor = ancestor.parent
    return depth


def extraction_html(
    tree: LexborHTMLParser, rules: Sequence[SiteRule], region: Region | None = None
) -> tuple[str, str | None]:
    """HTML to hand to the extractor: the rule's body containers if any match, else ``region``
    (see :func:`main_region` and :func:`prose_container`), else the page."""
    nodes, selector = body_nodes(tree, rules)
    if not nodes and region is not None:
        inner = region.node.html or ""
        if region.unmarked:
            return f"<html><body><article>{inner}</article></body></html>", None
        return f"<html><body>{inner}</body></html>", None
    if not nodes:
        return tree.html or "", None
    inner = "".join(node.html or "" for node in nodes)
    return f"<html><body><article>{inner}</article></body></html>", selector
