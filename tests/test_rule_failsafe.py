"""Site rules fail safe: a body selector that finds nothing, or far less than the article, loses to
generic cleaning, and the failure is recorded (``Article.failed_rules``, a warning, a CLI note,
the crawl report) so that a site redesign is noticed instead of silently losing articles.

Each test writes its own rules folder (``rules=`` / ``--rules``) with one site rule for the host
``harbourpost.example`` (a crawl's host is ``127.0.0.1``); no network.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import crawl_config, make_article_html
from httpserver import LocalServer, respond
from newssite import FEED_TYPE, HTML, rss

import scraper
from scraper.article import Article
from scraper.cli.main import main
from scraper.crawler.config import CrawlConfig
from scraper.crawler.run import crawl

HOST = "harbourpost.example"
LABEL = f"rule:{HOST}"
URL = f"https://www.{HOST}/news/pier-repairs"
TITLE = "Harbour board weighs pier repairs"

PARAGRAPHS = tuple(
    f"Paragraph {i}: the harbour board met on Tuesday to discuss the dredging contract, the ferry "
    "timetable and the cost of repairing the north pier, which has been closed to the public since "
    "the storms of last winter."
    for i in range(12)
)
# Inside <article> but outside the story body: generic cleaning keeps it, a right body selector not.
NOTE = (
    "This report was produced with support from the Coastal Journalism Trust, which had no say over "
    "what we wrote and does not review our stories before they are published."
)
# Inside the story body: generic cleaning keeps it; the site rule strips it.
PROMO = (
    "Photo gallery: twenty-four pictures of the storm damage along the seafront, taken by our "
    "photographers in the days after the storm."
)
CAPTION = (
    "The north pier at Harbour Point, closed since the winter storms, seen from the old lifeboat station."
)


def story_page(*, caption: bool = False, extra: str = "") -> str:
    """An article whose body is ``div.story-body``, with an empty ``#maincontent`` skip-link target."""
    figure = (
        f'<figure><img src="/pier.jpg" alt=""><figcaption class="caption">{CAPTION}</figcaption></figure>'
    )
    paragraphs = [f"<p>{p}</p>" for p in PARAGRAPHS]
    body = "".join(paragraphs[:6]) + f'<div class="promo-box"><p>{PROMO}</p></div>' + "".join(paragraphs[6:])
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title></head><body>'
        '<a href="#maincontent">Skip to content</a><div id="maincontent"></div>'
        '<header><a href="/">Harbour Post</a></header>'
        f"<article><h1>{TITLE}</h1>{figure if caption else ''}<p>{NOTE}</p>"
        f'<div class="story-body">{body}</div></article>{extra}'
        "<footer>© Harbour Post</footer></body></html>"
    )


def rules_folder(tmp_path: Path, toml: str, name: str = HOST) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.toml").write_text(toml, encoding="utf-8")
    return folder


def squash(text: str) -> str:
    return " ".join(text.split())


def assert_whole_article(article: Article) -> None:
    text = squash(article.text)
    missing = [p[:14] for p in PARAGRAPHS if squash(p) not in text]
    assert not missing, f"paragraphs lost: {missing}"


def rule_removals(article: Article, label: str = LABEL) -> list[tuple[str, str]]:
    return [(r.what, squash(r.text)) for r in article.removed if r.by == label]


def test_the_page_cleaned_generically_keeps_the_note_and_the_promo() -> None:
    """The baseline the tests below compare with: no site rule, nothing failed."""
    article = scraper.clean(story_page(), url=URL)
    assert_whole_article(article)
    assert NOTE in article.text and PROMO in article.text
    assert article.failed_rules == ()
    assert not any("site rule" in w for w in article.warnings)


# -- scraper.clean -----------------------------------------------------------------------------------


def test_a_body_selector_that_matches_nothing_fails_and_detection_stands_in(tmp_path: Path) -> None:
    rules = rules_folder(tmp_path, 'body = [".story-content"]\n')
    article = scraper.clean(story_page(), url=URL, rules=rules)
    assert_whole_article(article)
    assert article.text == scraper.clean(story_page(), url=URL).text  # what generic cleaning gives
    assert article.failed_rules == (LABEL,)
    failures = [w for w in article.warnings if LABEL in w]
    assert len(failures) == 1 and "matched no element" in failures[0]


