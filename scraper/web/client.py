"""Fetch one URL the way a polite, defensive crawler must: bounded in time and size, retried
only when a retry can help, redirect by redirect under the caller's rules.

:class:`Fetcher` owns one ``httpx.AsyncClient`` for a whole crawl (connection reuse across
pages). Every request, redirect hops included, is checked (http(s) only, no private addresses,
the caller's ``permit``, e.g. robots.txt) and runs inside the per-host :class:`Gate` slot, so
politeness holds across concurrent tasks. Retries use tenacity's exponential backoff with
jitter; a ``Retry-After`` cools the whole host down through the gate, not just one task.
Bodies are read by :mod:`scraper.web.body` (decoded with bounded output, under the size cap);
the settings live in :mod:`scraper.web.settings`.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urldefrag, urljoin

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from scraper.article import Page, Received
from scraper.errors import FetchError
from scraper.io.formats import utc_now
from scraper.web.body import ACCEPT_ENCODING, read_body_and_raw, sniffs_as_html
from scraper.web.netguard import GuardedTransport, ensure_public
from scraper.web.politeness import DeadlineReached
from scraper.web.settings import DEFAULT_SETTINGS, FetchSettings
from scraper.web.urls import origin

# Statuses worth another attempt in the same run: timeouts, rate limits, transient server trouble.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Statuses whose Retry-After speaks for the whole host, so every task for it must wait.
COOL_DOWN_STATUSES = frozenset({429, 503})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
ACCEPT_HEADERS = {"html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1", "any": "*/*"}
# One client serves a whole crawl: many hosts at once, a few idle connections kept per host.
POOL_MAX_CONNECTIONS = 256
POOL_MAX_KEEPALIVE = 64
POOL_KEEPALIVE_SECONDS = 30.0
_LOCATION = "scraper.location"  # where _take_location keeps a redirect's Location
# RFC 9110 delta-seconds are whole numbers; a fraction is accepted, since some servers send one.
_DELTA_SECONDS = re.compile(r"\d+(?:\.\d+)?")


class Gate(Protocol):
    """The per-host politeness interface the fetcher needs; the key is ``scraper.web.urls.origin(url)``.

    ``slot`` is held for one attempt (it may wait for a concurrency slot, a crawl delay or a
    cool-down); ``cool_down`` asks that nobody enters the host's slot for ``seconds``.
    """

    def slot(self, origin: str) -> AbstractAsyncContextManager[None]: ...

    def cool_down(self, origin: str, seconds: float) -> None: ...


class _CoolDownGate:
    """The gate used when the caller brings none: no limits, but a cool-down is honoured."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._until: dict[str, float] = {}

    def cool_down(self, origin: str, seconds: float) -> None:
        self._until[origin] = max(self._until.get(origin, 0.0), self._clock() + seconds)

    @asynccontextmanager
    async def slot(self, origin: str) -> AsyncIterator[None]:
        # A loop, not one sleep: another task may extend the cool-down while this one waits.
        while (wait := self._until.get(origin, 0.0) - self._clock()) > 0:
            await self._sleep(wait)
        self._until.pop(origin, None)
        yield


