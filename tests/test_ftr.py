"""ftr-site-config import: exact XPath-to-CSS translation (checked against lxml on generated
pages), conversion of ftr files written here into rule files our strict parser accepts, and
those rules at work in ``scraper.clean``."""

from __future__ import annotations

import html
import itertools
import random
from collections import Counter
from pathlib import Path

import lxml.html
import pytest
from selectolax.lexbor import LexborHTMLParser

import scraper
from scraper.authoring.ftr import NotFtrFile, convert_ftr, ftr_host, import_ftr_dir
from scraper.authoring.xpath import translate_xpath, xpath_problem, xpath_to_css
from scraper.errors import InputError
from scraper.rules.book import parse_rule_file

# -- xpath_to_css ------------------------------------------------------------------------------

EXACT = [
    ("//div", "div"),
    ("//*", "*"),
    ("//*[@id='main']", '[id="main"]'),
    ("//div[@id='x-a']", 'div[id="x-a"]'),
    ("//*[@id='a b']", '[id="a b"]'),
    ("//*[@id='']", '[id=""]'),
    ("//div[@class='a b']", 'div[class="a b"]'),
    ('//div[@class="a"]', 'div[class="a"]'),
    ("//div[contains(@class,'a')]", 'div[class*="a"]'),
    ("//div[ contains( @class , 'x-a' ) ]", 'div[class*="x-a"]'),
    ("//*[starts-with(@id,'ma')]", '[id^="ma"]'),
    ("//span[@title]", "span[title]"),
    ("//section[@data-role]//p", "section[data-role] p"),
    ("//div[@id='a' and contains(@class, 'b')]", 'div[id="a"][class*="b"]'),
    ("//div[@id='a'][@class='b']", 'div[id="a"][class="b"]'),
    ("//p | //span", "p, span"),
    ("//p | //p", "p"),
    ("//div//p", "div p"),
    ("//div/p", "div > p"),
    ("//article/*//a", "article > * a"),
    ("//div//*[@id='main']", 'div [id="main"]'),
    ("//div[@class='a' or @id='b']//p", 'div[class="a"] p, div[id="b"] p'),
    ("//*[@class='A' or @id='a' and @title='a']", '[class="A"], [id="a"][title="a"]'),
    ("//img[contains(@src,'a b')]", 'img[src*="a b"]'),
    ("//*[@title='q\"t']", '[title="q\\"t"]'),
    ("//*[@data-role='back\\slash']", '[data-role="back\\\\slash"]'),
    ("//*[@title='line\nbreak']", '[title="line\\a break"]'),
    ("//*[@title='ünï']", '[title="ünï"]'),
    ("//a[@type='1']", 'a[type="1"]'),
    ("//a[@lang]", "a[lang]"),
]

NOT_EXACT = [
    ("//div[1]", "position predicate"),
    ("//div[last()]", "position predicate"),
    ("//div[position() < 3]", "position predicate"),
    ("//p[text()]", "text() test"),
    ("//p[contains(text(), 'x')]", "text() test"),
    ("//p[contains(., 'x')]", "other than an attribute"),
    ("//div[normalize-space(@class)='a']", "function normalize-space()"),
    ("//div[contains(concat(' ', normalize-space(@class), ' '), ' a ')]", "function concat()"),
    ("//div[not(@id)]", "function not()"),
    ("//div[@id='a' or not(@class)]", "function not()"),
    ("//div[(@id='a' or @id='b') and @class='c']", "parenthesised"),
    ("/html/body/div", "absolute path"),
    (".//div", "relative"),
    ("//div/..", "'..' step"),
    ("//div/ancestor::section", "axis 'ancestor::'"),
    ("//div/following-sibling::p", "axis"),
    ("//div/@class", "attributes, not elements"),
    ("//p/text()", "node test text()"),
    ("//DIV", "tag name 'DIV'"),
    ("//div[@ID='a']", "attribute name 'ID'"),
    ("//svg:path", "unsupported syntax"),
    ("//div[@xml:lang='en']", "attribute name"),
    ("//div[@*]", "any-attribute"),
    ("//div[p]", "child element test"),
    ("//div[@id!='a']", "comparison '!='"),
    ("//div['a'=@id]", "string first"),
    ("//div[@id=1]", "not a string"),
    ("//div[contains(@class,'')]", "empty string"),
    ("//div[starts-with(@id,'')]", "empty string"),
    ("//input[@type='text']", "case-insensitively"),
    ("//a[@rel='nofollow']", "case-insensitively"),
    (
        "//div[@class='a' or @class='b' or @class='c' or @class='d' or @class='e'][@id='a' or @id='b' "
        "or @id='c' or @id='d']",
        "more than 16",
    ),
    ("//div[@class='open]", "unterminated string"),
    ("", "empty expression"),
    ("//div[", "ends too early"),
    ("//div[@class='a'] foo", "unsupported syntax"),
]