def test_a_body_selector_that_matches_only_an_empty_element_fails(tmp_path: Path) -> None:
    """``#maincontent`` is the empty target of a skip link: an empty match is no body."""
    rules = rules_folder(tmp_path, 'body = ["#maincontent"]\n')
    article = scraper.clean(story_page(), url=URL, rules=rules)
    assert_whole_article(article)
    assert article.failed_rules == (LABEL,)
    assert any(w.startswith(f"site rule {LABEL} failed") for w in article.warnings)


def test_a_body_selector_that_matches_only_a_caption_loses_to_the_generic_text(tmp_path: Path) -> None:
    rules = rules_folder(tmp_path, 'body = ["figcaption.caption"]\n')
    html = story_page(caption=True)
    assert 90 <= len(CAPTION) <= 110 and len(" ".join(PARAGRAPHS)) >= 2000
    article = scraper.clean(html, url=URL, rules=rules)
    assert_whole_article(article)
    assert len(article.text) >= 2000
    assert article.failed_rules == (LABEL,)
    failures = [w for w in article.warnings if LABEL in w]
    assert len(failures) == 1
    assert "'figcaption.caption'" in failures[0] and f"gave {len(CAPTION)} characters" in failures[0]


def test_a_right_body_selector_is_used_and_its_strips_are_attributed_to_it(tmp_path: Path) -> None:
    rules = rules_folder(tmp_path, 'body = [".story-body"]\nstrip = [".promo-box"]\n')
    article = scraper.clean(story_page(), url=URL, rules=rules)
    assert_whole_article(article)
    assert article.failed_rules == ()
    assert not any("site rule" in w for w in article.warnings)
    assert NOTE not in article.text  # outside the body the rule names
    assert PROMO not in article.text
    removals = rule_removals(article)
    assert [what for what, _ in removals] == [".promo-box"]
    assert PROMO.startswith(removals[0][1][:60])  # a snippet of what went


def test_a_body_that_is_small_beside_the_page_but_all_of_the_article_does_not_fail(tmp_path: Path) -> None:
    """A long comment thread makes the body under half of the page's prose; cleaned without the
    rule the page gives no more than the article, so the rule stands."""
    comments = (
        '<section id="comments"><h2>Comments</h2>'
        + "".join(
            f'<div class="comment"><p class="author">Reader {i}</p><p>I have lived near the harbour for thirty '
            f"years and I think the board should have fixed the pier long before the storms, says comment "
            f"number {i}, and the council should pay for it.</p></div>"
            for i in range(20)
        )
        + "</section>"
    )
    rules = rules_folder(tmp_path, 'body = [".story-body"]\n')
    article = scraper.clean(story_page(extra=comments), url=URL, rules=rules)
    assert_whole_article(article)
    assert article.failed_rules == ()
    assert NOTE not in article.text and "comment number" not in article.text


def test_an_empty_first_body_selector_falls_through_to_the_next(tmp_path: Path) -> None:
    rules = rules_folder(tmp_path, 'body = ["#maincontent", ".story-body"]\n')
    article = scraper.clean(story_page(), url=URL, rules=rules)
    assert_whole_article(article)
    assert article.failed_rules == ()
    assert not any("site rule" in w for w in article.warnings)
    assert NOTE not in article.text  # the second selector gave the body


def test_failed_rules_survive_to_dict_and_from_dict(tmp_path: Path) -> None:
    rules = rules_folder(tmp_path, 'body = [".story-content"]\n')
    article = scraper.clean(story_page(), url=URL, rules=rules)
    data = article.to_dict()
    assert data["failed_rules"] == [LABEL]
    assert json.loads(json.dumps(data))["failed_rules"] == [LABEL]
    assert Article.from_dict(data) == article


def test_a_rule_for_another_host_is_not_blamed(tmp_path: Path) -> None:
    rules = rules_folder(tmp_path, 'body = [".story-content"]\n', name="othersite.example")
    article = scraper.clean(story_page(), url=URL, rules=rules)
    assert article.failed_rules == ()


# -- scraper clean --------------------------------------------------------------------------------------


