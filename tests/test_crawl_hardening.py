"""A crawl that meets a broken world: a state file emptied, replaced, damaged or read-only, a full
disk, a dead host, a server asking to wait longer than the run may last. Each is either a clear
one-line error (exit 2) or a reported failure (exit 1), never a silent success, a traceback, a
lost article or one written twice."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import crawl_config
from httpserver import LocalServer, closed_port_url, rate_limited, respond, status_sequence
from newssite import HTML, article_body, article_path, conditional, publish, rss

import scraper.extract.engine
import scraper.io.sink
from scraper.cli.main import main
from scraper.crawler.config import OUTPUT_LOCK_NAME, OWNER_NAME, work_dir
from scraper.crawler.lock import LockHeld, RunLock
from scraper.crawler.owner import OutputMismatch
from scraper.crawler.run import crawl
from scraper.crawler.state import CrawlState
from scraper.web.politeness import DeadlineReached, HostGate
from scraper.web.session import Politeness
from scraper.web.settings import FetchSettings

STATE = "state.sqlite"  # in the crawl's work folder beside the output, out.scraper/


def cli_crawl(tmp_path: Path, site: LocalServer | str, *flags: str, fmt: str = "jsonl") -> Result:
    """``scraper crawl`` of the site's feed into ``tmp_path/out``: no retries, no delay."""
    feed = site if isinstance(site, str) else site.url("/feed.xml")
    conf = tmp_path / "sites.toml"
    conf.write_text(
        f'feeds = ["{feed}"]\nout = "out"\nformat = "{fmt}"\njobs = 0\n'
        "[fetch]\nretries = 0\nallow_private_networks = true\n[politeness]\ndelay = 0\n",
        encoding="utf-8",
    )
    return CliRunner().invoke(main, ["crawl", str(conf), *flags])


def jsonl_lines(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()]