@pytest.mark.parametrize(("xpath", "css"), EXACT)
def test_exact_translations(xpath: str, css: str) -> None:
    assert xpath_to_css(xpath) == css
    LexborHTMLParser("").css(css)  # a selector the CSS engine accepts


@pytest.mark.parametrize(("xpath", "reason"), NOT_EXACT)
def test_no_css_for_what_css_cannot_say_exactly(xpath: str, reason: str) -> None:
    translation = translate_xpath(xpath)
    assert translation.css is None
    assert reason in (translation.reason or ""), translation.reason


_CONTAINERS = ("div", "section", "article", "aside")
_LEAVES = ("p", "span", "img", "a")
# "a" and "b" come often, so that predicates combining them match somewhere.
_VALUES = (
    *("a", "b") * 4,
    "a",
    "b",
    "A",
    "a b",
    "b a",
    "ab",
    "x-a",
    " a ",
    "main",
    "Main",
    "ma",
    "",
    'q"t',
    "back\\slash",
    "line\nbreak",
    "ünï",
    "1",
    "text",
    "Text",
)
_ATTRIBUTES = ("class", "id", "data-role", "title", "src", "type", "lang")


def _random_page(rng: random.Random, *, quirks: bool) -> str:
    """A page of nested elements with attribute values that trip naive translations; every
    element but html/head/body carries ``data-n``, so matches can be compared across parsers."""
    numbers = itertools.count()

    def element(depth: int) -> str:
        container = depth < 4 and rng.random() < 0.55
        tag = rng.choice(_CONTAINERS if container else _LEAVES)
        attributes = [f'data-n="{next(numbers)}"']
        for name in _ATTRIBUTES:
            if rng.random() < 0.6:
                attributes.append(f'{name}="{html.escape(rng.choice(_VALUES), quote=True)}"')
        opening = f"<{tag} {' '.join(attributes)}>"
        if tag == "img":
            return opening
        inner = "".join(element(depth + 1) for _ in range(rng.randint(1, 3))) if container else "text"
        return f"{opening}{inner}</{tag}>"

    doctype = "" if quirks else "<!DOCTYPE html>"
    return f"{doctype}<html><head><title>t</title></head><body>{element(0)}{element(0)}{element(0)}</body></html>"


_PAGES = [_random_page(random.Random(seed), quirks=seed % 2 == 0) for seed in range(200)]
_TREES = [(lxml.html.document_fromstring(page), LexborHTMLParser(page)) for page in _PAGES]


def _identity(tag: str, attributes: dict) -> tuple[str, str | None]:
    return tag, attributes.get("data-n")


@pytest.mark.parametrize(("xpath", "css"), EXACT)
def test_translation_selects_the_same_elements_as_the_xpath(xpath: str, css: str) -> None:
    matched = 0
    for xml_tree, css_tree in _TREES:
        by_xpath = Counter(_identity(node.tag, dict(node.attrib)) for node in xml_tree.xpath(xpath))
        by_css = Counter(_identity(node.tag, node.attributes) for node in css_tree.css(css))
        assert by_xpath.keys() == by_css.keys(), f"{xpath} vs {css}"
        matched += len(by_xpath)
    assert matched, f"{xpath} matched nothing on any page: the comparison proved nothing"


def test_the_generated_pages_exercise_quirks_mode_and_case_variants() -> None:
    # Why ``@id='x'`` is not written ``#x``: in quirks mode (no doctype) ``#main`` also takes
    # id="Main", which the XPath does not.
    quirks = LexborHTMLParser('<html><body><div id="Main">x</div></body></html>')
    standards = LexborHTMLParser('<!DOCTYPE html><html><body><div id="Main">x</div></body></html>')
    assert len(quirks.css("#main")) == 1 and not standards.css("#main")
    assert not quirks.css('[id="main"]')
    assert any('id="Main"' in page for page in _PAGES) and any('id="main"' in page for page in _PAGES)


