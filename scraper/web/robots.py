"""The robots.txt policy: may this crawler fetch this URL, by RFC 9309?

Per origin ("scheme://host:port") the policy fetches ``/robots.txt`` once, keeps the answer
for at most ``ttl`` seconds (in memory and, when given a :class:`RobotsStore`, on disk so a
cron run every few minutes does not refetch it), and answers by the RFC:

- 2xx: the file is parsed with protego (longest match, ``*`` and ``$`` wildcards,
  ``Crawl-delay``), first 500 KiB only (RFC 9309 section 2.5), for the group of our product
  token (the User-Agent's first word, "scraper" in "scraper/1.0 (+https://...)") or ``*``;
- 3xx left after the fetcher's redirects, or 4xx (401 and 403 included): no rules, all allowed;
- 5xx or unreachable (network error, timeout): everything disallowed, *unless* an earlier
  successful copy is known, which is then used as the RFC permits; either way robots.txt is
  tried again after ``unavailable_retry`` seconds rather than after a day. A refusal because
  robots.txt was unreachable has reason ``unreachable``: the host is down, which is a failure
  to report, not a robots.txt verdict (a 5xx is the host asking to wait: ``robots-unavailable``).

Concurrent checks for one origin share a single fetch (a per-origin lock); other origins do
not wait. ``/robots.txt`` itself is always allowed, and so is anything requested while fetching
robots.txt (a redirect to another path), so a fetcher whose ``permit`` hook is
:meth:`RobotsPolicy.ensure_allowed` can fetch robots.txt through itself without deadlock.

Caveat: protego picks the group whose name matches our token at its start, so a group for
"scrap" would also apply to "scraper" (RFC 9309 wants an exact token match).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from protego import Protego

from scraper.errors import FetchError
from scraper.web.urls import normalize_url
from scraper.web.urls import origin as origin_of

# RFC 9309 section 2.5: crawlers must parse at least 500 KiB; we parse no more than that.
MAX_ROBOTS_BYTES = 500 * 1024
# Status recorded for a robots.txt that could not be fetched at all (network error, timeout).
UNREACHABLE = 0
# RFC 9309 section 2.2.1: a product token is letters, "_" and "-".
_PRODUCT_TOKEN = re.compile(r"[A-Za-z_-]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Set while this task fetches a robots.txt: its own permit checks (redirect hops) pass.
_fetching_robots: ContextVar[bool] = ContextVar("fetching_robots", default=False)


class RobotsEntry(Protocol):
    """One stored robots.txt answer."""

    @property
    def fetched_at(self) -> float: ...
    @property
    def status(self) -> int: ...
    @property
    def body(self) -> bytes: ...


class RobotsStore(Protocol):
    """Persistent robots.txt answers by origin (the crawl state's SQLite store implements it).

    ``fetched_at`` is epoch seconds; ``status`` is the HTTP status, 0 when robots.txt was
    unreachable. For a 5xx or 0, ``body`` is the last successful copy (or empty when there is
    none), so the next run can keep using it while the server is down.
    """

    def robots_get(self, origin: str) -> RobotsEntry | None: ...

    def robots_put(self, origin: str, *, fetched_at: float, status: int, body: bytes) -> None: ...


@dataclass(frozen=True, slots=True)
class RobotsVerdict:
    """The answer for one URL.

    ``reason`` is "allowed", "disallowed" or "unavailable" (robots.txt answered 5xx or was
    unreachable and no earlier copy is known); ``crawl_delay`` is robots.txt's Crawl-delay
    for our group, in seconds, when it sets one.
    """

    allowed: bool
    reason: str
    crawl_delay: float | None = None


_ALLOWED = RobotsVerdict(allowed=True, reason="allowed")


@dataclass(frozen=True, slots=True)
class _Rules:
    """One robots.txt answer for an origin, parsed once."""

    fetched_at: float
    status: int
    body: bytes
    parser: Protego | None  # None: no rules to apply (allow all, or disallow all if unreachable)
    error: str = ""  # why robots.txt could not be fetched, when it could not (this run only)

    @property
    def reachable(self) -> bool:
        return 200 <= self.status < 500

    @classmethod
    def build(cls, *, fetched_at: float, status: int, body: bytes, error: str = "") -> _Rules:
        body = cap_body(body)
        fetched_ok = 200 <= status < 300
        kept_copy = not 200 <= status < 500 and bool(body)  # unreachable, last good copy known
        parser = parse_robots(body) if fetched_ok or kept_copy else None
        return cls(fetched_at=fetched_at, status=status, body=body, parser=parser, error=error)


class RobotsPolicy:
    """Answers "may we fetch this URL?" from each origin's robots.txt (see the module docstring).

    ``fetch_robots(robots_url)`` returns ``(status, body)`` after redirects, or raises
    :class:`~scraper.errors.FetchError` (taken as unreachable unless the error carries an HTTP
    status). ``on_crawl_delay(origin, seconds)`` is called whenever an origin's rules are
    (re)loaded, with 0.0 when robots.txt sets no Crawl-delay for us, e.g. with
    ``HostGate.set_crawl_delay``. ``clock`` gives epoch seconds (stored copies outlive a run).
    """

    def __init__(
        self,
        fetch_robots: Callable[[str], Awaitable[tuple[int, bytes]]],
        *,
        user_agent: str,
        ttl: float = 86400,
        unavailable_retry: float = 600,
        store: RobotsStore | None = None,
        clock: Callable[[], float] = time.time,
        on_crawl_delay: Callable[[str, float], None] | None = None,
    ) -> None:
        self._fetch_robots = fetch_robots
        self.token = product_token(user_agent)
        self._ttl = ttl
        self._unavailable_retry = unavailable_retry
        self._store = store
        self._clock = clock
        self._on_crawl_delay = on_crawl_delay
        self._rules: dict[str, _Rules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def check(self, url: str) -> RobotsVerdict:
        """The verdict for ``url``; fetches the origin's robots.txt when not known or expired."""
        verdict, _ = await self._judge(url)
        return verdict

    async def ensure_allowed(self, url: str) -> None:
        """Return if ``url`` may be fetched; else raise FetchError ``robots`` (final), or
        ``robots-unavailable`` (a 5xx) or ``unreachable`` (no answer at all), both retryable with
        ``retry_after`` = seconds until robots.txt is tried again."""
        verdict, rules = await self._judge(url)
        if verdict.allowed:
            return
        where = robots_url(url)
        if verdict.reason == "disallowed":
            raise FetchError(f"disallowed by {where} for user agent {self.token!r}", url=url, reason="robots")
        assert rules is not None  # only a fetched answer can be unavailable
        retry_after = max(0.0, self._expires_at(rules) - self._clock())
        if rules.status == UNREACHABLE:
            why = f" ({rules.error})" if rules.error else ""
            raise FetchError(
                f"host unreachable: {where} could not be fetched{why}; "
                f"not fetching until it answers (retry in {retry_after:.0f} s)",
                url=url,
                reason="unreachable",
                retryable=True,
                retry_after=retry_after,
            )
        raise FetchError(
            f"{where} answered HTTP {rules.status}; not fetching until it answers "
            f"(retry in {retry_after:.0f} s)",
            url=url,
            reason="robots-unavailable",
            retryable=True,
            retry_after=retry_after,
        )

    async def sitemaps(self, url: str) -> list[str]:
        """The ``Sitemap:`` URLs of the robots.txt governing ``url`` (absolute, in file order).

        They come from the copy the policy already holds for its verdicts (in memory, or in the
        store from an earlier run), so asking costs no request once the host was checked; a
        robots.txt that answered 4xx, or that cannot be fetched and left no earlier copy, names
        none.
        """
        rules = await self._rules_for(origin_of(url), robots_url(url))
        return sitemap_lines(rules.parser, robots_url(url))

    async def _judge(self, url: str) -> tuple[RobotsVerdict, _Rules | None]:
        parts = urlsplit(url)
        if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
            raise FetchError("not an http(s) URL, cannot check robots.txt", url=url, reason="bad-url")
        if parts.path == "/robots.txt" or _fetching_robots.get():
            return _ALLOWED, None
        rules = await self._rules_for(origin_of(url), robots_url(url))
        if rules.parser is None:
            if rules.reachable:
                return _ALLOWED, rules
            return RobotsVerdict(allowed=False, reason="unavailable"), rules
        delay = rules.parser.crawl_delay(self.token)
        if rules.parser.can_fetch(url, self.token):
            return RobotsVerdict(allowed=True, reason="allowed", crawl_delay=delay), rules
        return RobotsVerdict(allowed=False, reason="disallowed", crawl_delay=delay), rules

    async def _rules_for(self, origin: str, where: str) -> _Rules:
        rules = self._rules.get(origin)
        if rules is not None and self._fresh(rules):
            return rules
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            rules = self._rules.get(origin)  # another check may have refreshed it meanwhile
            if rules is not None and self._fresh(rules):
                return rules
            stored = self._load(origin)
            if stored is not None and (rules is None or stored.fetched_at > rules.fetched_at):
                rules = stored
            if rules is None or not self._fresh(rules):
                rules = await self._fetch(origin, where, previous=rules)
            self._install(origin, rules)
            return rules

    async def _fetch(self, origin: str, where: str, *, previous: _Rules | None) -> _Rules:
        fetched_at = self._clock()
        marker = _fetching_robots.set(True)
        problem = ""
        try:
            status, body = await self._fetch_robots(where)
        except FetchError as error:
            if error.reason == "deadline":  # not an answer: nothing to record, the run is ending
                raise
            status, body = error.status or UNREACHABLE, b""
            problem = str(error).removeprefix(f"{error.url}: ")
        finally:
            _fetching_robots.reset(marker)
        if 300 <= status < 500:
            body = b""  # no rules apply, nothing worth keeping
        elif not 200 <= status < 300:
            # Unreachable: keep the last good copy (if any) for use until robots.txt answers.
            body = previous.body if previous is not None and previous.parser is not None else b""
        rules = _Rules.build(fetched_at=fetched_at, status=status, body=body, error=problem)
        if self._store is not None:
            self._store.robots_put(origin, fetched_at=fetched_at, status=status, body=rules.body)
        return rules

    def _load(self, origin: str) -> _Rules | None:
        entry = self._store.robots_get(origin) if self._store is not None else None
        if entry is None:
            return None
        return _Rules.build(fetched_at=entry.fetched_at, status=entry.status, body=entry.body)

    def _install(self, origin: str, rules: _Rules) -> None:
        if self._rules.get(origin) is rules:
            return
        self._rules[origin] = rules
        if self._on_crawl_delay is not None:
            delay = rules.parser.crawl_delay(self.token) if rules.parser is not None else None
            self._on_crawl_delay(origin, delay or 0.0)

    def _expires_at(self, rules: _Rules) -> float:
        return rules.fetched_at + (self._ttl if rules.reachable else self._unavailable_retry)

    def _fresh(self, rules: _Rules) -> bool:
        return rules.fetched_at <= self._clock() < self._expires_at(rules)


def product_token(user_agent: str) -> str:
    """The name robots.txt groups are matched against: the User-Agent's first word before "/"."""
    match = _PRODUCT_TOKEN.match(user_agent.strip())
    if match is None:
        raise ValueError(f"user agent {user_agent!r} does not start with a product token (letters, _ or -)")
    return match.group()


def robots_url(url: str) -> str:
    """The robots.txt URL governing ``url``: same scheme, host and port, default port left out."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    return f"{scheme}://{netloc}/robots.txt"


def sitemap_lines(parser: Protego | None, where: str) -> list[str]:
    """The ``Sitemap:`` lines of a parsed robots.txt (found at ``where``) as absolute http(s)
    URLs, each once; lines that are not such URLs are left out."""
    if parser is None:
        return []
    urls = (normalize_url(line.strip(), where) for line in parser.sitemaps)
    return list(dict.fromkeys(url for url in urls if url is not None))


def parse_robots(body: bytes) -> Protego:
    """A robots.txt body parsed as the policy parses it (first 500 KiB, UTF-8 with or without BOM)."""
    return Protego.parse(cap_body(body).decode("utf-8-sig", errors="replace"))


def cap_body(body: bytes) -> bytes:
    """The first 500 KiB of a robots.txt, cut after the last complete line within them, so a
    rule is never half read (a truncated Allow path could allow more than the site meant)."""
    if len(body) <= MAX_ROBOTS_BYTES:
        return body
    head = body[:MAX_ROBOTS_BYTES]
    cut = max(head.rfind(b"\n"), head.rfind(b"\r"))
    return head[: cut + 1] if cut >= 0 else b""
