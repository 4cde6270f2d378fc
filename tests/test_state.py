"""The crawl state store: schema, URL lifecycle, duplicates, robots cache, runs, crash safety.

Every time is a fixed epoch value; the crash test kills a real child process with SIGKILL.
"""

from __future__ import annotations

import random
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper.crawler.state import (
    SCHEMA_VERSION,
    STATUSES,
    CrawlState,
    Discovered,
    RobotsEntry,
    WrittenArticle,
)
from scraper.errors import InputError

T0 = 1_800_000_000.0
HOUR = 3600.0
A = "https://news.example.com/a"
B = "https://news.example.com/b"
FEED = "https://news.example.com/feed.xml"


@pytest.fixture
def state(tmp_path: Path) -> Iterator[CrawlState]:
    with CrawlState.open(tmp_path / "state.sqlite") as opened:
        yield opened


def _pragma(path: Path, name: str) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute(f"PRAGMA {name}").fetchone()[0])


# -- opening ---------------------------------------------------------------------------------


def test_open_creates_folder_schema_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "state.sqlite"
    with CrawlState.open(path) as state:
        assert state.counts()["new"] == 0
    assert path.is_file()
    assert _pragma(path, "journal_mode") == "wal"
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )
        indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "urls_next_fetch_at" in indexes