@pytest.mark.parametrize("attribute", ["type", "rel", "lang", "align", "target", "http-equiv", "checked"])
def test_case_insensitive_html_attributes_keep_their_xpath(attribute: str) -> None:
    page = LexborHTMLParser(f'<!DOCTYPE html><html><body><div {attribute}="TeXt">x</div></body></html>')
    assert page.css(f'[{attribute}="text"]'), "the CSS engine compares this attribute case-insensitively"
    assert xpath_to_css(f"//div[@{attribute}='text']") is None
    assert xpath_to_css(f"//div[contains(@{attribute},'ex')]") is None
    assert xpath_to_css(f"//div[@{attribute}='2-1']") == f'div[{attribute}="2-1"]'
    assert xpath_to_css(f"//div[@{attribute}]") == f"div[{attribute}]"


@pytest.mark.parametrize(
    ("xpath", "problem"),
    [
        ("//div[lower-case(@id)='x']", "function lower-case()"),
        ("//div[php:function('x')]", "function php:function()"),
        ("//div[", "not XPath 1.0"),
        ("count(//p)", "yields a float"),
        ("//p/text()", "text or attributes"),
        ("//img/@srcset | //p", "text or attributes"),
        ("//aside[2]", None),
        ("//p[contains(., 'f(x)') and not(@id)]", None),
        ("//div[text()='a|b']", None),
    ],
)
def test_xpath_problem(xpath: str, problem: str | None) -> None:
    found = xpath_problem(xpath)
    assert (found is None) if problem is None else (problem in (found or "")), found


@pytest.mark.parametrize(
    ("name", "host"),
    [
        (".example.com.txt", "example.com"),
        ("www.example.com.txt", "www.example.com"),
        ("News.Example.ORG.txt", "news.example.org"),
        ("xn--bcher-kva.example.txt", "xn--bcher-kva.example"),
        ("LICENSE.txt", None),
        ("global.txt", None),
        ("example.com.toml", None),
        ("-bad-.com.txt", None),
    ],
)
def test_ftr_host(name: str, host: str | None) -> None:
    assert ftr_host(name) == host


# -- convert_ftr -------------------------------------------------------------------------------

# Modelled on ftr-site-config files: several body lines, strips mixing convertible and not,
# unsupported keys, comments, blank lines, a key without a value; written with CRLF endings.
HARBOUR_FTR = """\
# Harbour Times (harbour-times.example)
# Generated by a volunteer; tested 2024-03

title: //h1[@class='headline']
author: //a[@rel='author']
date: //time/@datetime

body: //div[@itemprop='articleBody']
body: //article[contains(@class, 'story')]
body: //div[@id='content']/div[1]

strip: //div[@class='pullout-box']
strip: //div[@class='gallery']/div[3]
strip: //p[contains(., 'Ferry timetables')]
strip: //div[@id='comments'] | //div[@id='related']
strip: //div[lower-case(@id)='promo']
strip_id_or_class: tide-chart
strip_id_or_class: "harbour-notes"
strip_image_src: /tracking/pixel
strip_attr: //img/@srcset

prune: no
tidy: no
single_page_link: //a[contains(@class, 'print')]
http_header(user-agent): Mozilla/5.0 (compatible)
native_ad_clue: //meta[@name='harbour-notes']
author:
this line has no colon
colour: blue

test_url: https://www.harbour-times.example/news/2024/harbour-reopens
test_contains: The harbour reopened on Monday
test_contains: Fishing boats were the first to return
test_url: https://www.harbour-times.example/sport/regatta-results
""".replace("\n", "\r\n")

