#!/usr/bin/env python
"""Hostile pages against the per-page time limit, and orphaned workers after a killed CLI.

    python benchmarks/faults.py                   # --timeout 5, 5 kills: about a minute and a half
    python benchmarks/faults.py --timeout 2 --kills 10
    python benchmarks/faults.py --only crawl      # one section: hostile, orphans or crawl

What it does:

- For each hostile page (100,000 unclosed ``<div><span>``, a ``<p>`` with 200,000 attributes,
  100,000 nested ``<div>``, a 10 MiB page of links, 200 KB of newlines inside a JSON-LD script),
  runs ``scraper clean DIR --timeout T -j 2`` on a folder holding that page and one ordinary
  article, so the worker pool is used (a single input is cleaned in-process). It prints the wall
  time, the time over ``T`` (the CLI also starts, learns the site, and cleans the other page, so a
  second or two is overhead, not overrun), and what became of the hostile page.
- Starts ``scraper clean`` on a folder of 300 large articles with ``-j 2`` ``--kills`` times,
  SIGKILLs it once its workers run, and counts the workers still alive 5 s later (before the fix,
  each kill left both workers blocked forever, holding the killed job's stdout and stderr).
- Crawls a local news site of 40 slow articles with ``scraper crawl --format jsonl -j 2``, SIGKILLs
  it ``--kills`` times at moments a seeded RNG picks (0.2-1.5 s after its workers start, or after
  1-4 new lines), lets a last run finish, and counts the published articles missing from
  ``articles.jsonl``, the extra lines for one article, and the processes of the killed runs
  still alive 10 s after each kill (``tests/crawlkills.py``, as the test suite does).

Linux only for the second and third parts (workers are found through ``/proc``). Never imported by tests.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import make_article_html  # noqa: E402  (the tests' article pages)
from crawlkills import kill_cycles  # noqa: E402  (kill -9 cycles against a crawl)
from httpserver import LocalServer  # noqa: E402
from newssite import publish  # noqa: E402

ARTICLE = make_article_html("alpha", "Alpha bridge reopens", url="https://news.example.com/alpha")
BODY = ARTICLE.index("<body>") + len("<body>")


LINK = '<div class="item"><a href="/story/1">Another story</a></div>'


def _inside(opening: str, count: int, closing: str = "") -> str:
    return ARTICLE[:BODY] + opening * count + ARTICLE[BODY:].replace("</body>", closing * count + "</body>")


def _json_ld_newlines() -> str:
    script = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "' + "\n" * 200_000
    return ARTICLE.replace("</head>", script + '"}</script></head>', 1)


HOSTILE: dict[str, Callable[[], str]] = {
    "100k unclosed <div><span>": lambda: _inside("<div><span>", 100_000),
    "200k attributes on one <p>": lambda: ARTICLE.replace(
        "<article>", "<article><p " + " ".join(f"a{i}=x" for i in range(200_000)) + ">t</p>", 1
    ),
    "100k nested <div>": lambda: _inside("<div>", 100_000, "</div>"),
    "10 MiB page of links": lambda: ARTICLE.replace("</body>", LINK * (10 * 2**20 // len(LINK)) + "</body>"),
    "200 KB of newlines in JSON-LD": _json_ld_newlines,
}


def _env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


def hostile_pages(timeout: float, work: Path) -> None:
    print(f"hostile pages: scraper clean DIR --timeout {timeout:g} -j 2 (DIR: the page and one article)")
    worst = -float("inf")
    for name, make in HOSTILE.items():
        folder = work / name.replace(" ", "_").replace("<", "").replace(">", "")
        folder.mkdir()
        hostile = folder / "hostile.html"
        hostile.write_text(make(), encoding="utf-8")
        (folder / "article.html").write_text(ARTICLE, encoding="utf-8")
        command = [sys.executable, "-m", "scraper", "clean", str(folder), "-o", str(folder / "out")]
        started = time.monotonic()
        try:
            options = ["--timeout", str(timeout), "-j", "2"]
            stderr = subprocess.run(
                [*command, *options], capture_output=True, text=True, env=_env(), timeout=600
            ).stderr
        except subprocess.TimeoutExpired:
            stderr = f"error: {hostile}: still running after 600 s (killed)"
        took = time.monotonic() - started
        worst = max(worst, took - timeout)
        lines = [
            line.replace(str(hostile), "hostile.html") for line in stderr.splitlines() if str(hostile) in line
        ]
        fate = lines[0] if lines else "cleaned"
        print(f"  {name:30s} {took:5.1f} s ({took - timeout:+.1f} s over the limit)  {fate[:100]}")
    print(f"  worst time over the {timeout:g} s limit: {worst:+.1f} s")


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found.update(int(child) for child in (task / "children").read_text().split())
    return {child for child in found if _alive(child)}


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead, only not reaped


def orphans(kills: int, work: Path) -> None:
    folder = work / "slow"
    folder.mkdir()
    for i in range(300):
        html = make_article_html(f"page{i}", f"Story {i}", url=f"https://news.example.com/{i}", words=3000)
        (folder / f"{i:03}.html").write_text(html, encoding="utf-8")
    command = [sys.executable, "-m", "scraper", "clean", str(folder), "-o", str(work / "slow-out"), "-j", "2"]
    killed = survivors = 0
    for _ in range(kills):
        parent = subprocess.Popen(command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        found: set[int] = set()
        deadline = time.monotonic() + 60
        while len(found) < 2 and parent.poll() is None and time.monotonic() < deadline:
            time.sleep(0.3)
            found = _children(parent.pid) if len(_children(parent.pid)) >= 2 else set()
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        time.sleep(5)
        left = {pid for pid in found if _alive(pid)}
        killed += len(found)
        survivors += len(left)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
    print(
        f"orphans after {kills} kills: {survivors} of {killed} workers alive 5 s after their CLI was killed"
    )


def crawl_kills(kills: int, work: Path, seed: int) -> None:
    folder = work / "crawl"
    folder.mkdir()
    with LocalServer() as server:
        paths = publish(server, 40, delay=0.3)
        outcome = kill_cycles(server, folder, paths, kills=kills, rng=random.Random(seed))
    if outcome.final_status != 0:
        print(f"  the last run failed ({outcome.final_status}): {outcome.final_stderr.strip()[-300:]}")
    late = sum(kill.ended_first for kill in outcome.kills)
    torn = sum(kill.torn for kill in outcome.kills)
    refetched = sum(1 for count in outcome.fetches.values() if count > 1)
    print(
        f"  ({late} runs ended before their kill; {torn} kills left a torn line; {refetched} of"
        f" {len(paths)} articles fetched more than once)"
    )
    for kill in outcome.kills:
        for orphan in kill.orphans:
            print(f"  orphan: {orphan[:120]}")
    print(
        f"crawl with -j 2 killed {kills} times: articles lost {outcome.lost},"
        f" duplicated {outcome.duplicated}, orphans {outcome.orphans}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=5.0, help="the CLI's --timeout (seconds)")
    parser.add_argument("--kills", type=int, default=5, help="how many times to kill the CLI")
    parser.add_argument("--seed", type=int, default=11, help="picks the moments of the crawl's kills")
    parser.add_argument("--only", choices=["hostile", "orphans", "crawl"], help="run one section")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.only in (None, "hostile"):
            hostile_pages(args.timeout, work)
        if Path("/proc/self/task").is_dir() and args.kills > 0:
            if args.only in (None, "orphans"):
                orphans(args.kills, work)
            if args.only in (None, "crawl"):
                crawl_kills(args.kills, work, args.seed)


if __name__ == "__main__":
    main()