# -- response helpers ------------------------------------------------------------------------------


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` header in seconds from ``now``: delta-seconds or an HTTP-date; None if unusable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if _DELTA_SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def _check_url(url: str) -> None:
    """Raise ``bad-url`` for anything but an absolute http(s) URL with a host."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise FetchError(f"not a valid URL ({exc})", url=str(url), reason="bad-url") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError("not an http(s) URL with a host name", url=url, reason="bad-url")


_TRANSPORT_WORDS: tuple[tuple[type[httpx.TransportError], str], ...] = (
    (httpx.ConnectTimeout, "connecting timed out (connect_timeout)"),
    (httpx.ReadTimeout, "the server sent nothing for read_timeout"),
    (httpx.WriteTimeout, "sending the request timed out"),
    (httpx.PoolTimeout, "no free connection in the pool"),
    (httpx.ConnectError, "could not connect"),
    (httpx.ReadError, "the connection broke while reading"),
    (httpx.WriteError, "the connection broke while sending"),
    (httpx.RemoteProtocolError, "the server broke off or violated HTTP"),
)


def _describe(exc: httpx.TransportError) -> str:
    words = next((text for kind, text in _TRANSPORT_WORDS if isinstance(exc, kind)), "network error")
    detail = str(exc)
    return f"{words} ({type(exc).__name__}: {detail})" if detail else f"{words} ({type(exc).__name__})"


def _attempts(count: int) -> str:
    return f"{count} attempt" if count == 1 else f"{count} attempts"


async def _take_location(response: httpx.Response) -> None:
    """Move a redirect's Location out of httpx's sight, into ``response.extensions``.

    Even with redirects off, httpx builds the next request from every Location and raises on a
    hostile one (``javascript:...``) before the fetcher sees the response; the fetcher resolves
    and checks Location itself.
    """
    if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
        response.extensions[_LOCATION] = response.headers["location"]
        del response.headers["location"]


@dataclass(frozen=True, slots=True)
class _Reply:
    """One answered request: what :meth:`Fetcher.fetch` turns into a redirect or a Page."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    received: Received | None = None  # only when the caller asked for the response as received


class _RetryableStatus(Exception):
    """An answer in ``RETRY_STATUSES``: tenacity retries on it, the caller sees a FetchError."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


# -- the fetcher -------------------------------------------------------------------------------------


class Fetcher:
    """Fetch pages with one pooled HTTP/1.1 client; use as ``async with Fetcher(...) as f``.

    ``gate`` enforces per-host politeness (default: none, but ``Retry-After`` cool-downs are
    honoured). ``permit(url)`` is awaited before the first attempt at every URL, redirect hops
    included, and refuses by raising :class:`FetchError` (the crawler plugs robots.txt in
    here). ``transport`` replaces the network (``httpx.MockTransport`` in tests).
    """

    def __init__(
        self,
        settings: FetchSettings = DEFAULT_SETTINGS,
        *,
        gate: Gate | None = None,
        permit: Callable[[str], Awaitable[None]] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._gate: Gate = gate if gate is not None else _CoolDownGate()
        self._permit = permit
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        settings = self.settings
        limits = httpx.Limits(
            max_connections=POOL_MAX_CONNECTIONS,
            max_keepalive_connections=POOL_MAX_KEEPALIVE,
            keepalive_expiry=POOL_KEEPALIVE_SECONDS,
        )
        transport = self._transport
        if transport is None and not settings.allow_private_networks:
            # Connects only to the address it vetted: the pre-request check alone can be
            # outwitted by a DNS server that answers differently the second time.
            transport = GuardedTransport(limits=limits, http1=True, http2=False)
        self._client = httpx.AsyncClient(
            http1=True,
            http2=False,
            follow_redirects=False,
            transport=transport,
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=settings.total_timeout,
            ),
            limits=limits,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            event_hooks={"request": [self._mark_sent], "response": [_take_location]},
        )
        return self

    async def _mark_sent(self, request: httpx.Request) -> None:
        """Tell the gate when a request really leaves (gates without ``mark_sent`` skip this)."""
        mark = getattr(self._gate, "mark_sent", None)
        if mark is not None:
            mark(origin(str(request.url)))

    async def __aexit__(self, *exc_info: object) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        accept: str = "html",
        etag: str | None = None,
        last_modified: str | None = None,
        keep_received: bool = False,
    ) -> Page:
        """Fetch ``url``, following redirects; return the final answer as a :class:`Page`.

        ``accept="html"`` refuses anything but an HTML page (``not-html``); ``"any"`` takes
        whatever comes (feeds, sitemaps, robots.txt). ``etag`` / ``last_modified`` make the
        request conditional; an unchanged page comes back as ``Page(status=304, body=b"")``.
        Every failure is a :class:`FetchError`; an error on a redirect hop names that hop's URL.
        ``keep_received`` also keeps the final answer as it came (``Page.received``: status line,
        headers as sent, body still content-encoded) for a WARC; other fetches do not pay for it.
        """
        if accept not in ACCEPT_HEADERS:
            raise ValueError(f"accept must be one of {', '.join(ACCEPT_HEADERS)}, not {accept!r}")
        headers = {"Accept": ACCEPT_HEADERS[accept]}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current, redirects = url, 0
        seen: set[str] = set()
        while True:
            await self._admit(current)
            seen.add(urldefrag(current).url)
            reply = await self._request(current, headers, accept, keep_received)
            target = self._redirect_target(reply)
            if target is None:
                return Page(
                    url=url,
                    body=reply.body,
                    final_url=reply.url,
                    status=reply.status,
                    headers=reply.headers,
                    fetched_at=utc_now(),
                    received=reply.received,
                )
            if target in seen:
                raise FetchError(
                    f"redirects back to {target}, already visited", url=url, reason="redirect-loop"
                )
            if redirects >= self.settings.max_redirects:
                raise FetchError(
                    f"more than {self.settings.max_redirects} redirects (last to {target})",
                    url=url,
                    reason="too-many-redirects",
                )
            redirects += 1
            current = target

    async def _admit(self, url: str) -> None:
        """The checks before any request to ``url``: a fetchable URL, a public host, the caller's permit."""
        _check_url(url)
        if not self.settings.allow_private_networks:
            await ensure_public(url)
        if self._permit is not None:
            await self._permit(url)

    @staticmethod
    def _redirect_target(reply: _Reply) -> str | None:
        if reply.status not in REDIRECT_STATUSES:
            return None
        location = reply.headers.get("location", "").strip()
        if not location:
            raise FetchError(
                f"HTTP {reply.status} redirect without a Location header",
                url=reply.url,
                reason="status",
                status=reply.status,
            )
        return urldefrag(urljoin(reply.url, location)).url  # a fragment is never sent

    async def _request(self, url: str, headers: dict[str, str], accept: str, keep: bool) -> _Reply:
        """One URL, with retries: network errors and ``RETRY_STATUSES``, backing off in between."""
        settings = self.settings

        def asks_too_long(state: RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            return (
                isinstance(exc, _RetryableStatus)
                and exc.retry_after is not None
                and exc.retry_after > settings.retry_after_max
            )

        retrying = AsyncRetrying(
            stop=stop_after_attempt(settings.retries + 1) | asks_too_long,
            wait=wait_exponential_jitter(
                multiplier=settings.backoff_initial, max=settings.backoff_max, jitter=settings.backoff_initial
            ),
            retry=retry_if_exception_type((httpx.TransportError, _RetryableStatus)),
            reraise=True,
            sleep=self._backoff,
        )
        try:
            return await retrying(self._attempt, url, headers, accept, keep)
        except DeadlineReached as exc:
            # Neither done nor failed: the caller leaves the URL for its next run.
            raise FetchError(f"stopped at the run's deadline: {exc}", url=url, reason="deadline") from exc
        except _RetryableStatus as exc:
            tried = _attempts(retrying.statistics.get("attempt_number", 1))
            message = f"gave up after {tried}: HTTP {exc.status}"
            if exc.retry_after is not None and exc.retry_after > settings.retry_after_max:
                message += (
                    f" asks to wait {exc.retry_after:.0f} s, longer than retry_after_max"
                    f" ({settings.retry_after_max:g} s)"
                )
            raise FetchError(
                message,
                url=url,
                reason="status",
                status=exc.status,
                retryable=True,
                retry_after=exc.retry_after,
            ) from exc
        except httpx.TransportError as exc:
            tried = _attempts(retrying.statistics.get("attempt_number", 1))
            reason = "timeout" if isinstance(exc, httpx.TimeoutException) else "network"
            raise FetchError(
                f"gave up after {tried}: {_describe(exc)}", url=url, reason=reason, retryable=True
            ) from exc

    def _remaining(self) -> float | None:
        """Seconds left before the run's deadline, if the gate has one (a crawl's max_seconds)."""
        remaining = getattr(self._gate, "remaining", None)
        return remaining() if remaining is not None else None

    async def _backoff(self, seconds: float) -> None:
        """tenacity's pause between attempts, which never reaches past the run's deadline."""
        left = self._remaining()
        if left is not None and seconds >= left:
            raise DeadlineReached(f"the next attempt would start after it ({max(left, 0.0):.1f} s left)")
        await asyncio.sleep(seconds)

    async def _attempt(self, url: str, headers: dict[str, str], accept: str, keep: bool) -> _Reply:
        """One request inside the host's gate slot, under the whole-attempt deadline (shortened
        to what is left of the run's deadline, if it comes sooner)."""
        total = self.settings.total_timeout
        async with self._gate.slot(origin(url)):
            left = self._remaining()
            if left is not None and left <= 0:
                raise DeadlineReached("it has passed")
            limit = total if left is None else min(total, left)
            deadline = asyncio.timeout(limit)
            try:
                async with deadline:
                    return await self._exchange(url, headers, accept, keep)
            except TimeoutError as exc:
                if not deadline.expired():
                    raise
                if limit < total:
                    raise DeadlineReached("it came while the request was in flight") from exc
                raise FetchError(
                    f"no complete answer within total_timeout ({total:g} s)",
                    url=url,
                    reason="timeout",
                    retryable=True,
                ) from exc

    async def _exchange(self, url: str, headers: dict[str, str], accept: str, keep: bool) -> _Reply:
        if self._client is None:
            raise RuntimeError("Fetcher.fetch called outside 'async with Fetcher(...)'")
        async with self._client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            reply_headers = {name.lower(): value for name, value in response.headers.items()}
            if _LOCATION in response.extensions:
                reply_headers["location"] = response.extensions[_LOCATION]
            if status in RETRY_STATUSES:
                retry_after = parse_retry_after(reply_headers.get("retry-after"))
                if retry_after is not None and status in COOL_DOWN_STATUSES:
                    self._gate.cool_down(origin(url), min(retry_after, self.settings.retry_after_max))
                raise _RetryableStatus(status, retry_after)
            if status >= 400:
                raise FetchError(
                    f"HTTP {status}", url=url, reason="status", status=status, retryable=status >= 500
                )
            if 300 <= status < 400:
                if status != 304 and status not in REDIRECT_STATUSES:
                    raise FetchError(
                        f"HTTP {status} is not a redirect to follow", url=url, reason="status", status=status
                    )
                return _Reply(url, status, reply_headers, b"", _received(response, b"") if keep else None)
            media_type = _media_type(reply_headers.get("content-type"))
            if accept == "html" and media_type is not None and media_type not in HTML_MEDIA_TYPES:
                raise FetchError(f"not an HTML page (Content-Type {media_type})", url=url, reason="not-html")
            body, raw = await read_body_and_raw(response, url, self.settings.max_body_bytes, keep_raw=keep)
            if accept == "html" and media_type is None and not sniffs_as_html(body):
                raise FetchError(
                    "no Content-Type, and the body does not look like HTML", url=url, reason="not-html"
                )
            received = _received(response, raw) if raw is not None else None
            return _Reply(url, status, reply_headers, body, received)


def _received(response: httpx.Response, raw: bytes) -> Received:
    """The answer as it came: headers in the server's order and spelling (bytes read as latin-1,
    so every byte survives), the reason phrase the server sent, the body before content decoding.
    A redirect's Location is put back where :func:`_take_location` took it from."""
    headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in response.headers.raw]
    if _LOCATION in response.extensions:
        headers.append(("Location", response.extensions[_LOCATION]))
    return Received(response.http_version, response.reason_phrase, tuple(headers), raw)