HARBOUR_PAGE = """<!DOCTYPE html><html><head><title>Harbour reopens | Harbour Times</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<div itemprop="articleBody">
<h1 class="headline">Harbour reopens</h1>
<p>The harbour reopened on Monday after three weeks of repairs to the sea wall, officials said.</p>
<div class="pullout-box"><p>The lighthouse keeper kept a diary of every storm since the winter of 1987.</p></div>
<p>Fishing boats were the first to return, followed by the ferry that links the island to the mainland.</p>
<div class="tide-chart-box"><p>Gulls nest on the old customs house roof every spring without fail.</p></div>
<p>Ferry timetables for the winter season are printed on the noticeboard by the slipway.</p>
<p>Engineers said the new wall should withstand storms of the strength that damaged the old one in March.</p>
<div class="box harbour-notes-content"><p>The chandlery on Quay Street sells rope by the metre and by the coil.</p></div>
<p>Traders welcomed the news, saying the closure had cost them the busiest weeks of the season.</p>
<img src="/tracking/pixel.gif?id=7" alt="">
<p>The council will publish a report on the cost of the repairs next month, a spokesperson said.</p>
</div>
<div id="related"><p>Regatta crews trained through the night on the estuary before the final race.</p></div>
</body></html>"""

# Kept by generic cleaning alone, so the rules are what removes them.
REMOVED_BY_RULES = ("lighthouse keeper", "Gulls nest", "Ferry timetables", "chandlery")
ARTICLE_SENTENCES = (
    "The harbour reopened on Monday after three weeks of repairs",
    "Fishing boats were the first to return",
    "Engineers said the new wall should withstand storms",
    "Traders welcomed the news",
    "The council will publish a report",
)


def _notes_by_line(notes: list[str]) -> dict[int, str]:
    found = {}
    for note in notes:
        head, _, rest = note.partition(": ")
        found[int(head.removeprefix("line "))] = found.get(int(head.removeprefix("line ")), "") + rest
    return found


def test_convert_realistic_ftr_file() -> None:
    conversion = convert_ftr(HARBOUR_FTR, name=".harbour-times.example.txt")
    assert conversion.host == "harbour-times.example"
    notes = _notes_by_line(conversion.notes)
    assert notes[4] == "unsupported key 'title' skipped"
    assert notes[6] == "unsupported key 'date' skipped"
    assert notes[10].startswith("body not imported: no exact CSS (position predicate)")
    assert notes[13] == "strip kept as XPath (position predicate)"
    assert notes[14] == "strip kept as XPath (contains() on something other than an attribute)"
    assert "function lower-case()" in notes[16] and notes[16].startswith("strip skipped")
    assert notes[18] == "strip_id_or_class: quotes removed, as ftr does ('harbour-notes')"
    assert notes[20] == "unsupported key 'strip_attr' skipped"
    assert notes[25] == "unsupported key 'http_header(...)' skipped"
    assert notes[27] == "unsupported key 'author' skipped"
    assert notes[28] == "not a 'key: value' line, skipped"
    assert notes[29].startswith("unknown key 'colour' skipped")
    assert notes[31].startswith("test_url written as a commented-out [[test]]")
    assert notes[32] == notes[33] == "test_contains added to the commented-out test of line 31"
    # Lines carried over as CSS get no note; comments and blank lines none either.
    assert not {1, 2, 3, 8, 9, 12, 15, 17, 19} & notes.keys()
    assert (conversion.css_count, conversion.xpath_count) == (7, 2)
    assert conversion.skipped_count == len(notes) - 3  # the kept-XPath and unquoting notes are no skips
    assert "\r" not in conversion.rule_toml


def test_converted_file_passes_the_strict_rule_parser(tmp_path: Path) -> None:
    conversion = convert_ftr(HARBOUR_FTR, name=".harbour-times.example.txt")
    path = tmp_path / "rules" / f"{conversion.host}.toml"
    path.parent.mkdir()
    path.write_text(conversion.rule_toml, encoding="utf-8")
    rule = parse_rule_file(path)
    assert rule.hosts == ("harbour-times.example",)
    assert rule.body == ('div[itemprop="articleBody"]', 'article[class*="story"]')
    assert rule.strip == (
        'div[class="pullout-box"]',
        'div[id="comments"], div[id="related"]',
        '[class*="tide-chart"]',
        '[id*="tide-chart"]',
        '[class*="harbour-notes"]',
        '[id*="harbour-notes"]',
        'img[src*="/tracking/pixel"]',
    )
    assert rule.strip_xpath == ("//div[@class='gallery']/div[3]", "//p[contains(., 'Ferry timetables')]")
    assert rule.tests == ()  # no saved page yet: the tests are comments
    header = conversion.rule_toml.splitlines()[:4]
    assert "'.harbour-times.example.txt'" in header[0] and "ftr-site-config licence" in header[2]
    assert "#       body: //div[@id='content']/div[1]" in conversion.rule_toml  # the line to port by hand


