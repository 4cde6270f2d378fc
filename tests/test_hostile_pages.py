"""Hostile pages: markup that makes the C parsers quadratic is bounded before any parse.

The per-page time limit cannot interrupt lexbor or lxml, and 100,000 unclosed ``<div><span>``
took 135 s of CPU under ``--timeout 30``; one ``<p>`` with 200,000 attributes took 294 s. Such a
page is now trimmed (its text kept) by :mod:`scraper.extract.bounds`; a real page passes as it
was, the same ``str`` object.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_article_html

import scraper
from scraper.extract import bounds
from scraper.extract.bounds import MAX_ATTRIBUTES, MAX_DEPTH, bound_html

URL = "https://news.example.com/alpha"
PAGE = make_article_html("alpha", "Alpha bridge reopens", url=URL)
BODY = PAGE.index("<body>") + len("<body>")


def nested_in(opening: str, count: int, closing: str = "") -> str:
    """The article page with its whole body inside ``count`` copies of ``opening``."""
    return PAGE[:BODY] + opening * count + PAGE[BODY:].replace("</body>", closing * count + "</body>")


def with_attributes(count: int, value: str = "x") -> str:
    """The article page whose ``<article>`` tag carries ``count`` distinct attributes."""
    attributes = " ".join(f"a{i}={value}" for i in range(count))
    return PAGE.replace("<article>", f"<article {attributes}>", 1)


# -- through the library: the page is trimmed, its text kept, and the trimming said ----------------------


@pytest.mark.parametrize(
    "html",
    [
        pytest.param(nested_in("<div><span>", 100_000), id="100k-unclosed-div-span"),
        pytest.param(nested_in("<div>", 100_000, "</div>"), id="100k-nested-divs"),
        pytest.param(nested_in("<span><div></span></div>", 60_000), id="end-tags-the-parser-ignores"),
    ],
)
def test_absurd_nesting_is_flattened_and_the_article_kept(html: str) -> None:
    article = scraper.clean(html, URL, timeout=30)
    assert article.text == scraper.clean(PAGE, URL).text
    assert any(
        f"deeper than {MAX_DEPTH}" in warning and "text kept" in warning for warning in article.warnings
    )


@pytest.mark.parametrize("value", ["x", '">"', "'<b>'"], ids=["plain", "quoted-gt", "quoted-tag"])
def test_200k_attributes_are_cut_to_the_first_ones_and_the_article_kept(value: str) -> None:
    article = scraper.clean(with_attributes(200_000, value), URL, timeout=30)
    assert article.text == scraper.clean(PAGE, URL).text
    assert f"1 element carries more than {MAX_ATTRIBUTES} attributes (up to 200,000)" in article.warnings[0]


def test_a_trimmed_element_keeps_its_first_attributes() -> None:
    bounded = bound_html('<p class="lead" ' + " ".join(f"a{i}" for i in range(2 * MAX_ATTRIBUTES)) + ">t</p>")
    tag = bounded.html[: bounded.html.index(">") + 1]
    assert tag.startswith('<p class="lead" a0 a1 ') and f" a{MAX_ATTRIBUTES - 2}>" in tag
    assert f"a{MAX_ATTRIBUTES - 1} " not in tag and bounded.html.endswith(">t</p>")


def test_a_page_over_the_size_limit_is_refused_saying_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounds, "MAX_CHARS", 1000)
    with pytest.raises(scraper.NoArticleError, match="over the limit of 1,000") as caught:
        scraper.clean(PAGE)
    assert caught.value.reason == "too-large"


# -- the scan itself --------------------------------------------------------------------------------------


def test_real_pages_pass_untouched() -> None:
    pages = [PAGE, *(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("pages/**/*.html"))]
    for html in pages:
        bounded = bound_html(html)
        assert bounded.html is html and bounded.trimmed == ()
        assert 0 < bounded.shape.depth < MAX_DEPTH // 2


def test_depth_follows_the_parser_not_the_tag_count() -> None:
    # Elements that close themselves or each other do not nest; raw text and comments hold no tags.
    flat = "<ul>" + "<li><p><img src=x><br>item" * 5000 + "</ul>"
    flat += "<script>" + "<div>" * 5000 + "</script><!--" + "<div>" * 5000 + "-->"
    flat += "<svg>" + "<path d='M0'/>" * 5000 + "</svg>" + "<b>x</b>" * 5000
    assert bound_html(flat).shape.depth == 1
    # An end tag does not close an element past a special one (a div) opened inside it.
    assert bound_html("<span><div></span></div>" * 300).shape.depth == MAX_DEPTH


def test_the_end_tags_of_dropped_elements_go_with_them() -> None:
    html = "<div>" * (MAX_DEPTH + 50) + "deep" + "</div>" * (MAX_DEPTH + 50) + "<p>after</p>"
    bounded = bound_html(html)
    assert bounded.html.count("<div>") == bounded.html.count("</div>") == MAX_DEPTH
    assert "deep" in bounded.html and bounded.html.endswith("</div><p>after</p>")


# -- the light first pass answers exactly as the full scan would ---------------------------------------------

# Markup whose tokens are easy to get wrong, tried with limits small enough to be crossed.
TRICKY_MARKUP = [
    '<div title="a > b"><div title="<div><div><div>">' * 3,
    "<div><script>document.write('</div><div><div>')</script>" * 3,
    "<div><!-- <div><div><div> -->" * 3 + "<!-- unterminated <div><div><div>",
    "<div><span><b><i><em",
    "<DIV><Div><div></DIV></div>" * 3,
    "<span><div></span></div>" * 3,
    "<svg><g/><div/><path/></svg><math><mi/></math>" * 3 + "<svg><div/><div/><div/><div/><div/>",
    "<div><plaintext><div><div><div><div>",
    "<p a b c d e f g h>",
    '<p a="1"b="2"c="3"d="4">',
    "<script a b c d e>x</script>",
    "<textarea><div></textarea><div>" * 3,
    "<title><div></title><xmp><div></xmp><div><div>",
    "<div class='unterminated><div><div><div><div>",
    "</div></div><div>" * 5,
    "<table><td><div><td><div>" * 3,
    "<div/><div/><div/><div/><div/>",
    "<!doctype html><?php echo 1 ?></ ><div></>" * 3,
]
FRAGMENTS = [
    *"<div> </div> <span> </span> <b> </b> <p> </p> <li> <i> </i> <a <a_href=x> </a> <x/>".split(),  # noqa: SIM905
    *"<svg> </svg> <path/> <div/> <math> </math> <DIV> </Div> <table> </table> <td>".split(),  # noqa: SIM905
    *"<script> </script> <title> </title> <textarea> <!-- --> <!doctype> <?x?> </x>".split(),  # noqa: SIM905
    *"<section> </section> <template> </template> <button> </button> <style>x</style>".split(),  # noqa: SIM905
    *("</ >", "<plaintext>", "text", " ", ">", "<", "'", '"', "=", "/", " a=1", ' b="x>y"', " c='<div>'"),
]


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounds, "MAX_DEPTH", 4)
    monkeypatch.setattr(bounds, "MAX_ATTRIBUTES", 3)


@pytest.mark.usefixtures("small_limits")
@pytest.mark.parametrize("html", TRICKY_MARKUP)
def test_the_first_pass_finds_the_page_within_limits_exactly_when_the_scan_trims_nothing(html: str) -> None:
    assert bounds._within_limits(html) == (bounds._scan(html, count_all=False).trimmed == ())


@pytest.mark.usefixtures("small_limits")
def test_the_first_pass_agrees_with_the_scan_on_random_markup() -> None:
    rng = random.Random(11)
    answers = set()
    for _ in range(3000):
        html = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 40)))
        within = bounds._within_limits(html)
        assert within == (bounds._scan(html, count_all=False).trimmed == ()), html
        answers.add(within)
    assert answers == {True, False}


def test_a_page_within_the_limits_is_measured_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    bounded = bound_html(PAGE)
    assert bounded.html is PAGE and bounded.measured is None
    assert bounded.shape == bounds._scan(PAGE, count_all=False).shape
    # A page too large for the first pass, or with too many stray end tags, goes to the full scan.
    monkeypatch.setattr(bounds, "_FIRST_PASS_MAX_CHARS", 100)
    assert bound_html(PAGE).html is PAGE and bound_html(PAGE).measured is not None
    monkeypatch.setattr(bounds, "_MAX_SEARCHES", 3)
    stray = "<div><b></b>" + "</b>" * 5 + "</div>"
    assert not bounds._within_limits(stray)
    assert bound_html(stray).html is stray and bound_html(stray).trimmed == ()


# -- through the CLI: a hostile page no longer outlives its limit -------------------------------------------


def test_the_cli_cleans_a_hostile_page_within_its_limit(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.html"
    hostile.write_text(nested_in("<div><span>", 100_000), encoding="utf-8")
    command = [sys.executable, "-m", "scraper", "clean", str(hostile), "--timeout", "2", "-j", "2"]
    # Before the bound, this took over two minutes of CPU whatever --timeout said.
    result = subprocess.run([*command, "--format", "json"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    article = json.loads(result.stdout)
    assert "Alpha bridge" in article["title"] and "In part 1 of the story" in article["text"]
    assert any(f"deeper than {MAX_DEPTH}" in warning for warning in article["warnings"])
