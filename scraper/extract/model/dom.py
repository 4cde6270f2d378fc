"""Where a line of the extracted text sat in the page: the DOM context the line judge reads.

trafilatura returns text; the model also needs to know whether a line was a heading, a list item,
a button's label, bold text on its own, or inside a container that pages use for boilerplate
(``<aside>``, ``<footer>``, a form, a box whose class says "related", "newsletter", "share" ...).
Looking each line up node by node would cost more than the extraction, so each kind of place is
read once, by one CSS query, into a set or a string of squashed texts that a line is looked up in.
"""

from __future__ import annotations

from dataclasses import dataclass

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
BOILERPLATE_SELECTOR = ", ".join(
    (
        "aside",
        "footer",
        "form",
        "header",
        "[role=complementary]",
        "[role=contentinfo]",
        *(f"[class*={word} i]" for word in _BOILERPLATE_WORDS),
        *(f"[id*={word} i]" for word in _BOILERPLATE_WORDS),
    )
)
MAIN_SELECTOR = "article, main, [role=main], [itemprop=articleBody]"
# A container holding more than this share of the page's text is a page wrapper whose class
# happens to hold a word ("page-with-sidebar"), not a boilerplate box.
_WRAPPER_SHARE = 0.5
# Lines are looked up in container texts by their first characters (a line may be cut or joined).
KEY_CHARS = 80


@dataclass(frozen=True, slots=True)
class DomTexts:
    """Squashed texts of the places a line may come from."""

    headings: frozenset[str] = frozenset()
    items: frozenset[str] = frozenset()
    controls: frozenset[str] = frozenset()
    emphasis: frozenset[str] = frozenset()
    captions: frozenset[str] = frozenset()
    boilerplate: str = ""
    main: str = ""
    quotes: str = ""
    code: str = ""


def _texts(root: LexborNode, selector: str) -> frozenset[str]:
    return frozenset(squash(node.text(deep=True, separator=" ")) for node in root.css(selector))


def _joined(root: LexborNode, selector: str, limit: int | None = None) -> str:
    parts = []
    for node in root.css(selector):
        text = squash(node.text(deep=True, separator=" "))
        if text and (limit is None or len(text) <= limit):
            parts.append(text)
    return "\n".join(parts)


def read_dom(root: LexborNode | None, page_chars: int) -> DomTexts:
    """The texts of ``root`` (the pruned tree the text was extracted from) by kind of place."""
    if root is None:
        return DomTexts()
    return DomTexts(
        headings=_texts(root, "h1, h2, h3, h4, h5, h6, [role=heading]"),
        items=_texts(root, "li, dt, dd"),
        controls=_texts(root, "button, label, summary, option, [role=button]"),
        emphasis=_texts(root, "strong, b"),
        captions=_texts(root, "figcaption, caption"),
        boilerplate=_joined(root, BOILERPLATE_SELECTOR, limit=int(_WRAPPER_SHARE * page_chars)),
        main=_joined(root, MAIN_SELECTOR),
        quotes=_joined(root, "blockquote"),
        code=_joined(root, "pre, code"),
    )


def dom_row_boxed(bare: str, dom: DomTexts) -> bool:
    """Whether the line sat in a boilerplate container (``dom_boilerplate_box`` of :func:`dom_row`)."""
    key = squash(bare)[:KEY_CHARS]
    return bool(key) and key in dom.boilerplate


def dom_row(bare: str, dom: DomTexts) -> list[float]:
    """Where the line (its list mark taken off) sat: one 0/1 feature per kind of place."""
    whole = squash(bare)
    key = whole[:KEY_CHARS]
    return [
        float(whole in dom.headings),
        float(whole in dom.items),
        float(whole in dom.controls),
        float(whole in dom.emphasis),
        float(whole in dom.captions),
        float(bool(key) and key in dom.boilerplate),
        float(bool(key) and key in dom.main),
        float(bool(key) and key in dom.quotes),
        float(bool(key) and key in dom.code),
        float(bool(dom.main)),
    ]


DOM_FEATURES = (
    "dom_heading",
    "dom_list_item",
    "dom_control",
    "dom_bold",
    "dom_caption",
    "dom_boilerplate_box",
    "dom_main",
    "dom_quote",
    "dom_code",
    "page_has_main",
)
