"""scraper.crawl against real local sites: discovery, politeness, faults, incremental runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import FAST_FETCH, crawl_config, make_article_html
from httpserver import LocalServer, rate_limited, respond, status_sequence
from newssite import HTML, SITEMAP_TYPE, article_body, article_path, conditional, publish, rss

import scraper
from scraper.crawler.config import CrawlConfig, build_config
from scraper.crawler.lock import LockHeld, RunLock
from scraper.crawler.run import crawl
from scraper.crawler.state import CrawlState
from scraper.errors import ConfigError
from scraper.io.sink import url_stem
from scraper.web.settings import FetchSettings

config = crawl_config


def written_files(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.txt"))


def test_first_run_writes_every_article_then_a_second_run_only_revalidates(tmp_path: Path) -> None:
    with LocalServer() as server:
        paths = publish(server, 5)
        cfg = config(tmp_path, feeds=(server.url("/feed.xml"),))
        first = crawl(cfg)
        assert first.totals.new == 5 and first.totals.failed == 0 and not first.partial
        files = written_files(cfg.out)
        assert len(files) == 5
        text = files[0].read_text(encoding="utf-8")
        assert "residents" in text and "Copyright Example News" not in text
        meta = json.loads(files[0].with_suffix(".json").read_text(encoding="utf-8"))
        assert meta["title"].startswith("Story number")
        # the raw page is kept, with how it was fetched, for re-cleaning without refetching
        raw = sorted(cfg.raw_path.rglob("*.html.gz"))
        assert cfg.raw_path == tmp_path / "out.scraper" / "raw"  # beside the articles, not among them
        assert len(raw) == 5
        assert json.loads(Path(str(raw[0]).replace(".html.gz", ".page.json")).read_text())["status"] == 200
        report = json.loads(cfg.report_path.read_text())
        assert report["totals"]["new"] == 5

        second = crawl(cfg)
        assert second.totals.new == 0 and second.totals.fetched == 1  # only the feed, answered 304
        feed_requests = server.requests("/feed.xml")
        assert len(feed_requests) == 2 and feed_requests[1].headers["if-none-match"] == '"feed-1"'
        assert all(server.count(path) == 1 for path in paths)  # no article fetched again
        assert server.count("/robots.txt") == 1  # robots.txt came from the state
        assert len(written_files(cfg.out)) == 5


def test_robots_disallow_is_obeyed_and_reported(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 4, robots="User-agent: *\nDisallow: /news/story-1.html\n")
        report = crawl(config(tmp_path, feeds=(server.url("/feed.xml"),)))
        assert report.totals.new == 3 and report.totals.skipped_robots == 1
        assert server.count(article_path(1)) == 0


def test_robots_503_defers_the_host_and_404_allows_all(tmp_path: Path) -> None:
    with LocalServer() as down, LocalServer() as open_site:
        publish(down, 2)
        down.add("/robots.txt", status=503)
        publish(open_site, 2)
        open_site.add("/robots.txt", status=404)
        report = crawl(config(tmp_path, feeds=(down.url("/feed.xml"), open_site.url("/feed.xml"))))
        assert down.count("/feed.xml") == 0 and down.count(article_path(0)) == 0
        assert report.host(f"127.0.0.1:{down.port}").skipped_robots == 1
        assert report.host(f"127.0.0.1:{open_site.port}").new == 2
        assert report.totals.failed == 0 and not report.partial


def test_retry_after_429_then_success_and_404_gone_and_500_failed(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 3)
        server.add(article_path(0), rate_limited(retry_after=0.2, times=1, body=article_body(server, 0)))
        server.add(article_path(1), status=404, body="gone")
        server.add(article_path(2), status_sequence([500] * 20))
        cfg = config(tmp_path, feeds=(server.url("/feed.xml"),), retry_minutes=0.0, max_attempts=2)
        report = crawl(cfg)
        assert report.totals.new == 1 and report.totals.gone == 1 and report.totals.failed == 1
        assert report.partial
        assert server.count(article_path(0)) == 2  # the 429, then the page
        assert server.count(article_path(2)) == 3  # first try + 2 retries
        again = crawl(cfg)  # the failed URL is due again (retry_minutes=0) and then given up
        assert again.totals.failed == 1 and server.count(article_path(1)) == 1
        with CrawlState.open(cfg.state_path) as state:
            assert state.get(server.url(article_path(2))).status == "gave-up"  # type: ignore[union-attr]
        assert crawl(cfg).totals.fetched == 1  # only the feed now


def test_duplicates_by_content_are_recorded_not_written_twice(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 2)
        same = article_body(server, 0).replace(server.url(article_path(0)).encode(), b"")
        server.add(article_path(0), respond(same))
        server.add(article_path(1), respond(same))
        report = crawl(config(tmp_path, feeds=(server.url("/feed.xml"),)))
        assert report.totals.new == 1 and report.totals.duplicate == 1
        assert len(written_files(tmp_path / "out")) == 1


def test_sitemap_index_news_sitemap_and_max_age(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 3)
        index = (
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{server.url('/sitemap.xml')}</loc></sitemap>"
            f"<sitemap><loc>{server.url('/news-sitemap.xml')}</loc></sitemap></sitemapindex>"
        )
        news = (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            f"<url><loc>{server.url('/news/old.html')}</loc><news:news>"
            "<news:publication_date>2001-01-01T00:00:00Z</news:publication_date>"
            "<news:title>Old</news:title></news:news></url></urlset>"
        )
        server.add("/index.xml", respond(index, content_type=SITEMAP_TYPE))
        server.add("/news-sitemap.xml", respond(news, content_type=SITEMAP_TYPE))
        report = crawl(config(tmp_path, sitemaps=(server.url("/index.xml"),), max_age_days=30))
        assert report.totals.new == 3
        assert server.count("/news/old.html") == 0  # older than max_age_days


def test_start_page_links_followed_within_scope_and_depth(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 3)
        links = "".join(f'<a href="{article_path(i)}">Story {i}</a> ' for i in range(3))
        front = (
            f"<!doctype html><html><body><h1>Front page</h1>{links}"
            '<a href="https://elsewhere.example/x">Out of scope</a>'
            '<a href="/images/photo.jpg">Photo</a></body></html>'
        )
        server.add("/", respond(front))
        report = crawl(config(tmp_path, start=(server.url("/"),), max_depth=1))
        assert report.totals.new == 3
        assert server.count("/images/photo.jpg") == 0


def test_a_feed_seed_that_is_html_fails_with_a_named_reason(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 1)
        server.add("/feed.xml", respond("<!doctype html><p>not a feed</p>"))
        report = crawl(config(tmp_path, feeds=(server.url("/feed.xml"),)))
        assert report.totals.failed == 1 and "feed" in report.errors[0]


def test_private_addresses_are_refused_unless_allowed(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 1)
        report = crawl(config(tmp_path, feeds=(server.url("/feed.xml"),), fetch=FetchSettings()))
        assert report.totals.failed == 1 and "private" in report.errors[0]
        assert server.count("/feed.xml") == 0


def test_max_pages_leaves_the_rest_due_for_the_next_run(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 4)
        cfg = config(tmp_path, feeds=(server.url("/feed.xml"),), max_pages=3)
        assert crawl(cfg).totals.new == 3
        assert crawl(cfg).totals.new == 1


def test_jsonl_output_appends_across_runs_without_duplicates(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 2)
        cfg = config(tmp_path, feeds=(server.url("/feed.xml"),), format="jsonl")
        crawl(cfg)
        publish(server, 3)  # a third story appears in the feed
        server.add("/feed.xml", conditional(rss(server, [article_path(i) for i in range(3)]), '"f2"', HTML))
        crawl(cfg)
        lines = (cfg.out / "articles.jsonl").read_text(encoding="utf-8").splitlines()
        ids = [json.loads(line)["source"] for line in lines]
        assert len(ids) == 3 and len(set(ids)) == 3


def test_an_overlapping_run_is_refused_at_once(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 1)
        cfg = config(tmp_path, feeds=(server.url("/feed.xml"),))
        cfg.out.mkdir(parents=True)
        with RunLock(cfg.state_path.with_name(cfg.state_path.name + ".lock")), pytest.raises(LockHeld):
            crawl(cfg)
        assert server.count("/feed.xml") == 0


def test_url_stems_are_readable_unique_and_stable() -> None:
    a = url_stem("https://news.example.com/2026/11/24/bridge-reopens.html")
    assert a.startswith("news.example.com/bridge-reopens-") and a == url_stem(
        "https://news.example.com/2026/11/24/bridge-reopens.html"
    )
    assert url_stem("https://news.example.com/a?id=1") != url_stem("https://news.example.com/a?id=2")
    assert url_stem("https://news.example.com/").startswith("news.example.com/index-")


def test_config_file_layers_under_flags_and_rejects_unknown_keys(tmp_path: Path) -> None:
    cfg = build_config(
        {"feeds": ["https://example.com/rss"], "out": "articles", "politeness": {"delay": 3}},
        base=tmp_path,
        delay=0.5,
    )
    assert cfg.out == tmp_path / "articles" and cfg.politeness.delay == 0.5
    with pytest.raises(ConfigError, match="unknown key 'feed'"):
        build_config({"feed": ["https://example.com/rss"]})
    with pytest.raises(ConfigError, match="nothing to crawl"):
        build_config({})
    with pytest.raises(ConfigError, match="not an http"):
        build_config({"feeds": ["ftp://example.com/rss"]})
    # A quoted "false" is a string, and a truthy one: it must not silently turn a switch on.
    with pytest.raises(ConfigError, match="skip_paywalled must be true or false, not 'false'"):
        build_config({"feeds": ["https://example.com/rss"], "skip_paywalled": "false"})


def test_public_api_exports() -> None:
    assert scraper.crawl is crawl
    assert scraper.CrawlConfig is CrawlConfig


def test_fetch_and_scrape_from_the_library(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 1, robots="User-agent: *\nDisallow: /private/\n")
        page = scraper.fetch(server.url(article_path(0)), settings=FAST_FETCH)
        assert page.status == 200 and page.final_url == server.url(article_path(0))
        article = scraper.scrape(server.url(article_path(0)), settings=FAST_FETCH)
        assert article.title == "Story number 0" and "residents" in article.text
        server.add("/private/x.html", respond(article_body(server, 0)))
        with pytest.raises(scraper.FetchError) as refused:
            scraper.fetch(server.url("/private/x.html"), settings=FAST_FETCH)
        assert refused.value.reason == "robots" and server.count("/private/x.html") == 0
        assert (
            scraper.fetch(server.url("/private/x.html"), settings=FAST_FETCH, obey_robots=False).status == 200
        )


def test_robots_crawl_delay_spaces_requests_to_that_host(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 3, robots="User-agent: *\nCrawl-delay: 0.3\n")
        report = crawl(config(tmp_path, feeds=(server.url("/feed.xml"),)))
        assert report.totals.new == 3
        # four requests after robots.txt (the feed, three articles), each start 0.3 s after the last
        assert report.seconds >= 0.9


def test_cleaning_in_worker_processes(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 3)
        report = crawl(config(tmp_path, feeds=(server.url("/feed.xml"),), jobs=2))
        assert report.totals.new == 3 and len(written_files(tmp_path / "out")) == 3


def test_wrong_and_missing_charsets_decode_correctly(tmp_path: Path) -> None:
    from httpserver import no_charset, wrong_charset

    text = make_article_html("café", "Straße café", words=120).replace("residents", "Bürger und Gäste")
    with LocalServer() as server:
        publish(server, 0)
        server.add("/wrong.html", wrong_charset(text, actual="utf-8", declared="iso-8859-1"))
        server.add("/legacy.html", no_charset(text.replace('<meta charset="utf-8">', ""), encoding="cp1252"))
        for path in ("/wrong.html", "/legacy.html"):
            article = scraper.scrape(server.url(path), settings=FAST_FETCH)
            assert "Bürger und Gäste" in article.text and article.title == "Straße café", path


def test_an_unknown_config_key_is_named_with_its_line(tmp_path: Path) -> None:
    from scraper.crawler.config import load_config

    conf = tmp_path / "sites.toml"
    conf.write_text('feeds = ["https://example.com/rss"]\n\n[fetch]\nretries = 2\ntimeuot = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"{re.escape(str(conf))}:5: unknown key \[fetch\]\.timeuot"):
        load_config(conf)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("timeout", -1, "timeout must be a number, more than 0, not -1"),
        ("timeout", float("nan"), "timeout must be a number, more than 0, not nan"),
        ("max_seconds", float("inf"), "max_seconds must be a number, 0 or more, not inf"),
        ("jobs", "x", "jobs must be a whole number, 0 or more, not 'x'"),
        ("max_pages", 0, "max_pages must be a whole number, 1 or more, not 0"),
        ("state", 3, "state must be a path, not 3"),
    ],
)
def test_bad_settings_fail_when_the_config_is_built(key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        build_config({"feeds": ["https://example.com/rss"]}, **{key: value})


def test_a_path_given_as_a_string_is_a_path() -> None:
    config = build_config({"feeds": ["https://example.com/rss"]}, out="news")
    assert config.out == Path("news") and config.state_path == Path("news.scraper") / "state.sqlite"
