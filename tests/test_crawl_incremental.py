"""Crawls over several runs: what changed is found, what did not is not rewritten or relearned."""

from __future__ import annotations

import time
from pathlib import Path

from click.testing import CliRunner
from httpserver import Exchange, LocalServer, respond
from newssite import HTML, SITEMAP_TYPE, article_body, article_path, conditional, publish, sitemap

from scraper.cli.main import main
from scraper.crawler.config import CrawlConfig
from scraper.crawler.run import crawl
from scraper.io.sink import url_stem
from scraper.web.session import Politeness
from scraper.web.settings import FetchSettings

FAST = FetchSettings(allow_private_networks=True, retries=0, backoff_initial=0.01, total_timeout=5)
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
]


def config(tmp_path: Path, **fields: object) -> CrawlConfig:
    values: dict[str, object] = {
        "out": tmp_path / "out",
        "jobs": 0,
        "fetch": FAST,
        "politeness": Politeness(delay=0.0),
    }
    values.update(fields)
    return CrawlConfig(**values)  # type: ignore[arg-type]


def test_an_unchanged_sitemap_index_still_leads_to_its_changed_child(tmp_path: Path) -> None:
    with LocalServer() as server:
        paths = publish(server, 3)
        index = (
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{server.url('/child.xml')}</loc></sitemap></sitemapindex>"
        ).encode()
        server.add("/index.xml", conditional(index, '"idx"', SITEMAP_TYPE))
        server.add("/child.xml", conditional(sitemap(server, paths[:2]), '"c1"', SITEMAP_TYPE))
        cfg = config(tmp_path, sitemaps=(server.url("/index.xml"),))
        assert crawl(cfg).totals.new == 2
        server.add("/child.xml", conditional(sitemap(server, paths), '"c2"', SITEMAP_TYPE))
        assert crawl(cfg).totals.new == 1  # the index answered 304; its child was read again


