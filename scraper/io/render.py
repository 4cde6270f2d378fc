"""An article's blocks (:class:`scraper.article.Block`) as CommonMark and as a minimal HTML document.

Markdown is written for parsers first: text that would read as syntax (``*``, ``_``, ``[``, a
line starting ``#``, ``>``, ``-`` or ``1.``) is backslash-escaped, code is fenced with a fence
longer than any run of backticks inside it, and tables are GitHub-flavoured (the one table syntax
CommonMark readers share). Links and figures appear when the blocks carry them (``--links``,
``--images``); an article without blocks (one read from an older JSON file) is written as its
text's paragraphs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from scraper.article import Article, Block, Link

# Inline syntax characters; an underscore inside a word (snake_case) cannot open emphasis in
# CommonMark, so it stays as it is, readable.
_INLINE_SPECIAL = re.compile(r"([\\`*\[\]<>|~]|(?<![^\W_])_|_(?![^\W_]))")
_ENTITY = re.compile(r"&(?=#?\w+;)")
# A line start that CommonMark reads as a block: heading, quote, list item, thematic break,
# setext underline, fenced code.
_BLOCK_START = re.compile(r"^(\s*)(#|>|[-+=]|\d{1,9}[.)](?=\s|$)|`{3}|~{3})")


def _escape_inline(text: str) -> str:
    return _ENTITY.sub("\\&", _INLINE_SPECIAL.sub(r"\\\1", text))


def _escape_line(line: str) -> str:
    return _escape_start(_escape_inline(line.strip()))


def _url(url: str) -> str:
    return f"<{url}>" if re.search(r"[\s()<>]", url) else url


def _segments(text: str, links: Sequence[Link]) -> list[tuple[str, Link | None]]:
    """``text`` cut into plain runs and links: each link at its first occurrence after the
    previous one's (a link whose text is not there is left out)."""
    segments: list[tuple[str, Link | None]] = []
    done = 0
    for link in links:
        at = text.find(link.text, done)
        if at < 0:
            continue
        segments += [(text[done:at], None), (link.text, link)]
        done = at + len(link.text)
    segments.append((text[done:], None))
    return segments


def _with_links(text: str, links: Sequence[Link], *, escape_starts: bool = True) -> str:
    """``text`` escaped, each link's first occurrence (in order) written as ``[text](url)``."""
    joined = "".join(
        f"[{_escape_inline(piece)}]({_url(link.url)})" if link else _escape_inline(piece)
        for piece, link in _segments(text, links)
    )
    if not escape_starts:
        return joined
    return "\n".join(_escape_start(line) for line in joined.split("\n"))


def _escape_start(escaped_line: str) -> str:
    """A line already escaped inline, its block-start marker (if any) escaped too."""
    line = escaped_line.strip()
    match = _BLOCK_START.match(line)
    if not match:
        return line
    marker = match.group(2)
    fixed = marker[:-1] + "\\" + marker[-1] if marker[0].isdigit() else "\\" + marker
    return line[: match.start(2)] + fixed + line[match.end(2) :]


