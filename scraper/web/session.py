"""One polite web session: the fetcher, its per-host gate and robots.txt, wired together.

A crawl, a ``scraper fetch`` batch and the library's :func:`scraper.fetch` all fetch through
this, so every request, redirect hop included, waits its turn at its host and is checked
against that host's robots.txt, and a ``Retry-After`` from one host slows that host only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType

import httpx

from scraper.article import Page
from scraper.errors import FetchError
from scraper.web.client import Fetcher
from scraper.web.politeness import HostGate, HostLimits
from scraper.web.robots import RobotsPolicy, RobotsStore, parse_robots, robots_url, sitemap_lines
from scraper.web.settings import DEFAULT_SETTINGS, FetchSettings


@dataclass(frozen=True, slots=True)
class Politeness:
    """How hard one host may be pushed: Scrapy's per-domain concurrency and download delay.

    ``delay`` spaces the *starts* of requests to one host; robots.txt ``Crawl-delay`` can raise
    it (up to ``max_crawl_delay``), never lower it. ``hosts`` overrides both per host name.
    """

    concurrency: int = 2
    delay: float = 1.0
    max_crawl_delay: float = 60.0
    obey_robots: bool = True
    hosts: Mapping[str, HostLimits] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be 1 or more, not {self.concurrency}")
        for name in ("delay", "max_crawl_delay"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be 0 or more seconds, not {getattr(self, name)}")

    def concurrency_for(self, host: str) -> int:
        override = self.hosts.get(host.lower().rstrip("."))
        if override is not None and override.concurrency is not None:
            return override.concurrency
        return self.concurrency


class WebSession:
    """``async with WebSession(settings, politeness) as web: page = await web.fetch(url)``.

    ``robots_store`` keeps robots.txt between runs (the crawl state); without it each session
    asks each host once. ``deadline`` (a ``time.monotonic()`` value) bounds every wait and
    request: one that would outlast it fails at once with reason ``deadline``. ``transport``
    replaces the network in tests.
    """

    def __init__(
        self,
        settings: FetchSettings = DEFAULT_SETTINGS,
        politeness: Politeness | None = None,
        *,
        robots_store: RobotsStore | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        deadline: float | None = None,
    ) -> None:
        self.politeness = politeness or Politeness()
        self.gate = HostGate(
            concurrency=self.politeness.concurrency,
            delay=self.politeness.delay,
            overrides=self.politeness.hosts,
            max_crawl_delay=self.politeness.max_crawl_delay,
            deadline=deadline,
        )
        self.robots: RobotsPolicy | None = None
        if self.politeness.obey_robots:
            self.robots = RobotsPolicy(
                self._fetch_robots,
                user_agent=settings.user_agent,
                store=robots_store,
                on_crawl_delay=self.gate.set_crawl_delay,
            )
        permit = self.robots.ensure_allowed if self.robots is not None else None
        self._fetcher = Fetcher(settings, gate=self.gate, permit=permit, transport=transport)

    async def __aenter__(self) -> WebSession:
        await self._fetcher.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._fetcher.__aexit__(exc_type, exc, traceback)

    async def fetch(
        self,
        url: str,
        *,
        accept: str = "html",
        etag: str | None = None,
        last_modified: str | None = None,
        keep_received: bool = False,
    ) -> Page:
        """Fetch ``url`` politely; see :meth:`scraper.web.client.Fetcher.fetch` for the errors (and
        ``keep_received``: the answer as it came, for a WARC)."""
        return await self._fetcher.fetch(
            url, accept=accept, etag=etag, last_modified=last_modified, keep_received=keep_received
        )

    async def robots_sitemaps(self, url: str) -> list[str]:
        """The ``Sitemap:`` URLs in the robots.txt of ``url``'s host. When robots.txt is obeyed,
        the copy already read for the politeness check answers (no second request); otherwise
        it is fetched now, and one that cannot be fetched names none."""
        if self.robots is not None:
            return await self.robots.sitemaps(url)
        where = robots_url(url)
        try:
            page = await self._fetcher.fetch(where, accept="any")
        except FetchError as exc:
            if exc.reason == "deadline":
                raise
            return []
        return sitemap_lines(parse_robots(page.body), where)

    async def _fetch_robots(self, url: str) -> tuple[int, bytes]:
        # A 4xx/5xx comes back as a FetchError carrying its status, which RobotsPolicy reads.
        page = await self._fetcher.fetch(url, accept="any")
        return page.status or 200, page.body


def fetch_one(
    url: str,
    settings: FetchSettings = DEFAULT_SETTINGS,
    politeness: Politeness | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Page:
    """Fetch one URL from synchronous code, robots.txt obeyed (a fresh loop and session)."""

    async def run() -> Page:
        async with WebSession(settings, politeness, transport=transport) as web:
            return await web.fetch(url)

    return asyncio.run(run())
