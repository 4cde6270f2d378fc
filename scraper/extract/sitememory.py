"""Site memory: text blocks that repeat across many pages of one site are boilerplate.

A newsletter box, a podcast plug or an "about us" panel carries the same text on every page of a
site, while article text does not repeat. So a block seen on at least ``MIN_PAGES`` distinct pages,
and on at least ``MIN_SHARE`` of the pages seen from that site, is removed from every page of the
site, even when no generic detector knows it. Two pages quoting one sentence are not evidence; a
block on most pages of a dozen is.

Blocks are identified by a short hash of their normalised text (whitespace folded, casefolded).
Digits are kept: templated articles (market reports, weather, results) differ only in their
numbers, and must not be mistaken for boilerplate. A page where the learned blocks would take
more than ``MAX_PAGE_SHARE`` of its text keeps them all (it is the template itself, not a page
carrying one). Memory per site is bounded: the rarest blocks are forgotten first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.article import Page
from scraper.errors import InputError, NoArticleError
from scraper.extract.bounds import bound_html
from scraper.extract.detectors import Pruner, text_of
from scraper.extract.prune import drop_noise, outermost
from scraper.web.urls import host_of

# Elements that hold a block of text a template repeats (not inline runs, not the page itself).
BLOCK_SELECTOR = (
    "div, section, aside, p, ul, ol, dl, form, figure, footer, header, table, blockquote, h2, h3, h4, h5, h6"
)
# Shorter texts are labels ("Share", "Advertisement") that the detectors and rules handle, and
# that an article may legitimately repeat; longer ones are whole templates, not blocks.
MIN_BLOCK_CHARS = 25
MAX_BLOCK_CHARS = 2000
# Evidence needed: distinct pages, and a share of the site's pages seen.
MIN_PAGES = 3
MIN_SHARE = 0.5
# Memory bound per site (blocks remembered); the ones seen on fewest pages go first.
MAX_BLOCKS_PER_SITE = 4000

# The most of a page's text that learned blocks may take.
MAX_PAGE_SHARE = 0.4


def block_key(text: str) -> str:
    """The identity of a block of text across pages (16 hex digits)."""
    normal = " ".join(text.split()).casefold()
    return hashlib.blake2b(normal.encode("utf-8"), digest_size=8).hexdigest()


def site_of(url: str | None) -> str | None:
    """The memory's key for a URL: its host without ``www.``."""
    host = host_of(url) if url else ""
    return host.removeprefix("www.") or None


def text_blocks(root: LexborNode) -> Iterator[tuple[LexborNode, str]]:
    """Every block-level element below ``root`` with a block's length of text, and its key."""
    for node in root.css(BLOCK_SELECTOR):
        text = text_of(node)
        if MIN_BLOCK_CHARS <= len(text) <= MAX_BLOCK_CHARS:
            yield node, block_key(text)


def read_page(html: str) -> tuple[str | None, set[str]]:
    """The page's own URL (canonical or ``og:url``) and the keys of its text blocks.

    The page is bounded first (:mod:`scraper.extract.bounds`): hostile markup is never parsed as it
    is, and a page that had to be trimmed teaches nothing.
    """
    try:
        bounded = bound_html(html)
    except NoArticleError:  # too large to be a page
        return None, set()
    tree = LexborHTMLParser(bounded.html)
    if tree.body is None:
        return None, set()
    url = None
    for selector, attribute in (('link[rel="canonical"]', "href"), ('meta[property="og:url"]', "content")):
        node = tree.css_first(selector)
        if node is not None and node.attributes.get(attribute):
            url = node.attributes[attribute]
            break
    if bounded.trimmed:
        return url, set()
    drop_noise(tree)
    return url, {key for _, key in text_blocks(tree.body)}


def learn_page(page: Page, fallback_site: str) -> tuple[str, set[str]]:
    """Which site a saved or fetched page belongs to, and its block keys.

    The site is the page's URL's host (as fetched, else its canonical URL); a page that names
    no URL belongs to ``fallback_site`` (for a folder: the folder it was found in).
    """
    try:
        html = page.text
    except InputError:
        return fallback_site, set()
    own_url, keys = read_page(html)
    return site_of(page.final_url or page.url or own_url) or fallback_site, keys


def pages_needed(pages_seen: int) -> float:
    """How many pages a block must be on, out of ``pages_seen`` of its site, to be learned."""
    return max(MIN_PAGES, MIN_SHARE * pages_seen)


@dataclass(slots=True)
class SiteMemory:
    """How many pages of one site were seen, and on how many of them each block was."""

    pages: int = 0
    seen: dict[str, int] = field(default_factory=dict)

    def add_page(self, keys: Iterable[str]) -> None:
        self.pages += 1
        for key in set(keys):
            self.seen[key] = self.seen.get(key, 0) + 1
        if len(self.seen) > MAX_BLOCKS_PER_SITE:
            ranked = sorted(self.seen.items(), key=lambda item: item[1], reverse=True)
            self.seen = dict(ranked[: MAX_BLOCKS_PER_SITE // 2])

    def learned(self) -> LearnedBlocks:
        """The blocks with enough evidence to be removed from this site's pages."""
        needed = pages_needed(self.pages)
        return LearnedBlocks({key: count for key, count in self.seen.items() if count >= needed}, self.pages)


@dataclass(frozen=True, slots=True)
class LearnedBlocks:
    """Block keys to remove from one site's pages, with the evidence for each."""

    pages_on: Mapping[str, int]
    pages_seen: int

    def __bool__(self) -> bool:
        return bool(self.pages_on)

    def remove_from(self, pruner: Pruner) -> None:
        """Remove every learned block from the page, recording the evidence as the reason."""
        if not self.pages_on:
            return
        found = [(node, key) for node, key in text_blocks(pruner.root) if key in self.pages_on]
        top = outermost([node for node, _ in found])
        if sum(len(text_of(node)) for node in top) > MAX_PAGE_SHARE * pruner.page_chars:
            return
        pruner.remove_all(
            (
                (node, f"block seen on {self.pages_on[key]} of {self.pages_seen} pages of this site")
                for node, key in found
            ),
            "detector:site-memory",
        )


@dataclass(slots=True)
class BlockMemory:
    """Site memories for many sites (a folder of pages, a crawl)."""

    sites: dict[str, SiteMemory] = field(default_factory=dict)

    def add_page(self, site: str, keys: Iterable[str]) -> None:
        self.sites.setdefault(site, SiteMemory()).add_page(keys)

    def learned(self, site: str | None) -> LearnedBlocks | None:
        memory = self.sites.get(site) if site else None
        if memory is None:
            return None
        return memory.learned() or None