def test_a_page_whose_html_changes_but_not_its_text_is_not_written_again(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 1)
        body = article_body(server, 0)

        def rendered(exchange: Exchange) -> None:  # a render timestamp changes on every request
            stamp = f"<!-- rendered {exchange.index} --></body>".encode()
            exchange.send(200, {"Content-Type": HTML}, body.replace(b"</body>", stamp))

        server.add(article_path(0), rendered)
        cfg = config(tmp_path, feeds=(server.url("/feed.xml"),), format="jsonl", revisit_hours=0.0001)
        crawl(cfg)
        time.sleep(0.5)
        again = crawl(cfg)
        assert again.totals.new == 0 and again.totals.unchanged == 1
        assert len((cfg.out / "articles.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_a_growing_live_blog_does_not_teach_the_site_memory_its_own_entries(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 1)
        entries = {"count": 3}

        def live(exchange: Exchange) -> None:
            items = "".join(
                f"<p>Update {i}: {' '.join(WORDS[(i * 5 + k) % len(WORDS)] for k in range(30))} (entry {i}).</p>"
                for i in range(entries["count"])
            )
            page = f"<!doctype html><html><head><title>Live</title></head><body><article><h1>Live</h1>{items}</article></body></html>"
            exchange.send(200, {"Content-Type": HTML}, page.encode())

        server.add(article_path(0), live)
        cfg = config(tmp_path, feeds=(server.url("/feed.xml"),), revisit_hours=0.0001)
        reports = []
        for count in (3, 4, 5, 15):
            entries["count"] = count
            reports.append(crawl(cfg).totals)
            time.sleep(0.4)
        # Written once as new; every later, longer version is an update of it, not a new article.
        assert [(t.new, t.updated) for t in reports] == [(1, 0), (0, 1), (0, 1), (0, 1)]
        text = (cfg.out / (url_stem(server.url(article_path(0))) + ".txt")).read_text(encoding="utf-8")
        assert "(entry 0)" in text and "(entry 14)" in text


def test_section_pages_between_start_page_and_articles_are_read_every_run(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 4)
        server.add(
            "/",
            respond(
                '<!doctype html><html><body><h1>Front</h1><a href="/section/">Politics</a></body></html>'
            ),
        )

        def section(count: int) -> object:
            links = "".join(f'<a href="{article_path(i)}">Story {i}</a> ' for i in range(count))
            return respond(f"<!doctype html><html><body><h1>Politics</h1>{links}</body></html>")

        server.add("/section/", section(2))  # type: ignore[arg-type]
        cfg = config(tmp_path, start=(server.url("/"),), max_depth=2)
        assert crawl(cfg).totals.new == 2
        server.add("/section/", section(4))  # type: ignore[arg-type]
        assert crawl(cfg).totals.new == 2


def test_bad_settings_are_configuration_errors_with_status_2(tmp_path: Path) -> None:
    for body in (
        'feeds = ["https://example.com/rss"]\nallow = ["("]\n',
        'feeds = ["https://example.com/rss"]\n[politeness]\nconcurrency = 0\n',
        'feeds = ["https://example.com/rss"]\n[fetch]\nuser_agent = "123 bot"\n',
    ):
        conf = tmp_path / "sites.toml"
        conf.write_text(body, encoding="utf-8")
        result = CliRunner().invoke(main, ["crawl", str(conf)])
        assert result.exit_code == 2 and "sites.toml" in result.stderr, result.output
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    result = CliRunner().invoke(main, ["crawl", "--feed", "https://example.com/rss", "--state", str(garbage)])
    assert result.exit_code == 2 and "garbage.sqlite" in result.stderr


def test_a_fetch_that_cannot_write_reports_each_url_and_goes_on(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 2)
        urls = [server.url(article_path(i)) for i in range(2)]
        args = ["fetch", *urls, "-o", str(tmp_path / "out"), "--format", "jsonl", "--allow-private-networks"]
        assert CliRunner().invoke(main, args).exit_code == 0
        (tmp_path / "a-file").write_text("x", encoding="utf-8")
        failed = CliRunner().invoke(main, [*args, "--raw", str(tmp_path / "a-file" / "raw")])
        assert (failed.exit_code == 1 and failed.exception is None) or isinstance(
            failed.exception, SystemExit
        )
        assert all(f"error: {url}: cannot write its output" in failed.stderr for url in urls)
        assert "done 0, skipped 0, failed 2" in failed.stderr


def _amp_site(server: LocalServer, *, canonical_status: int = 200, amp: bool = True) -> tuple[str, str]:
    """An article at /news/storm and its copy at /amp/storm naming it canonical; a feed of the copy."""
    from conftest import make_article_html
    from newssite import FEED_TYPE, rss

    canonical, copy = server.url("/news/storm"), server.url("/amp/storm")
    page = make_article_html("storm", "Storm reaches the coast", url=canonical)
    amp_page = page.replace("<html ", "<html amp ", 1) if amp else page
    server.add("/robots.txt", respond("User-agent: *\nAllow: /\n", content_type="text/plain"))
    server.add("/amp/storm", respond(amp_page, content_type=HTML))
    server.add("/news/storm", respond(page, content_type=HTML, status=canonical_status))
    server.add("/feed.xml", respond(rss(server, ["/amp/storm"]), content_type=FEED_TYPE))
    return canonical, copy


def _jsonl(cfg: CrawlConfig) -> list[str]:
    return (cfg.out / "articles.jsonl").read_text(encoding="utf-8").splitlines()


def test_an_amp_copy_read_first_gives_way_to_its_canonical_url(tmp_path: Path) -> None:
    with LocalServer() as server:
        canonical, _ = _amp_site(server)
        cfg = config(tmp_path, feeds=(server.url("/feed.xml"),), format="jsonl", retry_minutes=0.001)
        first = crawl(cfg)
        assert first.totals.new == 1 and first.totals.deferred == 1
        time.sleep(0.2)
        again = crawl(cfg)  # the AMP copy is read again: now it is the canonical article's duplicate
        assert again.totals.duplicate == 1 and again.totals.new == 0
        [line] = _jsonl(cfg)
        assert f'"id":"{canonical}"' in line and f'"source":"{canonical}"' in line


def test_an_amp_copy_whose_canonical_gives_nothing_is_written_after_all(tmp_path: Path) -> None:
    with LocalServer() as server:
        _, copy = _amp_site(server, canonical_status=404)
        cfg = config(tmp_path, feeds=(server.url("/feed.xml"),), format="jsonl", retry_minutes=0.001)
        assert crawl(cfg).totals.deferred == 1
        time.sleep(0.2)
        assert crawl(cfg).totals.new == 1  # nothing lost: kept under the URL that had it
        [line] = _jsonl(cfg)
        assert f'"source":"{copy}"' in line


def test_a_page_that_is_no_amp_copy_is_written_at_once_whatever_its_canonical(tmp_path: Path) -> None:
    with LocalServer() as server:
        _amp_site(server, amp=False)
        cfg = config(tmp_path, feeds=(server.url("/feed.xml"),), format="jsonl")
        report = crawl(cfg)
        assert report.totals.new == 1 and report.totals.deferred == 0
        assert server.count("/news/storm") == 0  # no extra request for the canonical URL
