"""Cleaning many pages: the one worker pool behind ``scraper clean``, ``scraper crawl`` and library batches.

Every page's fate comes back as an :class:`Outcome` (an article, a page with no article, or an
error), never as an exception, so one bad page cannot end a batch of ten thousand. Errors pickle
(see :mod:`scraper.errors`), so an outcome from a worker process is exactly what the same page
gives in-process. A worker that dies (a crash in a C extension, the OOM killer) fails its own
page and nothing else; one stuck on a page past its time limit (in C code, where the limit cannot
reach) is killed, and that page fails with :class:`ExtractionTimeout`. Workers die with their
parent (:mod:`scraper.extract.workers`)::

    from scraper.batch import CleanSettings, clean_batch
    for outcome in clean_batch(pages, CleanSettings(timeout=30), jobs=4):
        ...
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from scraper.article import PAYWALL_NOTE, Article, Page
from scraper.errors import NoArticleError, ScraperError
from scraper.extract.language import language_skip, load_model
from scraper.extract.sitememory import BlockMemory, LearnedBlocks, learn_page
from scraper.extract.workers import WorkerPool, timeout_error, watched
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
    # Keep only articles in these languages (detected, else declared; unknown ones are kept).
    languages: tuple[str, ...] = ()
    model: bool = True  # the learned models (scraper.extract.model) decide too
    links: bool = False  # the article's blocks keep its links
    images: bool = False  # ... and its images
    drop_flagged: bool = False  # remove the lines the line judge doubts, not flag them
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


def clean_page(source: PageSource, settings: CleanSettings, token: int = 0) -> Outcome:
    """Read and clean one page; every failure comes back as a value.

    In a pool's worker, ``token`` names the page to the pool's watchdog (:func:`watched`).
    """
    from scraper.extract import engine  # in a worker, the cost is paid once per process
    from scraper.rules.book import resolve_rules

    try:
        # Loaded once per process, before the page's clock starts: not the page's fault.
        book = resolve_rules(list(settings.rules) if settings.rules else None)
        load_model()  # the language model, likewise
        with watched(token, settings.timeout):
            page = source.read_page()
            learned = settings.site_blocks.get(source.site) if source.site else None
            keys: set[str] | None = set() if settings.read_blocks else None
            article = engine.clean(
                page,
                settings.url,
                rules=book,
                timeout=settings.timeout,
                site_blocks=learned,
                block_keys=keys,
                model=settings.model,
                links=settings.links,
                images=settings.images,
                drop_flagged=settings.drop_flagged,
            )
        blocks = frozenset(keys or ())
    except ScraperError as exc:
        return Outcome(error=exc)
    except Exception as exc:  # an engine bug must not end a batch of ten thousand pages
        bug = ScraperError(f"unexpected {type(exc).__name__}: {exc} (a bug: please report it)")
        return Outcome(error=bug)
    if (trace := getattr(source, "trace", None)) is not None:
        article = trace(article)  # a web archive's record names itself (scraper.io.warcsource)
    if article.paywalled and settings.skip_paywalled:
        skip = NoArticleError(f"{PAYWALL_NOTE} (skip_paywalled)", reason="paywall", article=article)
        return Outcome(error=skip, blocks=blocks)
    if (other := language_skip(article, settings.languages)) is not None:
        skip = NoArticleError(other, reason="language", article=article)
        return Outcome(error=skip, blocks=blocks)
    return Outcome(article=article, blocks=blocks)


Numbered = tuple[int, PageSource]  # a page and its token: its place in the batch


def clean_chunk(pages: Sequence[Numbered], settings: CleanSettings) -> list[Outcome]:
    """Clean a chunk of pages in one worker call (fewer round trips for small pages)."""
    return [clean_page(source, settings, token) for token, source in pages]


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

    A worker that dies breaks the whole pool, and what was in flight goes to a new pool. When the
    pool's watchdog killed it (a page stuck past its time limit), that page is known and fails
    with :class:`ExtractionTimeout`. Otherwise (a crash) the pages of the chunk at the head of
    the queue are retried one by one, each alone in a fresh process, so the one that kills its
    worker is reported as failed.
    """
    size = chunk_size(len(sources), jobs)
    numbered = list(enumerate(sources))
    chunks = iter([numbered[i : i + size] for i in range(0, len(numbered), size)])
    window = jobs * 4
    watch = bool(settings.timeout)
    queue: deque[_Flight] = deque()
    settled: dict[int, Outcome] = {}  # pages decided outside the pool (killed, or cleaned alone)
    pool = WorkerPool(jobs, watch=watch)

    def submit(chunk: list[Numbered]) -> _Flight:
        todo = [page for page in chunk if page[0] not in settled]
        future: Future[list[Outcome]] = Future()
        if not todo:
            future.set_result([])
            return _Flight(chunk, [], future, pool)
        try:
            future = pool.submit(clean_chunk, todo, settings)
        except BrokenProcessPool as exc:  # it broke since the last result came back
            future.set_exception(exc)
        return _Flight(chunk, [token for token, _ in todo], future, pool)

    def fill() -> None:
        while len(queue) < window:
            chunk = next(chunks, None)
            if chunk is None:
                return
            queue.append(submit(chunk))

    try:
        fill()
        while queue:
            head = queue[0]
            try:
                cleaned = dict(zip(head.sent, head.future.result(), strict=True))
            except BrokenProcessPool:
                if head.pool is pool:  # else a pool already replaced: only resubmit
                    pool.shutdown(wait=True)
                    for token, limit in pool.timed_out.items():
                        settled[token] = Outcome(error=timeout_error(limit))
                    if not pool.timed_out:  # a crash: find the page that kills its worker, alone
                        for token, source in head.chunk:
                            if token not in settled:
                                settled[token] = _clean_isolated(source, settings, token)
                    pool = WorkerPool(jobs, watch=watch)
                in_flight = list(queue)
                queue.clear()
                queue.extend(flight if flight.succeeded() else submit(flight.chunk) for flight in in_flight)
                continue
            queue.popleft()
            for token, _ in head.chunk:
                late = settled.pop(token, None)  # a page killed just as it finished keeps its result
                yield cleaned[token] if token in cleaned or late is None else late
            fill()
    finally:
        pool.shutdown(wait=True)


