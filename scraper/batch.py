"""Cleaning many pages: the one worker pool behind ``scraper clean``, ``scraper crawl`` and library batches.

Every page's fate comes back as an :class:`Outcome` (an article, a page with no article, or an
error), never as an exception, so one bad page cannot end a batch of ten thousand. Errors pickle
(see :mod:`scraper.errors`), so an outcome from a worker process is exactly what the same page
gives in-process. A worker that dies (a crash in a C extension, the OOM killer) fails its own
page and nothing else::

    from scraper.batch import CleanSettings, clean_batch
    for outcome in clean_batch(pages, CleanSettings(timeout=30), jobs=4):
        ...
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from scraper.article import PAYWALL_NOTE, Article, Page
from scraper.errors import NoArticleError, ScraperError
from scraper.extract.sitememory import BlockMemory, LearnedBlocks, learn_page
from scraper.io.sources import PageSource

WORKER_DIED = "the worker process died while cleaning this page (crash or out of memory)"


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A :class:`Page` already in memory, as a :class:`PageSource` (the crawl's pages)."""

    page: Page
    label: str = ""
    site: str | None = None
    relpath: str = ""
    stem: str = ""

    def read_page(self) -> Page:
        return self.page


@dataclass(frozen=True, slots=True)
class FailedFetch:
    """A page that could not be fetched, as a :class:`PageSource`: reading it raises why, so
    its failure is reported in order with the pages that were."""

    error: ScraperError
    label: str = ""
    site: str | None = None
    relpath: str = ""
    stem: str = ""

    def read_page(self) -> Page:
        raise self.error


@dataclass(frozen=True, slots=True)
class CleanSettings:
    """What every page of a batch is cleaned with (sent once to each worker process)."""

    url: str | None = None
    rules: Sequence[str] | None = None
    timeout: float | None = None
    site_blocks: dict[str, LearnedBlocks] = field(default_factory=dict)
    skip_paywalled: bool = False
    read_blocks: bool = False  # also return the page's text blocks (the crawl's site memory)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one page: an ``article``, or an ``error`` (a :class:`NoArticleError` is a
    skip, not a failure); ``blocks`` are the page's text-block keys when they were asked for."""

    article: Article | None = None
    error: ScraperError | None = None
    blocks: frozenset[str] = frozenset()
    retryable: bool = False  # a later attempt may succeed (the worker died)

    @property
    def skipped(self) -> NoArticleError | None:
        """The page holds no article: why, and (as ``.article``) what it gave anyway."""
        return self.error if isinstance(self.error, NoArticleError) else None

    @property
    def failed(self) -> bool:
        return self.error is not None and self.skipped is None

    @property
    def seen(self) -> Article | None:
        """The article, or what a page with no article gave anyway (its notes still count)."""
        skipped = self.skipped
        return self.article if skipped is None else skipped.article

    def why(self) -> str:
        """The error's message for a report line (a skip names its reason too)."""
        if (skipped := self.skipped) is not None:
            return f"{skipped} ({skipped.reason})"
        return str(self.error)


def clean_page(source: PageSource, settings: CleanSettings) -> Outcome:
    """Read and clean one page; every failure comes back as a value."""
    from scraper.extract import engine  # in a worker, the cost is paid once per process

    try:
        page = source.read_page()
        learned = settings.site_blocks.get(source.site) if source.site else None
        rules = list(settings.rules) if settings.rules else None
        keys: set[str] | None = set() if settings.read_blocks else None
        article = engine.clean(
            page, settings.url, rules=rules, timeout=settings.timeout, site_blocks=learned, block_keys=keys
        )
        blocks = frozenset(keys or ())
    except ScraperError as exc:
        return Outcome(error=exc)
    except Exception as exc:  # an engine bug must not end a batch of ten thousand pages
        bug = ScraperError(f"unexpected {type(exc).__name__}: {exc} (a bug: please report it)")
        return Outcome(error=bug)
    if article.paywalled and settings.skip_paywalled:
        skip = NoArticleError(f"{PAYWALL_NOTE} (skip_paywalled)", reason="paywall", article=article)
        return Outcome(error=skip, blocks=blocks)
    return Outcome(article=article, blocks=blocks)


def clean_chunk(sources: Sequence[PageSource], settings: CleanSettings) -> list[Outcome]:
    """Clean a chunk of pages in one worker call (fewer round trips for small pages)."""
    return [clean_page(source, settings) for source in sources]


