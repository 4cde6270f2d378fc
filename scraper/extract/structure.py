"""The article's blocks (:class:`scraper.article.Block`) from trafilatura's XML body, keeping only
what the cleaned text kept.

trafilatura's body already knows the structure: ``head`` with its ``rend`` (h1 to h6), ``p``,
``list``/``item``, ``quote``, ``code``, ``table``/``row``/``cell``, ``graphic``, ``ref``. The plain
text is made from the same body, then lines go (the line filter, the line judge), so each block,
list item, table row and code line is kept only when its text is still in the final text:
the blocks never hold what the text lost. The other way round, a line of the text that no block
holds (trafilatura writes some nestings in ways no simple walk repeats) becomes a paragraph block
where it stands: Markdown may lose a little structure, never the article.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Iterator, Sequence
from urllib.parse import urljoin

from lxml import etree
from trafilatura.utils import remove_control_characters

from scraper.article import Block, Link
from scraper.extract.pagekind import squash

# A text this long that is inside the kept text counts as kept even when trafilatura's text split
# or joined it differently; a shorter one must be a whole kept line ("Share" is in many a sentence).
LONG_TEXT = 40
_HEADING = re.compile(r"h([1-6])")
_LIST_MARK = re.compile(r"^(?:[-*•·–]|\d+[.)])\s+")
_CONTAINERS = frozenset({"body", "div", "ab", "note", "figure", "hi", "del", "span"})


@functools.lru_cache(maxsize=8192)
def line_key(line: str) -> str:
    """A line of the text as blocks are matched to it: squashed, without its list mark, a table
    row without its outer bars and with its escaped bars read as bars."""
    line = line.strip()
    if line.startswith("|"):
        line = line.strip("| ").replace("\\|", "|")
    return squash(_LIST_MARK.sub("", line))


class _Kept:
    """The final text, to ask whether a piece of the body survived in it."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = {line_key(line) for line in lines}
        self._lines = lines
        self._text: str | None = None  # squashed on first need: most pieces are whole lines

    def __contains__(self, piece: str) -> bool:
        whole = line_key(piece)
        if not whole:
            return False
        return whole in self.lines or (len(whole) >= LONG_TEXT and whole in self.text)

    @property
    def text(self) -> str:
        """The whole text squashed, for a long piece that is no whole line."""
        if self._text is None:
            self._text = squash(" ".join(self._lines))
        return self._text


# Children that trafilatura's text writes apart from their neighbours (a paragraph inside a list
# item is a separate sentence, not glued to the one before).
_SPACED = frozenset({"p", "head", "quote", "item", "list", "table", "row", "cell"})


def _inline(element: etree._Element, *, skip: frozenset[str] = frozenset()) -> str:
    """The element's text with its children's, a ``<lb>`` as a line break; children whose tag is
    in ``skip`` (a nested list) are left out, their tails kept."""
    parts = [element.text or ""]
    for child in element:
        if child.tag in skip:
            pass
        elif child.tag == "lb":
            parts.append("\n")
        elif child.tag in _SPACED:
            parts.append(f" {_inline(child, skip=skip)} ")
        else:
            parts.append(_inline(child, skip=skip))
        parts.append(child.tail or "")
    return "".join(parts)


def _normal(text: str) -> str:
    """``text`` as trafilatura's plain text writes it: entities decoded, control and invisible
    characters dropped, NFC, spaces folded (line breaks kept)."""
    text = _normal_code(text)
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


def _spaced(text: str) -> str:
    return text.replace("\n", " ").replace("\t", " ").replace("\r", " ")


def _normal_code(text: str) -> str:
    """Code as written (indentation kept), with the same characters dropped as in :func:`_normal`."""
    if "&" in text:
        text = html.unescape(text)
    if not text.isprintable() and not _spaced(text).isprintable():  # only line breaks: kept, fast
        text = remove_control_characters(text)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _clean_lines(text: str) -> list[str]:
    return [line for line in _normal(text).split("\n") if line]


def _one_line(text: str) -> str:
    return " ".join(_normal_code(text).split())


def _links(element: etree._Element, base_url: str | None) -> tuple[Link, ...]:
    found = []
    for ref in element.iter("ref"):
        text = _one_line("".join(ref.itertext()))
        target = ref.get("target")
        if text and target:
            found.append(Link(text, urljoin(base_url, target) if base_url else target))
    return tuple(found)


