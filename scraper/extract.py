"""The single place that calls trafilatura: main text from (already pruned) HTML."""

from __future__ import annotations

from collections.abc import Sequence

import trafilatura
from lxml import etree

from .article import Removal
from .rules import SiteRule

_SNIPPET_CHARS = 100


def _apply_xpath(tree: etree._Element, rules: Sequence[SiteRule]) -> list[Removal]:
    removals = []
    for rule in rules:
        for expression in rule.strip_xpath:
            for node in tree.xpath(expression):
                if not isinstance(node, etree._Element) or node.getparent() is None:
                    continue
                text = " ".join(" ".join(node.itertext()).split())
                removals.append(Removal(by=rule.label, what=expression, text=text[:_SNIPPET_CHARS]))
                node.getparent().remove(node)
    return removals


def extract_text(html: str, url: str | None, rules: Sequence[SiteRule]) -> tuple[str, list[Removal]]:
    """Main text of ``html`` as lines (one paragraph, heading or list item per line).

    XPath ``strip_xpath`` rules need an lxml tree, which trafilatura builds anyway: we build it
    once, apply them, and hand the tree over.
    """
    removals: list[Removal] = []
    document: str | etree._Element = html
    if any(rule.strip_xpath for rule in rules):
        tree = trafilatura.load_html(html)
        if tree is not None:
            removals = _apply_xpath(tree, rules)
            document = tree
    text = trafilatura.extract(
        document,
        url=url,
        output_format="txt",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
        with_metadata=False,
    )
    return text or "", removals
