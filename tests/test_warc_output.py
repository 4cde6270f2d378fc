"""`scraper crawl --warc DIR`: every article fetch as WARC/1.1, read back by warcio, `warcio check`
clean, and re-cleaned by `scraper clean DIR/*.warc.gz` into the same articles the crawl wrote.
A response record holds the answer as the server sent it: its status line and headers, and the body
still gzip-encoded; a chunked body de-chunked, its Transfer-Encoding renamed."""

from __future__ import annotations

import asyncio
import gzip
import json
import pickle
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import crawl_config, make_article_html
from httpserver import Exchange, LocalServer, respond
from newssite import FEED_TYPE, HTML, article_path, publish, rss
from warcio.archiveiterator import ArchiveIterator

from scraper.article import Page, Received
from scraper.cli import main
from scraper.crawler.config import build_config
from scraper.crawler.run import crawl
from scraper.crawler.state import CrawlState, Discovered
from scraper.errors import FetchError
from scraper.io.warc import WarcPage, read_warc
from scraper.io.warcwriter import CrawlArchive
from scraper.web.client import Fetcher
from scraper.web.settings import FetchSettings

LOCAL = FetchSettings(allow_private_networks=True, retries=0)


def warcio_check(*paths: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "warcio.cli", "check", "-v", *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def record_types(path: Path) -> list[str]:
    with path.open("rb") as handle:
        return [record.rec_type for record in ArchiveIterator(handle)]


def responses(path: Path) -> dict[str, tuple[str, list[tuple[str, str]], bytes]]:
    """Each response record's status line, HTTP headers and payload as stored (not decoded)."""
    out = {}
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                http = record.http_headers
                line = f"{http.protocol} {http.statusline}"
                out[record.rec_headers.get_header("WARC-Target-URI")] = (
                    line,
                    http.headers,
                    record.raw_stream.read(),
                )
    return out


def chunked(parts: list[bytes], headers: dict[str, str]) -> Callable[[Exchange], None]:
    """An answer sent with ``Transfer-Encoding: chunked``, one chunk per part."""

    def route(exchange: Exchange) -> None:
        exchange.send_head(200, {**headers, "Transfer-Encoding": "chunked"})
        for part in parts:
            exchange.write(b"%x\r\n%s\r\n" % (len(part), part))
        exchange.write(b"0\r\n\r\n")

    return route


def test_a_crawl_writes_warc_that_re_cleans_into_the_same_articles(tmp_path: Path) -> None:
    warc_dir = tmp_path / "warc"
    with LocalServer() as server:
        paths = publish(server, 3)
        # one article served gzip-encoded, one chunked (and gzip-encoded): records hold what was sent
        zipped = make_article_html("zipped", "Zipped story", url=server.url("/news/zipped.html")).encode()
        zipped_sent = gzip.compress(zipped)
        server.add(
            "/news/zipped.html",
            lambda ex: ex.send(200, {"Content-Type": HTML, "Content-Encoding": "gzip"}, zipped_sent),
        )
        chunky = make_article_html("chunky", "Chunked story", url=server.url("/news/chunky.html")).encode()
        chunky_sent = gzip.compress(chunky)
        chunky_parts = [chunky_sent[:100], chunky_sent[100:400], chunky_sent[400:]]
        server.add(
            "/news/chunky.html",
            chunked(chunky_parts, {"Content-Type": HTML, "X-Served-BY": "Test", "Content-Encoding": "gzip"}),
        )
        extra = ["/news/zipped.html", "/news/chunky.html"]
        server.add("/feed.xml", respond(rss(server, [*paths, *extra]), content_type=FEED_TYPE))
        cfg = crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), format="jsonl", warc=warc_dir)
        report = crawl(cfg)
        assert report.totals.new == 5 and not report.partial
        zipped_url, chunky_url = server.url("/news/zipped.html"), server.url("/news/chunky.html")
        feed_url = server.url("/feed.xml")

    files = sorted(warc_dir.glob("*.warc.gz"))
    assert len(files) == 1 and not list(warc_dir.glob("*.open"))  # finished and renamed
    # every fetch: the feed, then the five articles
    assert record_types(files[0]) == ["warcinfo"] + ["request", "response", "metadata"] * 6
    check = warcio_check(*files)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout

    with files[0].open("rb") as handle:
        records = iter(ArchiveIterator(handle))
        assert next(records).rec_headers.protocol == "WARC/1.1"
        metadata = next(r for r in records if r.rec_type == "metadata").content_stream().read().decode()
        assert "scraper-version:" in metadata and "trafilatura-version:" in metadata
    # the response records as received: status line, the server's headers, the encoded body
    stored = responses(files[0])
    assert b"<rss" in stored[feed_url][2]  # the feed is archived too (and skipped as not HTML when cleaned)
    line, headers, payload = stored[zipped_url]
    assert line == "HTTP/1.1 200 OK" and payload == zipped_sent
    names = [name for name, _ in headers]
    assert names == ["Server", "Date", "Content-Length", "Content-Type", "Content-Encoding"]
    assert ("Content-Encoding", "gzip") in headers and ("Content-Length", str(len(zipped_sent))) in headers
    line, headers, payload = stored[chunky_url]
    assert line == "HTTP/1.1 200 OK" and payload == b"".join(chunky_parts)  # de-chunked, still gzip
    assert [name for name, _ in headers] == [
        "Server",
        "Date",
        "Content-Type",
        "X-Served-BY",
        "Content-Encoding",
        "X-Archive-Orig-Transfer-Encoding",
    ]
    assert ("X-Archive-Orig-Transfer-Encoding", "chunked") in headers
    # read back decoded, as the crawl cleaned them
    pages = {item.page.url: item for item in read_warc(files[0]) if isinstance(item, WarcPage)}
    assert pages[zipped_url].page.body == zipped and pages[chunky_url].page.body == chunky
    assert pages[zipped_url].page.header("content-encoding") == "gzip"

    # the state says where each article's response record is
    with CrawlState.open(cfg.state_path) as state:
        for url, item in pages.items():
            record = state.get(url)
            assert record is not None and (record.warc_file, record.warc_offset) == (str(files[0]), item.offset)

    crawled = {
        json.loads(line)["metadata"]["url"]: json.loads(line)["text"]
        for line in (cfg.out / "articles.jsonl").read_text().splitlines()
    }
    out = tmp_path / "again"
    result = CliRunner().invoke(
        main, ["clean", *map(str, files), "-o", str(out), "--format", "jsonl", "-j", "1", "--no-learn"]
    )
    assert result.exit_code == 0, result.output
    again = [json.loads(line) for line in (out / "articles.jsonl").read_text().splitlines()]
    assert {r["metadata"]["url"]: r["text"] for r in again} == crawled
    assert {r["metadata"]["warc_offset"] for r in again} == {item.offset for item in pages.values()}