def test_reopen_keeps_rows(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with CrawlState.open(path) as state:
        state.add([Discovered(A, source="cli")], now=T0)
    with CrawlState.open(path) as state:
        record = state.get(A)
    assert record is not None
    assert (record.origin, record.kind, record.source, record.status) == (
        "https://news.example.com:443",
        "article",
        "cli",
        "new",
    )


def test_newer_schema_version_is_refused_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    CrawlState.open(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(InputError, match="newer") as caught:
        CrawlState.open(path)
    assert str(path) in str(caught.value)


def test_a_file_that_is_not_a_database_is_refused_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    path.write_text("this is a text file, not SQLite\n" * 100)
    with pytest.raises(InputError, match=r"not a crawl state database.*move it aside") as caught:
        CrawlState.open(path)
    assert str(path) in str(caught.value)


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE cookies (name TEXT)")
    with pytest.raises(InputError, match="another program") as caught:
        CrawlState.open(path)
    assert str(path) in str(caught.value)


# -- add / due / record_fetch ------------------------------------------------------------------


def test_add_counts_new_urls_and_makes_them_due(state: CrawlState) -> None:
    added = state.add([Discovered(A, source=FEED, depth=1), Discovered(B, source=FEED, depth=1)], now=T0)
    assert added == 2
    assert state.add([Discovered(A), Discovered(B), Discovered(A)], now=T0 + 1) == 0
    assert state.due(T0 - 1) == []
    due = state.due(T0)
    assert [record.url for record in due] == [A, B]
    assert all(record.status == "new" and record.next_fetch_at == T0 for record in due)
    assert state.get(A).source == FEED  # the first source is kept
    assert state.get("https://news.example.com/never-added") is None


def test_add_keeps_the_smallest_depth_and_lets_seed_win(state: CrawlState) -> None:
    state.add([Discovered(A, depth=2)], now=T0)
    state.add([Discovered(A, depth=3)], now=T0)
    assert state.get(A).depth == 2
    state.add([Discovered(A, depth=1, kind="seed")], now=T0)
    record = state.get(A)
    assert (record.depth, record.kind) == (1, "seed")
    state.add([Discovered(A, depth=5, kind="article")], now=T0)
    assert (state.get(A).depth, state.get(A).kind) == (1, "seed")


def test_add_rejects_unknown_kind_and_negative_depth(state: CrawlState) -> None:
    with pytest.raises(ValueError, match=re.escape(A)):
        state.add([Discovered(A, kind="page")], now=T0)
    with pytest.raises(ValueError, match=re.escape(A)):
        state.add([Discovered(A, depth=-1)], now=T0)
    assert state.get(A) is None


def test_written_url_is_due_again_only_when_lastmod_advances_past_the_fetch(state: CrawlState) -> None:
    state.add([Discovered(A, lastmod=T0 - HOUR)], now=T0)
    record = state.record_fetch(
        A,
        status="written",
        now=T0 + 10,
        next_fetch_at=None,
        http_status=200,
        etag='"v1"',
        content_hash="c1",
        text_hash="t1",
        output=["out/a.txt", "out/a.json"],
    )
    assert (record.status, record.attempts, record.last_fetched_at) == ("written", 0, T0 + 10)
    assert record.output == ("out/a.txt", "out/a.json")
    assert state.due(T0 + 100) == []

    state.add([Discovered(A, lastmod=T0 - HOUR)], now=T0 + 20)  # same lastmod: nothing changed
    assert state.due(T0 + 100) == []
    state.add([Discovered(A, lastmod=T0)], now=T0 + 30)  # later, but still before our fetch
    assert state.get(A).lastmod == T0
    assert state.due(T0 + 100) == []
    state.add([Discovered(A, lastmod=T0 - 2 * HOUR)], now=T0 + 40)  # older: ignored
    assert state.get(A).lastmod == T0

    state.add([Discovered(A, lastmod=T0 + HOUR)], now=T0 + 2 * HOUR)  # changed after our fetch
    assert [record.url for record in state.due(T0 + 2 * HOUR)] == [A]
    assert state.get(A).next_fetch_at == T0 + 2 * HOUR


def test_lastmod_does_not_postpone_an_earlier_schedule(state: CrawlState) -> None:
    state.add([Discovered(A)], now=T0)
    state.record_fetch(A, status="written", now=T0, next_fetch_at=T0 + 10)
    state.add([Discovered(A, lastmod=T0 + 50)], now=T0 + 100)
    assert state.get(A).next_fetch_at == T0 + 10


def test_failures_increment_attempts_and_success_resets_them(state: CrawlState) -> None:
    state.add([Discovered(A)], now=T0)
    state.record_fetch(A, status="written", now=T0, next_fetch_at=None, etag='"v1"', text_hash="t1")
    first = state.record_fetch(
        A, status="failed", now=T0 + 1, next_fetch_at=T0 + 60, http_status=503, error="status 503"
    )
    second = state.record_fetch(A, status="failed", now=T0 + 60, next_fetch_at=T0 + 300, error="timeout")
    assert (first.attempts, second.attempts) == (1, 2)
    assert (second.last_error, second.http_status, second.next_fetch_at) == ("timeout", None, T0 + 300)
    assert (second.etag, second.text_hash) == ('"v1"', "t1")  # a failure forgets nothing fetched before
    assert state.due(T0 + 299) == []
    assert [record.url for record in state.due(T0 + 300)] == [A]

    ok = state.record_fetch(A, status="unchanged", now=T0 + 300, next_fetch_at=T0 + HOUR, http_status=304)
    assert (ok.attempts, ok.last_error, ok.status) == (0, None, "unchanged")


def test_gave_up_and_gone_are_never_due(state: CrawlState) -> None:
    state.add([Discovered(A), Discovered(B)], now=T0)
    gave_up = state.record_fetch(A, status="gave-up", now=T0, next_fetch_at=T0, error="five failures")
    state.record_fetch(B, status="gone", now=T0, next_fetch_at=T0, http_status=410)
    assert gave_up.attempts == 1
    assert state.due(T0 + 10 * HOUR) == []
    state.add([Discovered(A, lastmod=T0 + HOUR), Discovered(B, lastmod=T0 + HOUR)], now=T0 + 2 * HOUR)
    assert state.due(T0 + 10 * HOUR) == []


def test_due_orders_never_fetched_first_then_by_schedule_and_filters(state: CrawlState) -> None:
    old = [f"https://a.example/{i}" for i in range(3)]
    state.add([Discovered(url) for url in old], now=T0)
    state.add([Discovered(FEED, kind="seed")], now=T0 + 5)
    state.record_fetch(old[0], status="written", now=T0, next_fetch_at=T0 + 2)
    state.record_fetch(old[1], status="failed", now=T0, next_fetch_at=T0 + 1)
    state.record_fetch(old[2], status="written", now=T0, next_fetch_at=None)
    fresh = "https://a.example/fresh"
    state.add([Discovered(fresh)], now=T0 + 6)

    assert [record.url for record in state.due(T0 + 10)] == [FEED, fresh, old[1], old[0]]
    assert [record.url for record in state.due(T0 + 10, kind="seed")] == [FEED]
    assert [record.url for record in state.due(T0 + 10, kind="article", limit=2)] == [fresh, old[1]]
    with pytest.raises(ValueError, match="kind"):
        state.due(T0, kind="feed")


def test_record_fetch_refuses_unknown_urls_and_statuses(state: CrawlState) -> None:
    with pytest.raises(ValueError, match=re.escape(A)):
        state.record_fetch(A, status="written", now=T0, next_fetch_at=None)
    state.add([Discovered(A)], now=T0)
    for status in ("new", "writing", "done"):
        with pytest.raises(ValueError, match="status"):
            state.record_fetch(A, status=status, now=T0, next_fetch_at=None)
    assert state.get(A).status == "new"


def test_counts_by_status(state: CrawlState) -> None:
    state.add([Discovered(A), Discovered(B), Discovered(FEED, kind="seed")], now=T0)
    state.record_fetch(A, status="written", now=T0, next_fetch_at=None)
    state.record_fetch(FEED, status="fetched", now=T0, next_fetch_at=T0 + 600)
    counts = state.counts()
    assert set(STATUSES) <= set(counts)
    assert (counts["new"], counts["written"], counts["fetched"], counts["gone"]) == (1, 1, 1, 0)


def test_ten_thousand_urls_in_one_add(state: CrawlState) -> None:
    urls = [f"https://site{i % 50}.example/post/{i}" for i in range(10_000)]
    assert state.add((Discovered(url, source=FEED, depth=1) for url in urls), now=T0) == 10_000
    assert state.add((Discovered(url, depth=0) for url in urls), now=T0 + 1) == 0
    due = state.due(T0 + 1)
    assert len(due) == 10_000
    assert {record.depth for record in due} == {0}
    assert len(state.due(T0 + 1, limit=100)) == 100


# -- duplicates --------------------------------------------------------------------------------


def test_duplicate_owners_by_text_hash_and_canonical_url(state: CrawlState) -> None:
    canonical = "https://news.example.com/story"
    state.add([Discovered(A)], now=T0)
    state.add([Discovered(B)], now=T0 + 1)
    assert state.owner_of_text("t1") is None
    state.record_fetch(A, status="failed", now=T0, next_fetch_at=T0 + 60, text_hash="t1")
    assert state.owner_of_text("t1") is None  # only written text owns
    state.record_fetch(
        A, status="written", now=T0 + 60, next_fetch_at=None, text_hash="t1", canonical_url=canonical
    )
    assert state.owner_of_text("t1", excluding=B) == A
    assert state.owner_of_canonical(canonical, excluding=B) == A
    assert state.owner_of_text("t1", excluding=A) is None
    assert state.owner_of_canonical(canonical, excluding=A) is None
    assert state.owner_of_text("t2") is None

    state.record_fetch(B, status="unchanged", now=T0 + 70, next_fetch_at=None, text_hash="t1")
    assert state.owner_of_text("t1", excluding=A) == B
    assert state.owner_of_text("t1") == A  # the first discovered


# -- pending writes ----------------------------------------------------------------------------


def test_begin_write_leaves_a_pending_write_until_the_outcome_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with CrawlState.open(path) as state:
        state.add([Discovered(A), Discovered(B)], now=T0)
        state.begin_write(A, "t1", now=T0 + 1, output=["out/articles.jsonl"])
        with pytest.raises(ValueError, match=re.escape("https://elsewhere.example/")):
            state.begin_write("https://elsewhere.example/", "t9", now=T0)
    with CrawlState.open(path) as state:  # the "next run"
        pending = state.pending_writes()
        assert [(r.url, r.status, r.text_hash, r.output) for r in pending] == [
            (A, "writing", "t1", ("out/articles.jsonl",))
        ]
        assert state.owner_of_text("t1") == A  # a write in flight claims its text
        state.record_fetch(A, status="written", now=T0 + 2, next_fetch_at=None)
        assert state.pending_writes() == []
        assert (state.get(A).text_hash, state.get(A).output) == ("t1", ("out/articles.jsonl",))


# -- robots and runs ---------------------------------------------------------------------------


def test_robots_cache_round_trip(state: CrawlState) -> None:
    origin = "https://news.example.com:443"
    assert state.robots_get(origin) is None
    state.robots_put(origin, fetched_at=T0, status=200, body=b"User-agent: *\nDisallow: /private\n")
    assert state.robots_get(origin) == RobotsEntry(origin, T0, 200, b"User-agent: *\nDisallow: /private\n")
    state.robots_put(origin, fetched_at=T0 + 1, status=404, body=b"")
    assert state.robots_get(origin) == RobotsEntry(origin, T0 + 1, 404, b"")


def test_runs_finished_and_unfinished(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with CrawlState.open(path) as state:
        first = state.start_run(T0)
        state.finish_run(first, T0 + 5, {"written": 3, "failed": 1})
        second = state.start_run(T0 + 600)  # never finished: the process "died"
        with pytest.raises(ValueError, match="run 999"):
            state.finish_run(999, T0, {})
    with CrawlState.open(path) as state:
        runs = state.last_runs(5)
    assert [run.id for run in runs] == [second, first]
    assert (runs[0].finished, runs[0].finished_at, runs[0].report) == (False, None, None)
    assert (runs[1].finished, runs[1].finished_at, runs[1].report) == (
        True,
        T0 + 5,
        {"written": 3, "failed": 1},
    )


# -- crash safety ------------------------------------------------------------------------------

_CRASH_CHILD = textwrap.dedent(
    """
    import sys
    from scraper.crawler.state import CrawlState, Discovered

    state = CrawlState.open(sys.argv[1])
    urls = [f"https://crash.example/{i}" for i in range(500)]
    state.add([Discovered(url) for url in urls], now=1.0)
    state.start_run(1.0)
    round_ = 0
    while True:
        for i, url in enumerate(urls):
            tag = f"{i}-{round_}"
            state.begin_write(url, f"text-{tag}", now=2.0)
            state.record_fetch(
                url, status="written", now=3.0, next_fetch_at=None, content_hash=f"body-{tag}",
                text_hash=f"text-{tag}", output=[f"out/{tag}.txt"], http_status=200,
            )
            if round_ == 0 and i == 50:
                print("recording", flush=True)
        round_ += 1
    """
)


def test_sigkill_mid_write_leaves_every_row_whole(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-c", _CRASH_CHILD, str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "recording\n"
        time.sleep(random.uniform(0.0, 0.3))  # land the kill anywhere in the first rounds
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with CrawlState.open(path) as state:
        runs = state.last_runs(1)
        assert len(runs) == 1 and not runs[0].finished
        records = [state.get(f"https://crash.example/{i}") for i in range(500)]
        counts = state.counts()
    assert counts["written"] >= 50
    assert counts["writing"] <= 1  # only the write in flight when the kill landed
    assert counts["new"] + counts["writing"] + counts["written"] == 500
    for record in records:
        assert record is not None
        if record.status == "new":
            assert (record.text_hash, record.content_hash, record.output) == (None, None, ())
        elif record.status == "written":
            tag = record.text_hash.removeprefix("text-")
            assert record.content_hash == f"body-{tag}"
            assert record.output == (f"out/{tag}.txt",)
            assert (record.http_status, record.last_fetched_at) == (200, 3.0)
        else:
            assert record.status == "writing"
            assert record.text_hash is not None


def test_a_schema_1_file_is_migrated_with_its_urls_kept(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    with CrawlState.open(path) as state:
        state.add([Discovered(A)], now=T0)
    db = sqlite3.connect(path)
    db.executescript(
        "DROP TABLE site_blocks; DROP TABLE site_pages; UPDATE meta SET value = '1' WHERE key = 'schema_version';"
        # ... and without the columns of version 3 (tests/test_warc_output.py migrates a version 2 file).
        "ALTER TABLE urls DROP COLUMN warc_file; ALTER TABLE urls DROP COLUMN warc_offset;"
    )
    db.close()
    with CrawlState.open(path) as state:
        assert state.get(A) is not None
        state.add_site_page("example.com", {"k1", "k2"})
        assert state.learned_blocks("example.com") is None  # one page is no evidence
        for _ in range(2):
            state.add_site_page("example.com", {"k1"})
        learned = state.learned_blocks("example.com")
        assert learned is not None and dict(learned.pages_on) == {"k1": 3}


# -- identity and rebuilding from the output ---------------------------------------------------


def test_a_state_keeps_its_identity_and_an_emptied_file_gets_a_new_one(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with CrawlState.open(path) as first:
        identity = first.identity
        assert first.created and len(identity) == 32
    with CrawlState.open(path) as again:
        assert again.identity == identity and not again.created
    path.write_bytes(b"")
    with CrawlState.open(path) as emptied:
        assert emptied.created and emptied.identity != identity


def test_a_missing_state_beside_a_stale_log_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    (tmp_path / "state.sqlite-wal").write_bytes(b"old log")
    with pytest.raises(InputError, match=r"state\.sqlite-wal"):
        CrawlState.open(path)


def test_adopt_records_written_articles_and_keeps_settled_urls(state: CrawlState) -> None:
    state.add([Discovered(A), Discovered(B)], T0)
    state.record_fetch(B, status="gone", now=T0, next_fetch_at=None)
    found = [
        WrittenArticle(A, "h1", None, ("out/articles.jsonl",), "rebuilt", T0 - HOUR),
        WrittenArticle(B, "h2", None, ("out/articles.jsonl",), "rebuilt"),
        WrittenArticle(FEED, "h3", "https://news.example.com/c", ("out/articles.jsonl",), "rebuilt"),
        WrittenArticle(FEED, "h4", None, ("out/articles.jsonl",), "rebuilt"),  # a later version
    ]
    assert state.adopt(iter(found), T0, next_fetch_at=None) == 4
    a, b, c = state.get(A), state.get(B), state.get(FEED)
    assert a is not None and (a.status, a.text_hash, a.last_fetched_at) == ("written", "h1", T0 - HOUR)
    assert b is not None and b.status == "gone"
    assert c is not None and (c.text_hash, c.canonical_url) == ("h4", "https://news.example.com/c")
    assert state.owner_of_text("h1") == A and state.due(T0 + HOUR) == []
