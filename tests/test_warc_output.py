"""`scraper crawl --warc DIR`: every article fetch as WARC/1.1, read back by warcio, `warcio check`
clean, and re-cleaned by `scraper clean DIR/*.warc.gz` into the same articles the crawl wrote."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import crawl_config, make_article_html
from httpserver import LocalServer, respond
from newssite import FEED_TYPE, HTML, article_path, publish, rss
from warcio.archiveiterator import ArchiveIterator

from scraper.article import Page
from scraper.cli import main
from scraper.crawler.config import build_config
from scraper.crawler.run import crawl
from scraper.crawler.state import CrawlState, Discovered
from scraper.io.warc import WarcPage, read_warc
from scraper.io.warcwriter import CrawlArchive


def warcio_check(*paths: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "warcio.cli", "check", "-v", *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def record_types(path: Path) -> list[str]:
    with path.open("rb") as handle:
        return [record.rec_type for record in ArchiveIterator(handle)]


def test_a_crawl_writes_warc_that_re_cleans_into_the_same_articles(tmp_path: Path) -> None:
    warc_dir = tmp_path / "warc"
    with LocalServer() as server:
        paths = publish(server, 3)
        # one article served gzip-encoded: the record holds the body as cleaned, decoded
        zipped = make_article_html("zipped", "Zipped story", url=server.url("/news/zipped.html")).encode()
        server.add(
            "/news/zipped.html",
            lambda ex: ex.send(200, {"Content-Type": HTML, "Content-Encoding": "gzip"}, gzip.compress(zipped)),
        )
        server.add("/feed.xml", respond(rss(server, [*paths, "/news/zipped.html"]), content_type=FEED_TYPE))
        cfg = crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), format="jsonl", warc=warc_dir)
        report = crawl(cfg)
        assert report.totals.new == 4 and not report.partial
        zipped_url = server.url("/news/zipped.html")

    files = sorted(warc_dir.glob("*.warc.gz"))
    assert len(files) == 1 and not list(warc_dir.glob("*.open"))  # finished and renamed
    assert record_types(files[0]) == ["warcinfo"] + ["request", "response", "metadata"] * 4
    check = warcio_check(*files)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout

    with files[0].open("rb") as handle:
        records = iter(ArchiveIterator(handle))
        assert next(records).rec_headers.protocol == "WARC/1.1"
        metadata = next(r for r in records if r.rec_type == "metadata").content_stream().read().decode()
        assert "scraper-version:" in metadata and "trafilatura-version:" in metadata
    pages = {item.page.url: item for item in read_warc(files[0]) if isinstance(item, WarcPage)}
    zipped_page = pages[zipped_url].page
    assert zipped_page.body == zipped and zipped_page.header("X-Archive-Orig-Content-Encoding") == "gzip"

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
    [left] = tmp_path.glob("*.open")
    data = left.read_bytes()
    left.write_bytes(data[: len(data) - 100])  # the last gzip member torn, as by a kill mid-write
    with CrawlArchive(tmp_path) as second:
        assert [path.name for path in second.finished] == [left.name.removesuffix(".open")]
    [finished] = second.finished
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
