"""The article's structure: ``Article.blocks`` from the library call, real CommonMark from
``--format md`` (parsed back by a CommonMark parser), a minimal HTML document from ``--format html``,
the blocks in ``--format json``, and ``--links`` / ``--images``.

The page is the bundled sample ``samples/quietloop.dev/sqlite-wal-checkpoints.html`` (written for
this project: generated class names, no <article> element) and small pages written here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser

import scraper
from scraper.article import Article, Block, Link
from scraper.cli.main import main
from scraper.extract.structure import read_blocks
from scraper.io.render import block_markdown, markdown_body

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "quietloop.dev" / "sqlite-wal-checkpoints.html"
URL = "https://quietloop.dev/notes/sqlite-wal-checkpoints"
CODE = (
    'busy, log_pages, checkpointed = db.execute(\n    "PRAGMA wal_checkpoint(TRUNCATE)"\n).fetchone()'
)


@pytest.fixture(scope="module")
def article() -> Article:
    return scraper.clean(SAMPLE.read_bytes(), url=URL)


def _markdown_tokens(markdown: str) -> list:
    body = markdown.split("\n---\n", 1)[1] if markdown.startswith("---\n") else markdown
    return MarkdownIt("commonmark").enable("table").parse(body)


def _cli_output(*arguments: str) -> str:
    result = CliRunner().invoke(main, ["clean", str(SAMPLE), "--url", URL, *arguments])
    assert result.exit_code == 0, result.output
    return result.stdout


# -- the blocks ----------------------------------------------------------------------------------


def test_the_blocks_keep_headings_lists_code_quotes_and_tables_in_reading_order(article: Article) -> None:
    kinds = [block.type for block in article.blocks]
    assert kinds.index("heading") < kinds.index("list") < kinds.index("code") < kinds.index("quote")
    assert kinds.index("quote") < kinds.index("table")
    headings = [(block.level, block.text) for block in article.blocks if block.type == "heading"]
    assert headings == [
        (2, "How a checkpoint works"),
        (3, "Finding the reader that never lets go"),
        (2, "The settings we changed"),
    ]
    (listing,) = [block for block in article.blocks if block.type == "list"]
    assert listing.ordered is True
    assert listing.items[1].startswith("A checkpoint may copy pages")
    assert listing.items[2] == "an open read transaction keeps its snapshot until it ends;"
    assert listing.depths == (0, 0, 1, 1, 0)
    (code,) = [block for block in article.blocks if block.type == "code"]
    assert CODE in code.text  # line breaks and indentation as written
    (table,) = [block for block in article.blocks if block.type == "table"]
    assert table.header is True
    assert table.rows[0] == ("Setting", "Before", "After")
    assert table.rows[2] == ("journal_size_limit", "unlimited", "64 MB")


def _plain(blocks: tuple[Block, ...]) -> str:
    pieces = []
    for block in blocks:
        pieces += [block.text, *block.items, *(" | ".join(row) for row in block.rows)]
    return " ".join(" ".join(pieces).split())


def test_the_blocks_hold_what_the_text_holds_and_no_boilerplate(article: Article) -> None:
    held = _plain(article.blocks)
    for gone in ("Get new notes by email", "More notes", "Copy link", "6 min read"):
        assert gone not in article.text and gone not in held
    for line in article.text.split("\n"):
        line = " ".join(line.strip("| ").removeprefix("- ").split())
        if any(char.isalnum() for char in line):
            assert line in held


def test_links_and_images_are_kept_only_when_asked_and_never_in_the_text(article: Article) -> None:
    assert not any(block.links or block.type == "figure" for block in article.blocks)
    rich = scraper.clean(SAMPLE.read_bytes(), url=URL, links=True, images=True)
    assert rich.text == article.text
    links = [link for block in rich.blocks for link in block.links]
    assert Link("write-ahead log mode", "https://www.sqlite.org/wal.html") in links
    (figure,) = [block for block in rich.blocks if block.type == "figure"]
    assert figure.src == "https://quietloop.dev/img/wal-size-after-fix.png"  # absolute
    assert figure.alt == "Chart of WAL file size falling to under 100 MB"


def test_blocks_off_leaves_the_text_as_it_is(article: Article) -> None:
    bare = scraper.clean(SAMPLE.read_bytes(), url=URL, blocks=False)
    assert bare.blocks == () and bare.text == article.text


def test_blocks_round_trip_through_a_dict(article: Article) -> None:
    data = json.loads(json.dumps(article.to_dict()))
    assert data["blocks"][0] == {"type": "paragraph", "text": article.blocks[0].text}
    assert Article.from_dict(data) == article
    with pytest.raises(ValueError, match="unknown block fields: colour"):
        Block.from_dict({"type": "paragraph", "text": "x", "colour": "red"})
    with pytest.raises(ValueError, match="unknown block type 'aside'"):
        Block("aside")


# -- Markdown ------------------------------------------------------------------------------------


def test_markdown_parsed_back_shows_the_headings_lists_code_and_tables() -> None:
    tokens = _markdown_tokens(_cli_output("--format", "md"))
    headings = [(t.tag, tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == [
        ("h2", "How a checkpoint works"),
        ("h3", "Finding the reader that never lets go"),
        ("h2", "The settings we changed"),
    ]
    kinds = {token.type for token in tokens}
    assert {"ordered_list_open", "fence", "blockquote_open", "table_open", "th_open"} <= kinds
    (fence,) = [token for token in tokens if token.type == "fence"]
    assert CODE in fence.content
    items = [tokens[i + 2].content for i, t in enumerate(tokens) if t.type == "list_item_open"]
    assert "an open read transaction keeps its snapshot until it ends;" in items
    cells = ["".join(c.content for c in tokens[i + 1].children) for i, t in enumerate(tokens) if t.type == "td_open"]
    assert cells[:3] == ["wal_autocheckpoint", "1000 pages", "4000 pages"]  # escapes read back


def test_markdown_keeps_links_and_images_with_the_flags() -> None:
    tokens = _markdown_tokens(_cli_output("--format", "md", "--links", "--images"))
    inline = [child for token in tokens if token.type == "inline" for child in token.children or ()]
    hrefs = [child.attrs["href"] for child in inline if child.type == "link_open"]
    assert "https://www.sqlite.org/wal.html" in hrefs
    images = [child.attrs["src"] for child in inline if child.type == "image"]
    assert images == ["https://quietloop.dev/img/wal-size-after-fix.png"]


@pytest.mark.parametrize(
    "text",
    [
        "1. Not a list: a sentence that starts with a number.",
        "# not a heading",
        "> not a quote",
        "- not an item",
        "Stars *are not* emphasis and [brackets](are not links) <b>nor tags</b>",
        "A line\n===",
    ],
)
def test_paragraph_text_that_looks_like_markdown_reads_back_as_the_same_text(text: str) -> None:
    tokens = _markdown_tokens(block_markdown(Block("paragraph", text=text)))
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    plain = "".join(
        "\n" if child.type in ("softbreak", "hardbreak") else child.content for child in tokens[1].children
    )
    assert plain == text


def test_code_holding_backticks_gets_a_longer_fence() -> None:
    code = "print('```')\n    indented"
    tokens = _markdown_tokens(block_markdown(Block("code", text=code)))
    assert [t.type for t in tokens] == ["fence"] and tokens[0].content == code + "\n"


def test_an_article_without_blocks_is_written_as_its_paragraphs() -> None:
    article = Article(text="First paragraph.\n\nSecond *one*.")
    assert markdown_body(article) == "First paragraph.\n\nSecond \\*one\\*.\n"


# -- HTML and JSON -------------------------------------------------------------------------------


def test_html_format_is_a_clean_document_with_the_structure() -> None:
    page = LexborHTMLParser(_cli_output("--format", "html", "--links", "--images"))
    assert page.css_first("html").attributes.get("lang") == "en"
    assert page.css_first("title").text() == "When SQLite's WAL file will not stop growing"
    assert page.css_first("link[rel=canonical]").attributes["href"] == URL
    assert page.css_first("article h1").text() == "When SQLite's WAL file will not stop growing"
    assert [h.text() for h in page.css("article h2")] == ["How a checkpoint works", "The settings we changed"]
    # Nested items follow their parent list's type (Block.ordered is the list's).
    assert len(page.css("article > ol > li")) == 3 and len(page.css("article ol ol > li")) == 2
    assert CODE in page.css_first("pre code").text()
    assert [th.text() for th in page.css("table thead th")] == ["Setting", "Before", "After"]
    assert page.css_first('a[href="https://www.sqlite.org/wal.html"]') is not None
    assert page.css_first("figure img").attributes["src"].endswith("/img/wal-size-after-fix.png")
    assert not page.css("script, style, nav, form, button")
    etree.fromstring(_cli_output("--format", "html").split("\n", 1)[1].encode(), etree.HTMLParser())


def test_json_format_carries_the_blocks(tmp_path: Path) -> None:
    data = json.loads(_cli_output("--format", "json"))
    assert [b["type"] for b in data["blocks"]].count("heading") == 3
    assert {"type": "heading", "text": "The settings we changed", "level": 2} in data["blocks"]


def test_jsonl_records_carry_the_blocks_too() -> None:
    result = CliRunner().invoke(main, ["clean", str(SAMPLE), "--url", URL, "--format", "jsonl"])
    record = json.loads(result.stdout)
    assert {"type": "heading", "text": "How a checkpoint works", "level": 2} in record["metadata"]["blocks"]


# -- nothing lost --------------------------------------------------------------------------------


def test_a_line_no_block_holds_becomes_a_paragraph_where_it_stands() -> None:
    body = etree.fromstring(
        "<body><p>The first paragraph of the story, long enough to stand on its own here.</p>"
        "<list rend='ul'><item>Eggs</item></list>"
        "<p>The last paragraph of the story, also long enough to stand on its own.</p></body>"
    )
    lines = [
        "The first paragraph of the story, long enough to stand on its own here.",
        "- Eggs",
        "A line the extractor wrote that no element of the body explains.",
        "The last paragraph of the story, also long enough to stand on its own.",
    ]
    blocks = read_blocks(body, lines)
    assert [(b.type, b.text or b.items) for b in blocks] == [
        ("paragraph", lines[0]),
        ("list", ("Eggs",)),
        ("paragraph", lines[2]),
        ("paragraph", lines[3]),
    ]


def test_a_block_whose_lines_the_text_lost_is_left_out() -> None:
    body = etree.fromstring("<body><p>Kept paragraph of the article text.</p><p>Subscribe now</p></body>")
    blocks = read_blocks(body, ["Kept paragraph of the article text."])
    assert [b.text for b in blocks] == ["Kept paragraph of the article text."]
