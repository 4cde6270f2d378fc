"""A per-host politeness gate: how many requests may be in flight to one origin, and how far
apart their starts must be.

The fetcher wraps every request in ``async with gate.slot(origin)``. Per origin
(``scraper.web.urls.origin(url)``, "scheme://host:port") the gate allows at most ``concurrency``
requests in flight, spaces request *starts* at least the effective delay apart, and starts
nothing before a cooldown (a server's Retry-After) has ended; with a ``deadline`` (a crawl's
``max_seconds``), a wait that would outlast it raises :class:`DeadlineReached` at once instead
of sleeping. This is Scrapy's
CONCURRENT_REQUESTS_PER_DOMAIN + DOWNLOAD_DELAY, plus honouring robots.txt ``Crawl-delay`` and
Retry-After, without the auto-tuning.

Each origin has its own semaphore and turn lock, created on first use, so waiting for one host
never blocks another. Nothing is reserved ahead of time: a start time is recorded only when a
request actually starts, so a cancelled waiter leaves no trace. The gate's asyncio primitives
bind to the event loop that first uses them: use one gate per event loop.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit


class DeadlineReached(Exception):
    """A wait (delay, cooldown, backoff) or a request would run past the run's deadline: the work
    is left for the next run, neither done nor failed."""


@dataclass(frozen=True, slots=True)
class HostLimits:
    """Limits for one host that differ from the gate's defaults; ``None`` keeps the default."""

    concurrency: int | None = None
    delay: float | None = None

    def __post_init__(self) -> None:
        if self.concurrency is not None:
            _check_concurrency(self.concurrency)
        if self.delay is not None:
            _check_seconds("delay", self.delay)


@dataclass(frozen=True, slots=True)
class HostStats:
    """What the gate did for one origin, for crawl reports and tests.

    ``waited`` is the total time requests spent between asking for a slot and starting (the
    gate's clock); ``delay`` the effective spacing of starts now in force.
    """

    started: int
    waited: float
    in_flight: int
    delay: float
    cooldown_remaining: float


@dataclass(slots=True)
class _Host:
    """Mutable per-origin state; only touched from the event loop's thread."""

    slots: asyncio.Semaphore
    turn: asyncio.Lock
    delay: float
    crawl_delay: float = 0.0
    last_start: float = -math.inf
    cooldown_until: float = -math.inf
    started: int = 0
    waited: float = 0.0
    in_flight: int = 0

    @property
    def effective_delay(self) -> float:
        return max(self.delay, self.crawl_delay)

    def ready_at(self) -> float:
        """The earliest time the next request may start."""
        return max(self.last_start + self.effective_delay, self.cooldown_until)


