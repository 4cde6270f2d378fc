"""The single place that calls trafilatura: main text from (already pruned) HTML."""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass

import trafilatura
from lxml import etree
from trafilatura.settings import Document, Extractor
from trafilatura.utils import normalize_unicode
from trafilatura.xml import xmltotxt

from scraper.article import Removal, snippet
from scraper.rules.book import SiteRule

# The fast pass is trusted when it found at least this share of the page's prose: then it agrees
# with the full pass on the article's extent. Below it, trafilatura's full extraction (its
# fallback comparison with readability and jusText) runs too, and its text is taken when it holds
# this much more (paragraphs the fast pass lost); otherwise the fast pass's text stands. Measured on
# both development sets: the full pass held 10 %+ more on 31 pages, 30 of them below 0.6 (the other
# gained image credits); 0.6 runs it on 1 page in 15, 0.8 on 1 in 9. On sites never tuned for
# (trafilatura's own evaluation pages) a fast pass at 0.66-0.77 of the prose lost whole sections
# (a price table, the article's second half) that the full pass held: 0.8 is the line.
FAST_PASS_MIN_SHARE = 0.8
FULL_PASS_GAIN = 1.1
# When its own pass finds next to nothing, trafilatura falls back to a dump of the page: the
# JSON-LD articleBody or an <article>'s whole text, as one paragraph, boilerplate and all (the
# comment prompt, "More to discover"), where no line filter can reach it. A text of one line this
# long is taken for such a dump: the full pass runs too, and its paragraphs win when they hold
# DUMP_KEEP_SHARE of the dump's text (on the dev sets: 4 pages of 5; on the fifth the full pass
# found a quarter of the article, and the dump stays).
DUMP_MIN_CHARS = 1000
DUMP_KEEP_SHARE = 0.8


def _apply_xpath(tree: etree._Element, rules: Sequence[SiteRule]) -> list[Removal]:
    removals = []
    for rule in rules:
        for expression in rule.strip_xpath:
            for node in tree.xpath(expression):
                if not isinstance(node, etree._Element) or node.getparent() is None:
                    continue
                text = snippet(" ".join(node.itertext()))
                removals.append(Removal(by=rule.label, what=expression, text=text))
                node.getparent().remove(node)
    return removals


def _document(html: str, rules: Sequence[SiteRule]) -> tuple[str | etree._Element, list[Removal]]:
    """What to hand to trafilatura: the HTML, or an lxml tree with ``strip_xpath`` applied.

    trafilatura builds an lxml tree anyway, so XPath rules cost no extra parse.
    """
    if not any(rule.strip_xpath for rule in rules):
        return html, []
    tree = trafilatura.load_html(html)
    if tree is None:
        return html, []
    return tree, _apply_xpath(tree, rules)


@dataclass(frozen=True, slots=True)
class MainText:
    """trafilatura's plain text, and the XML body it was made from (the article's structure:
    :mod:`scraper.extract.structure`); ``body`` is None when nothing was extracted."""

    text: str
    body: etree._Element | None = None

    def __len__(self) -> int:
        return len(self.text)


def _trafilatura(
    document: str | etree._Element, url: str | None, *, fast: bool, links: bool = False, images: bool = False
) -> MainText:
    """What ``trafilatura.extract(output_format="txt")`` returns, made from the same body, so the
    structure comes with the text at no second extraction. Links and images, when kept, are left
    out of the plain text (trafilatura would write them in Markdown there)."""
    options = Extractor(
        output_format="txt",
        fast=fast,
        comments=False,
        tables=True,
        images=images,
        links=links,
        dedup=False,
        with_metadata=False,
        url=url,
    )
    extracted = trafilatura.bare_extraction(document, options=options, as_dict=False)
    if not isinstance(extracted, Document) or extracted.body is None:
        return MainText("")
    body = extracted.body
    plain = body
    if links or images:
        plain = deepcopy(body)
        etree.strip_tags(plain, "ref")
        for graphic in plain.iter("graphic"):
            graphic.getparent().remove(graphic)  # its tail is plain text: trafilatura keeps none
    return MainText(normalize_unicode(xmltotxt(plain, False)), body)


def extract_text(
    html: str,
    url: str | None,
    rules: Sequence[SiteRule],
    *,
    expected_chars: int = 0,
    fast_first: bool = True,
    links: bool = False,
    images: bool = False,
) -> tuple[MainText, list[Removal]]:
    """Main text of ``html`` as lines (one paragraph, heading or list item per line), with the
    body it came from.

    trafilatura's fallback (readability and jusText, then a comparison) costs about a third of
    its time and only matters when its own pass misses text, so the fast pass runs first and
    the full extraction only when the fast pass returns less than ``expected_chars`` (an
    estimate of the main text's size) would have it; the full one's text then wins if it holds
    ``FULL_PASS_GAIN`` times as much.
    ``fast_first=False`` goes straight to the full one. ``links`` and ``images`` keep them in
    the body (never in the text).
    """
    document, removals = _document(html, rules)
    if fast_first:
        text = _trafilatura(document, url, fast=True, links=links, images=images)
        dump = _is_dump(text)
        if len(text) >= FAST_PASS_MIN_SHARE * expected_chars and not dump:
            return text, removals
        document, _ = _document(html, rules)  # trafilatura changes a tree it is given
        full = _trafilatura(document, url, fast=False, links=links, images=images)
        if dump:
            better = len(full) >= DUMP_KEEP_SHARE * len(text) and not _is_dump(full)
        else:
            better = len(full) > FULL_PASS_GAIN * len(text)
        return (full if better else text), removals
    return _trafilatura(document, url, fast=False, links=links, images=images), removals


def _is_dump(text: MainText) -> bool:
    """Whether the text is one long paragraph: trafilatura's dump of the page (see DUMP_MIN_CHARS)."""
    return len(text) >= DUMP_MIN_CHARS and "\n" not in text.text.strip()
