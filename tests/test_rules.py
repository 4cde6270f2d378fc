"""Rule files: strict parsing with file:line errors, host matching, layering, and every rule's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

import scraper
from scraper.rules.book import RuleBook, build_rulebook, load_rules, parse_rule_file, rule_folders

ARTICLE = """<html><head><link rel="canonical" href="https://news.example.com/2024/story"></head>
<body><article><h1>Harbour reopens</h1><div class="css-9x8y7z">
<p>The harbour reopened on Monday after three weeks of repairs to the sea wall, officials said.</p>
<p class="promo">PROMO-MARKER Buy our mugs today.</p>
<p>Fishing boats were the first to return, followed by the ferry that links the island to the mainland.</p>
<p>Engineers said the new wall should withstand storms of the strength that damaged the old one in March.</p>
<p>Traders welcomed the news, saying the closure had cost them the busiest weeks of the season.</p>
<p>LINE-MARKER to be dropped by a line rule</p>
<p>The council will publish a report on the cost of the repairs next month.</p>
</div></article></body></html>"""


def _write(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ('body = ["article"]\ntitl = ["h1"]\n', 2, "unknown key 'titl'"),
        ('strip = ["div["]\n', 1, "bad CSS selector"),
        ('\n\nstrip_xpath = ["//div[@class="]\n', 3, "bad XPath"),
        ('\ndrop_lines = ["(unclosed"]\n', 2, "bad regex"),
        ('strip = "aside"\n', 1, "must be a list of strings"),
        ('strip = ["aside"\n', None, "invalid TOML"),
        ('[[test]]\nsample = "x.html"\ncontain = ["a"]\n', 3, "unknown key 'contain'"),
    ],
)
def test_bad_rule_files_name_file_and_line(
    tmp_path: Path, body: str, line: int | None, fragment: str
) -> None:
    path = _write(tmp_path, "example.com.toml", body)
    with pytest.raises(scraper.RuleError) as caught:
        parse_rule_file(path)
    message = str(caught.value)
    assert str(path) in message
    assert fragment in message
    if line is not None:
        assert caught.value.line == line
        assert f"{path}:{line}:" in message


def test_site_rule_matches_host_www_and_subdomains(tmp_path: Path) -> None:
    _write(tmp_path, "example.com.toml", 'strip = ["aside"]\n')
    book = build_rulebook([tmp_path])
    for host in ("example.com", "www.example.com", "news.eu.example.com", "EXAMPLE.COM"):
        assert book.for_host(host) is not None, host
    for host in ("notexample.com", "example.org", None):
        assert book.for_host(host) is None, host


def test_most_specific_rule_wins(tmp_path: Path) -> None:
    _write(tmp_path, "example.com.toml", 'strip = ["aside"]\n')
    _write(tmp_path, "news.example.com.toml", 'strip = ["nav"]\n')
    book = build_rulebook([tmp_path])
    assert book.for_host("www.news.example.com").name == "news.example.com"
    assert book.for_host("shop.example.com").name == "example.com"


def test_user_rules_folder_extends_and_overrides_via_parameter(tmp_path: Path) -> None:
    _write(tmp_path, "example.com.toml", 'strip = ["p.promo"]\ndrop_lines = ["^LINE-MARKER"]\n')
    plain = scraper.clean(ARTICLE, model=False)  # the line model may take the promo too
    assert "PROMO-MARKER" in plain.text
    article = scraper.clean(ARTICLE, rules=[tmp_path])
    assert "PROMO-MARKER" not in article.text
    assert "LINE-MARKER" not in article.text
    assert "The council will publish a report" in article.text
    by = {(r.by, r.kind) for r in article.removed}
    assert ("rule:example.com", "element") in by
    assert ("rule:example.com", "line") in by


def test_user_folder_replaces_a_shipped_file_of_the_same_name(tmp_path: Path) -> None:
    _write(tmp_path, "theweek.com.toml", 'strip = ["p.nothing"]\n')
    book = load_rules([tmp_path])
    assert book.for_host("theweek.com").strip == ("p.nothing",)
    assert load_rules().for_host("theweek.com").strip != ("p.nothing",)


def test_rules_folder_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "example.com.toml", 'strip = ["p.promo"]\n')
    monkeypatch.setenv("SCRAPER_RULES_DIR", str(tmp_path))
    assert tmp_path in rule_folders()
    assert "PROMO-MARKER" not in scraper.clean(ARTICLE).text


def test_url_argument_selects_the_rule_over_the_canonical(tmp_path: Path) -> None:
    _write(tmp_path, "other.org.toml", 'strip = ["p.promo"]\n')
    # The line model may take the promo too: off, so only the rule's selection is seen.
    assert "PROMO-MARKER" in scraper.clean(ARTICLE, rules=[tmp_path], model=False).text
    cleaned = scraper.clean(ARTICLE, url="https://www.other.org/a", rules=[tmp_path], model=False)
    assert "PROMO-MARKER" not in cleaned.text


def test_body_selector_and_xpath_and_cut_after(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "example.com.toml",
        'body = ["div.missing", "article div"]\n'
        "strip_xpath = [\"//p[contains(., 'PROMO-MARKER')]\"]\n"
        "cut_after = ['^LINE-MARKER']\n",
    )
    article = scraper.clean(ARTICLE, rules=[tmp_path])
    assert "Harbour reopens" not in article.text  # the h1 is outside the body container
    assert "PROMO-MARKER" not in article.text
    assert "The council will publish" not in article.text  # after the cut marker
    assert article.text.startswith("The harbour reopened on Monday")
    assert any(r.what.startswith("//p") for r in article.removed)


def test_a_body_selector_list_matching_a_container_and_its_child_keeps_the_text_once(tmp_path: Path) -> None:
    _write(tmp_path, "example.com.toml", 'body = ["article, article div"]\n')
    article = scraper.clean(ARTICLE, rules=[tmp_path])
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == len(set(paragraphs))
    assert article.text.count("The harbour reopened on Monday") == 1


def test_a_bad_rule_file_in_a_user_folder_fails_the_call(tmp_path: Path) -> None:
    _write(tmp_path, "example.com.toml", 'strip = ["a[[["]\n')
    with pytest.raises(scraper.RuleError, match=r"example\.com\.toml:1: bad CSS selector"):
        scraper.clean(ARTICLE, rules=[tmp_path])


def test_missing_rules_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(scraper.RuleError, match="does not exist"):
        scraper.clean(ARTICLE, rules=[tmp_path / "nope"])


def test_generic_only_rulebook_has_no_sites() -> None:
    book = load_rules(sites=False)
    assert isinstance(book, RuleBook)
    assert book.sites == {}
    assert book.generic is not None


SHIPPED = load_rules()
SITE_TESTS = [(rule, index, test) for rule in SHIPPED.all_rules() for index, test in enumerate(rule.tests)]


def test_every_site_rule_carries_a_test() -> None:
    site_rules = [rule for rule in SHIPPED.all_rules() if rule.name != "generic"]
    assert len(site_rules) >= 5
    assert all(rule.tests for rule in site_rules), [r.name for r in site_rules if not r.tests]


@pytest.mark.parametrize(("rule", "index", "test"), SITE_TESTS, ids=lambda v: getattr(v, "name", None))
def test_shipped_rule_tests(rule, index, test) -> None:
    article = scraper.clean(test.sample.read_bytes(), url=test.url)
    assert rule.label in {r.by for r in article.removed} or rule.body, f"{rule.name} removed nothing"
    for snippet in test.contains:
        assert snippet in article.text, f"{rule.path} test {index}: missing {snippet!r}"
    for snippet in test.not_contains:
        assert snippet not in article.text, f"{rule.path} test {index}: leaked {snippet!r}"


def test_combined_line_patterns_agree_with_each_pattern() -> None:
    import re

    from scraper.rules.book import combine_patterns

    patterns = tuple(
        re.compile(p)
        for p in [
            r"(?i)^(advertisement|anzeige)$",
            r"^a|b",
            r"(?i)^read more\s*[:|]",
            r"cookies?",
            r"^x[|]y$",
        ]
    )
    lines = [
        "Advertisement",
        "ANZEIGE",
        "a line",
        "has b inside",
        "Read more: x",
        "read more | y",
        "We use cookies",
        "x|y",
        "plain prose",
    ]
    matcher = combine_patterns(patterns)
    for line in lines:
        assert matcher.matches(line) == any(p.search(line) for p in patterns), line
    shipped = load_rules().generic
    for line in [
        "Advertisement",
        "Sign up for our newsletter",
        "The council said it would sign up for the scheme.",
    ]:
        assert shipped.drop_lines_any.matches(line) == any(p.search(line) for p in shipped.drop_lines), line


GENERIC_DROPS = [
    "Advertisement",
    "If you liked this article, please consider sharing it with a friend.",
    "Did you make one of my recipes? Please take a moment to leave a star rating.",
    "Would you like to receive notifications about new posts?",
    "| [?]Subscribe To This Site | | |",
    "Help me spread the word about this podcast!",
    "Join the Facebook group – https://facebook.com/townrenovations",
    "Feature image by Jane Smith, all other images via the brands mentioned.",
    "This story about bus lanes was produced by Town Report, a nonprofit newsroom. Sign up for our newsletter.",
    "Hat Ihnen dieser Artikel gefallen? Dann teilen Sie ihn.",
    "Read more: Council approves new cycle lanes",
    "Sign up for our daily newsletter",
    "Photo: Jane Smith/Reuters",
    "Die Badegäste am Ufer. Bild: Maximilian von Lachner",
    "We use cookies to improve your experience on our site.",
    "11 min read",
    "By Jane Doe and John Roe",
    "We may earn a commission when you buy through links on our site.",
    "Book a demo",
    "Next article: Go Wins 2010 Bossie Award",
    "Redaktion: Marcus Bensmann, Elena Müller",
    "Copyright: Project Syndicate, 2025",
    "Associated Press writer Jane Roe contributed to this report.",
    "Les også: Slik blir været i helgen",
]
GENERIC_KEEPS = [
    "Critics who liked the film's first half said the ending let them down badly.",
    "If you liked the old timetable, the council says little will change for commuters.",
    "Readers who subscribe to this site's weekly edition heard about the closure first.",
    "This story was first reported by the council's own auditors, who found the accounts in order.",
    "Feature films by local directors will be shown at the library every Friday in March.",
    "The council said it would sign up for the scheme once the budget was agreed.",
    "Editing the genome is hard, scientists say, and the work took years.",
    "Translation matters for trade between the two countries.",
    "by the river they sat and talked until the light went.",
    "Home improvements are costly, and prices rose again in May.",
    "The photo: a crowd on the pier, waiting for a ferry that never came, and the rain.",
    "Learn more about the history of the town in the museum, which reopens in spring.",
    "Advertising revenue fell by a third last year, the company said in its report.",
]


@pytest.mark.parametrize("line", GENERIC_DROPS)
def test_generic_rule_drops_boilerplate_lines(line: str) -> None:
    assert load_rules().generic.drop_lines_any.matches(line)


@pytest.mark.parametrize("line", GENERIC_KEEPS)
def test_generic_rule_keeps_prose_lines(line: str) -> None:
    assert not load_rules().generic.drop_lines_any.matches(line)
