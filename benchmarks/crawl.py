#!/usr/bin/env python
"""Crawl throughput, peak memory and the incremental re-run, against local sites with a fixed latency.

    python benchmarks/crawl.py                                  # 20 sites x 100 articles, 0.2 s, 1 per site
    python benchmarks/crawl.py --latency 0.05 --concurrency 2   # the issue's example: a CPU-bound crawl
    python benchmarks/crawl.py --delay 0.25 --json /tmp/crawl.json

What it does: a child process (``benchmarks/crawlsites.py``) serves ``--hosts`` news sites, one
port each on 127.0.0.1, each with robots.txt, an RSS feed and ``--articles`` articles of about
``--words`` words; every response leaves ``--latency`` seconds after its request arrived, and the
feed and articles answer 304 to a matching ``If-None-Match``. ``scraper.crawl`` then runs twice
into a temporary folder: the first run finds and writes everything, the second (nothing changed)
should only revalidate the feeds and write nothing.

What it prints:

- pages/s of the first run (articles written / the run's wall time) against the bound the
  politeness settings allow: per site at most ``concurrency / latency`` requests complete per
  second, and at most ``1 / delay`` start when ``--delay`` > 0, so the bound is ``hosts`` times the
  smaller, capped by the crawler's global limit of requests in flight. The run also makes two
  requests per site that are not articles (robots.txt and the feed), so a perfect crawler gets
  ``articles / (articles + 2)`` of the bound at one request per site.
- the second run's time as a share of the first, the files it changed, and the requests the
  server saw (counted there, by kind, and whether they carried ``If-None-Match``).
- peak memory (``ru_maxrss``): the crawler process (the benchmark's own few MiB included), the
  largest cleaning worker (``RUSAGE_CHILDREN`` read while the server process is still running, so
  it covers the reaped workers only: a maximum over workers, not a sum), and the server process
  (measured inside it; a spawned child re-imports this script, so scraper's modules count there).
- CPU: the crawler process (event loop, fetching, parsing, writes, SQLite), the cleaning workers
  and the server, in seconds and per page.
- where the first run's time went: start-up (to the first request), feeds and robots.txt (to the
  first article request), articles (to the last reply), wind-down; and how often each site got an
  article request (mean, p50, p90 of the gaps) against what the bound needs. A gap above
  ``latency / concurrency`` is the crawler's own turnaround between two requests to one site.
- politeness as the server saw it: the most requests in flight on one site, and the shortest gap
  between two arrivals on one site (with ``--delay``, it should not be much below the delay).

Why these defaults (latency 0.2 s, concurrency 1, so a bound of 100 pages/s): fetching, writing
and cleaning cost CPU, and this 2-core machine sustains about 165-190 pages/s of 600-word pages
when the sites answer at once (``--latency 0.002 --concurrency 3`` measures it: the crawler's
event loop is then busy all the time). The issue's ``--latency 0.05 --concurrency 2`` asks for
800 pages/s, so it measures that CPU ceiling, not politeness. At 100 pages/s the crawler needs
about half of what the machine sustains, so the politeness limits are what bind. Timings on a
shared machine vary: run each configuration more than once.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# Benchmark the working tree's crawler, whatever is installed; import the helper beside this file.
sys.path[:0] = [str(REPO), str(HERE)]

from crawlsites import SiteServer, SiteSpec  # noqa: E402

import scraper  # noqa: E402
from scraper.crawler.report import CrawlReport  # noqa: E402
from scraper.crawler.run import MAX_IN_FLIGHT  # noqa: E402
from scraper.io.formats import format_names  # noqa: E402
from scraper.web.session import Politeness  # noqa: E402
from scraper.web.settings import FetchSettings  # noqa: E402

MIB_IN_KIB = 1024  # ru_maxrss is in KiB on Linux
THROUGHPUT_TARGET = 0.85  # the done-means: >= 85 % of the bound
RERUN_TARGET = 0.10  # ... and an incremental re-run in <= 10 % of the first run's time


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on macOS / Windows
        return os.cpu_count() or 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hosts", type=int, default=20, help="sites, one port each (default 20)")
    parser.add_argument("--articles", type=int, default=100, help="articles per site (default 100)")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per response (default 0.2)")
    parser.add_argument("--concurrency", type=int, default=1, help="requests in flight per site (default 1)")
    parser.add_argument(
        "--delay", type=float, default=0.0, help="seconds between request starts per site (default 0)"
    )
    parser.add_argument(
        "--jobs", type=int, default=_cores(), help=f"cleaning processes (default: the cores, {_cores()})"
    )
    parser.add_argument("--words", type=int, default=600, help="words per article (default 600)")
    parser.add_argument("--format", choices=format_names(), default="txt", help="output format (default txt)")
    parser.add_argument("--no-raw", action="store_true", help="do not keep the raw HTML (keep_raw=False)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.hosts < 1 or args.articles < 1 or args.concurrency < 1 or args.words < 1 or args.jobs < 0:
        parser.error("--hosts, --articles, --concurrency and --words must be >= 1, --jobs >= 0")
    if args.latency <= 0 or args.delay < 0:
        parser.error("--latency must be > 0 and --delay >= 0")
    return args


@dataclass(frozen=True, slots=True)
class Bound:
    """The most pages per second the politeness settings allow, and how it is worked out."""

    pages_per_second: float
    explanation: str


def politeness_bound(hosts: int, concurrency: int, latency: float, delay: float) -> Bound:
    """Per site: ``concurrency / latency`` completions per second, at most ``1 / delay`` starts;
    across sites, at most the crawler's ``MAX_IN_FLIGHT`` requests in flight."""
    per_site = concurrency / latency
    text = f"{hosts} hosts x {concurrency} / {latency:.3f} s"
    if delay > 0 and 1 / delay < per_site:
        per_site = 1 / delay
        text = f"{hosts} hosts x 1 / {delay:.3f} s delay"
    total = hosts * per_site
    if MAX_IN_FLIGHT / latency < total:
        total = MAX_IN_FLIGHT / latency
        text += f", capped by the crawler's {MAX_IN_FLIGHT} requests in flight / {latency:.3f} s"
    return Bound(total, text)


