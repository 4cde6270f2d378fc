"""A crawl's output folder holds the articles alone, so the tools that read folders of articles
take it as it is: duckdb's ``read_json_auto('out/*.jsonl')`` (dates typed as timestamps) and
datatrove's ``JsonlReader(out)``. The crawl's own files live beside it (``out.scraper/``); a
folder of the old layout (all of it inside ``out``) is moved over and nothing of it is lost."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import crawl_config, make_article_html
from httpserver import LocalServer, respond
from newssite import FEED_TYPE, HTML, rss

from scraper.cli.main import main
from scraper.crawler.config import CrawlConfig, work_dir
from scraper.crawler.layout import LEGACY_OUTPUT_LOCK_NAME, LEGACY_OWNER_NAME, LEGACY_STATE_NAME
from scraper.crawler.lock import RunLock
from scraper.crawler.run import crawl
from scraper.crawler.state import CrawlState
from scraper.errors import LockHeld

LOCAL = ("--allow-private-networks", "--delay", "0")
# (path, datePublished, dateModified) of the site's articles: full timestamps, and a day alone.
STORIES = (
    ("/news/harbour.html", "2026-11-24T09:30:00+01:00", "2026-11-24T11:00:00Z"),
    ("/news/ferry.html", "2026-11-23T18:05:00-05:00", "2026-11-24T08:00:00+00:00"),
    ("/news/market.html", "2026-11-22", None),
)


def dated_page(server: LocalServer, path: str, published: str, modified: str | None) -> str:
    slug = path.rsplit("/", 1)[1].removesuffix(".html")
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": f"The {slug} story"}
    ld["datePublished"] = published
    if modified:
        ld["dateModified"] = modified
    page = make_article_html(slug, f"The {slug} story", url=server.url(path))
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    return page.replace("</head>", script + "</head>", 1)


def dated_site(server: LocalServer) -> None:
    server.add("/robots.txt", respond("User-agent: *\nAllow: /\n", content_type="text/plain"))
    for path, published, modified in STORIES:
        server.add(path, respond(dated_page(server, path, published, modified), content_type=HTML))
    server.add("/feed.xml", respond(rss(server, [path for path, _, _ in STORIES]), content_type=FEED_TYPE))


def crawled(tmp_path: Path, server: LocalServer, **fields: object) -> CrawlConfig:
    cfg = crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), format="jsonl", **fields)
    report = crawl(cfg)
    assert report.totals.new == len(STORIES) and not report.partial
    return cfg


def test_the_output_folder_holds_the_articles_alone(tmp_path: Path) -> None:
    with LocalServer() as server:
        dated_site(server)
        cfg = crawled(tmp_path, server)
        crawl(cfg)  # a second run leaves nothing behind either
        assert sorted(p.name for p in cfg.out.iterdir()) == ["articles.jsonl"]
        work = work_dir(cfg.out)
        assert work == tmp_path / "out.scraper"
        names = {p.name for p in work.iterdir()}
        assert {
            "state.sqlite",
            "state.sqlite.lock",
            "owner.json",
            "output.lock",
            "crawl-report.json",
        } <= names
        assert len(list((work / "raw").rglob("*.html.gz"))) == len(STORIES)


def test_duckdb_reads_a_crawl_folder_and_types_the_dates_as_timestamps(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    with LocalServer() as server:
        dated_site(server)
        cfg = crawled(tmp_path, server)
        market, harbour_url = server.url("/news/market.html"), server.url("/news/harbour.html")
    db = duckdb.connect()
    pattern = str(cfg.out / "*.jsonl")
    rows = db.execute(f"DESCRIBE SELECT * FROM read_json_auto('{pattern}')").fetchall()
    types = {row[0]: row[1] for row in rows}
    assert types["added"].startswith("TIMESTAMP")
    assert types["created"].startswith("TIMESTAMP")
    metadata = types["metadata"]
    assert "published TIMESTAMP" in metadata and "modified TIMESTAMP" in metadata, metadata
    assert "published_date DATE" in metadata, metadata
    got = db.execute(
        f"SELECT id, metadata.published, metadata.published_date FROM read_json_auto('{pattern}') ORDER BY id"
    ).fetchall()
    by_id = {row[0]: row for row in got}
    assert by_id[market][1] is None  # a day alone is no instant
    assert str(by_id[market][2]) == "2026-11-22"
    harbour = by_id[harbour_url][1]
    assert harbour is not None and harbour.utcoffset() is not None  # an instant, offset kept


def test_datatrove_reads_a_crawl_folder_as_it_is(tmp_path: Path) -> None:
    readers = pytest.importorskip("datatrove.pipeline.readers")
    with LocalServer() as server:
        dated_site(server)
        cfg = crawled(tmp_path, server)
        documents = list(readers.JsonlReader(str(cfg.out))())
        assert sorted(doc.id for doc in documents) == sorted(server.url(path) for path, _, _ in STORIES)
        assert all("residents" in doc.text for doc in documents)
        assert {doc.metadata["source"] for doc in documents} == {server.url(path) for path, _, _ in STORIES}


# -- folders of the old layout ---------------------------------------------------------------------


def old_layout(cfg: CrawlConfig) -> dict[str, Path]:
    """Turn a crawl folder into one written before the work folder: everything inside ``out``,
    and a write-ahead log holding a commit not yet in the state file (a killed run's)."""
    work, out = work_dir(cfg.out), cfg.out
    state = out / LEGACY_STATE_NAME
    os.replace(work / "state.sqlite", state)
    os.replace(work / "owner.json", out / LEGACY_OWNER_NAME)
    os.replace(work / "crawl-report.json", out / "crawl-report.json")
    os.replace(work / "raw", out / "raw")
    (out / LEGACY_OUTPUT_LOCK_NAME).write_text("4242\n", encoding="utf-8")
    shutil.rmtree(work)
    # A commit left in the -wal file: copied while the connection that made it is still open.
    frozen = out.parent / "frozen"
    frozen.mkdir()
    db = sqlite3.connect(state, isolation_level=None)
    db.execute("PRAGMA wal_autocheckpoint = 0")
    db.execute("INSERT INTO runs (started_at) VALUES (12345.0)")
    for suffix in ("", "-wal", "-shm"):
        shutil.copyfile(f"{state}{suffix}", frozen / f"state{suffix}")
    db.close()
    for suffix in ("", "-wal", "-shm"):
        shutil.copyfile(frozen / f"state{suffix}", f"{state}{suffix}")
    shutil.rmtree(frozen)
    assert Path(f"{state}-wal").stat().st_size > 0
    return {"state": state, "work": work}


def test_a_folder_of_the_old_layout_is_moved_over_and_nothing_is_lost(tmp_path: Path) -> None:
    with LocalServer() as server:
        dated_site(server)
        cfg = crawled(tmp_path, server)
        with CrawlState.open(cfg.state_path) as state:
            identity = state.identity
        places = old_layout(cfg)
        listed = CliRunner().invoke(
            main,
            ["crawl", "--feed", server.url("/feed.xml"), "--out", str(cfg.out), "--list", *LOCAL],
        )
        assert listed.exit_code == 0 and listed.stdout == "", listed.stderr  # the dry run reads the old state
        assert places["state"].exists() and not places["work"].exists()  # and moves nothing
        events: list[dict[str, object]] = []
        report = crawl(cfg, on_event=events.append)
        assert report.totals.new == 0 and report.totals.updated == 0  # nothing written again
        assert all(server.count(path) == 1 for path, _, _ in STORIES)  # nor fetched again
        assert sorted(p.name for p in cfg.out.iterdir()) == ["articles.jsonl"]
        moved = {Path(str(e["url"])).name for e in events if e["event"] == "moved"}
        assert {LEGACY_STATE_NAME, LEGACY_OWNER_NAME, "crawl-report.json", "raw"} <= moved
        with CrawlState.open(cfg.state_path) as state:
            assert state.identity == identity
            assert any(run.started_at == 12345.0 for run in state.last_runs(10))  # the -wal's commit
        assert len(list(cfg.raw_path.rglob("*.html.gz"))) == len(STORIES)
        assert len((cfg.out / "articles.jsonl").read_text(encoding="utf-8").splitlines()) == len(STORIES)


def test_an_old_folder_whose_old_run_still_holds_its_lock_is_left_alone(tmp_path: Path) -> None:
    with LocalServer() as server:
        dated_site(server)
        cfg = crawled(tmp_path, server)
        places = old_layout(cfg)
        with RunLock(places["state"].with_name(LEGACY_STATE_NAME + ".lock")), pytest.raises(LockHeld):
            crawl(cfg)
        assert places["state"].exists() and not places["work"].exists()