def _fence(code: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    return "`" * max(3, longest + 1)


def _table(rows: Sequence[Sequence[str]], header: bool) -> list[str]:
    width = max(len(row) for row in rows)
    cells = [[_escape_inline(cell) for cell in row] + [""] * (width - len(row)) for row in rows]
    head, body = (cells[0], cells[1:]) if header else ([""] * width, cells)
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return lines


def links_per_item(items: Sequence[str], links: Sequence[Link]) -> list[list[Link]]:
    """A list's links (in reading order) shared out to the items they are in: each link goes to
    the first item, from the previous link's on, whose text holds it."""
    shared: list[list[Link]] = [[] for _ in items]
    at = 0
    for link in links:
        for index in range(at, len(items)):
            if link.text in items[index]:
                shared[index].append(link)
                at = index
                break
    return shared


def _list_lines(block: Block) -> list[str]:
    depths = block.depths or (0,) * len(block.items)
    lines = []
    numbers: dict[int, int] = {}
    item_links = links_per_item(block.items, block.links)
    for item, depth, links in zip(block.items, depths, item_links, strict=True):
        numbers = {d: n for d, n in numbers.items() if d <= depth}
        numbers[depth] = numbers.get(depth, 0) + 1
        marker = f"{numbers[depth]}." if block.ordered else "-"
        indent = " " * ((3 if block.ordered else 2) * depth)
        lines.append(f"{indent}{marker} {_with_links(item, links, escape_starts=False).strip()}")
    return lines


def block_markdown(block: Block) -> str:
    """One block as CommonMark (GitHub-flavoured for tables)."""
    if block.type == "heading":
        return "#" * (block.level or 2) + " " + _with_links(block.text, block.links, escape_starts=False)
    if block.type == "paragraph":
        return "\\\n".join(_with_links(block.text, block.links).split("\n"))
    if block.type == "quote":
        return "\n>\n".join("> " + line for line in _with_links(block.text, block.links).split("\n"))
    if block.type == "code":
        fence = _fence(block.text)
        return f"{fence}\n{block.text}\n{fence}"
    if block.type == "list":
        return "\n".join(_list_lines(block))
    if block.type == "table":
        return "\n".join(_table(block.rows, bool(block.header)))
    image = f"![{_escape_inline(block.alt or '')}]({_url(block.src or '')})"
    return image + ("\n\n" + _escape_line(block.text) if block.text else "")


def markdown_body(article: Article) -> str:
    """The article as CommonMark: its blocks, or its text's paragraphs if it has none."""
    blocks = article.blocks or tuple(
        Block("paragraph", text=line) for line in article.text.split("\n") if line.strip()
    )
    return "\n\n".join(block_markdown(block) for block in blocks) + "\n"


# -- HTML --------------------------------------------------------------------------------------


def _html_text(text: str, links: Sequence[Link]) -> str:
    joined = "".join(
        f'<a href="{html.escape(link.url)}">{html.escape(piece)}</a>' if link else html.escape(piece)
        for piece, link in _segments(text, links)
    )
    return "<br>\n".join(joined.split("\n"))


def _html_list(block: Block) -> list[str]:
    tag = "ol" if block.ordered else "ul"
    out = [f"<{tag}>"]
    depth = 0
    depths = block.depths or (0,) * len(block.items)
    item_links = links_per_item(block.items, block.links)
    for index, (item, level, links) in enumerate(zip(block.items, depths, item_links, strict=True)):
        while depth < level:
            out.append(f"<{tag}>")
            depth += 1
        while depth > level:
            out.append(f"</li></{tag}>")
            depth -= 1
        if index and level <= depth and not out[-1].endswith(f"<{tag}>"):
            out.append("</li>")
        out.append(f"<li>{_html_text(item, links)}")
    while depth > 0:
        out.append(f"</li></{tag}>")
        depth -= 1
    out.append(f"</li></{tag}>")
    return out


def block_html(block: Block) -> str:
    """One block as HTML."""
    if block.type == "heading":
        level = block.level or 2
        return f"<h{level}>{_html_text(block.text, block.links)}</h{level}>"
    if block.type == "paragraph":
        return f"<p>{_html_text(block.text, block.links)}</p>"
    if block.type == "quote":
        return f"<blockquote><p>{_html_text(block.text, block.links)}</p></blockquote>"
    if block.type == "code":
        return f"<pre><code>{html.escape(block.text)}</code></pre>"
    if block.type == "list":
        return "\n".join(_html_list(block))
    if block.type == "table":
        rows = [list(row) for row in block.rows]
        out = ["<table>"]
        if block.header:
            cells = "".join(f"<th>{html.escape(cell)}</th>" for cell in rows[0])
            out.append(f"<thead><tr>{cells}</tr></thead>")
            rows = rows[1:]
        out.append("<tbody>")
        out += ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows]
        out.append("</tbody></table>")
        return "\n".join(out)
    caption = f"<figcaption>{html.escape(block.text)}</figcaption>" if block.text else ""
    alt = html.escape(block.alt or "")
    return f'<figure><img src="{html.escape(block.src or "")}" alt="{alt}">{caption}</figure>'


def _meta(name: str, values: Iterable[str | None], attribute: str = "name") -> list[str]:
    return [f'<meta {attribute}="{name}" content="{html.escape(value)}">' for value in values if value]


def html_document(article: Article) -> str:
    """The article as a clean, minimal HTML5 document: its metadata in ``<head>``, its title,
    byline and date, then its blocks in an ``<article>``."""
    blocks = article.blocks or tuple(
        Block("paragraph", text=line) for line in article.text.split("\n") if line.strip()
    )
    title = html.escape(article.title or "")
    lang = article.language or article.detected_language
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{html.escape(lang)}">' if lang else "<html>",
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{title}</title>",
    ]
    if article.canonical_url or article.url:
        canonical = html.escape(article.canonical_url or article.url or "")
        head.append(f'<link rel="canonical" href="{canonical}">')
    head += _meta("author", article.authors)
    head += _meta("description", [article.description])
    head += _meta("article:published_time", [article.published], "property")
    head += _meta("article:modified_time", [article.modified], "property")
    head += _meta("og:site_name", [article.sitename], "property")
    head += ["</head>", "<body>", "<article>"]
    header = [f"<h1>{title}</h1>"] if title else []
    byline = ", ".join(html.escape(author) for author in article.authors)
    day = getattr(article, "published_date", None) or article.published
    if day:
        stamp = html.escape(article.published or day)
        time = f'<time datetime="{stamp}">{html.escape(day)}</time>'
        byline = f"{byline} · {time}" if byline else time
    if byline:
        header.append(f'<p class="byline">{byline}</p>')
    body = ["<header>", *header, "</header>"] if header else []
    body += [block_html(block) for block in blocks]
    return "\n".join([*head, *body, "</article>", "</body>", "</html>"]) + "\n"
