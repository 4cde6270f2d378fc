"""Where a line of the extracted text sat in the page: the DOM context the line judge reads.

trafilatura returns text; the model also needs to know whether a line was a heading, a list item,
a button's label, bold text on its own, or inside a container that pages use for boilerplate
(``<aside>``, ``<footer>``, a form, a box whose class says "related", "newsletter", "share" ...).
Looking each line up node by node would cost more than the extraction, so each kind of place is
read once, by one CSS query, into a set or a string of squashed texts that a line is looked up in
(the boilerplate query tests only the class and id words that the page's values hold).
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
_BOILERPLATE_PLACES = "aside, footer, form, header, [role=complementary], [role=contentinfo]"
# The containers (lexbor returns an element once for each test it passes).
BOILERPLATE_SELECTOR = ", ".join(
    (
        _BOILERPLATE_PLACES,
        *(f"[class*={word} i]" for word in _BOILERPLATE_WORDS),
        *(f"[id*={word} i]" for word in _BOILERPLATE_IDS),
    )
)
# A container holding more than this share of the page's text is a page wrapper whose class
# happens to hold a word ("page-with-sidebar"), not a boilerplate box.
_WRAPPER_SHARE = 0.5
# Above this many distinct container texts, :func:`_outermost` does not compare them pairwise.
_MAX_NESTED_CHECK = 64
# Lines are looked up in container texts by their first characters (a line may be cut or joined).
KEY_CHARS = 80


class DomTexts:
    """Squashed texts of the places a line may come from, read from the tree only when first asked
    for: a page whose lines are all plain prose never needs the per-place sets, and one without a
    boilerplate box never needs the page's own text."""

    def __init__(self, root: LexborNode | None = None, page_chars: int = 0) -> None:
        self._root = root
        limit = int(_WRAPPER_SHARE * page_chars) or None
        texts = [] if root is None else _boilerplate_texts(root, limit)
        # Each box once for every test it passes, as the model was trained (see dom_row_boxed).
        self.boilerplate = "\n".join(texts)
        # Each text once, none inside another: where a line is looked for (a third as long).
        self._outermost = "\n".join(_outermost(texts))
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


def _boilerplate_texts(root: LexborNode, limit: int | None) -> list[str]:
    """The squashed texts of the boilerplate containers under ``root`` (those within ``limit``
    characters): a container once for each test of :data:`BOILERPLATE_SELECTOR` it passes, as
    lexbor returns it."""
    parts = []
    texts: dict[int, str] = {}  # a container passing several tests is read once
    for node in root.css(_selector_for(root)):
        text = texts.get(node.mem_id)
        if text is None:
            text = texts[node.mem_id] = squash(node.text(deep=True, separator=" "))
        if text and (limit is None or len(text) <= limit):
            parts.append(text)
    return parts


def _selector_for(root: LexborNode) -> str:
    """:data:`BOILERPLATE_SELECTOR` without the ``[class*=word i]`` and ``[id*=word i]`` tests that
    no element under ``root`` can pass. Each such test is a case-insensitive substring search in
    every element with the attribute, most of the query's cost, and a page's classes hold two or
    three of the 21 words on average. A word absent from all the values (casefolded: lexbor folds
    ASCII letters only, so nothing it finds is missed) matches nothing, and lexbor returns a node
    once for each test it passes, so dropping the word's test leaves the answer as it was."""
    classes, ids = _values(root, "class"), _values(root, "id")
    return ", ".join(
        (
            _BOILERPLATE_PLACES,
            *(f"[class*={word} i]" for word in _BOILERPLATE_WORDS if word in classes),
            *(f"[id*={word} i]" for word in _BOILERPLATE_IDS if word in ids),
        )
    )


def _values(root: LexborNode, attribute: str) -> str:
    """The distinct values of ``attribute`` under ``root``, casefolded, space-separated."""
    values = {node.attrs[attribute] or "" for node in root.css(f"[{attribute}]")}
    return " ".join(values).casefold()


def _outermost(texts: list[str]) -> list[str]:
    """The distinct ``texts`` that are inside no other one (a box's text is inside its parent
    box's), longest first: a line is in one of ``texts`` if and only if it is in one of these.
    With more than :data:`_MAX_NESTED_CHECK` texts only the repeats go, to keep this linear."""
    distinct = sorted(dict.fromkeys(texts), key=len, reverse=True)
    if len(distinct) > _MAX_NESTED_CHECK:
        return distinct
    kept: list[str] = []
    for text in distinct:
        if not any(text in other for other in kept):
            kept.append(text)
    return kept


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
        found = bool(key) and key in dom._outermost and dom.page.count(key) <= dom.boilerplate.count(key)
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
