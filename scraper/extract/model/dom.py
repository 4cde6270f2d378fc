"""Where a line of the extracted text sat in the page: the DOM context the line judge reads.

trafilatura returns text; the model also needs to know whether a line was a heading, a list item,
a button's label, bold text on its own, or inside a container that pages use for boilerplate
(``<aside>``, ``<footer>``, a form, a box whose class says "related", "newsletter", "share" ...).
Looking each line up node by node would cost more than the extraction, so each kind of place is
read once, by one CSS query, into a set or a string of squashed texts that a line is looked up in.
"""

from __future__ import annotations

import functools

from selectolax.lexbor import LexborNode

from scraper.extract.pagekind import squash

_BOILERPLATE_WORDS = (
    "related",
    "promo",
    "newsletter",
    "subscri",
    "share",
    "social",
    "sidebar",
    "widget",
    "cta",
    "signup",
    "author",
    "bio",
    "disclaimer",
    "banner",
    "advert",
    "sponsor",
    "footer",
    "comment",
    "recommend",
    "popular",
    "teaser",
)
# Ids name fewer boxes than classes do; these are the ones that recur.
_BOILERPLATE_IDS = ("related", "sidebar", "comment", "footer", "newsletter")
BOILERPLATE_SELECTOR = ", ".join(
    (
        "aside",
        "footer",
        "form",
        "header",
        "[role=complementary]",
        "[role=contentinfo]",
        *(f"[class*={word} i]" for word in _BOILERPLATE_WORDS),
        *(f"[id*={word} i]" for word in _BOILERPLATE_IDS),
    )
)
# A container holding more than this share of the page's text is a page wrapper whose class
# happens to hold a word ("page-with-sidebar"), not a boilerplate box.
_WRAPPER_SHARE = 0.5
# Lines are looked up in container texts by their first characters (a line may be cut or joined).
KEY_CHARS = 80


class DomTexts:
    """Squashed texts of the places a line may come from, read from the tree only when first asked
    for: a page whose lines are all plain prose never needs the per-place sets, and one without a
    boilerplate box never needs the page's own text."""

    def __init__(self, root: LexborNode | None = None, page_chars: int = 0) -> None:
        self._root = root
        limit = int(_WRAPPER_SHARE * page_chars) or None
        self.boilerplate = "" if root is None else _joined(root, BOILERPLATE_SELECTOR, limit=limit)
        self._boxed: dict[str, bool] = {}  # a line is asked about twice: to pick it, then to judge it

    @functools.cached_property
    def page(self) -> str:
        """All of the tree's text; read only to tell a boxed line from one that is also outside
        the boxes."""
        return squash(self._root.text(deep=True, separator=" ")) if self._root is not None else ""

    @functools.cached_property
    def places(self) -> dict[str, frozenset[str]]:
        """The texts of headings, list items, controls, bold runs and captions, by kind of place."""
        found: dict[str, set[str]] = {name: set() for name in PLACES}
        if self._root is not None:
            for node in self._root.css(_PLACES_SELECTOR):
                found[_PLACES[node.tag]].add(squash(node.text(deep=True, separator=" ")))
        return {name: frozenset(texts) for name, texts in found.items()}


def _joined(root: LexborNode, selector: str, limit: int | None = None) -> str:
    parts = []
    for node in root.css(selector):
        text = squash(node.text(deep=True, separator=" "))
        if text and (limit is None or len(text) <= limit):
            parts.append(text)
    return "\n".join(parts)


# The places whose texts are read as sets, by tag, in one query.
PLACES = ("headings", "items", "controls", "emphasis", "captions")
_PLACES = {
    **dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6"), "headings"),
    **dict.fromkeys(("li", "dt", "dd"), "items"),
    **dict.fromkeys(("button", "label", "summary", "option"), "controls"),
    **dict.fromkeys(("strong", "b"), "emphasis"),
    **dict.fromkeys(("figcaption", "caption"), "captions"),
}
_PLACES_SELECTOR = ", ".join(_PLACES)


def read_dom(root: LexborNode | None, page_chars: int) -> DomTexts:
    """The texts of ``root`` (the pruned tree the text was extracted from) by kind of place;
    ``page_chars`` (0: unknown) sizes the page, to tell a wrapper from a box."""
    return DomTexts(root, page_chars)


def dom_row_boxed(whole: str, dom: DomTexts) -> bool:
    """Whether the line sat in a boilerplate container (``dom_boilerplate_box`` of :func:`dom_row`):
    its text is in one, and nowhere else on the page. A sidebar's teaser that quotes the article's
    opening does not make the opening boilerplate."""
    if not dom.boilerplate:
        return False
    key = whole[:KEY_CHARS]
    found = dom._boxed.get(key)
    if found is None:
        found = bool(key) and key in dom.boilerplate and dom.page.count(key) <= dom.boilerplate.count(key)
        dom._boxed[key] = found
    return found


def dom_row(whole: str, dom: DomTexts) -> list[float]:
    """Where the line sat (``whole``: its text squashed, list mark taken off): one 0/1 feature per
    kind of place."""
    places = dom.places
    return [*(float(whole in places[name]) for name in PLACES), float(dom_row_boxed(whole, dom))]


DOM_FEATURES = (
    "dom_heading",
    "dom_list_item",
    "dom_control",
    "dom_bold",
    "dom_caption",
    "dom_boilerplate_box",
)