def one_error_line(result: Result) -> str:
    """The command failed with exit status 2 and said why on exactly one line, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), lines
    return lines[0]


# -- 3: a state that is not the output folder's ---------------------------------------------------


def test_an_emptied_state_is_refused_and_nothing_is_written_twice(tmp_path: Path) -> None:
    with LocalServer() as server:
        paths = publish(server, 5)
        assert cli_crawl(tmp_path, server).exit_code == 0
        out = tmp_path / "out"
        assert len(jsonl_lines(out)) == 5
        (work_dir(out) / STATE).write_bytes(b"")  # a 0-byte state: a new crawl, were the folder not marked
        line = one_error_line(cli_crawl(tmp_path, server))
        assert str(work_dir(out) / STATE) in line and OWNER_NAME in line and "new" in line
        assert len(jsonl_lines(out)) == 5
        assert all(server.count(path) == 1 for path in paths)
        # As the message says: remove the folder's owner record, and the state is rebuilt from it.
        (work_dir(out) / OWNER_NAME).unlink()
        result = cli_crawl(tmp_path, server)
        assert result.exit_code == 0 and "recorded the 5 articles already in" in result.stderr
        assert len(jsonl_lines(out)) == 5
        assert all(server.count(path) == 1 for path in paths)  # not even fetched again


def test_a_new_state_reads_the_jsonl_already_there_before_writing(tmp_path: Path) -> None:
    with LocalServer() as server:
        paths = publish(server, 3)
        cfg = crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), format="jsonl")
        crawl(cfg)
        cfg.state_path.unlink()  # the state is lost; the folder has no owner record (an older run)
        (work_dir(cfg.out) / OWNER_NAME).unlink(missing_ok=True)
        # A new URL carrying story 0's article: its text is known from the file, not the state.
        server.add("/copy.html", respond(article_body(server, 0).replace(server.url(paths[0]).encode(), b"")))
        server.add("/feed.xml", conditional(rss(server, [*paths, "/copy.html"]), '"f2"', HTML))
        report = crawl(cfg)
        assert report.totals.new == 0 and report.totals.duplicate == 1
        assert all(server.count(path) == 1 for path in paths)  # known as written: not fetched again
        lines = jsonl_lines(cfg.out)
        assert len(lines) == 3 and len({line["source"] for line in lines}) == 3


def test_a_state_other_than_the_folders_is_refused(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 2)
        cfg = crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), format="jsonl")
        crawl(cfg)
        other = replace(cfg, state=tmp_path / "other.sqlite")
        with pytest.raises(OutputMismatch, match=r"other\.sqlite") as caught:
            crawl(other)
        assert str(cfg.state_path.absolute()) in str(caught.value)
        assert len(jsonl_lines(cfg.out)) == 2
        crawl(cfg)  # the folder's own state goes on as before
        with CrawlState.open(tmp_path / "other.sqlite") as state:
            assert state.last_runs(5) == []  # the refused run recorded nothing


def test_the_output_folder_is_locked_whatever_the_state(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 1)
        cfg = crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), state=tmp_path / "b.sqlite")
        with RunLock(work_dir(cfg.out) / OUTPUT_LOCK_NAME), pytest.raises(LockHeld):
            crawl(cfg)
        assert server.count("/feed.xml") == 0


# -- 5: a dead host ---------------------------------------------------------------------------------


def test_a_dead_host_is_reported_unreachable_and_fails_the_run(tmp_path: Path) -> None:
    result = cli_crawl(tmp_path, closed_port_url("/rss.xml"))
    assert result.exit_code == 1, result.output
    assert "unreachable" in result.stderr and "0 skipped by robots.txt, 1 failed" in result.stderr
    report = json.loads((tmp_path / "out.scraper" / "crawl-report.json").read_text())
    assert report["partial"] is True and "unreachable" in report["errors"][0]


def test_articles_of_a_dead_host_fail_without_using_up_their_attempts(tmp_path: Path) -> None:
    with LocalServer() as server:
        dead = closed_port_url("/news/story.html")
        server.add("/feed.xml", respond(rss(server, []).replace(b"</channel>", _item(dead) + b"</channel>")))
        server.add("/robots.txt", respond("User-agent: *\nAllow: /\n", content_type="text/plain"))
        cfg = crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), max_attempts=1)
        report = crawl(cfg)
        assert report.partial and report.totals.failed == 1 and "unreachable" in report.errors[0]
        with CrawlState.open(cfg.state_path) as state:
            record = state.get(dead)
            assert record is not None and record.status == "failed" and record.attempts == 0
            assert record.next_fetch_at is not None  # tried again later, not given up


def _item(url: str) -> bytes:
    return f"<item><title>Elsewhere</title><link>{url}</link></item>".encode()


# -- 6: max_seconds bounds every wait -------------------------------------------------------------


def test_max_seconds_bounds_a_run_against_a_long_retry_after(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 1)
        server.add(article_path(0), rate_limited(retry_after=20, times=None))
        cfg = crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), max_seconds=2)
        started = time.monotonic()
        report = crawl(cfg)
        assert time.monotonic() - started < 15  # a bound, not a benchmark (61 s before)
        assert report.stopped_early and "max_seconds" in report.stopped_early
        assert report.totals.failed == 0 and not report.partial
        with CrawlState.open(cfg.state_path) as state:
            record = state.get(server.url(article_path(0)))
            assert record is not None and record.status == "new" and record.attempts == 0
            assert [r.url for r in state.due(time.time(), kind="article")] == [record.url]


def test_max_seconds_bounds_backoff_between_retries(tmp_path: Path) -> None:
    slow_backoff = FetchSettings(allow_private_networks=True, retries=3, backoff_initial=10, backoff_max=10)
    with LocalServer() as server:
        publish(server, 1)
        server.add(article_path(0), status_sequence([503]))
        cfg = crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), max_seconds=2, fetch=slow_backoff)
        started = time.monotonic()
        report = crawl(cfg)
        assert time.monotonic() - started < 15  # 30 s of backoff before
        assert report.stopped_early and report.totals.failed == 0
        with CrawlState.open(cfg.state_path) as state:
            assert state.get(server.url(article_path(0))).status == "new"  # type: ignore[union-attr]


def test_max_seconds_bounds_the_politeness_delay(tmp_path: Path) -> None:
    with LocalServer() as site, LocalServer() as articles:
        paths = publish(articles, 3)
        site.add("/feed.xml", respond(rss(articles, paths)))
        cfg = crawl_config(
            tmp_path,
            feeds=(site.url("/feed.xml"),),
            max_seconds=2,
            politeness=Politeness(delay=30, obey_robots=False),
        )
        started = time.monotonic()
        report = crawl(cfg)
        assert time.monotonic() - started < 15  # 60 s of delays before
        assert report.totals.new == 1 and report.stopped_early
        with CrawlState.open(cfg.state_path) as state:
            assert len(state.due(time.time(), kind="article")) == 2


def test_max_seconds_bounds_cleaning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def stuck(*args: object, **kwargs: object) -> None:
        for _ in range(3000):  # 30 s of Python work, interruptible between steps
            time.sleep(0.01)

    monkeypatch.setattr(scraper.extract.engine, "_clean", stuck)
    with LocalServer() as server:
        publish(server, 1)
        cfg = crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), max_seconds=2, timeout=30.0)
        started = time.monotonic()
        report = crawl(cfg)
        assert time.monotonic() - started < 15  # cleaning's own limit is 30 s
        assert report.stopped_early and report.totals.failed == 0
        with CrawlState.open(cfg.state_path) as state:
            assert state.get(server.url(article_path(0))).status == "new"  # type: ignore[union-attr]


def test_the_gate_refuses_a_wait_past_its_deadline_at_once() -> None:
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    gate = HostGate(delay=0, clock=lambda: now[0], sleep=sleep, deadline=105.0)
    gate.cool_down("http://a.test:80", 3)

    async def scenario() -> None:
        async with gate.slot("http://a.test:80"):  # 3 s: within the deadline, slept out
            pass
        gate.cool_down("http://a.test:80", 20)
        with pytest.raises(DeadlineReached):
            async with gate.slot("http://a.test:80"):
                pass
        with pytest.raises(DeadlineReached):
            await gate.until_ready("http://a.test:80")

    asyncio.run(scenario())
    assert slept == [3] and gate.remaining() == 2.0


# -- 8: clear errors instead of tracebacks ----------------------------------------------------------


def test_a_damaged_state_is_one_clear_line_every_run_and_is_rebuilt_from_the_output(tmp_path: Path) -> None:
    with LocalServer() as server:
        paths = publish(server, 30)
        assert cli_crawl(tmp_path, server).exit_code == 0
        state = tmp_path / "out.scraper" / STATE
        data = bytearray(state.read_bytes())
        assert len(data) > 4 * 4096
        for page in range(2, len(data) // 4096):  # garbage over every page but the schema's
            data[page * 4096 + 100 : page * 4096 + 2000] = b"\xa5" * 1900
        state.write_bytes(bytes(data))
        for _ in range(2):
            line = one_error_line(cli_crawl(tmp_path, server))
            assert str(state) in line and "move it aside" in line and OWNER_NAME in line
        # As the message says: move it aside, remove the owner record; the next run rebuilds.
        state.rename(tmp_path / "broken.sqlite")
        (tmp_path / "out.scraper" / OWNER_NAME).unlink()
        assert cli_crawl(tmp_path, server).exit_code == 0
        assert len(jsonl_lines(tmp_path / "out")) == 30
        assert all(server.count(path) == 1 for path in paths)


def test_a_read_only_state_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalServer() as server:
        publish(server, 2)
        assert cli_crawl(tmp_path, server).exit_code == 0
        state = tmp_path / "out.scraper" / STATE
        state.chmod(0o444)
        if os.geteuid() == 0:  # root writes whatever the mode: open it read-only as SQLite would
            connect = sqlite3.connect
            monkeypatch.setattr(
                sqlite3, "connect", lambda path, **kw: connect(f"file:{path}?mode=ro", uri=True, **kw)
            )
        line = one_error_line(cli_crawl(tmp_path, server))
        assert str(state) in line and "cannot be written" in line and "writable" in line
        assert server.count("/feed.xml") == 1  # nothing was fetched


def test_a_full_disk_stops_the_run_with_one_line_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    append_line = scraper.io.sink.append_line
    calls: list[Path] = []

    def fills_up(path: Path, line: bytes) -> None:
        calls.append(path)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        append_line(path, line)

    with LocalServer() as server:
        publish(server, 4)
        monkeypatch.setattr(scraper.io.sink, "append_line", fills_up)
        line = one_error_line(cli_crawl(tmp_path, server, "--concurrency", "1"))
        out = tmp_path / "out"
        assert "articles.jsonl" in line and "No space left on device" in line and "free space" in line
        assert len(jsonl_lines(out)) == 1
        with CrawlState.open(work_dir(out) / STATE) as state:
            counts = state.counts()
            assert counts["failed"] == counts["gave-up"] == 0 and counts["written"] == 1
        monkeypatch.setattr(scraper.io.sink, "append_line", append_line)  # space was freed
        assert cli_crawl(tmp_path, server).exit_code == 0
        lines = jsonl_lines(out)
        assert len(lines) == 4 and len({line["source"] for line in lines}) == 4