def test_converted_rules_clean_the_page(tmp_path: Path) -> None:
    conversion = convert_ftr(HARBOUR_FTR, name=".harbour-times.example.txt")
    (tmp_path / f"{conversion.host}.toml").write_text(conversion.rule_toml, encoding="utf-8")
    url = "https://www.harbour-times.example/news/2024/harbour-reopens"

    without = scraper.clean(HARBOUR_PAGE, url=url, rules=[])
    assert all(text in without.text for text in REMOVED_BY_RULES)

    article = scraper.clean(HARBOUR_PAGE, url=url, rules=[tmp_path])
    for text in (*REMOVED_BY_RULES, "Regatta crews"):
        assert text not in article.text
    for sentence in ARTICLE_SENTENCES:
        assert sentence in article.text
    by_rule = {removal.what for removal in article.removed if removal.by == "rule:harbour-times.example"}
    assert {'div[class="pullout-box"]', '[class*="tide-chart"]', '[class*="harbour-notes"]'} <= by_rule
    assert "//p[contains(., 'Ferry timetables')]" in by_rule
    assert "the site rule's body selectors matched nothing" not in " ".join(article.warnings)


def test_commented_out_tests_become_rule_tests_once_the_page_is_saved(tmp_path: Path) -> None:
    conversion = convert_ftr(HARBOUR_FTR, name=".harbour-times.example.txt")
    block = conversion.rule_toml.split("# ---- from ftr: test_url / test_contains ----")[1]
    assert "# sample = 'samples/harbour-times.example/harbour-reopens.html'" in block
    assert "# sample = 'samples/harbour-times.example/regatta-results.html'" in block
    uncommented = "\n".join(
        line.removeprefix("# ")
        for line in block.splitlines()
        if line.startswith(("# [[", "# sample", "# url", "# contains"))
    )
    rule_path = tmp_path / "rules" / "harbour-times.example.toml"
    rule_path.parent.mkdir()
    rule_path.write_text(conversion.rule_toml + uncommented + "\n", encoding="utf-8")
    first, second = parse_rule_file(rule_path).tests
    assert first.url == "https://www.harbour-times.example/news/2024/harbour-reopens"
    assert first.contains == ("The harbour reopened on Monday", "Fishing boats were the first to return")
    assert second.contains == () and second.url.endswith("/sport/regatta-results")

    first.sample.parent.mkdir(parents=True)
    first.sample.write_text(HARBOUR_PAGE, encoding="utf-8")
    article = scraper.clean(first.sample.read_bytes(), url=first.url, rules=[rule_path.parent])
    assert all(snippet in article.text for snippet in first.contains)


def test_no_leading_dot_file_and_odd_values() -> None:
    text = (
        "\ufeffbody: //main\n"
        "body: //main\n"
        "strip: //div[@class='a']\n"
        'strip: //div[@class="a"]\n'
        "strip_id_or_class: '\"\n"
        "strip_image_src:\n"
        "test_contains: orphan\n"
        "strip: //p[@title='tab\there']\n"
        "strip: count(//p)\n"
    )
    conversion = convert_ftr(text, name="news.example.org.txt")
    notes = _notes_by_line(conversion.notes)
    assert notes[2] == "body repeats line 1, kept once"
    assert notes[4] == "strip repeats line 3, kept once"
    assert conversion.skipped_count == len(notes)
    assert notes[5] == "strip_id_or_class holds only quotes, skipped"
    assert notes[6] == "'strip_image_src' has no value, skipped"
    assert notes[7] == "test_contains without a test_url before it, skipped"
    assert notes[9].startswith("strip skipped: yields a float")
    assert "our rule also covers its subdomains" in conversion.rule_toml.splitlines()[3]
    assert (conversion.css_count, conversion.xpath_count) == (3, 0)


