"""The elements every page's metadata needs, found in one pass over the DOM.

Each selectolax query is a pass over the whole tree, so the head metas, JSON-LD scripts, headings,
``<title>``, ``<base>``, canonical link and ``<html lang>`` are collected by a single query here and
the field readers take them from :class:`Scan` instead of querying again.
"""

from __future__ import annotations

from collections.abc import Iterable

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.metadata.common import clean

SCAN_SELECTOR = (
    'html, title, base[href], link[rel][href], meta[content], script[type*="ld+json" i], h1, h2, '
    "[itemprop~=headline]"
)
MAX_H1 = 6
MAX_H2 = 4


class Scan:
    """The elements every page needs, found in one pass over the DOM (each query is a pass)."""

    def __init__(self, tree: LexborHTMLParser) -> None:
        self.metas: dict[str, list[str]] = {}
        self.scripts: list[LexborNode] = []
        self.h1: list[LexborNode] = []
        self.h2: list[LexborNode] = []
        self.title: LexborNode | None = None
        self.headline: LexborNode | None = None
        self.base: str | None = None
        self.canonical: str | None = None
        self.html_lang: str | None = None
        for node in tree.css(SCAN_SELECTOR):
            tag = node.tag
            attrs = node.attributes
            if tag == "meta":
                self._meta(attrs)
            elif tag == "script":
                self.scripts.append(node)
            elif tag == "h1" and len(self.h1) < MAX_H1:
                self.h1.append(node)
            elif tag == "h2" and len(self.h2) < MAX_H2:
                self.h2.append(node)
            elif tag == "title" and self.title is None:
                self.title = node
            elif tag == "base" and self.base is None:
                self.base = attrs.get("href")
            elif (
                tag == "link"
                and self.canonical is None
                and "canonical" in (attrs.get("rel") or "").lower().split()
            ):
                self.canonical = attrs.get("href")
            elif tag == "html" and self.html_lang is None:
                self.html_lang = attrs.get("lang") or attrs.get("xml:lang")
            if self.headline is None and "headline" in (attrs.get("itemprop") or "").split():
                self.headline = node

    def _meta(self, attrs: dict[str, str | None]) -> None:
        content = attrs.get("content")
        if not content or not (content := content.strip()):
            return
        for key_attr in ("property", "name", "itemprop", "http-equiv"):
            key = attrs.get(key_attr)
            if key:
                # Microdata metas describe whatever scope they sit in (an image, a teaser): kept apart.
                prefix = "itemprop:" if key_attr == "itemprop" else ""
                self.metas.setdefault(prefix + key.strip().lower(), []).append(content)
                return


def first_meta(metas: dict[str, list[str]], keys: Iterable[str]) -> str | None:
    """The first non-empty value of the first of ``keys`` the page has, cleaned."""
    for key in keys:
        for value in metas.get(key, ()):
            if cleaned := clean(value):
                return cleaned
    return None