class _Reader:
    """Walks the body in order and yields the blocks whose text the final text kept."""

    def __init__(self, kept: _Kept, base_url: str | None, with_links: bool) -> None:
        self.kept = kept
        self.base_url = base_url
        self.with_links = with_links

    def blocks(self, element: etree._Element) -> Iterator[Block]:
        for child in element:
            yield from self._block(child)
            if child.tail and child.tail.strip():
                yield from self._paragraph_text(child.tail, None)

    def _block(self, element: etree._Element) -> Iterator[Block]:
        tag = element.tag
        if tag == "head":
            text = _one_line(_inline(element))
            if text in self.kept:
                match = _HEADING.fullmatch(element.get("rend") or "")
                level = int(match.group(1)) if match else 2
                yield Block("heading", text=text, level=level, links=self._links_of(element))
        elif tag == "p":
            yield from self._graphics(element)
            yield from self._paragraph_text(_inline(element, skip=frozenset({"graphic"})), element)
        elif tag == "quote":
            text = "\n".join(line for line in _clean_lines(_inline(element)) if line in self.kept)
            if text:
                yield Block("quote", text=text, links=self._links_of(element))
        elif tag == "code":
            lines = _normal_code("".join(element.itertext())).strip("\n").split("\n")
            if any(line.strip() in self.kept for line in lines if line.strip()):
                yield Block("code", text="\n".join(lines))
        elif tag == "list":
            yield from self._list(element)
        elif tag == "table":
            yield from self._table(element)
        elif tag == "graphic":
            yield from self._graphics(element)
        elif tag in _CONTAINERS:
            yield from self.blocks(element)

    def _links_of(self, element: etree._Element | None) -> tuple[Link, ...]:
        return _links(element, self.base_url) if self.with_links and element is not None else ()

    def _paragraph_text(self, text: str, element: etree._Element | None) -> Iterator[Block]:
        lines = [line for line in _clean_lines(text) if line in self.kept]
        if lines:
            yield Block("paragraph", text="\n".join(lines), links=self._links_of(element))

    def _list(self, element: etree._Element) -> Iterator[Block]:
        items: list[str] = []
        depths: list[int] = []

        def walk(node: etree._Element, depth: int) -> None:
            for item in node.iter("item"):
                if _nearest_list(item) is not node:
                    continue
                text = _one_line(_inline(item, skip=frozenset({"list"})))
                if text and text in self.kept:
                    items.append(text)
                    depths.append(depth)
                for sublist in item.iter("list"):
                    if _nearest_item(sublist) is item:
                        walk(sublist, depth + 1)

        walk(element, 0)
        if items:
            ordered = (element.get("rend") or "").lower() == "ol"
            yield Block(
                "list",
                items=tuple(items),
                depths=tuple(depths),
                ordered=ordered,
                links=self._links_of(element),
            )

    def _table(self, element: etree._Element) -> Iterator[Block]:
        rows = []
        header = False
        for index, row in enumerate(element.iter("row")):
            cells = tuple(_one_line(_inline(cell)) for cell in row.iter("cell"))
            if not any(cells):
                continue
            line = " | ".join(cells)
            if line in self.kept:
                rows.append(cells)
                if index == 0:
                    header = all(cell.get("role") == "head" for cell in row.iter("cell"))
        if rows:
            yield Block("table", rows=tuple(rows), header=header, links=self._links_of(element))

    def _graphics(self, element: etree._Element) -> Iterator[Block]:
        for graphic in element.iter("graphic"):
            src = graphic.get("src")
            if src:
                absolute = urljoin(self.base_url, src) if self.base_url else src
                caption = graphic.get("title") or ""
                yield Block("figure", text=caption, src=absolute, alt=graphic.get("alt") or None)


def _nearest_list(item: etree._Element) -> etree._Element | None:
    parent = item.getparent()
    while parent is not None and parent.tag != "list":
        parent = parent.getparent()
    return parent


def _nearest_item(sublist: etree._Element) -> etree._Element | None:
    parent = sublist.getparent()
    while parent is not None and parent.tag != "item":
        parent = parent.getparent()
    return parent


def paragraphs(lines: Sequence[str]) -> tuple[Block, ...]:
    """The text's own lines as paragraph blocks: the structure when the body's is unknown."""
    return tuple(Block("paragraph", text=line.strip()) for line in lines if line.strip())


def read_blocks(
    body: etree._Element | None,
    lines: Sequence[str],
    *,
    base_url: str | None = None,
    with_links: bool = False,
) -> tuple[Block, ...]:
    """The blocks of ``body`` (trafilatura's XML) that the final text ``lines`` kept, in order,
    with every line that no block holds added as a paragraph where it stands in the text (so the
    blocks never hold less than the text); the lines as paragraphs when there is no body."""
    if body is None:
        return paragraphs(lines)
    found = list(_Reader(_Kept(lines), base_url, with_links).blocks(body))
    return _with_orphans(found, lines)


def _with_orphans(found: list[Block], lines: Sequence[str]) -> tuple[Block, ...]:
    """``found`` in order, and each line none of them holds as a paragraph at its place."""
    first_line: dict[str, int] = {}
    for index, line in enumerate(lines):
        first_line.setdefault(line_key(line), index)
    placed: list[tuple[int, int, Block]] = []
    held: dict[str, None] = {}  # the blocks' keys in reading order (a set's order varies by process)
    last = -1
    for order, block in enumerate(found):
        keys = [line_key(piece) for piece in _pieces(block)]
        held.update(dict.fromkeys(keys))
        at = min((first_line[key] for key in keys if key in first_line), default=last)
        last = max(at, last)
        placed.append((last, order, block))
    joined = None  # the blocks' text, joined on first need: most lines are some block's
    for index, line in enumerate(lines):
        key = line_key(line)
        if _has_text(key) and key not in held:
            if len(key) >= LONG_TEXT:
                joined = " ".join(held) if joined is None else joined
                if key in joined:
                    continue
            placed.append((index, -1, Block("paragraph", text=line.strip())))
    return tuple(block for _, _, block in sorted(placed, key=lambda entry: entry[:2]))


def _has_text(key: str) -> bool:
    """A line with a letter or digit (a table's ``|---|---|`` rule is no text of its own)."""
    return any(char.isalnum() for char in key)


def _pieces(block: Block) -> list[str]:
    """The parts of a block that each make one line of the text."""
    if block.type == "list":
        return list(block.items)
    if block.type == "table":
        return [" | ".join(row) for row in block.rows]
    if block.type == "figure":
        return []
    return block.text.split("\n")