def test_a_body_narrower_than_the_generic_text_is_the_rule_doing_its_job(tmp_path: Path) -> None:
    """Readers' replies that the generic path keeps as prose (more than the article itself) do
    not make a rule that selects the article alone a failed one."""
    rng = random.Random(2)
    words = ["council", "budget", "school", "road", "bridge", "mayor", "district", "funding", "river", "bank"]
    words += ["spending", "property", "repair", "hearing", "autumn", "members", "plan", "public", "report"]
    replies = (
        "<section class='discussion'><h2>Readers respond</h2>"
        + "".join(
            f"<div class='reply'><div class='author'>reader{i}</div><p>Reply {i} says the "
            + " ".join(rng.choice(words) for _ in range(rng.randint(18, 30)))
            + ".</p></div>"
            for i in range(24)
        )
        + "</section>"
    )
    html = (
        f'<html><head><title>{TITLE}</title></head><body><div class="wrap"><h1>{TITLE}</h1>'
        f'<div class="story-body">{"".join(f"<p>{p}</p>" for p in PARAGRAPHS[:4])}</div>'
        f'<div class="after">{replies}</div></div></body></html>'
    )
    assert "Reply 3 says" in scraper.clean(html, url="https://elsewhere.example/x").text  # generic keeps them
    rules = rules_folder(tmp_path, 'body = [".story-body"]\n')
    article = scraper.clean(html, url=URL, rules=rules)
    assert all(squash(p) in squash(article.text) for p in PARAGRAPHS[:4])
    assert article.failed_rules == ()
    assert "Reply 3 says" not in article.text


def test_cli_notes_a_failed_rule_even_when_the_page_is_then_refused(tmp_path: Path) -> None:
    """A redesign that leaves the rule's page empty must not hide the failure behind the skip."""
    rules = rules_folder(tmp_path, 'body = ["#maincontent"]\n')
    page = tmp_path / "stub.html"
    page.write_text(
        f'<html><head><title>{TITLE}</title><meta property="og:type" content="article"></head>'
        '<body><div id="maincontent"></div>'
        "<article><p>Pier closed.</p></article></body></html>",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["clean", str(page), "--url", URL, "--rules", str(rules)])
    assert result.exit_code == 0, result.output
    assert "skipped:" in result.stderr
    assert f"note: {page}: site rule {LABEL} failed" in result.stderr


def test_a_section_page_that_has_no_body_for_the_rule_is_no_rule_failure(tmp_path: Path) -> None:
    """Crawls read section pages too: the rule's article body is absent there by design."""
    rules = rules_folder(tmp_path, 'body = [".story-body"]\n')
    links = "".join(f'<li><a href="/news/{i}">Harbour story number {i} about the pier and the ferry</a></li>' for i in range(30))
    with pytest.raises(scraper.NoArticleError) as caught:
        scraper.clean(f"<html><head><title>News</title></head><body><ul>{links}</ul></body></html>", url=URL, rules=rules)
    assert caught.value.reason == "index-page"
    assert caught.value.article is not None and caught.value.article.failed_rules == ()


