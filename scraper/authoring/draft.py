"""Draft a site rule from saved pages of one site: the blocks they repeat become rule entries.

``scraper rules learn`` reads the pages, finds the text blocks repeated on most of them (as the
site memory in :mod:`scraper.extract.sitememory` does), and writes each as a ``strip`` selector when one
stable selector picks exactly that block on every page where it occurs (no generated class
names such as ``css-1x2y3z``: they change with every deploy), else as ``drop_lines`` patterns
for its lines. The tests come from the pages themselves: a sentence of the article that must
stay, and each learned block that must go. It is a draft, for a person to review.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.article import Page
from scraper.errors import ScraperError
from scraper.extract.bounds import bound_html
from scraper.extract.detectors import text_of
from scraper.extract.engine import clean
from scraper.extract.prune import drop_noise, outermost
from scraper.extract.sitememory import (
    MAX_BLOCK_CHARS,
    BlockMemory,
    LearnedBlocks,
    block_key,
    learn_page,
    read_page,
    text_blocks,
)

# Class names and ids that a build tool generated: they differ from deploy to deploy.
GENERATED_NAME = re.compile(
    r"^(?:css|sc|jsx|emotion|styled|svelte|tw|chakra|mui|makeStyles)-[\w-]*$"
    r"|^[a-z]{1,3}[A-Z0-9][\w-]{3,}$|\d{3,}|^[a-f0-9]{6,}$|__[\w-]*--?[a-z0-9]{5,}$"
)
# Lines shorter than this are too generic to drop by text.
MIN_LINE_CHARS = 20


@dataclass(frozen=True, slots=True)
class SavedPage:
    """One page given to ``rules learn``: where it was read from, and its contents."""

    path: Path
    page: Page


@dataclass(frozen=True, slots=True)
class DraftRule:
    """The draft rule's TOML text and what it is made of."""

    toml: str
    selectors: tuple[str, ...]
    lines: tuple[str, ...]
    pages: int
    blocks: int


def _stable(name: str) -> bool:
    return bool(name) and not GENERATED_NAME.search(name)


def _selectors_for(node: LexborNode) -> list[str]:
    """Selectors that could name ``node`` across pages, most specific first."""
    attributes = node.attributes
    found = []
    node_id = attributes.get("id") or ""
    if _stable(node_id) and re.fullmatch(r"[A-Za-z][\w-]*", node_id):
        found.append(f"#{node_id}")
    for name, value in attributes.items():
        if name.startswith("data-") and value and _stable(value) and len(value) <= 40:
            found.append(f'[{name}="{value}"]')
    classes = [
        c
        for c in (attributes.get("class") or "").split()
        if _stable(c) and re.fullmatch(r"-?[A-Za-z_][\w-]*", c)
    ]
    if classes:
        found.append(f"{node.tag}." + ".".join(classes))
    return found


def _parsed(saved: SavedPage) -> LexborHTMLParser | None:
    try:
        html = bound_html(saved.page.text).html  # hostile markup is never parsed as it is
    except ScraperError:
        return None
    tree = LexborHTMLParser(html)
    if tree.body is None:
        return None
    drop_noise(tree)
    return tree


def _exact_selector(
    selectors: list[str], key_pages: int, trees: list[LexborHTMLParser], keys: set[str]
) -> str | None:
    """The first selector that, on every page, picks only learned blocks and finds the block
    on as many pages as it occurs on."""
    for selector in selectors:
        hits = 0
        exact = True
        for tree in trees:
            nodes = tree.css(selector)
            if not nodes:
                continue
            hits += 1
            if not all(_key_of(node) in keys for node in nodes):
                exact = False
                break
        if exact and hits >= key_pages:
            return selector
    return None


def _key_of(node: LexborNode) -> str:
    return block_key(text_of(node))


