"""Read a crawl's seeds into its state: the feeds and sitemaps found for its sites
(:mod:`scraper.crawler.sites`), then every feed, sitemap (indexes followed) and start page.

The first step of every run (:mod:`scraper.crawler.run`) and the whole of a dry run
(:mod:`scraper.crawler.dryrun`). Seeds are fetched with conditional requests; the article URLs
they list, within the crawl's scope and ``max_age_days``, are recorded in the state as due; a
seed that cannot be read is recorded as failed (or skipped by robots.txt) and the others go on.
Nothing here prints: what happens goes to the ``emit`` callback, the counts to the report.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from scraper.article import Page
from scraper.crawler.config import CrawlConfig
from scraper.crawler.discover import (
    Link,
    Scope,
    extract_links,
    lastmod_epoch,
    parse_feed,
    parse_sitemap,
    sniff_kind,
)
from scraper.crawler.fatal import CrawlAborted, write_problem
from scraper.crawler.report import STOPPED_AT_DEADLINE, CrawlReport, site_key
from scraper.crawler.sites import SiteSources, find_sources
from scraper.crawler.state import CrawlState, Discovered
from scraper.errors import FetchError, InputError
from scraper.io.formats import utc_now
from scraper.io.warcwriter import CrawlArchive
from scraper.web.session import WebSession

# Sitemap indexes may nest; real ones go two levels deep, so three is generous.
MAX_SITEMAP_NESTING = 3

EventSink = Callable[[dict[str, Any]], None]


async def archive_fetch(archive: CrawlArchive, page: Page, asked: str) -> tuple[str, int]:
    """Write one fetch to the run's WARC (in a thread: it compresses and syncs); where it went.
    A WARC folder that cannot be written ends the run, as an output folder that cannot would."""
    try:
        return await asyncio.to_thread(archive.write, page, asked=asked)
    except OSError as exc:
        where = exc.filename or str(archive.folder)
        raise CrawlAborted(write_problem(where, exc, f"cannot archive {asked}")) from None


class SeedReader:
    """Reads one run's seeds into ``state``, counting in ``report``. ``last_discovered`` holds
    the URLs in scope of the last :meth:`discover` call (a run queues the new ones at once)."""

    def __init__(
        self, config: CrawlConfig, state: CrawlState, report: CrawlReport, scope: Scope, emit: EventSink
    ) -> None:
        self.config = config
        self.state = state
        self.report = report
        self.scope = scope
        self.emit = emit
        self.last_discovered: list[str] = []
        # Set by the run when it writes WARC (--warc): the seeds' fetches are archived too.
        self.archive: CrawlArchive | None = None

    def _event(self, event: str, url: str, **fields: Any) -> None:
        self.emit({"event": event, "url": url, "time": utc_now(), **fields})

    def _stop_early(self) -> None:
        self.report.stopped_early = STOPPED_AT_DEADLINE

    async def read(self, web: WebSession) -> None:
        """Find the sites' feeds and sitemaps, then read every seed, sitemap indexes down to
        :data:`MAX_SITEMAP_NESTING` levels; a seed's failure is recorded and the others go on."""
        seeds = self.config.seed_urls
        if self.config.sites:
            given = {url for _, url in seeds}
            sources = {url: kind for kind, url in await self._find_site_sources(web) if url not in given}
            seeds += [(kind, url) for url, kind in sources.items()]
        self.state.add((Discovered(url, kind="seed", source=kind) for kind, url in seeds), time.time())
        level = [(kind, url, 0) for kind, url in seeds]
        for _ in range(MAX_SITEMAP_NESTING + 1):
            if not level:
                return
            found = await asyncio.gather(*(self._read_seed(web, *s) for s in level), return_exceptions=True)
            level = []
            for children in found:  # every seed of the level has settled: none is left running
                if isinstance(children, BaseException):
                    raise children
                level += children

    async def _find_site_sources(self, web: WebSession) -> list[tuple[str, str]]:
        """(kind, URL) of the feeds and sitemaps found for every site (:mod:`scraper.crawler.sites`),
        each recorded in the report; a site where none is found fails as a seed does."""
        sites = self.config.site_urls
        results = await asyncio.gather(*(find_sources(web, site) for site in sites), return_exceptions=True)
        seeds = []
        for site, result in zip(sites, results, strict=True):
            if isinstance(result, FetchError) and result.reason == "deadline":  # looked for next run
                self._stop_early()
                self._event("deferred", site, reason=result.reason)
                continue
            if isinstance(result, BaseException):
                raise result
            self._site_found(result)
            seeds += [(found.kind, found.url) for found in result.found]
        return seeds

    def _site_found(self, result: SiteSources) -> None:
        """Record what was found for one site; a site where nothing was found counts as failed."""
        found = [source.to_dict() for source in result.found]
        self.report.site_sources += found
        if found:
            self._event("site", result.site, found=found, problem=result.problem)
            return
        self.report.host(site_key(result.site)).failed += 1
        self.report.errors.append(result.message)
        self._event("site-failed", result.site, error=result.message)

    async def _read_seed(
        self, web: WebSession, kind: str, url: str, depth: int
    ) -> list[tuple[str, str, int]]:
        """Fetch one feed, sitemap or start page; record what it lists; return child sitemaps."""
        known = self.state.get(url)
        counts = self.report.host(site_key(url))
        try:
            page = await web.fetch(
                url,
                accept="html" if kind == "start" else "any",
                etag=known.etag if known else None,
                last_modified=known.last_modified if known else None,
                keep_received=self.archive is not None,
            )
        except FetchError as exc:
            self._seed_failed(url, exc)
            return []
        counts.fetched += 1
        if self.archive is not None:
            await archive_fetch(self.archive, page, url)
            page = replace(page, received=None)
        now = time.time()
        content_hash = hashlib.sha256(page.body).hexdigest()
        if page.status == 304 or (known is not None and known.content_hash == content_hash):
            self.state.record_fetch(
                url, status="unchanged", now=now, next_fetch_at=None, http_status=page.status
            )
            self._event("seed-unchanged", url)
            # An unchanged sitemap index still leads to its child sitemaps, which may have changed.
            children = self.state.seeds_from(url)
            return [("sitemap", child, depth + 1) for child in children if self._sitemap_changed(child)]
        try:
            links, children = self._links_of_seed(page, kind)
        except InputError as exc:
            self._seed_failed(url, FetchError(str(exc), url=url, reason="status"))
            return []
        # The links are recorded before the seed's validators: a run killed in between reads the
        # seed again in full next time, instead of getting a 304 and never seeing its links.
        link_depth = 1 if kind == "start" else 0
        source = f"start:{url}" if kind == "start" else url
        added = self.discover(links, source=source, depth=link_depth)
        self.state.record_fetch(
            url,
            status="fetched",
            now=now,
            next_fetch_at=None,
            http_status=page.status,
            etag=page.header("etag"),
            last_modified=page.header("last-modified"),
            content_hash=content_hash,
        )
        self._event("seed", url, kind=kind, links=len(links), new=added)
        return [("sitemap", child, depth + 1) for child in children if self._sitemap_changed(child)]

    def _links_of_seed(self, page: Page, kind: str) -> tuple[list[Link], list[str]]:
        base = page.final_url or page.url or ""
        found = sniff_kind(page.body, page.header("content-type"))
        if found == "feed":
            return parse_feed(page.body, base), []
        if found == "sitemap":
            sitemap = parse_sitemap(page.body, base)
            for child in sitemap.sitemaps:
                lastmod = lastmod_epoch(child.lastmod)
                self.state.add(
                    [Discovered(child.url, kind="seed", source=page.url or base, lastmod=lastmod)],
                    time.time(),
                )
            return sitemap.pages, [child.url for child in sitemap.sitemaps]
        if kind in ("feed", "sitemap"):
            raise InputError(f"{base}: expected a {kind}, got an HTML page")
        return extract_links(page.text, base), []

    def _sitemap_changed(self, url: str) -> bool:
        """A child sitemap is read again only when the index says it changed (or gives no date)."""
        known = self.state.get(url)
        if known is None or known.last_fetched_at is None or known.lastmod is None:
            return True
        return known.lastmod > known.last_fetched_at

    def discover(self, links: list[Link], *, source: str, depth: int) -> int:
        """Record the ``links`` in scope and not older than ``max_age_days`` as articles found
        ``depth`` links from their start; return how many were new."""
        max_age = self.config.max_age_days
        oldest = time.time() - max_age * 86400 if max_age is not None else None
        items = []
        for link in links:
            lastmod = lastmod_epoch(link.lastmod)
            if oldest is not None and lastmod is not None and lastmod < oldest:
                continue
            if self.scope.accepts(link.url, depth):
                items.append(
                    Discovered(link.url, kind="article", source=source, depth=depth, lastmod=lastmod)
                )
        added = self.state.add(items, time.time())
        self.report.discovered += added
        self.last_discovered = [item.url for item in items]
        return added

    def _seed_failed(self, url: str, exc: FetchError) -> None:
        if exc.reason == "deadline":  # not read: read again next run
            self._stop_early()
            self._event("deferred", url, reason=exc.reason)
            return
        if exc.reason in ("robots", "robots-unavailable"):
            self.report.host(site_key(url)).skipped_robots += 1
            self.state.record_fetch(url, status="skipped-robots", now=time.time(), next_fetch_at=None)
            self._event("skipped-robots", url, reason=exc.reason)
            return
        self.report.host(site_key(url)).failed += 1
        self.report.errors.append(str(exc))
        self.state.record_fetch(url, status="failed", now=time.time(), next_fetch_at=None, error=str(exc))
        self._event("seed-failed", url, reason=exc.reason, error=str(exc))
