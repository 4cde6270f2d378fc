"""Widgets inside the article's container: a row of controls with, at most, a short label.

Pages put reader tools next to the article's text: "Font size options" with its A- and A+ buttons,
"Listen to this article" with a play button, "Was this page helpful?" with Yes and No, a
currency or language picker, Previous / Next. trafilatura keeps their labels as lines of text. What
they share is their shape, whatever their words: two or more controls (buttons, inputs, selects)
under one parent, and beside them no more text than a label. No article paragraph is built so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from selectolax.lexbor import LexborNode

if TYPE_CHECKING:
    from scraper.extract.detectors import Pruner

CONTROLS = "button, input:not([type=hidden i]), select, textarea, [role=button]"
MIN_CONTROLS = 2
# The most text a widget holds outside its controls (its label), and in all.
LABEL_MAX_CHARS = 60
WIDGET_MAX_CHARS = 200
# Containers never taken for a widget, whatever they hold: the page's own, and those whose short
# text is content even beside buttons (a heading with its anchor and collapse buttons, a figure's
# caption with zoom and share buttons, a list item or table cell naming a document to download).
_KEEP_TAGS = frozenset("html body article main figure li td th dt dd h1 h2 h3 h4 h5 h6".split())  # noqa: SIM905
_CONTENT = "h1, h2, h3, h4, h5, h6, figcaption"
# The most parents of controls looked at on one page: a page with more is an application, and
# each look reads the parent's text (deeply nested controls would make that quadratic).
MAX_BOXES = 300


def _text(node: LexborNode) -> str:
    """``detectors.text_of``, which cannot be imported here: that module imports this one."""
    return node.text(deep=True, separator=" ", strip=True)


def detect_control_rows(page: Pruner) -> Iterable[tuple[LexborNode, str]]:
    """Each parent of two or more controls whose text outside them is a short label."""
    seen: set[int] = {page.root.mem_id}
    for control in page.root.css(CONTROLS):
        box = control.parent
        if box is None or box.mem_id in seen or box.tag in _KEEP_TAGS:
            continue
        seen.add(box.mem_id)
        if len(seen) > MAX_BOXES:
            return
        controls = box.css(CONTROLS)
        if len(controls) < MIN_CONTROLS or box.css_first(_CONTENT) is not None:
            continue
        text = _text(box)
        outside = len(text) - sum(len(_text(node)) for node in controls)
        if len(text) <= WIDGET_MAX_CHARS and 0 < outside <= LABEL_MAX_CHARS:
            yield box, "a row of controls and its label"