def fetch_received(url: str, settings: FetchSettings = LOCAL) -> Page:
    async def run() -> Page:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(url, keep_received=True)

    return asyncio.run(run())


def test_the_copy_as_received_is_kept_only_when_asked_and_never_pickled() -> None:
    body = make_article_html("asked", "Asked").encode()
    with LocalServer() as server:
        server.add(
            "/a",
            lambda ex: ex.send(200, {"Content-Type": HTML, "Content-Encoding": "gzip"}, gzip.compress(body)),
        )
        page = fetch_received(server.url("/a"))

        async def plain() -> Page:
            async with Fetcher(LOCAL) as fetcher:
                return await fetcher.fetch(server.url("/a"))

        assert asyncio.run(plain()).received is None
    assert isinstance(page.received, Received) and page.body == body
    assert gzip.decompress(page.received.body) == body and page.received.reason == "OK"
    assert ("Content-Encoding", "gzip") in page.received.headers
    copy = pickle.loads(pickle.dumps(page))  # as a page goes to a worker process
    assert copy.received is None and copy.body == body and copy.headers == page.headers


def test_the_copy_as_received_counts_against_the_size_cap() -> None:
    body = bytes(range(256)) * 40  # 10 KB that gzip cannot shrink: the raw copy is the larger
    sent = gzip.compress(body, compresslevel=0)
    with LocalServer() as server:
        server.add(
            "/a", chunked([sent[i : i + 1000] for i in range(0, len(sent), 1000)], {"Content-Type": HTML})
        )
        with pytest.raises(FetchError) as info:
            fetch_received(
                server.url("/a"),
                FetchSettings(allow_private_networks=True, retries=0, max_body_bytes=len(body)),
            )
    assert info.value.reason == "too-large"


