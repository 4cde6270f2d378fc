"""`scraper crawl` and `scraper fetch` through the command line, including kill -9 and resume."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from crawlkills import crawl_command, kill_cycles, marked, read_jsonl
from httpserver import LocalServer
from newssite import article_path, publish

from scraper.cli.main import main


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def crawl_args(server: LocalServer, out: Path, *extra: str) -> list[str]:
    return [
        "crawl",
        "--feed",
        server.url("/feed.xml"),
        "--out",
        str(out),
        "--allow-private-networks",
        "--delay",
        "0",
        "-j",
        "0",
        *extra,
    ]


def sites_toml(folder: Path, server: LocalServer, *, out: str) -> Path:
    """A crawl config for the local server's feed, writing JSON to ``out`` (relative to it)."""
    conf = folder / "sites.toml"
    conf.write_text(
        f'feeds = ["{server.url("/feed.xml")}"]\nout = "{out}"\nformat = "json"\n'
        "[politeness]\ndelay = 0\n[fetch]\nallow_private_networks = true\n",
        encoding="utf-8",
    )
    return conf


def test_crawl_with_flags_only_then_again_with_nothing_new(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 3)
        out = tmp_path / "out"
        first = run(*crawl_args(server, out, "--format", "md"))
        assert first.exit_code == 0, first.output
        assert "crawl: 3 new" in first.stderr
        assert len(list(out.rglob("*.md"))) == 3
        second = run(*crawl_args(server, out, "--format", "md", "--log-json"))
        assert second.exit_code == 0
        events = [json.loads(line) for line in second.stderr.splitlines()]
        assert events[-1]["event"] == "report" and events[-1]["totals"]["new"] == 0
        assert any(e["event"] == "seed-unchanged" for e in events)