def snapshot(folder: Path, ignore: set[Path]) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` (but ``ignore``) with its size and modification time."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file() and path not in ignore:
            stat = path.stat()
            found[str(path.relative_to(folder))] = (stat.st_size, stat.st_mtime_ns)
    return found


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(slots=True)
class RunFigures:
    """One crawl run, as the crawler and the server saw it (times from ``time.monotonic()``)."""

    report: CrawlReport
    started: float
    ended: float
    cpu_crawler: float
    cpu_workers: float
    cpu_server: float
    server: dict[str, Any]

    @property
    def wall(self) -> float:
        return self.ended - self.started

    def phases(self) -> dict[str, float] | None:
        """Start-up (to the first request), feeds and robots.txt (to the first article request),
        articles (to the last reply), wind-down (last clean and write, pool shutdown, report)."""
        first, first_article, last = (
            self.server[key] for key in ("first_arrival", "first_article_arrival", "last_reply")
        )
        if first is None or first_article is None or last is None:
            return None
        return {
            "start_up": first - self.started,
            "feeds_and_robots": first_article - first,
            "articles": last - first_article,
            "wind_down": self.ended - last,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "wall_seconds": round(self.wall, 3),
            "report_seconds": round(self.report.seconds, 3),
            "phases_seconds": {k: round(v, 3) for k, v in (self.phases() or {}).items()},
            "totals": self.report.to_dict()["totals"],
            "errors": self.report.errors[:10],
            "cpu_seconds": {
                "crawler": round(self.cpu_crawler, 3),
                "cleaning_workers": round(self.cpu_workers, 3),
                "server": round(self.cpu_server, 3),
            },
            "server": self.server,
        }


def run_once(config: scraper.CrawlConfig, sites: SiteServer) -> RunFigures:
    """One crawl run, with the server's counters zeroed first and read after."""
    sites.reset()
    server_cpu = sites.stats()["cpu_seconds"]
    cpu, children = time.process_time(), cpu_children()
    started = time.monotonic()
    report = scraper.crawl(config)
    ended = time.monotonic()
    cpu, children = time.process_time() - cpu, cpu_children() - children
    server = sites.stats()
    return RunFigures(report, started, ended, cpu, children, server["cpu_seconds"] - server_cpu, server)


@dataclass(frozen=True, slots=True)
class Memory:
    """Peak RSS in KiB (``ru_maxrss``) of each process kind."""

    crawler_before: int
    crawler_after_first: int
    crawler: int
    largest_worker: int
    server: int


@dataclass(slots=True)
class Outcome:
    """Everything measured, and what it means for the targets."""

    args: argparse.Namespace
    bound: Bound
    first: RunFigures
    second: RunFigures
    changed: list[str]
    memory: Memory

    @property
    def pages(self) -> int:
        return self.first.report.totals.new

    @property
    def rate(self) -> float:
        return self.pages / self.first.wall

    @property
    def share(self) -> float:
        return self.rate / self.bound.pages_per_second

    @property
    def rerun(self) -> float:
        return self.second.wall / self.first.wall

    @property
    def conditional_only(self) -> bool:
        return all(kind.endswith(":conditional") for kind in self.second.server["requests"])

    @property
    def writes_in_second_run(self) -> bool:
        return bool(self.second.report.totals.new or self.changed)

    def problems(self) -> list[str]:
        """What makes the run wrong (not slow): missing pages, failures, writes or unconditional
        requests in the second run."""
        args, first, found = self.args, self.first.report, []
        expected = args.hosts * args.articles
        if self.pages != expected or first.totals.failed:
            found.append(
                f"first run wrote {self.pages} of {expected} articles, {first.totals.failed} failed: "
                f"{first.errors[:3]}"
            )
        if self.writes_in_second_run:
            found.append(
                f"second run wrote {self.second.report.totals.new} articles, changed {self.changed[:5]}"
            )
        requests = self.second.server["requests"]
        if requests != {"feed:conditional": args.hosts}:
            found.append(f"second run: expected {args.hosts} conditional feed requests, saw {requests}")
        return found

    def lines(self) -> list[str]:
        args, first, second, memory = self.args, self.first, self.second, self.memory
        pages = self.pages
        requests2 = second.server["requests"]
        lines = [
            f"first run:  {pages} pages in {first.wall:.1f} s = {self.rate:.1f} pages/s; bound "
            f"{self.bound.pages_per_second:.1f} pages/s ({self.bound.explanation}) "
            f"-> {self.share:.0%} of bound",
            f"second run: {second.wall:.2f} s = {self.rerun:.1%} of the first run; new writes "
            f"{second.report.totals.new}, files changed {len(self.changed)}; requests "
            f"{sum(requests2.values())} (all conditional: {'yes' if self.conditional_only else 'no'})",
            f"peak memory: crawler {mib(memory.crawler):.0f} MiB (RSS; {mib(memory.crawler_before):.0f} "
            f"before the first run, {mib(memory.crawler_after_first):.0f} after it), largest cleaning "
            f"worker {mib(memory.largest_worker):.0f} MiB (x {args.jobs} jobs), "
            f"server {mib(memory.server):.0f} MiB (not included)",
            f"cpu, first run: crawler process {_per_page(first.cpu_crawler, pages)}, cleaning workers "
            f"{_per_page(first.cpu_workers, pages)}, server {_per_page(first.cpu_server, pages)}",
        ]
        phases = first.phases()
        if phases:
            lines.append(
                "first run's phases: "
                + ", ".join(f"{name.replace('_', ' ')} {seconds:.2f} s" for name, seconds in phases.items())
            )
        gap = first.server["article_gap"]
        if gap:
            ideal = max(args.latency / args.concurrency, args.delay)
            lines.append(
                f"per site, an article request every {gap['mean']:.3f} s on average (p50 {gap['p50']:.3f}, "
                f"p90 {gap['p90']:.3f}); the bound needs one every {ideal:.3f} s"
            )
        shortest = first.server["min_arrival_gap"]
        lines += [
            f"server saw, first run:  {_requests_line(first.server['requests'])}; "
            f"statuses {first.server['statuses']}",
            f"server saw, second run: {_requests_line(requests2)}; statuses {second.server['statuses']}",
            f"politeness seen by the server: at most {first.server['peak_in_flight_per_site']} requests "
            f"in flight per site (limit {args.concurrency}); shortest gap between two arrivals on one "
            f"site {'-' if shortest is None else f'{shortest:.3f} s'} "
            f"({first.server['min_arrival_gap_between']}; delay {args.delay:.3f} s)",
            f"targets: throughput >= {THROUGHPUT_TARGET:.0%} of bound: "
            f"{_yes(self.share >= THROUGHPUT_TARGET)}; "
            f"re-run <= {RERUN_TARGET:.0%} of the first: {_yes(self.rerun <= RERUN_TARGET)}; "
            f"zero new writes: {_yes(not self.writes_in_second_run)}",
        ]
        return lines

    def to_dict(self) -> dict[str, Any]:
        args, memory = self.args, self.memory
        return {
            "settings": {**{k: v for k, v in vars(args).items() if k != "json"}, "cores": _cores()},
            "bound_pages_per_second": round(self.bound.pages_per_second, 3),
            "bound": self.bound.explanation,
            "first_run": {
                **self.first.to_dict(),
                "pages": self.pages,
                "pages_per_second": round(self.rate, 3),
            },
            "share_of_bound": round(self.share, 4),
            "second_run": {
                **self.second.to_dict(),
                "files_changed": self.changed,
                "all_conditional": self.conditional_only,
            },
            "second_run_share_of_first": round(self.rerun, 4),
            "peak_rss_mib": {
                "crawler_before": round(mib(memory.crawler_before), 1),
                "crawler_after_first": round(mib(memory.crawler_after_first), 1),
                "crawler": round(mib(memory.crawler), 1),
                "largest_cleaning_worker": round(mib(memory.largest_worker), 1),
                "server": round(mib(memory.server), 1),
            },
            "targets_met": {
                "throughput": self.share >= THROUGHPUT_TARGET,
                "rerun": self.rerun <= RERUN_TARGET,
                "zero_writes": not self.writes_in_second_run,
            },
            "problems": self.problems(),
        }


def measure(args: argparse.Namespace) -> Outcome:
    """Serve the sites, crawl them twice into a temporary folder, and collect the figures."""
    bound = politeness_bound(args.hosts, args.concurrency, args.latency, args.delay)
    spec = SiteSpec(hosts=args.hosts, articles=args.articles, latency=args.latency, words=args.words)
    rss_before = _maxrss(resource.RUSAGE_SELF)
    with tempfile.TemporaryDirectory(prefix="crawl-bench-") as tmp, SiteServer(spec) as sites:
        out = Path(tmp) / "out"
        config = scraper.CrawlConfig(
            feeds=tuple(sites.feed_urls),
            out=out,
            format=args.format,
            jobs=args.jobs,
            keep_raw=not args.no_raw,
            fetch=FetchSettings(allow_private_networks=True),
            politeness=Politeness(concurrency=args.concurrency, delay=args.delay),
        )
        first = run_once(config, sites)
        rss_first = _maxrss(resource.RUSAGE_SELF)
        # The state and the run report change on every run, by design; nothing else may.
        state = config.state_path
        bookkeeping = {config.report_path} | {
            state.with_name(state.name + suffix) for suffix in ("", "-wal", "-shm", ".lock")
        }
        before = snapshot(out, bookkeeping)
        second = run_once(config, sites)
        after = snapshot(out, bookkeeping)
        # Read before the server process is reaped, so that only the cleaning workers count here.
        memory_children = _maxrss(resource.RUSAGE_CHILDREN)
        sites.stop()
        memory = Memory(
            crawler_before=rss_before,
            crawler_after_first=rss_first,
            crawler=_maxrss(resource.RUSAGE_SELF),
            largest_worker=memory_children,
            server=sites.final_stats.get("maxrss_kib", 0),
        )
    changed = sorted(name for name in after.keys() | before.keys() if after.get(name) != before.get(name))
    return Outcome(args, bound, first, second, changed, memory)


def _maxrss(who: int) -> int:
    return resource.getrusage(who).ru_maxrss


def mib(kib: float) -> float:
    return kib / MIB_IN_KIB


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def _per_page(seconds: float, pages: int) -> str:
    return f"{seconds:.2f} s ({seconds / pages * 1000:.2f} ms/page)" if pages else f"{seconds:.2f} s"


def _requests_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"crawl benchmark: {args.hosts} hosts x {args.articles} articles of ~{args.words} words, "
        f"latency {args.latency:.3f} s, concurrency {args.concurrency}, delay {args.delay:.3f} s, "
        f"jobs {args.jobs}, format {args.format}, keep_raw {not args.no_raw}, {_cores()} cores",
        flush=True,
    )
    outcome = measure(args)
    print("\n".join(outcome.lines()))
    problems = outcome.problems()
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(outcome.to_dict(), indent=2) + "\n", encoding="utf-8")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