def test_converted_values_survive_toml_quoting(tmp_path: Path) -> None:
    text = "strip: //p[@title='it\"s \\ here']\nstrip: //p[@title=\"it's\"]\nstrip: //p[@title='a\tb']\n"
    conversion = convert_ftr(text, name="quotes.example.txt")
    path = tmp_path / "quotes.example.toml"
    path.write_text(conversion.rule_toml, encoding="utf-8")
    rule = parse_rule_file(path)
    page = LexborHTMLParser(
        "<!DOCTYPE html><html><body><p title='it\"s \\ here'>1</p><p title=\"it's\">2</p>"
        "<p title='a\tb'>3</p><p title='its'>4</p></body></html>"
    )
    assert [node.text() for selector in rule.strip for node in page.css(selector)] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("text", "name", "fragment"),
    [
        ("body: //main\n", "LICENSE.txt", "the name is not '<host>.txt'"),
        ("Copyright (c) FiveFilters\nSee: the website\n", "notes.example.txt", "no ftr directive"),
        ("", "empty.example.txt", "no ftr directive"),
    ],
)
def test_not_an_ftr_file(text: str, name: str, fragment: str) -> None:
    with pytest.raises(NotFtrFile, match="not an ftr-site-config file") as caught:
        convert_ftr(text, name=name)
    assert fragment in str(caught.value) and name in str(caught.value)


# -- import_ftr_dir ----------------------------------------------------------------------------


def test_import_folder(tmp_path: Path) -> None:
    src, dest = tmp_path / "ftr", tmp_path / "rules"
    src.mkdir()
    (src / ".harbour-times.example.txt").write_text(HARBOUR_FTR, encoding="utf-8", newline="")
    (src / "news.example.org.txt").write_bytes("\ufeffbody: //main\nstrip: //aside\n".encode())
    (src / "LICENSE.txt").write_text("Public domain / CC0, see the website.\n", encoding="utf-8")
    (src / "README.md").write_text("body: //main\n", encoding="utf-8")
    (src / "broken.example.txt").write_bytes(b"body: //div[@class='caf\xe9']\n")
    (src / "titles.example.txt").write_text("title: //h1\n", encoding="utf-8")
    (src / "twice.example.txt").write_text("strip: //aside\n", encoding="utf-8")
    (src / ".twice.example.txt").write_text("strip: //nav\n", encoding="utf-8")
    dest.mkdir()
    (dest / "news.example.org.toml").write_text("strip = ['footer']\n", encoding="utf-8")

    results = {result.source.name: result for result in import_ftr_dir(src, dest)}
    assert "README.md" not in results
    assert results[".harbour-times.example.txt"].target == dest / "harbour-times.example.toml"
    assert (
        results["LICENSE.txt"].target is None and "not an ftr-site-config" in results["LICENSE.txt"].notes[0]
    )
    broken = results["broken.example.txt"]
    assert (
        broken.target is None and "not UTF-8" in (broken.error or "") and "broken.example.txt" in broken.error
    )
    assert results["titles.example.txt"].notes[-1].startswith("nothing written")
    kept = results["news.example.org.txt"]
    assert kept.target is None and "exists" in kept.notes[-1]
    assert (dest / "news.example.org.toml").read_text(encoding="utf-8") == "strip = ['footer']\n"
    assert results["twice.example.txt"].target == dest / "twice.example.toml"
    assert "was written from twice.example.txt" in results[".twice.example.txt"].notes[-1]
    assert all(result.error is None for name, result in results.items() if name != "broken.example.txt")
    for path in dest.glob("*.toml"):
        parse_rule_file(path)
    assert "'aside'" in (dest / "twice.example.toml").read_text(encoding="utf-8")

    again = {result.source.name: result for result in import_ftr_dir(src, dest, overwrite=True)}
    assert again["news.example.org.txt"].target == dest / "news.example.org.toml"
    rule = parse_rule_file(dest / "news.example.org.toml")
    assert (rule.body, rule.strip) == (("main",), ("aside",))
    assert not list(dest.glob(".*.tmp"))


def test_import_folder_errors_name_the_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing: not a folder"):
        import_ftr_dir(tmp_path / "missing", tmp_path / "out")
    (tmp_path / "ftr").mkdir()
    (tmp_path / "out.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"out\.txt: exists and is not a folder"):
        import_ftr_dir(tmp_path / "ftr", tmp_path / "out.txt")
    assert import_ftr_dir(tmp_path / "ftr", tmp_path / "new") == []