def test_cli_notes_a_failed_rule_and_writes_the_generic_text(tmp_path: Path) -> None:
    rules = rules_folder(tmp_path, 'body = ["#maincontent"]\n')
    page = tmp_path / "pier.html"
    page.write_text(story_page(), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["clean", str(page), "--url", URL, "--rules", str(rules), "--format", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["failed_rules"] == [LABEL]
    assert all(squash(p) in squash(data["text"]) for p in PARAGRAPHS)
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and f"site rule {LABEL} failed" in notes[0], result.stderr


def test_cli_quiet_hides_the_rule_note(tmp_path: Path) -> None:
    rules = rules_folder(tmp_path, 'body = ["#maincontent"]\n')
    page = tmp_path / "pier.html"
    page.write_text(story_page(), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["clean", str(page), "--url", URL, "--rules", str(rules), "-q"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "note:" not in result.stderr


# -- crawls ---------------------------------------------------------------------------------------------

FITS, REDESIGNED = "/news/fits.html", "/news/redesigned.html"
# The crawl's pages come from 127.0.0.1: the rule file is named after that host.
CRAWL_RULE = "127.0.0.1"


def fits_page(url: str) -> str:
    """The layout the rule was written for: the article inside #maincontent."""
    html = make_article_html("fits", "The rule still fits", url=url)
    return html.replace("<article>", '<div id="maincontent"><article>').replace(
        "</article>", "</article></div>"
    )


def redesigned_page(url: str) -> str:
    """After a redesign: #maincontent is an empty skip-link target, the article is elsewhere."""
    html = make_article_html("redesigned", "After the redesign", url=url)
    return html.replace(
        "<nav>", '<a href="#maincontent">Skip to content</a><div id="maincontent"></div><nav>'
    )


def serve_site(server: LocalServer) -> dict[str, str]:
    pages = {FITS: fits_page(server.url(FITS)), REDESIGNED: redesigned_page(server.url(REDESIGNED))}
    server.add("/robots.txt", respond("User-agent: *\nAllow: /\n", content_type="text/plain"))
    server.add("/feed.xml", respond(rss(server, list(pages)), content_type=FEED_TYPE))
    for path, html in pages.items():
        server.add(path, respond(html, content_type=HTML))
    return pages


def site_crawl(tmp_path: Path, server: LocalServer, **fields: object) -> CrawlConfig:
    """A crawl of the test server's feed."""
    return crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), **fields)


def outputs(out: Path, prefix: str) -> tuple[str, dict[str, object]]:
    """The written text and JSON sidecar of the article whose file name starts with ``prefix``."""
    txt = next(p for p in out.rglob(f"{prefix}-*.txt") if "raw" not in p.relative_to(out).parts)
    return txt.read_text(encoding="utf-8"), json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("jobs", [0, 1], ids=["in-process", "worker"])
def test_crawl_counts_rule_failures_and_writes_the_article_generically(tmp_path: Path, jobs: int) -> None:
    rules = rules_folder(tmp_path, 'body = ["#maincontent"]\n', name=CRAWL_RULE)
    label = f"rule:{CRAWL_RULE}"
    with LocalServer() as server:
        pages = serve_site(server)
        cfg = site_crawl(tmp_path, server, rules=(str(rules),), jobs=jobs)
        events: list[dict[str, object]] = []
        report = crawl(cfg, on_event=events.append)
        host = f"127.0.0.1:{server.port}"
        assert report.totals.new == 2 and report.totals.failed == 0 and not report.partial
        assert report.rule_failures == {label: 1}
        assert report.host(host).rule_failures == 1
        saved = json.loads(cfg.report_path.read_text(encoding="utf-8"))
        assert saved["rule_failures"] == {label: 1}
        assert saved["hosts"][host]["rule_failures"] == 1

        text, meta = outputs(cfg.out, "redesigned")
        generic = scraper.clean(pages[REDESIGNED], url=server.url(REDESIGNED))
        assert text.rstrip("\n") == generic.text and "redesigned residents" in text
        assert meta["failed_rules"] == [label]
        _, fits_meta = outputs(cfg.out, "fits")
        assert fits_meta["failed_rules"] == []
        failed = [e for e in events if e["event"] == "rule-failed"]
        assert [(e["url"], e["rule"]) for e in failed] == [(server.url(REDESIGNED), label)]


def test_crawl_without_the_rule_reports_no_failures(tmp_path: Path) -> None:
    with LocalServer() as server:
        serve_site(server)
        cfg = site_crawl(tmp_path, server)
        report = crawl(cfg)
        assert report.totals.new == 2
        assert report.rule_failures == {}
        assert json.loads(cfg.report_path.read_text(encoding="utf-8"))["rule_failures"] == {}


def test_crawl_command_says_which_rule_failed(tmp_path: Path) -> None:
    rules = rules_folder(tmp_path, 'body = ["#maincontent"]\n', name=CRAWL_RULE)
    label = f"rule:{CRAWL_RULE}"
    with LocalServer() as server:
        serve_site(server)
        out = tmp_path / "out"
        args = ["crawl", "--feed", server.url("/feed.xml"), "--out", str(out), "--allow-private-networks"]
        args += ["--delay", "0", "-j", "0", "--rules", str(rules)]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        assert f"rule failures: {label} failed on 1 pages" in result.stderr
        warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1
        assert server.url(REDESIGNED) in warnings[0] and f"site rule {label} failed" in warnings[0]
        report = json.loads((tmp_path / "out.scraper" / "crawl-report.json").read_text(encoding="utf-8"))
        assert report["rule_failures"] == {label: 1}


def test_fetch_command_notes_a_failed_rule(tmp_path: Path) -> None:
    rules = rules_folder(tmp_path, 'body = ["#maincontent"]\n', name=CRAWL_RULE)
    with LocalServer() as server:
        serve_site(server)
        url = server.url(REDESIGNED)
        args = ["fetch", url, "--allow-private-networks", "--rules", str(rules)]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        assert "redesigned residents" in result.stdout
        assert f"note: {url}: site rule rule:{CRAWL_RULE} failed" in result.stderr
