"""``scraper crawl --site``: a site's feeds and sitemaps found from robots.txt, the home page's
``<link rel=alternate>`` and the usual paths, recorded in the report; and ``--list``, the dry run.

The command line runs against real servers on 127.0.0.1; the probing policy is also checked
through ``httpx.MockTransport``. Nothing here touches the internet.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from conftest import FAST_FETCH, crawl_config
from httpserver import LocalServer, respond
from newssite import FEED_TYPE, article_path, publish

from scraper.cli.main import main
from scraper.crawler.dryrun import preview
from scraper.crawler.run import crawl
from scraper.crawler.sites import PROBE_PATHS, find_sources
from scraper.crawler.state import CrawlState, Discovered
from scraper.web.session import Politeness, WebSession

HOME = "<!doctype html><html><head><title>Home</title></head><body><p>Welcome to the news.</p></body></html>"
HOME_WITH_FEEDS = """<!doctype html><html><head><title>Home</title>
<link rel="alternate" type="application/rss+xml" title="News" href="/feed.xml">
<link rel="alternate" type="application/rss+xml; charset=utf-8" title="Comments" href="/comments/feed/">
<link rel="alternate" hreflang="de" href="/de/">
<link rel="stylesheet" type="text/css" href="/site.css">
</head><body><p>Welcome to the news.</p></body></html>"""


def run(*args: str, **options: object) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False, **options)  # type: ignore[arg-type]


def crawl_args(out: Path, *extra: str) -> list[str]:
    return ["crawl", "--out", str(out), "--allow-private-networks", "--delay", "0", "-j", "0", *extra]


def report_event(result: Result) -> dict[str, object]:
    """The report a ``--log-json`` run prints last."""
    event = json.loads(result.stderr.splitlines()[-1])
    assert event["event"] in ("report", "list")
    return event


def probes_made(server: LocalServer, *, besides: tuple[str, ...] = ()) -> list[str]:
    return [path for path in PROBE_PATHS if path not in besides and server.count(path)]


def test_a_sitemap_named_in_robots_txt_is_crawled_and_nothing_is_probed(tmp_path: Path) -> None:
    with LocalServer() as server:
        sitemap = server.url("/sitemap.xml")
        publish(server, 2, robots=f"User-agent: *\nAllow: /\nSitemap: {sitemap}\nSitemap: /sitemap.xml\n")
        server.add("/", respond(HOME))
        result = run(*crawl_args(tmp_path / "out", "--site", server.url("/")))
        assert result.exit_code == 0, result.stderr
        assert "crawl: 2 new" in result.stderr
        assert f"site: {server.url('/')}: sitemap {sitemap} (robots.txt)" in result.stderr
        assert len(list((tmp_path / "out").rglob("*.txt"))) == 2
        # robots.txt is read once, for politeness and for discovery alike; the sitemap once, as a seed
        assert server.count("/robots.txt") == 1 and server.count("/sitemap.xml") == 1
        assert probes_made(server, besides=("/sitemap.xml",)) == []


def test_the_home_page_s_feed_links_are_used_but_not_its_comment_feed(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 3)
        server.add("/", respond(HOME_WITH_FEEDS))
        result = run(*crawl_args(tmp_path / "out", "--site", server.url("/"), "--log-json"))
        assert result.exit_code == 0, result.stderr
        report = report_event(result)
        assert report["site_sources"] == [
            {"site": server.url("/"), "url": server.url("/feed.xml"), "kind": "feed", "via": "link"}
        ]
        assert report["totals"]["new"] == 3  # type: ignore[index]
        assert server.count("/comments/feed/") == 0
        assert probes_made(server, besides=("/feed.xml",)) == []
        assert server.count("/sitemap.xml") == 0


def test_the_usual_paths_are_probed_politely_until_one_is_a_feed(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 2, robots="User-agent: *\nDisallow: /rss\n")
        server.add("/", respond(HOME))
        server.add("/feed", respond(HOME))  # a soft 404: the home page again, not a feed
        result = run(*crawl_args(tmp_path / "out", "--site", server.url("/"), "--log-json"))
        assert result.exit_code == 0, result.stderr
        assert report_event(result)["site_sources"] == [
            {"site": server.url("/"), "url": server.url("/feed.xml"), "kind": "feed", "via": "path"}
        ]
        assert len(list((tmp_path / "out").rglob("*.txt"))) == 2
        # /feed was asked and passed over, /rss is disallowed, /feed.xml answered: nothing after it
        assert probes_made(server) == ["/feed", "/feed.xml"]
        user_agents = {request.headers["user-agent"] for request in server.requests("/feed")}
        assert all(agent.startswith("scraper/") for agent in user_agents)


def test_a_probe_that_redirects_is_recorded_where_it_ended(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 1)
        server.add("/", respond(HOME))
        server.add("/rss", status=301, headers={"Location": "/feed.xml"}, body=b"moved")
        cfg = crawl_config(tmp_path, sites=(server.url("/"),))
        report = crawl(cfg)
        assert report.site_sources == [
            {"site": server.url("/"), "url": server.url("/feed.xml"), "kind": "feed", "via": "path"}
        ]
        saved = json.loads(cfg.report_path.read_text(encoding="utf-8"))
        assert saved["site_sources"] == report.site_sources and saved["totals"]["new"] == 1


def test_a_site_without_feeds_is_named_and_the_run_goes_on_with_its_other_sources(tmp_path: Path) -> None:
    with LocalServer() as empty, LocalServer() as news:
        empty.add("/robots.txt", respond("User-agent: *\nAllow: /\n", content_type="text/plain"))
        empty.add("/", respond(HOME))
        publish(news, 2)
        out = tmp_path / "out"
        result = run(*crawl_args(out, "--site", empty.url("/"), "--feed", news.url("/feed.xml")))
        assert result.exit_code == 1  # the site gave nothing to crawl: a failure, as a failed seed is
        [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert f"{empty.url('/')}: no feed or sitemap found" in error and "--feed" in error
        assert "crawl: 2 new" in result.stderr
        assert all(empty.count(path) == 1 for path in PROBE_PATHS)  # each usual path asked once


def test_the_site_key_of_a_config_file_is_checked_like_the_other_seeds(tmp_path: Path) -> None:
    conf = tmp_path / "sites.toml"
    conf.write_text('sites = ["ftp://example.com/"]\n', encoding="utf-8")
    result = run("crawl", str(conf))
    assert result.exit_code == 2 and "sites: 'ftp://example.com/' is not an http(s) URL" in result.stderr
    conf.write_text('sites = "https://example.com/"\n', encoding="utf-8")
    result = run("crawl", str(conf))
    assert result.exit_code == 2 and "sites must be a list of strings" in result.stderr
    with LocalServer() as server:
        publish(server, 1, robots=f"User-agent: *\nSitemap: {server.url('/sitemap.xml')}\n")
        conf.write_text(
            f'sites = ["{server.url("/")}"]\nout = "out"\n'
            "[politeness]\ndelay = 0\n[fetch]\nallow_private_networks = true\n",
            encoding="utf-8",
        )
        result = run("crawl", str(conf), "-j", "0")
        assert result.exit_code == 0, result.stderr
        assert len(list((tmp_path / "out").rglob("*.txt"))) == 1


def _files(folder: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_list_prints_the_urls_a_run_would_fetch_and_fetches_and_writes_nothing(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 3)
        server.add("/", respond(HOME_WITH_FEEDS))
        out = tmp_path / "out"
        listed = run(*crawl_args(out, "--site", server.url("/"), "--list"))
        assert listed.exit_code == 0, listed.stderr
        assert listed.stdout.splitlines() == [server.url(article_path(i)) for i in range(3)]
        assert "list: 3 articles would be fetched" in listed.stderr
        assert not out.exists()  # no state, no lock, no report, no output
        assert all(server.count(article_path(i)) == 0 for i in range(3))

        # A run that fetches two of them, then the list shows the one still due, and the state,
        # the report and the articles are left byte for byte as they were.
        assert run(*crawl_args(out, "--site", server.url("/"), "--max-pages", "2")).exit_code == 0
        before = _files(out)
        assert len([path for path in before if path.suffix == ".txt"]) == 2
        listed = run(*crawl_args(out, "--site", server.url("/"), "--list", "--log-json"))
        assert listed.exit_code == 0, listed.stderr
        assert listed.stdout.splitlines() == [server.url(article_path(2))]
        assert report_event(listed)["urls"] == 1
        assert _files(out) == before
        assert server.count(article_path(2)) == 0


def test_list_reads_the_log_of_a_state_a_running_crawl_holds_open(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 2)
        cfg = crawl_config(tmp_path, feeds=(server.url("/feed.xml"),))
        assert crawl(cfg).totals.new == 2
        extra = server.url("/news/extra.html")
        with CrawlState.open(cfg.state_path) as held:  # committed to its -wal, not yet to the file
            held.add([Discovered(extra, kind="article", source="test")], time.time())
            before = {path: data for path, data in _files(cfg.out).items() if path.suffix != ".sqlite-shm"}
            assert preview(cfg).urls == [extra]
            after = {path: data for path, data in _files(cfg.out).items() if path.suffix != ".sqlite-shm"}
            assert after == before
        assert server.count("/news/extra.html") == 0


def test_list_reports_a_feed_that_fails_and_exits_1(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 1)
        result = run(*crawl_args(tmp_path / "out", "--feed", server.url("/missing.xml"), "--list"))
        assert result.exit_code == 1 and result.stdout == ""
        assert "error:" in result.stderr and "404" in result.stderr
        assert not (tmp_path / "out").exists()


def test_list_takes_hosts_in_turn_as_the_run_s_workers_do(tmp_path: Path) -> None:
    with LocalServer() as first, LocalServer() as second:
        publish(first, 2)
        publish(second, 2)
        feeds = ["--feed", first.url("/feed.xml"), "--feed", second.url("/feed.xml")]
        result = run(*crawl_args(tmp_path / "out", *feeds, "--list", "--max-pages", "3"))
        assert result.exit_code == 0, result.stderr
        origins = [url.partition("/news/")[0] for url in result.stdout.splitlines()]
        assert len(origins) == 3 and origins[0] != origins[1] and origins[2] == origins[0]
        assert set(origins) == {first.origin, second.origin}


# -- the probing policy, through a mock transport --------------------------------------------------

SITE = "https://news.example/"


def find(handler: object, *, obey_robots: bool = True) -> tuple[list[dict[str, str]], str | None, list[str]]:
    """Look for the site's sources; return what was found, the problem, and every URL asked."""
    asked: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return handler(request)  # type: ignore[operator]

    async def go() -> tuple[list[dict[str, str]], str | None]:
        politeness = Politeness(delay=0.0, obey_robots=obey_robots)
        async with WebSession(FAST_FETCH, politeness, transport=httpx.MockTransport(record)) as web:
            result = await find_sources(web, SITE)
        return [found.to_dict() for found in result.found], result.problem

    found, problem = asyncio.run(go())
    return found, problem, asked