def draft_rule(pages: Sequence[SavedPage], site: str, *, rule_path: Path) -> DraftRule:
    """Learn a draft rule for ``site`` from ``pages`` (see the module docstring).

    ``rule_path`` is where the file will be written: test samples are named relative to the
    folder above its rules folder, as the rule parser reads them.
    """
    trees = [(saved, tree) for saved in pages if (tree := _parsed(saved)) is not None]
    memory = BlockMemory()
    for _, tree in trees:
        memory.add_page(site, {key for _, key in text_blocks(tree.body)})  # type: ignore[arg-type]
    learned = memory.learned(site) or LearnedBlocks({}, len(trees))
    keys = set(learned.pages_on)

    selectors: list[str] = []
    lines: list[str] = []
    texts: list[str] = []
    done: set[str] = set()
    for _, tree in trees:
        pairs = [(node, key) for node, key in text_blocks(tree.body) if key in keys]  # type: ignore[arg-type]
        found = {node.mem_id: key for node, key in pairs}
        nodes = [node for node, _ in pairs]
        for node in outermost(nodes):
            key = found[node.mem_id]
            if key in done:
                continue
            done.add(key)
            text = text_of(node)
            texts.append(text)
            selector = _exact_selector(
                _selectors_for(node), learned.pages_on[key], [t for _, t in trees], keys
            )
            if selector is not None:
                if selector not in selectors:
                    selectors.append(selector)
                continue
            for line in node.text(deep=True, separator="\n", strip=True).split("\n"):
                line = " ".join(line.split())
                if len(line) >= MIN_LINE_CHARS and len(line) <= MAX_BLOCK_CHARS:
                    pattern = "^" + _escape(line) + "$"
                    if pattern not in lines:
                        lines.append(pattern)

    toml = _render(site, trees, selectors, lines, texts, learned, rule_path)
    return DraftRule(toml, tuple(selectors), tuple(lines), len(trees), len(keys))


def _escape(text: str) -> str:
    """``re.escape`` without the escapes a reader does not need (spaces, hyphens, quotes)."""
    return re.escape(text).replace("\\ ", " ").replace("\\-", "-").replace("\\'", "'")


def _toml_list(name: str, values: Sequence[str]) -> str:
    if not values:
        return f"{name} = []\n"
    inner = "".join(f"    {_literal(value)},\n" for value in values)
    return f"{name} = [\n{inner}]\n"


def _literal(value: str) -> str:
    """A TOML string: literal ('...') when possible, so regex backslashes stay readable."""
    if "'" not in value and "\n" not in value:
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False)  # JSON's escapes are valid in TOML basic strings


def _render(
    site: str,
    trees: list[tuple[SavedPage, LexborHTMLParser]],
    selectors: list[str],
    lines: list[str],
    texts: list[str],
    learned: LearnedBlocks,
    rule_path: Path,
) -> str:
    head = (
        f"# Draft rule for {site}, learned by `scraper rules learn` from {len(trees)} saved pages:\n"
        f"# {len(learned.pages_on)} text blocks repeat on most of them. Review before use: keep what is\n"
        "# boilerplate, delete what is article text, then run `scraper rules check`.\n"
    )
    body = _toml_list("strip", selectors) + _toml_list("drop_lines", lines)
    tests = []
    for saved, _ in trees[:3]:
        url = saved.page.final_url or saved.page.url or _canonical(saved.page)
        try:
            article = clean(saved.page, url, site_blocks=learned if learned else None)
        except ScraperError:
            continue
        keep = next((p for p in article.text.split("\n\n") if len(p) >= 60), None)
        if keep is None:
            continue
        sample = os.path.relpath(saved.path.resolve(), rule_path.resolve().parent.parent)
        entry = f"\n[[test]]\nsample = {_literal(sample)}\n"
        if url:
            entry += f"url = {_literal(url)}\n"
        entry += _toml_list("contains", [keep[:120]])
        entry += _toml_list("not_contains", [t[:80] for t in texts[:5]])
        tests.append(entry)
    return head + body + "".join(tests)


def _canonical(page: Page) -> str | None:
    try:
        html = page.text
    except ScraperError:
        return None
    return read_page(html)[0]


def site_of_pages(pages: Sequence[SavedPage]) -> str | None:
    """The site most of the pages name (their fetch record's or canonical URL)."""
    counts = Counter(learn_page(saved.page, "")[0] for saved in pages)
    counts.pop("", None)
    return counts.most_common(1)[0][0] if counts else None