class HostGate:
    """Per-origin concurrency cap, start spacing and cooldowns (see the module docstring).

    ``overrides`` is keyed by hostname as users write it ("example.com"; case and a trailing
    dot do not matter) and applies to every scheme and port of exactly that host, not to its
    subdomains. ``max_crawl_delay`` caps what a robots.txt ``Crawl-delay`` may impose, so one
    site cannot stall a crawl for hours. ``deadline`` (on ``clock``'s scale) is when the run must
    end: no wait reaches past it. ``clock`` and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        *,
        concurrency: int = 2,
        delay: float = 1.0,
        overrides: Mapping[str, HostLimits] | None = None,
        max_crawl_delay: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        deadline: float | None = None,
    ) -> None:
        _check_concurrency(concurrency)
        _check_seconds("delay", delay)
        _check_seconds("max_crawl_delay", max_crawl_delay)
        self._concurrency = concurrency
        self._delay = delay
        self._overrides = {_host_key(name): limits for name, limits in (overrides or {}).items()}
        self._max_crawl_delay = max_crawl_delay
        self._clock = clock
        self._sleep = sleep
        self.deadline = deadline
        self._hosts: dict[str, _Host] = {}

    @asynccontextmanager
    async def slot(self, origin: str) -> AsyncIterator[None]:
        """Hold one of ``origin``'s request slots, starting no earlier than its limits allow."""
        host = self._host(origin)
        asked_at = self._clock()
        async with host.slots:
            async with host.turn:
                while (wait := host.ready_at() - self._clock()) > 0:
                    self._within_deadline(origin, wait)
                    await self._sleep(wait)
                started_at = self._clock()
                host.last_start = started_at
            host.started += 1
            host.waited += started_at - asked_at
            host.in_flight += 1
            try:
                yield
            finally:
                host.in_flight -= 1

    async def until_ready(self, origin: str) -> None:
        """Wait until ``origin`` could start a request (its delay and cooldown passed).

        Lets a caller wait *before* taking a scarce resource (a crawl's global in-flight
        permit), so hosts sleeping out a Crawl-delay or a Retry-After do not hold permits that
        other hosts could use; :meth:`slot` still enforces the limits.
        """
        host = self._host(origin)
        while (wait := host.ready_at() - self._clock()) > 0:
            self._within_deadline(origin, wait)
            await self._sleep(wait)

    def remaining(self) -> float | None:
        """Seconds left before the deadline (negative once past it); None without a deadline."""
        return None if self.deadline is None else self.deadline - self._clock()

    def _within_deadline(self, origin: str, wait: float) -> None:
        """Raise :class:`DeadlineReached` rather than start a wait that would end past the deadline."""
        left = self.remaining()
        if left is not None and wait > left:
            raise DeadlineReached(
                f"{origin} may be asked again in {wait:.1f} s, past the run's deadline "
                f"({max(left, 0.0):.1f} s left)"
            )

    def mark_sent(self, origin: str) -> None:
        """A request to ``origin`` is leaving now: the next may start no sooner than the delay
        after this moment. A busy event loop can send a request a little after its slot was
        granted; spacing from the grant alone would then let two requests leave closer together."""
        host = self._hosts.get(origin)
        if host is not None:
            host.last_start = max(host.last_start, self._clock())

    def cool_down(self, origin: str, seconds: float) -> None:
        """Start nothing on ``origin`` for ``seconds`` from now (a 429/503 Retry-After).

        Extends a running cooldown, never shortens it; requests already in flight go on.
        """
        if seconds > 0:
            host = self._host(origin)
            host.cooldown_until = max(host.cooldown_until, self._clock() + seconds)

    def set_crawl_delay(self, origin: str, seconds: float) -> None:
        """Apply robots.txt ``Crawl-delay`` (capped at ``max_crawl_delay``); 0 removes it.

        It raises the spacing of starts above the configured delay, never lowers it.
        """
        if not seconds > 0:  # also catches NaN
            seconds = 0.0
        self._host(origin).crawl_delay = min(seconds, self._max_crawl_delay)

    def stats(self, origin: str) -> HostStats:
        """The counters for ``origin`` (zeros for an origin the gate has not seen)."""
        host = self._hosts.get(origin) or self._new_host(origin)
        return HostStats(
            started=host.started,
            waited=host.waited,
            in_flight=host.in_flight,
            delay=host.effective_delay,
            cooldown_remaining=max(0.0, host.cooldown_until - self._clock()),
        )

    def origins(self) -> list[str]:
        """Every origin the gate has seen, in first-use order."""
        return list(self._hosts)

    def _host(self, origin: str) -> _Host:
        host = self._hosts.get(origin)
        if host is None:
            host = self._hosts[origin] = self._new_host(origin)
        return host

    def _new_host(self, origin: str) -> _Host:
        limits = self._overrides.get(_host_key(urlsplit(origin).hostname or ""), HostLimits())
        concurrency = limits.concurrency if limits.concurrency is not None else self._concurrency
        delay = limits.delay if limits.delay is not None else self._delay
        return _Host(slots=asyncio.Semaphore(concurrency), turn=asyncio.Lock(), delay=delay)


def _host_key(hostname: str) -> str:
    return hostname.strip().lower().rstrip(".")


def _check_concurrency(value: int) -> None:
    if value < 1:
        raise ValueError(f"concurrency must be at least 1, got {value}")


def _check_seconds(name: str, value: float) -> None:
    if not value >= 0:  # also catches NaN
        raise ValueError(f"{name} must be a number of seconds >= 0, got {value}")