def test_without_robots_txt_obeyed_its_sitemap_lines_are_still_read() -> None:
    def site(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            text = (
                "Sitemap: /a.xml\nSitemap: https://news.example/a.xml\nSitemap: https://cdn.example/b.xml\n"
            )
            return httpx.Response(200, text=text)
        return httpx.Response(200, html=HOME)

    found, problem, asked = find(site, obey_robots=False)
    assert [item["url"] for item in found] == ["https://news.example/a.xml", "https://cdn.example/b.xml"]
    assert {item["via"] for item in found} == {"robots.txt"} and problem is None
    assert asked == ["https://news.example/robots.txt", SITE]


def test_a_host_that_does_not_answer_is_not_probed() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    found, problem, asked = find(down)
    assert found == [] and problem is not None and "unreachable" in problem
    assert all(url.endswith("/robots.txt") for url in asked)  # not even the home page
    found, problem, asked = find(down, obey_robots=False)
    assert found == [] and problem is not None
    assert not any(url.endswith(PROBE_PATHS) for url in asked)


def test_a_home_page_that_fails_alone_leaves_the_paths_to_probe() -> None:
    feed = rss_of(["https://news.example/a.html"])

    def site(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(403, text="go away")
        if request.url.path == "/rss":
            return httpx.Response(200, headers={"Content-Type": FEED_TYPE}, content=feed)
        return httpx.Response(404)

    found, problem, asked = find(site)
    assert found == [{"site": SITE, "url": "https://news.example/rss", "kind": "feed", "via": "path"}]
    assert problem is not None and "403" in problem
    assert asked[-1] == "https://news.example/rss"  # the first feed ends the probing


def rss_of(urls: list[str]) -> bytes:
    items = "".join(f"<item><title>Story</title><link>{url}</link></item>" for url in urls)
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()
    )


@pytest.mark.parametrize("content_type", ["application/atom+xml", "application/rdf+xml"])
def test_atom_and_rdf_feed_links_count_too(content_type: str) -> None:
    page = f'<html><head><base href="/news/"><link rel="Alternate feed" type="{content_type}" href="all.xml">'

    def site(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, html=page) if request.url.path == "/" else httpx.Response(404)

    found, _, _ = find(site)
    assert found == [
        {"site": SITE, "url": "https://news.example/news/all.xml", "kind": "feed", "via": "link"}
    ]
