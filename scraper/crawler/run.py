"""One scheduled crawl run: discover, fetch politely, clean, write, and leave the state ready.

A run, as cron starts it every few minutes::

    lock ─▶ reconcile writes a killed run left half done ─▶ read the seeds (the sites' feeds
    and sitemaps, feeds, sitemaps, start pages; conditional GETs: :mod:`scraper.crawler.seeds`)
    ─▶ fetch every due article, host by host within the politeness limits ─▶ clean it in worker
    processes ─▶ skip what did not change or is a duplicate ─▶ write (raw HTML, then the
    article, each atomically) ─▶ record ─▶ report

Every outcome is committed to the SQLite state as it happens, so a run killed at any moment
(even ``kill -9``) loses only the pages in flight, and the next run fetches exactly those
again. An article's output path is a function of its URL, and an append to a JSONL file is
journalled (:meth:`CrawlState.begin_write`), so nothing is ever written twice; the output
folder names its state (:mod:`scraper.crawler.owner`), so another state cannot write it again.
``max_seconds`` bounds every wait, retry and clean: what it cuts short stays due, not failed. An
error no URL would escape (a damaged state, a full disk) stops the run (:mod:`scraper.crawler.fatal`).
Nothing here prints: progress goes to the ``on_event`` callback, the outcome to the report.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import time
from collections import Counter, deque
from collections.abc import Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

from scraper.article import Article, Page
from scraper.batch import CleaningPool, CleanSettings, FetchedPage
from scraper.crawler.canonical import DEFERRED, is_amp, output_name, takes_over, waits_for_canonical
from scraper.crawler.config import CrawlConfig, scope_for
from scraper.crawler.discover import Link, extract_links
from scraper.crawler.fatal import CrawlAborted, is_fatal_write, state_problem, write_problem
from scraper.crawler.layout import migrate_layout
from scraper.crawler.lock import RunLock
from scraper.crawler.owner import claim_output, output_lock_path
from scraper.crawler.report import STOPPED_AT_DEADLINE, CrawlReport, site_key
from scraper.crawler.seeds import EventSink, SeedReader, archive_fetch
from scraper.crawler.state import CrawlState, UrlRecord
from scraper.errors import ExtractionTimeout, FetchError, InputError
from scraper.extract.sitememory import site_of
from scraper.io.atomic import atomic_write_json, file_mentions
from scraper.io.formats import utc_now
from scraper.io.naming import OutputName
from scraper.io.rawpages import keep_raw
from scraper.io.sink import ArticleSink
from scraper.io.warcwriter import CrawlArchive, open_crawl_archive
from scraper.rules.book import load_rules
from scraper.web.politeness import DeadlineReached
from scraper.web.session import WebSession
from scraper.web.urls import host_of, normalize_url

# Requests in flight across all hosts (sockets, memory); per-host limits come first.
MAX_IN_FLIGHT = 64
# Fetched pages waiting for a cleaning worker; beyond it, fetching pauses (bounded memory).
MAX_AWAITING_CLEANING = 64
# A failed URL waits retry_minutes, then twice that, and so on, never more than a day.
MAX_RETRY_WAIT = 86400.0
# A page robots.txt refuses is asked about again after a day (robots.txt may change).
ROBOTS_RECHECK = 86400.0
# A page not fetched because its host did not answer at all is asked again after this long.
UNREACHABLE_RECHECK = 600.0
# How a report says that an error stopped its run.
RUN_STOPPED = "the run stopped: "


def crawl(config: CrawlConfig, *, on_event: EventSink | None = None) -> CrawlReport:
    """Run one crawl (blocking); see the module docstring. Raises :class:`LockHeld` when
    another run holds the state's or the output folder's lock, :class:`ConfigError` for a bad
    configuration, :class:`InputError` for an unusable state file, and :class:`CrawlAborted`
    when the run cannot go on (a damaged, read-only or full state; an output folder of another
    state, or that cannot be written)."""
    return asyncio.run(crawl_async(config, on_event=on_event))


async def crawl_async(config: CrawlConfig, *, on_event: EventSink | None = None) -> CrawlReport:
    """:func:`crawl` for callers that already run an event loop."""
    load_rules(list(config.rules))  # a bad rule file stops the run before any request
    emit = on_event or (lambda event: None)
    state_path = config.state_path
    try:
        for old, new in migrate_layout(config):  # an output folder of the old layout
            emit({"event": "moved", "url": str(old), "to": str(new), "time": utc_now()})
        with (
            RunLock(state_path.with_name(state_path.name + ".lock")),
            CrawlState.open(state_path) as state,
            RunLock(output_lock_path(config.out)),
        ):
            return await _Run(config, state, emit).execute()
    except sqlite3.Error as exc:
        raise CrawlAborted(state_problem(state_path, exc)) from None
    except OSError as exc:  # the output folder (a lock, the owner record, the report) cannot be written
        raise CrawlAborted(write_problem(exc.filename or config.out, exc)) from None


def _stopped_short(state: CrawlState) -> bool:
    """Whether the last run was killed or stopped by an error before its end (what it appended
    again to a stream file was then not folded)."""
    last = state.last_runs(1)
    if not last:
        return False
    run = last[0]
    errors = run.report.get("errors", []) if isinstance(run.report, dict) else []
    return run.finished_at is None or any(str(error).startswith(RUN_STOPPED) for error in errors)


class _Run:
    """The state of one crawl run (one per :func:`crawl` call)."""

    def __init__(self, config: CrawlConfig, state: CrawlState, emit: EventSink) -> None:
        self.config = config
        self.state = state
        self.emit = emit
        self.scope = scope_for(config)
        self.report = CrawlReport()
        self.cleaner = CleaningPool(config.jobs)
        self.clean_settings = CleanSettings(
            rules=config.rules,
            timeout=config.timeout,
            languages=config.languages,
            model=config.model,
            drop_flagged=config.drop_flagged,
            links=config.links,
            images=config.images,
        )
        self.started = time.monotonic()
        self.deadline = self.started + config.max_seconds if config.max_seconds is not None else None
        self.budget = config.max_pages
        self.queues: dict[str, deque[UrlRecord]] = {}
        self.workers: Counter[str] = Counter()
        self.queued: set[str] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.sink = ArticleSink(config.format, config.out, append=True)
        # A record of the stream file was appended again (an update, a canonical page taking its
        # copy's place) or may have been (a run that stopped): fold them, one record per id.
        self.compact_due = False
        self.web: WebSession | None = None
        self.processing = asyncio.Semaphore(MAX_AWAITING_CLEANING)
        self.fatal: BaseException | None = None  # what stopped the run, once something did
        self.seeds = SeedReader(config, state, self.report, self.scope, emit)
        self.archive: CrawlArchive | None = None  # --warc: every fetch, as WARC records
        self.warc_spots: dict[str, tuple[str, int]] = {}  # URL -> its response record (file, offset)

    # -- the run -----------------------------------------------------------------------------------

    async def execute(self) -> CrawlReport:
        adopted = claim_output(self.config, self.state, now=time.time())
        if adopted:
            self._event("rebuilt", str(self.config.out), articles=adopted)
        self.compact_due = _stopped_short(self.state)
        self.report.run_id = self.state.start_run(time.time())
        self.report.started_at = utc_now()
        self._reconcile()
        settings, politeness = self.config.fetch, self.config.politeness
        try:
            if self.config.warc is not None:
                self.archive = self.seeds.archive = self._open_archive()
            async with WebSession(
                settings, politeness, robots_store=self.state, deadline=self.deadline
            ) as web:
                self.web = web
                await self.seeds.read(web)
                self._enqueue(self.state.due(time.time(), kind="article"))
                while self.tasks:
                    await asyncio.wait(list(self.tasks))
            if self.fatal is not None:
                raise self.fatal
        except BaseException as exc:
            self._finish(stopped_by=exc)
            raise
        self._finish()
        return self.report

    def _open_archive(self) -> CrawlArchive:
        """The run's WARC archive (--warc); a folder that cannot be written ends the run, as an
        output folder that cannot would."""
        folder = self.config.warc
        assert folder is not None
        try:
            return open_crawl_archive(folder, self.config.warc_max_mb, self.config.fetch.user_agent)
        except OSError as exc:
            problem = write_problem(exc.filename or folder, exc, "cannot open the WARC folder")
            raise CrawlAborted(problem) from None

    def _finish(self, stopped_by: BaseException | None = None) -> None:
        """Close the workers, record the run and write its report. After an error that stops the
        run, this is done as far as it can be, and the error (not a second one) is raised."""
        self.cleaner.close()
        self.report.seconds = time.monotonic() - self.started
        self.report.finished_at = utc_now()
        if stopped_by is not None:
            self.report.errors.append(f"{RUN_STOPPED}{stopped_by}")
        summary = self.report.to_dict()
        try:
            if self.archive is not None:
                self.archive.close()  # the file being written is finished and renamed
            if self.compact_due:
                self.sink.compact()
            self.state.finish_run(self.report.run_id, time.time(), summary)
            atomic_write_json(self.config.report_path, summary)
        except (sqlite3.Error, OSError):
            if stopped_by is None:
                raise

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` as a task of this run. An error in it (a damaged state, a full disk) would
        stop every task alike: it stops the run, and the other tasks are cancelled (what they had
        not recorded stays due)."""
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        error = None if task.cancelled() else task.exception()
        if error is not None and self.fatal is None:
            self.fatal = error
            for other in self.tasks:
                other.cancel()

    def _stop_early(self) -> None:
        self.report.stopped_early = STOPPED_AT_DEADLINE

    def _remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def _event(self, event: str, url: str, **fields: Any) -> None:
        self.emit({"event": event, "url": url, "time": utc_now(), **fields})

    def _reconcile(self) -> None:
        """Settle what a killed run left half done: a partial JSONL line, and articles whose
        write started but was never recorded (written if their output holds their text)."""
        self.sink.repair()
        for record in self.state.pending_writes():
            landed = bool(record.output) and all(Path(path).exists() for path in record.output)
            if landed and record.text_hash and any(file_mentions(p, record.text_hash) for p in record.output):
                self.state.record_fetch(record.url, status="written", now=time.time(), next_fetch_at=None)
                self._event("reconciled", record.url, output=list(record.output))
                self.compact_due = True  # it may have been an update: its old record is there too

    # -- the frontier ------------------------------------------------------------------------------

    def _enqueue(self, records: list[UrlRecord]) -> None:
        """Queue due articles per host; each host gets as many workers as it may have requests."""
        for record in records:
            if record.url in self.queued or not self.scope.accepts(record.url, record.depth):
                continue
            self.queued.add(record.url)
            self.queues.setdefault(record.origin, deque()).append(record)
            wanted = self.config.politeness.concurrency_for(host_of(record.url))
            if self.workers[record.origin] < wanted:
                self.workers[record.origin] += 1
                self._spawn(self._host_worker(record.origin))

    async def _host_worker(self, origin: str) -> None:
        """Fetch one host's queue. Cleaning and writing run as their own tasks, so the host's
        next request is not held up by them (only by its politeness limits)."""
        queue = self.queues[origin]
        try:
            while queue and self._may_continue():
                record = queue.popleft()
                if self.web is not None:  # sleep out this host's delay without holding a permit
                    try:
                        await self.web.gate.until_ready(origin)
                    except DeadlineReached:  # this host's turn comes too late: its URLs stay due
                        self._stop_early()
                        return
                async with self.in_flight:
                    fetched = await self._fetch(record)
                if fetched is not None:
                    await self.processing.acquire()  # bounds pages held in memory awaiting cleaning
                    self._spawn(self._process(record, *fetched))
        finally:
            self.workers[origin] -= 1

    def _may_continue(self) -> bool:
        if self.fatal is not None:
            return False
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self._stop_early()
            return False
        if self.budget is not None:
            if self.budget <= 0:
                self.report.stopped_early = "max_pages reached; the remaining URLs stay due"
                return False
            self.budget -= 1
        return True

    # -- one article -------------------------------------------------------------------------------

    async def _fetch(self, record: UrlRecord) -> tuple[Page, str] | None:
        """Fetch one article; settle it here if it failed or did not change, else return the
        page and its content hash for :meth:`_process`."""
        web = self.web
        assert web is not None, "articles are fetched inside execute()"
        conditional = record.status in ("written", "unchanged", "not-article")
        try:
            page = await web.fetch(
                record.url,
                etag=record.etag if conditional else None,
                last_modified=record.last_modified if conditional else None,
                keep_received=self.archive is not None,
            )
        except FetchError as exc:
            self._fetch_failed(record, exc)
            return None
        self.report.host(site_key(record.url)).fetched += 1
        if self.archive is not None:
            self.warc_spots[record.url] = await archive_fetch(self.archive, page, record.url)
            page = replace(page, received=None)  # archived: the copy as received is not kept longer
        now = time.time()
        content_hash = hashlib.sha256(page.body).hexdigest()
        if page.status == 304 or (conditional and content_hash == record.content_hash):
            again = now if self._is_hub(record) else self._revisit(now)
            self._settle(record, "unchanged", "unchanged", again, {}, http_status=page.status)
            return None
        return page, content_hash

    async def _process(self, record: UrlRecord, page: Page, content_hash: str) -> None:
        """Clean a fetched page, follow its links if it is a start page's, and settle it."""
        try:
            site = site_of(page.final_url or record.url) or site_key(record.url)
            # A page teaches the site memory once: a revisit (a growing live blog) counted again
            # would make its own text look like a block repeated across pages.
            first_visit = record.last_fetched_at is None
            learned = self.state.learned_blocks(site)
            settings = replace(
                self.clean_settings, site_blocks={site: learned} if learned else {}, read_blocks=first_visit
            )
            left = self._remaining()
            if left is not None and left <= 0:  # fetched too late to clean: fetched again next run
                self._stop_early()
                return
            capped = left is not None and left < self.config.timeout
            if capped:
                settings = replace(settings, timeout=left)
            cleaned = await self.cleaner.clean(FetchedPage(page, record.url, site), settings)
            if capped and isinstance(cleaned.error, ExtractionTimeout):  # cut by the deadline, not slow
                self._stop_early()
                return
            if cleaned.blocks:
                self.state.add_site_page(site, cleaned.blocks)
            if self._follows_links(record):
                self._follow_links(page, record)
            validators = {
                "http_status": page.status,
                "etag": page.header("etag"),
                "last_modified": page.header("last-modified"),
                "content_hash": content_hash,
            }
            if (seen := cleaned.seen) is not None:
                self._note_flags(record, seen, written=cleaned.article is not None)
            if cleaned.article is not None and cleaned.article.paywalled and self.config.skip_paywalled:
                why = "paywalled: only a teaser is visible (skip_paywalled)"
                self._settle(
                    record, "not-article", "not_article", None, {"why": why}, error=why, **validators
                )
            elif cleaned.article is not None:
                await self._accept(record, page, cleaned.article, validators)
            elif cleaned.skipped is not None:
                # A section page between a start page and its articles is read again every run
                # (conditionally), as the start page is: that is where new articles appear.
                again = time.time() if self._follows_links(record) else None
                why = cleaned.why()
                self._settle(
                    record, "not-article", "not_article", again, {"why": why}, error=why, **validators
                )
            else:
                error = f"{record.url}: {cleaned.why()}"
                self._failure(record, error, cleaned.retryable, None, validators)
        finally:
            self.warc_spots.pop(record.url, None)
            self.processing.release()

    def _note_flags(self, record: UrlRecord, article: Article, *, written: bool) -> None:
        """Count a paywall teaser and the site rules that failed on this page, and say so."""
        for label, warning in self.report.note_flags(site_key(record.url), article, written=written):
            self._event("rule-failed", record.url, rule=label, warning=warning)

    async def _accept(
        self, record: UrlRecord, page: Page, article: Article, validators: dict[str, Any]
    ) -> None:
        """Write a cleaned article unless another URL already holds the same one.

        The article is named after its canonical URL on the same site (:mod:`scraper.io.naming`);
        one written before keeps the name it was written under. The page at the canonical URL
        wins over a copy that holds the article under the same name (an AMP copy written because
        its canonical page gave nothing then): it is written in the copy's place, and the copy
        becomes its duplicate. The duplicate check and :meth:`CrawlState.begin_write` run with no
        ``await`` between them, so two tasks cannot both claim one article; the files are written
        in a thread (fsyncs must not stall the event loop), then the outcome is recorded.
        """
        now = time.time()
        text_hash = article.text_sha256
        canonical = normalize_url(article.canonical_url) if article.canonical_url else None
        owner = (canonical and self.state.owner_of_canonical(canonical, excluding=record.url)) or (
            self.state.owner_of_text(text_hash, excluding=record.url)
        )
        name = output_name(record, article, self.sink.format.suffixes, self.config.out)
        written = [str(path) for path in self.sink.paths(name.stem)]
        held = self.state.get(owner) if owner else None
        replaced = owner if held and takes_over(held, name, canonical, written) else None
        owner = None if replaced else owner
        found = {"text_hash": text_hash, "canonical_url": canonical, **validators}
        if record.text_hash == text_hash and record.status in ("written", "unchanged"):
            # The page changed (an ad, a timestamp) but its article did not: nothing to write.
            self._settle(record, "unchanged", "unchanged", self._revisit(now), {}, **found)
            return
        if not owner and canonical and is_amp(page.body) and waits_for_canonical(
            record, canonical, self.state.get(canonical), in_scope=self.scope.accepts(canonical, record.depth)
        ):
            self._discover_now([Link(canonical)], source=record.url, depth=record.depth)
            wait = now + self.config.retry_minutes * 60
            self._settle(record, DEFERRED, "deferred", wait, {"canonical_url": canonical})  # re-read in full
            return
        if owner:
            error = f"same article as {owner}"
            self._settle(record, "duplicate", "duplicate", None, {"of": owner}, error=error, **found)
            return
        self.state.begin_write(record.url, text_hash, now, output=written, canonical_url=canonical)
        try:
            await asyncio.to_thread(self._write, record.url, page, article, name)
        except OSError as exc:
            if is_fatal_write(exc):  # no other article would fare better: stop; this one stays due
                where = exc.filename or (written[0] if written else self.config.out)
                raise CrawlAborted(write_problem(where, exc, f"cannot write {record.url}")) from None
            self._failure(record, f"{record.url}: cannot write its output: {exc}", False, None, validators)
            return
        except (UnicodeError, ValueError) as exc:
            self._failure(record, f"{record.url}: cannot write its output: {exc}", False, None, validators)
            return
        # An article written before whose text changed is an update, not a new article.
        counter = "updated" if record.text_hash and record.status in ("written", "unchanged") else "new"
        warc = self.warc_spots.pop(record.url, None)
        self._settle(
            record, "written", counter, self._revisit(now), {"output": written}, output=written, warc=warc,
            **found,
        )
        if replaced is not None:
            why = f"same article as {record.url}, its canonical URL (written in its place)"
            self.state.record_fetch(replaced, status="duplicate", now=now, next_fetch_at=None, error=why)
            self._event("replaced", replaced, by=record.url)
        if self.sink.stream_path is not None and (counter == "updated" or replaced is not None):
            self.compact_due = True  # the stream file holds this article's old record too

    def _write(self, url: str, page: Page, article: Article, name: OutputName) -> None:
        """The raw page, then the article (each file atomically); runs in a worker thread."""
        if self.config.keep_raw:
            keep_raw(self.config.raw_path, name.stem, page)
        self.sink.write(article, stem=name.stem, source=url, key=name.key)

    def _follow_links(self, page: Page, record: UrlRecord) -> None:
        try:
            html = page.text
        except InputError:
            return
        self._discover_now(extract_links(html, page.final_url or record.url), record.source, record.depth + 1)

    def _discover_now(self, links: list[Link], source: str, depth: int) -> None:
        """Record ``links`` and queue those that are new and due, in this run."""
        if self.seeds.discover(links, source=source, depth=depth):
            now = time.time()
            fresh = (self.state.get(url) for url in self.seeds.last_discovered if url not in self.queued)
            self._enqueue([r for r in fresh if r and r.status == "new" and (r.next_fetch_at or now) <= now])

    # -- outcomes ----------------------------------------------------------------------------------

    def _settle(
        self,
        record: UrlRecord,
        status: str,
        counter: str,
        next_fetch_at: float | None,
        details: dict[str, Any],
        **fields: Any,
    ) -> None:
        """Record one URL's outcome in the state, count it for its host, and tell the caller."""
        counts = self.report.host(site_key(record.url))
        setattr(counts, counter, getattr(counts, counter) + 1)
        self.state.record_fetch(
            record.url, status=status, now=time.time(), next_fetch_at=next_fetch_at, **fields
        )
        self._event(status, record.url, **details)

    def _follows_links(self, record: UrlRecord) -> bool:
        """Links on this page are followed: it came from a start page, within ``max_depth``."""
        return record.depth < self.config.max_depth and record.source.startswith("start:")

    def _is_hub(self, record: UrlRecord) -> bool:
        """A section page between a start page and its articles (links followed, no article)."""
        return self._follows_links(record) and record.text_hash is None

    def _revisit(self, now: float) -> float | None:
        hours = self.config.revisit_hours
        return now + hours * 3600 if hours else None

    def _fetch_failed(self, record: UrlRecord, exc: FetchError) -> None:
        error = str(exc)
        if exc.reason == "deadline":  # neither done nor failed: the URL stays due as it was
            self._stop_early()
            self._event("deferred", record.url, reason=exc.reason)
        elif exc.reason == "unreachable":  # the host is down; the page itself was never tried
            self.report.errors.append(error)
            again = time.time() + (exc.retry_after or UNREACHABLE_RECHECK)
            details = {"error": error, "reason": exc.reason}
            self._settle(record, "failed", "failed", again, details, error=error, attempt=False)
        elif exc.reason in ("robots", "robots-unavailable"):
            wait = ROBOTS_RECHECK if exc.reason == "robots" else (exc.retry_after or 600.0)
            details = {"reason": exc.reason}
            self._settle(record, "skipped-robots", "skipped_robots", time.time() + wait, details, error=error)
        elif exc.status in (404, 410):
            details = {"status": exc.status}
            self._settle(record, "gone", "gone", None, details, http_status=exc.status, error=error)
        elif exc.reason == "not-html":
            self._settle(record, "not-article", "not_article", None, {"why": error}, error=error)
        else:
            self._failure(record, error, exc.retryable, exc.retry_after, {"http_status": exc.status})

    def _failure(
        self,
        record: UrlRecord,
        error: str,
        retryable: bool,
        retry_after: float | None,
        validators: dict[str, Any],
    ) -> None:
        """A failed URL is retried in later runs, waiting longer each time, then given up."""
        self.report.errors.append(error)
        attempts = record.attempts + 1
        if retryable and attempts < self.config.max_attempts:
            wait = min(MAX_RETRY_WAIT, self.config.retry_minutes * 60 * 2 ** (attempts - 1))
            status, next_fetch_at = "failed", time.time() + max(wait, retry_after or 0.0)
        else:
            status, next_fetch_at = "gave-up", None
        details = {"error": error, "gave_up": status == "gave-up"}
        self._settle(record, status, "failed", next_fetch_at, details, error=error, **validators)

