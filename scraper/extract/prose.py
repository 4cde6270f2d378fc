"""How much prose a part of the page holds: the measure the main region, the unmarked container,
the detectors' caps and the fast-pass check all read (the page's own text of blocks that hold a
sentence or more, whatever the markup)."""

from __future__ import annotations

from collections.abc import Iterator

from selectolax.lexbor import LexborNode

PROSE_TAGS = frozenset({"p", "div", "li", "td", "section", "article", "span", "blockquote", "dd"})
PROSE_MIN_CHARS = 60


def prose_blocks(root: LexborNode) -> Iterator[tuple[LexborNode, int]]:
    """Each block under ``root`` whose own text holds a sentence or more, with its length."""
    for node in root.traverse():
        # The raw own text is never shorter than the stripped one and is cheaper to read.
        if node.tag in PROSE_TAGS and len(node.text(deep=False)) >= PROSE_MIN_CHARS:
            own = len(node.text(deep=False, strip=True))
            if own >= PROSE_MIN_CHARS:
                yield node, own


def prose_chars(root: LexborNode) -> int:
    """Characters of prose on the page: the own text of blocks holding a sentence or more.

    An estimate of how much article text the extractor should find, whatever the markup.
    """
    return sum(own for _, own in prose_blocks(root))
