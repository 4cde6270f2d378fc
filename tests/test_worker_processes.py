"""Worker processes: a page stuck in C code is killed from outside, and workers die with their parent.

Each scenario runs in its own Python process (``SCRIPT``), so a regression hangs that process, which
``subprocess.run(timeout=...)`` ends, instead of this test run. The stuck page holds the GIL in a
regex that never ends, as lexbor does on a hostile page: nothing inside its worker can stop it.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_article_html

from scraper import batch
from scraper.cli.main import main
from scraper.extract import engine
from scraper.extract.workers import GRACE

SCRIPT = """
import asyncio, json, re, sys
from dataclasses import dataclass
from pathlib import Path

from scraper.article import Page
from scraper.batch import CleaningPool, CleanSettings, FetchedPage, clean_batch


@dataclass(frozen=True)
class StuckPage:
    label: str = "stuck"
    relpath: str = ""
    stem: str = ""
    site: str | None = None

    def read_page(self) -> Page:
        re.fullmatch(r"(?:a|a)*b", "a" * 64)  # holds the GIL for ages, as a C parser can
        raise AssertionError("unreachable")


def report(outcome) -> dict:
    error = outcome.error
    return {"ok": outcome.article is not None, "error": type(error).__name__ if error else None,
            "why": str(error or ""), "retryable": outcome.retryable}


async def crawl(pages, settings):
    pool = CleaningPool(2)
    try:
        outcomes = await asyncio.gather(*(pool.clean(page, settings) for page in pages))
        after = await pool.clean(pages[0], settings)  # a fresh pool takes over
        return [*outcomes, after]
    finally:
        pool.close()


def main() -> None:
    mode, html = sys.argv[1], Path(sys.argv[2]).read_bytes()
    ok = FetchedPage(Page(url="https://news.example.com/alpha", body=html), "ok")
    pages = [ok, StuckPage(), ok, ok]
    settings = CleanSettings(timeout=1.0)
    if mode == "batch":
        outcomes = list(clean_batch(pages, settings, jobs=2))
    elif mode == "crawl":
        outcomes = asyncio.run(crawl(pages[:3], settings))
    else:  # "hold": one worker stuck for good (no time limit), one idle, until this process is killed
        outcomes = asyncio.run(crawl(pages[:2], CleanSettings()))
    print(json.dumps([report(outcome) for outcome in outcomes]))


if __name__ == "__main__":
    main()
"""


@pytest.fixture
def script(tmp_path: Path) -> list[str]:
    """The command that runs ``SCRIPT`` on an article page: append the mode."""
    path = tmp_path / "scenario.py"
    path.write_text(SCRIPT, encoding="utf-8")
    page = tmp_path / "alpha.html"
    page.write_text(make_article_html("alpha", "Alpha bridge reopens"), encoding="utf-8")
    return [sys.executable, str(path), "{mode}", str(page)]


def run_scenario(script: list[str], mode: str) -> list[dict[str, object]]:
    command = [part.replace("{mode}", mode) for part in script]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, env=_env())
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}


# -- a page stuck past its limit ----------------------------------------------------------------------


def test_the_batch_pool_kills_a_stuck_worker_and_fails_only_its_page(script: list[str]) -> None:
    outcomes = run_scenario(script, "batch")
    assert [outcome["ok"] for outcome in outcomes] == [True, False, True, True]  # input order kept
    error, why = outcomes[1]["error"], str(outcomes[1]["why"])
    assert error == "ExtractionTimeout"
    assert "took longer than 1 s" in why and f"killed after {1 + GRACE:g} s" in why


def test_the_crawl_pool_kills_a_stuck_worker_and_does_not_retry_its_page(script: list[str]) -> None:
    outcomes = run_scenario(script, "crawl")
    assert [outcome["ok"] for outcome in outcomes] == [True, False, True, True]
    assert outcomes[1]["error"] == "ExtractionTimeout" and outcomes[1]["retryable"] is False


def _sleeping_clean(html, url=None, **options):  # type: ignore[no-untyped-def]
    if b"HANG" in html.body:
        time.sleep(30)  # one C call: the page's own time limit cannot interrupt it
    return _real_clean(html, url, **options)


_real_clean = engine.clean


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="needs fork to patch the workers")
def test_the_cli_reports_a_page_stuck_past_its_limit_and_goes_on(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (saved / "hang.html").write_text("<html><body><p>HANG</p></body></html>", encoding="utf-8")
    monkeypatch.setattr(engine, "clean", _sleeping_clean)
    monkeypatch.setattr(batch, "chunk_size", lambda count, jobs: 2)
    out = tmp_path / "out"
    args = ["clean", str(saved), "-o", str(out), "-j", "2", "--timeout", "1"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 1
    assert f"error: {saved / 'hang.html'}: cleaning the page took longer than 1 s" in result.stderr
    assert "done 3, skipped 0, failed 1" in result.stderr


# -- a parent killed with SIGKILL ---------------------------------------------------------------------------


def children(pid: int) -> set[int]:
    """The live child processes of ``pid`` (Linux: /proc/PID/task/*/children)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the task ended meanwhile
            found.update(int(child) for child in (task / "children").read_text().split())
    return {child for child in found if alive(child)}


def alive(pid: int) -> bool:
    """Running, not a zombie left for a parent (or an init) that does not reap."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def kill_and_count_survivors(command: list[str], workers: int, cwd: Path) -> tuple[set[int], set[int]]:
    """Start ``command``, wait until it has ``workers`` children, SIGKILL it; its children before,
    and those still alive a few seconds after."""
    parent = subprocess.Popen(
        command, cwd=cwd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        found: set[int] = set()
        while len(found) < workers:  # seen twice, so the workers are past their start (a pool may end)
            assert time.monotonic() < deadline and parent.poll() is None, "the workers never started"
            time.sleep(0.3)
            found = children(parent.pid) if len(children(parent.pid)) >= workers else set()
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 5
        while (left := {pid for pid in found if alive(pid)}) and time.monotonic() < deadline:
            time.sleep(0.1)
        return found, left
    finally:
        for pid in children(parent.pid) if parent.poll() is None else ():
            os.kill(pid, signal.SIGKILL)
        parent.kill()


needs_proc = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds workers through /proc")


@needs_proc
def test_clean_workers_exit_when_the_cli_is_killed(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for i in range(300):
        html = make_article_html(f"page{i}", f"Story {i}", url=f"https://news.example.com/{i}", words=3000)
        (folder / f"{i:03}.html").write_text(html, encoding="utf-8")
    command = [sys.executable, "-m", "scraper", "clean", str(folder), "-o", str(tmp_path / "out"), "-j", "2"]
    found, left = kill_and_count_survivors(command, workers=2, cwd=tmp_path)
    assert len(found) >= 2 and not left, f"{len(left)} of {len(found)} workers outlived the killed CLI"


@needs_proc
def test_crawl_workers_and_the_resource_tracker_exit_when_the_parent_is_killed(
    script: list[str], tmp_path: Path
) -> None:
    # One worker is stuck in a regex holding the GIL (only the death signal can end it), one idle;
    # the spawned pool also started multiprocessing's resource tracker.
    command = [part.replace("{mode}", "hold") for part in script]
    found, left = kill_and_count_survivors(command, workers=3, cwd=tmp_path)
    assert len(found) >= 3 and not left, f"{len(left)} of {len(found)} children outlived their killed parent"