def test_environment_variables_sit_between_the_config_file_and_the_flags(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 2)
        conf = sites_toml(tmp_path, server, out="from-file")
        env = {"SCRAPER_CRAWL_FORMAT": "md", "SCRAPER_CRAWL_OUT": str(tmp_path / "from-env")}
        runner = CliRunner()
        result = runner.invoke(main, ["crawl", str(conf), "-j", "0"], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        assert len(list((tmp_path / "from-env").rglob("*.md"))) == 2  # the environment beats the file
        assert not (tmp_path / "from-file").exists()
        flags = ["crawl", str(conf), "-j", "0", "--format", "txt", "--out", str(tmp_path / "from-flag")]
        result = runner.invoke(main, flags, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        assert len(list((tmp_path / "from-flag").rglob("*.txt"))) == 2  # and a flag beats both


def test_crawl_from_a_config_file_with_relative_paths(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 2)
        conf = sites_toml(tmp_path, server, out="articles")
        result = run("crawl", str(conf), "-j", "0")
        assert result.exit_code == 0, result.stderr
        assert len(list((tmp_path / "articles" / "127.0.0.1").glob("*.json"))) == 2  # one file each
        report = json.loads((tmp_path / "articles.scraper" / "crawl-report.json").read_text())
        assert report["totals"]["new"] == 2


def test_crawl_exit_statuses_for_bad_config_and_failures(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('feedz = ["https://example.com/rss"]\n', encoding="utf-8")
    result = run("crawl", str(bad))
    assert result.exit_code == 2 and "unknown key 'feedz'" in result.stderr
    assert run("crawl", "--out", str(tmp_path)).exit_code == 2  # nothing to crawl
    with LocalServer() as server:
        publish(server, 2)
        server.add(article_path(1), status=500)
        result = run(*crawl_args(server, tmp_path / "out"))
        assert result.exit_code == 1 and "error:" in result.stderr


def test_raw_pages_re_clean_with_scraper_clean(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 2)
        out = tmp_path / "out"
        assert run(*crawl_args(server, out)).exit_code == 0
        again = tmp_path / "again"
        raw = tmp_path / "out.scraper" / "raw"  # the crawl keeps its files beside the articles
        result = run("clean", str(raw), "-o", str(again), "--format", "json")
        assert result.exit_code == 0, result.stderr
        records = [json.loads(p.read_text()) for p in again.rglob("*.json")]
        assert sorted(r["url"] for r in records) == sorted(server.url(article_path(i)) for i in range(2))


def test_fetch_command_prints_one_and_writes_many(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 2)
        one = run("fetch", server.url(article_path(0)), "--allow-private-networks")
        assert one.exit_code == 0 and "residents" in one.stdout
        result = run(
            "fetch",
            server.url(article_path(0)),
            server.url(article_path(1)),
            server.url("/missing"),
            "-o",
            str(tmp_path / "f"),
            "--allow-private-networks",
        )
        assert result.exit_code == 1 and "404" in result.stderr
        [line] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert line.count(server.url("/missing")) == 1  # the failing URL is named once
        assert len(list((tmp_path / "f").rglob("*.txt"))) == 2
    refused = run("fetch", "http://127.0.0.1:9/x")
    assert refused.exit_code == 1 and "private" in refused.stderr


def _count_outputs(out: Path, fmt: str) -> int:
    if fmt == "jsonl":
        path = out / "articles.jsonl"
        return len(path.read_bytes().splitlines()) if path.exists() else 0
    return len(list(out.rglob("*.txt")))


@pytest.mark.parametrize("fmt", ["txt", "jsonl"])
def test_a_crawl_killed_mid_run_resumes_with_nothing_lost_or_written_twice(tmp_path: Path, fmt: str) -> None:
    total = 24
    with LocalServer() as server:
        publish(server, total, delay=0.05)
        out = tmp_path / "out"
        args = [
            sys.executable,
            "-m",
            "scraper",
            *crawl_args(server, out, "--format", fmt, "--concurrency", "1"),
        ]
        child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while _count_outputs(out, fmt) < 5 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert child.poll() is None, "the crawl ended before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stderr.close()  # type: ignore[union-attr]
        written_before = _count_outputs(out, fmt)
        assert 5 <= written_before < total

        resumed = run(*crawl_args(server, out, "--format", fmt))
        assert resumed.exit_code == 0, resumed.stderr
        if fmt == "jsonl":
            lines = (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()
            sources = [json.loads(line)["source"] for line in lines]
            assert len(sources) == total and len(set(sources)) == total
        else:
            assert _count_outputs(out, fmt) == total
        # every article was fetched at most twice: once before the kill (maybe), once after
        assert all(server.count(article_path(i)) <= 2 for i in range(total))
        assert run(*crawl_args(server, out, "--format", fmt)).stderr.startswith("crawl: 0 new")


def test_an_overlapping_crawl_exits_with_status_3(tmp_path: Path) -> None:
    from scraper.crawler.lock import RunLock

    with LocalServer() as server:
        publish(server, 1)
        out = tmp_path / "out"
        out.mkdir()
        with RunLock(tmp_path / "out.scraper" / "state.sqlite.lock"):
            result = run(*crawl_args(server, out))
        assert result.exit_code == 3 and "lock" in result.stderr
        assert server.count("/feed.xml") == 0


def test_fetch_takes_a_delay_like_crawl(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 2)
        urls = [server.url(article_path(i)) for i in range(2)]
        base = ["fetch", *urls, "-o", str(tmp_path / "out"), "--allow-private-networks"]
        assert run(*base, "--delay", "0").exit_code == 0
        assert len(list((tmp_path / "out").rglob("*.txt"))) == 2
    refused = CliRunner().invoke(main, ["fetch", "https://example.com/", "--delay", "-1"])
    assert refused.exit_code == 2 and "--delay" in refused.output


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="processes are found through /proc")
def test_a_crawl_with_workers_killed_again_and_again_writes_each_article_exactly_once(tmp_path: Path) -> None:
    """``-j 2`` (a real worker pool) and JSONL (where a rewrite would be a second line, not an
    overwrite): five SIGKILLs at moments a seeded RNG picks (0.2-1.5 s after the workers start,
    or after 1-4 new lines), then a run left to finish. Counted from the writer's side: one line
    per article, none missing, no torn line, and no process of a killed run left alive."""
    total, kills = 40, 5
    with LocalServer() as server:
        paths = publish(server, total, delay=0.3)  # slow enough that no killed run finishes
        outcome = kill_cycles(server, tmp_path, paths, kills=kills, rng=random.Random(11))
        history = "\n".join(map(str, outcome.kills))
        assert outcome.final_status == 0, outcome.final_stderr
        # every kill landed on a running crawl whose worker pool had started
        assert not any(kill.ended_first for kill in outcome.kills), history
        assert all(kill.workers >= 2 for kill in outcome.kills), history
        assert outcome.kills[-1].lines_after < total, history  # the last run had work left
        # the writer's side: exactly one whole line per published article
        assert not outcome.torn_at_end  # a torn tail was cut by the next run
        assert outcome.lost == 0, sorted(set(outcome.published) - set(outcome.written))
        assert outcome.duplicated == 0, [url for url, n in outcome.written.items() if n > 1]
        assert sorted(outcome.written) == sorted(outcome.published)
        assert len(outcome.records) == total
        # no worker (nor resource tracker) of a killed run outlived it, nor one of the last run
        assert outcome.orphans == 0, [kill.orphans for kill in outcome.kills]
        assert marked(str(tmp_path)) == {}
        # the server's side: a page in flight at a kill is fetched again, at most once a run
        assert set(outcome.fetches) == set(outcome.published)
        assert all(1 <= n <= kills + 1 for n in outcome.fetches.values()), outcome.fetches
        # and a run after all that finds nothing to do and writes nothing
        again = subprocess.run(crawl_command(server, tmp_path / "out"), capture_output=True, timeout=120)
        assert again.returncode == 0 and again.stderr.startswith(b"crawl: 0 new"), again.stderr
        assert read_jsonl(tmp_path / "out" / "articles.jsonl") == (outcome.records, False)
