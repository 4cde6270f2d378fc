"""A dry run (``scraper crawl --list``): the article URLs a run would fetch now, found as the run
finds them, with no article fetched and nothing written.

The seeds are read by the run's own :class:`~scraper.crawler.seeds.SeedReader` (the sites'
feeds and sitemaps found first, conditional requests, robots.txt and the hosts' delays obeyed),
into an in-memory copy of the state (:func:`snapshot`), so what the state already holds
unchanged is left out exactly as a run leaves it out. No lock is taken (the state file is only
read), no output folder, report or run record is made. Articles that only pages fetched by the
run would lead to (links beyond the start pages) cannot be known before, so are not listed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from scraper.crawler.config import CrawlConfig, scope_for
from scraper.crawler.fatal import sidecars, state_problem
from scraper.crawler.layout import find_state
from scraper.crawler.report import CrawlReport
from scraper.crawler.seeds import EventSink, SeedReader
from scraper.crawler.state import CrawlState, UrlRecord
from scraper.errors import InputError
from scraper.io.formats import utc_now
from scraper.web.session import WebSession


@dataclass(frozen=True, slots=True)
class CrawlPreview:
    """What a run would fetch now: the article ``urls`` in the order it would queue them, and
    the ``report`` of reading the seeds (the sites' sources found, the seeds that failed)."""

    urls: list[str]
    report: CrawlReport


def preview(config: CrawlConfig, *, on_event: EventSink | None = None) -> CrawlPreview:
    """Read the seeds as :func:`scraper.crawler.run.crawl` would, and list the articles it would
    fetch: new and due ones in scope, each host's in queue order, hosts taking turns as the run's
    per-host workers do, at most ``max_pages``. Events go to ``on_event`` as a run's do. Raises
    :class:`InputError` for a state file that cannot be read."""
    return asyncio.run(preview_async(config, on_event=on_event))


async def preview_async(config: CrawlConfig, *, on_event: EventSink | None = None) -> CrawlPreview:
    """:func:`preview` for callers that already run an event loop."""
    started = time.monotonic()
    deadline = started + config.max_seconds if config.max_seconds is not None else None
    report = CrawlReport(started_at=utc_now())
    scope = scope_for(config)
    with snapshot(find_state(config)) as state:
        reader = SeedReader(config, state, report, scope, on_event or (lambda event: None))
        async with WebSession(config.fetch, config.politeness, robots_store=state, deadline=deadline) as web:
            await reader.read(web)
        due = [
            record
            for record in state.due(time.time(), kind="article")
            if scope.accepts(record.url, record.depth)
        ]
    report.seconds = time.monotonic() - started
    report.finished_at = utc_now()
    return CrawlPreview(
        urls=[record.url for record in _hosts_in_turn(due)][: config.max_pages], report=report
    )


def snapshot(path: Path) -> CrawlState:
    """An in-memory copy of the state at ``path`` (an empty state when there is no file yet): it
    records what the dry run reads as the file would, and is gone when closed.

    The file is only read, and no file is made beside it. With no write-ahead log beside it (no
    run going, none killed) every commit is in the file, which is read as immutable: a read-only
    connection to a WAL database would leave a ``-shm`` and a ``-wal`` behind. With a log (a run
    going, or one killed), the log is read too, read-only.
    """
    memory = sqlite3.connect(":memory:", isolation_level=None)
    try:
        if path.exists():
            mode = "mode=ro" if sidecars(path)[0].exists() else "immutable=1"
            source = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
            try:
                source.backup(memory)
            finally:
                source.close()
    except sqlite3.Error as exc:
        memory.close()
        raise InputError(state_problem(path, exc)) from exc
    return CrawlState.on(memory, path)


def _hosts_in_turn(records: list[UrlRecord]) -> list[UrlRecord]:
    """Records in the order host workers take them: each host's in queue order, hosts in turn."""
    queues: dict[str, deque[UrlRecord]] = {}
    for record in records:
        queues.setdefault(record.origin, deque()).append(record)
    ordered = []
    while queues:
        for origin in list(queues):
            ordered.append(queues[origin].popleft())
            if not queues[origin]:
                del queues[origin]
    return ordered