@dataclass(frozen=True, slots=True)
class _Flight:
    """A chunk in flight: its pages, the tokens of those sent to ``pool``, their outcomes to come."""

    chunk: list[Numbered]
    sent: list[int]
    future: Future[list[Outcome]]
    pool: WorkerPool

    def succeeded(self) -> bool:
        future = self.future
        return future.done() and not future.cancelled() and future.exception() is None


def _clean_isolated(source: PageSource, settings: CleanSettings, token: int = 0) -> Outcome:
    with WorkerPool(1, watch=bool(settings.timeout)) as alone:
        try:
            return alone.submit(clean_page, source, settings, token).result()
        except BrokenProcessPool:
            if (limit := alone.timed_out.get(token)) is not None:
                return Outcome(error=timeout_error(limit))
            return Outcome(error=ScraperError(WORKER_DIED))


class CleaningPool:
    """Worker processes for a crawl's event loop, started on first use (an incremental run that
    cleans nothing starts none). ``jobs=0`` cleans in the loop's own thread (tests, tiny runs).

    Workers are spawned, not forked: a forked worker would inherit the parent's open files (a
    run lock's descriptor) and keep them after the parent was killed.
    """

    def __init__(self, jobs: int | None) -> None:
        self.jobs = jobs if jobs is not None else default_jobs()
        self._pool: WorkerPool | None = None
        self._tokens = itertools.count()

    async def clean(self, source: PageSource, settings: CleanSettings) -> Outcome:
        """The page's outcome; a page stuck past its time limit has its worker killed, and fails."""
        if self.jobs == 0:
            return clean_page(source, settings)
        if self._pool is None:
            self._pool = WorkerPool(self.jobs, context=multiprocessing.get_context("spawn"), watch=True)
        pool = self._pool
        token = next(self._tokens)
        try:
            return await asyncio.wrap_future(pool.submit(clean_page, source, settings, token))
        except BrokenProcessPool:
            # Every page in flight on a dead pool lands here; only the first retires it, so a
            # late one cannot shut down the fresh pool another task has started meanwhile.
            if self._pool is pool:
                self._pool = None
                pool.shutdown(wait=False)
            if (limit := pool.timed_out.get(token)) is not None:
                return Outcome(error=timeout_error(limit))  # it would hang again: not retried
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
Item = TypeVar("Item")


def _counted(items: Iterable[Item], progress: Callable[[int], object] | None) -> Iterator[Item]:
    """``items`` as they come, calling ``progress(1)`` after each."""
    for item in items:
        yield item
        if progress is not None:
            progress(1)


def learn_sites(
    sources: Sequence[Source], jobs: int, progress: Callable[[int], object] | None = None
) -> tuple[list[Source], dict[str, LearnedBlocks]]:
    """Read every page once to learn the blocks that repeat across pages of one site.

    Returns the sources tagged with their site, and what was learned per site, so every page of
    a batch is cleaned with what the whole batch taught (pages read first included).
    ``progress(1)`` is called as each page is read: this pass reads every page before the first
    is cleaned (about 40 % of a batch's time), and a progress bar should say so.
    """
    if jobs > 1 and len(sources) > 1:
        with WorkerPool(jobs) as pool:
            results = pool.map(_learn_one, sources, chunksize=chunk_size(len(sources), jobs))
            found = list(_counted(results, progress))
    else:
        found = list(_counted((_learn_one(source) for source in sources), progress))
    memory = BlockMemory()
    for site, keys in found:
        memory.add_page(site, keys)
    learned = {site: blocks for site in memory.sites if (blocks := memory.learned(site)) is not None}
    tagged = [replace(source, site=site) for source, (site, _) in zip(sources, found, strict=True)]
    return tagged, learned