def test_files_rotate_at_the_size_limit_and_each_passes_warcio_check(tmp_path: Path) -> None:
    body = make_article_html("rotate", "Rotating").encode()
    spots = []
    with CrawlArchive(tmp_path, max_bytes=4000, versions={"scraper": "test"}) as archive:
        for i in range(6):
            page = Page(
                url=f"https://news.example/{i}",
                body=body,
                status=200,
                headers={"content-type": "text/html"},
                fetched_at="2026-11-30T10:00:00Z",
            )
            spots.append(archive.write(page, asked=page.url))
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) >= 2 and files == sorted(archive.finished)
    assert warcio_check(*files).returncode == 0
    for path, offset in spots:  # every offset given is a response record of its file
        with open(path, "rb") as handle:
            handle.seek(offset)
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_type == "response"


def test_a_file_left_open_by_a_killed_run_is_cut_to_whole_records_and_finished(tmp_path: Path) -> None:
    body = make_article_html("killed", "Killed").encode()
    archive = CrawlArchive(tmp_path).open()
    for i in range(2):
        archive.write(Page(url=f"https://news.example/{i}", body=body, status=200, headers={}))
    [open_file] = tmp_path.glob("*.open")
    # Another live crawl's file (here: this process's) is not a leftover: left as it is.
    with CrawlArchive(tmp_path) as second:
        assert second.finished == [] and open_file.exists()
    # As named by a process that has gone (no pid is this high), it is one.
    stamp, _, serial = open_file.name.removeprefix("crawl-").split("-", 2)
    left = open_file.rename(tmp_path / f"crawl-{stamp}-99999999-{serial}")
    data = left.read_bytes()
    left.write_bytes(data[: len(data) - 100])  # the last gzip member torn, as by a kill mid-write
    with CrawlArchive(tmp_path) as third:
        assert [path.name for path in third.finished] == [left.name.removesuffix(".open")]
    [finished] = third.finished
    assert warcio_check(finished).returncode == 0
    assert record_types(finished)[-1] == "response"  # the torn metadata record was cut off


def test_a_schema_2_state_is_migrated_and_keeps_its_urls(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    url = "https://news.example/a.html"
    with CrawlState.open(path) as state:
        state.add([Discovered(url)], now=1.0)
    db = sqlite3.connect(path)
    db.executescript(
        "ALTER TABLE urls DROP COLUMN warc_file; ALTER TABLE urls DROP COLUMN warc_offset;"
        "UPDATE meta SET value = '2' WHERE key = 'schema_version';"
    )
    db.close()
    with CrawlState.open(path) as state:
        assert state.get(url) is not None and state.get(url).warc_file is None
        state.record_fetch(url, status="written", now=2.0, next_fetch_at=None, warc=("a.warc.gz", 42))
        record = state.get(url)
        assert (record.warc_file, record.warc_offset) == ("a.warc.gz", 42)
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("3",)
    db.close()


def test_warc_is_a_config_key_and_a_crawl_flag(tmp_path: Path) -> None:
    config = build_config({"feeds": ["https://news.example/feed"], "warc": "archive", "warc_max_mb": 5}, base=tmp_path)
    assert config.warc == tmp_path / "archive" and config.warc_max_mb == 5
    result = CliRunner().invoke(main, ["crawl", "--help"])
    assert "--warc" in result.output
    assert article_path(0)  # the news site's paths are what the crawl above fetched