def default_jobs() -> int:
    """The cores this process may run on (its CPU affinity, where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on macOS / Windows
        return os.cpu_count() or 1


def chunk_size(count: int, jobs: int) -> int:
    """Enough chunks to keep every worker busy to the end, no more than 32 pages in one."""
    return max(1, min(32, count // (jobs * 16)))


def clean_batch(
    sources: Sequence[PageSource], settings: CleanSettings, jobs: int = 1
) -> Generator[Outcome, None, None]:
    """Outcomes of ``sources`` in input order; ``jobs`` 1 (or one page) stays in-process.

    Close the generator to stop early: the workers stop with it.
    """
    if jobs <= 1 or len(sources) <= 1:
        return (clean_page(source, settings) for source in sources)
    return _run_pool(sources, settings, min(jobs, len(sources)))


def _run_pool(sources: Sequence[PageSource], settings: CleanSettings, jobs: int) -> Iterator[Outcome]:
    """Outcomes in input order from ``jobs`` worker processes, a bounded window in flight.

    A worker that dies breaks the whole pool: the pages of the chunk at the head of the queue
    are then retried one by one, each alone in a fresh process, so the one that kills its worker
    is reported as failed; the rest of the queue goes to a new pool and is cleaned as usual.
    """
    size = chunk_size(len(sources), jobs)
    chunks = iter([sources[i : i + size] for i in range(0, len(sources), size)])
    window = jobs * 4
    queue: deque[tuple[Sequence[PageSource], Future[list[Outcome]]]] = deque()
    pool = ProcessPoolExecutor(max_workers=jobs)

    def fill() -> None:
        while len(queue) < window:
            chunk = next(chunks, None)
            if chunk is None:
                return
            queue.append((chunk, pool.submit(clean_chunk, chunk, settings)))

    try:
        fill()
        while queue:
            chunk, future = queue.popleft()
            try:
                outcomes = future.result()
            except BrokenProcessPool:
                pool.shutdown(wait=True, cancel_futures=True)
                outcomes = [_clean_isolated(source, settings) for source in chunk]
                pool = ProcessPoolExecutor(max_workers=jobs)
                waiting = [queued for queued, _ in queue]
                queue.clear()
                queue.extend((queued, pool.submit(clean_chunk, queued, settings)) for queued in waiting)
            yield from outcomes
            fill()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _clean_isolated(source: PageSource, settings: CleanSettings) -> Outcome:
    with ProcessPoolExecutor(max_workers=1) as alone:
        try:
            return alone.submit(clean_page, source, settings).result()
        except BrokenProcessPool:
            return Outcome(error=ScraperError(WORKER_DIED))


class CleaningPool:
    """Worker processes for a crawl's event loop, started on first use (an incremental run that
    cleans nothing starts none). ``jobs=0`` cleans in the loop's own thread (tests, tiny runs).

    Workers are spawned, not forked: a forked worker would inherit the parent's open files (a
    run lock's descriptor) and keep them after the parent was killed.
    """

    def __init__(self, jobs: int | None) -> None:
        self.jobs = jobs if jobs is not None else default_jobs()
        self._pool: ProcessPoolExecutor | None = None

    async def clean(self, source: PageSource, settings: CleanSettings) -> Outcome:
        if self.jobs == 0:
            return clean_page(source, settings)
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context)
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, clean_page, source, settings)
        except BrokenProcessPool:
            # Every page in flight on a dead pool lands here; only the first retires it, so a
            # late one cannot shut down the fresh pool another task has started meanwhile.
            if self._pool is pool:
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            return Outcome(error=ScraperError(WORKER_DIED), retryable=True)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _learn_one(source: PageSource) -> tuple[str, set[str]]:
    """The site of one page and the keys of its text blocks (none if it cannot be read)."""
    fallback = f"folder:{Path(source.label).parent}"  # pages naming no URL: grouped by their folder
    try:
        return learn_page(source.read_page(), fallback)
    except ScraperError:
        return fallback, set()


Source = TypeVar("Source", bound=PageSource)


def learn_sites(
    sources: Sequence[Source], jobs: int
) -> tuple[list[Source], dict[str, LearnedBlocks]]:
    """Read every page once to learn the blocks that repeat across pages of one site.

    Returns the sources tagged with their site, and what was learned per site, so every page of
    a batch is cleaned with what the whole batch taught (pages read first included).
    """
    if jobs > 1 and len(sources) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            found = list(pool.map(_learn_one, sources, chunksize=chunk_size(len(sources), jobs)))
    else:
        found = [_learn_one(source) for source in sources]
    memory = BlockMemory()
    for site, keys in found:
        memory.add_page(site, keys)
    learned = {site: blocks for site in memory.sites if (blocks := memory.learned(site)) is not None}
    tagged = [replace(source, site=site) for source, (site, _) in zip(sources, found, strict=True)]
    return tagged, learned
