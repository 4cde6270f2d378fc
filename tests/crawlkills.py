"""Kill ``scraper crawl -j 2`` with SIGKILL again and again, then count what the writer left.

Shared by ``tests/test_cli_web.py`` and ``benchmarks/faults.py`` (Linux only: processes are
found through ``/proc``). Every crawl runs as a real subprocess with a marker in its environment,
which its worker processes (and the multiprocessing resource tracker) inherit, so a process the
killed crawl left behind is found by that marker, and also by the PIDs of its descendants seen
while it ran::

    with LocalServer() as server:
        published = publish(server, 30, delay=0.05)
        outcome = kill_cycles(server, tmp_path, published, kills=4, rng=random.Random(11))
        assert outcome.lost == outcome.duplicated == outcome.orphans == 0
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from httpserver import LocalServer

MARKER = "SCRAPER_KILL_TEST_RUN"  # environment variable naming the cycle's folder
ORPHAN_GRACE = 10.0  # seconds a killed crawl's workers get to notice and exit (they need < 1)
WAIT = 120.0  # generous timeout on any subprocess wait (a loaded 2-core machine)


def crawl_command(server: LocalServer, out: Path, jobs: int = 2) -> list[str]:
    return [
        sys.executable,
        "-m",
        "scraper",
        "crawl",
        "--feed",
        server.url("/feed.xml"),
        "--out",
        str(out),
        "--format",
        "jsonl",
        "--allow-private-networks",
        "--delay",
        "0",
        "-j",
        str(jobs),
    ]


# -- processes through /proc ------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state first), or None if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def identity(pid: int) -> tuple[int, str] | None:
    """The pid and its start time (a reused pid has another one); None if it is gone."""
    fields = _stat(pid)
    return None if fields is None else (pid, fields[19])  # field 22 of stat: starttime


def alive(ident: tuple[int, str]) -> bool:
    """The very process named by :func:`identity` still runs (not a zombie, not a reused pid)."""
    fields = _stat(ident[0])
    return fields is not None and fields[0] != "Z" and fields[19] == ident[1]


def descendants(pid: int) -> set[tuple[int, str]]:
    """Every live process below ``pid`` (children of all its threads, recursively)."""
    found: set[tuple[int, str]] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            with contextlib.suppress(OSError):
                for child in (task / "children").read_text().split():
                    ident = identity(int(child))
                    if ident is not None and ident not in found:
                        found.add(ident)
                        todo.append(ident[0])
    return {ident for ident in found if alive(ident)}


def marked(value: str) -> dict[tuple[int, str], str]:
    """Live processes whose environment holds ``MARKER=value``: their command lines."""
    needle = f"{MARKER}={value}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            ident = identity(int(entry.name))
            if ident is not None and alive(ident):
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found[ident] = cmdline
    return found


# -- the output, as the writer left it ---------------------------------------------------------------


def read_jsonl(path: Path) -> tuple[list[dict[str, object]], bool]:
    """The whole lines of ``path`` as records, and whether the file ends in a torn line."""
    if not path.exists():
        return [], False
    data = path.read_bytes()
    torn = bool(data) and not data.endswith(b"\n")
    lines = data.split(b"\n")
    whole = lines[:-1]  # the last piece is b"" or the torn tail
    return [json.loads(line) for line in whole], torn


def url_of(record: dict[str, object]) -> str:
    """The article URL a line stands for; its ``id``, ``source`` and ``metadata.url`` must agree."""
    metadata = record["metadata"]
    assert isinstance(metadata, dict)
    urls = {record["id"], record["source"], metadata["url"]}
    assert len(urls) == 1, f"a line names several URLs: {urls}"
    return str(urls.pop())


# -- the cycles ----------------------------------------------------------------------------------------


@dataclass
class Kill:
    """One killed run: when it was killed, what it had written, which processes it had."""

    trigger: str  # "after 0.73 s" or "after 3 lines"
    lines_before: int  # whole lines in articles.jsonl when the run started
    lines_after: int  # whole lines right after the kill
    torn: bool  # the kill left a partial last line
    workers: int  # processes seen below the crawl while it ran
    orphans: list[str]  # command lines of those (or marked ones) alive ORPHAN_GRACE s after
    ended_first: bool  # the run finished before the kill came


@dataclass
class Outcome:
    published: list[str]  # article URLs
    kills: list[Kill] = field(default_factory=list)
    final_status: int | None = None
    final_stderr: str = ""
    records: list[dict[str, object]] = field(default_factory=list)
    torn_at_end: bool = False
    fetches: Counter[str] = field(default_factory=Counter)  # article GETs per URL, all runs

    @property
    def written(self) -> Counter[str]:
        return Counter(url_of(record) for record in self.records)

    @property
    def lost(self) -> int:
        return len(set(self.published) - set(self.written))

    @property
    def duplicated(self) -> int:
        return sum(count - 1 for count in self.written.values() if count > 1)

    @property
    def orphans(self) -> int:
        return sum(len(kill.orphans) for kill in self.kills)


def _wait_for_kill(
    child: subprocess.Popen[bytes], stream: Path, rng: random.Random, start_lines: int
) -> tuple[str, set[tuple[int, str]]]:
    """Watch the crawl until the moment ``rng`` picked, gathering its descendants; the trigger."""
    seen: set[tuple[int, str]] = set()
    deadline = time.monotonic() + WAIT
    by_lines = rng.random() < 0.5
    if by_lines:
        wanted = rng.randint(1, 4)
        trigger = f"after {wanted} new lines"
    else:
        seconds = rng.uniform(0.2, 1.5)
        trigger = f"{seconds:.2f} s after its workers started"
    pool_up: float | None = None
    while child.poll() is None and time.monotonic() < deadline:
        seen |= descendants(child.pid)
        now = time.monotonic()
        if by_lines:
            if len(read_jsonl(stream)[0]) - start_lines >= wanted:
                break
        else:
            if pool_up is None and seen:
                pool_up = now
            if pool_up is not None and now - pool_up >= seconds:
                break
        time.sleep(0.01)
    seen |= descendants(child.pid)
    return trigger, seen


def killed_run(command: list[str], env: dict[str, str], out: Path, log: Path, rng: random.Random) -> Kill:
    stream = out / "articles.jsonl"
    before = len(read_jsonl(stream)[0])
    with log.open("wb") as stderr:
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            trigger, seen = _wait_for_kill(child, stream, rng, before)
            ended_first = child.poll() is not None
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(timeout=WAIT)
    records, torn = read_jsonl(stream)
    deadline = time.monotonic() + ORPHAN_GRACE
    left: dict[tuple[int, str], str] = {}
    while True:
        left = {ident: "worker" for ident in seen if alive(ident)}
        left.update(marked(env[MARKER]))
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    orphans = []
    for ident, cmdline in left.items():
        with contextlib.suppress(OSError):
            cmdline = (
                Path(f"/proc/{ident[0]}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            )
        orphans.append(f"pid {ident[0]}: {cmdline.strip()}")
        with contextlib.suppress(ProcessLookupError):
            os.kill(ident[0], signal.SIGKILL)  # do not leave them to the next test
    return Kill(trigger, before, len(records), torn, len(seen), orphans, ended_first)


def kill_cycles(
    server: LocalServer, work: Path, published: list[str], *, kills: int, rng: random.Random
) -> Outcome:
    """``kills`` crawls of ``server``'s feed killed at moments ``rng`` picks, then one left to
    finish, all writing ``work/out/articles.jsonl``; what they left. ``published``: the paths."""
    out = work / "out"
    command = crawl_command(server, out)
    env = {**os.environ, MARKER: str(work)}
    outcome = Outcome([server.url(path) for path in published])
    for number in range(kills):
        outcome.kills.append(killed_run(command, env, out, work / f"killed-{number}.stderr", rng))
    final = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=WAIT)
    outcome.final_status = final.returncode
    outcome.final_stderr = final.stderr.decode(errors="replace")
    outcome.records, outcome.torn_at_end = read_jsonl(out / "articles.jsonl")
    outcome.fetches = Counter({server.url(path): server.count(path) for path in published})
    return outcome
