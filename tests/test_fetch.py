"""The fetcher against a real local server (sockets, timeouts, resets, compression) and
``httpx.MockTransport`` (policy). Nothing here touches the internet; backoffs are milliseconds."""

from __future__ import annotations

import asyncio
import gzip
import re
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import brotli
import httpx
import pytest
from httpserver import (
    PAGE,
    Exchange,
    LocalServer,
    brotli_body,
    brotli_bomb,
    closed_port_url,
    drip_body,
    etag_resource,
    gzip_body,
    gzip_bomb,
    rate_limited,
    redirect,
    reset_mid_body,
    respond,
    slow_headers,
    status_sequence,
)

from scraper.article import Page
from scraper.errors import FetchError
from scraper.web.body import ACCEPT_ENCODING
from scraper.web.client import Fetcher, _CoolDownGate, parse_retry_after
from scraper.web.settings import DEFAULT_USER_AGENT, FetchSettings
from scraper.web.urls import origin

FAST = FetchSettings(
    allow_private_networks=True,
    connect_timeout=2,
    read_timeout=2,
    total_timeout=5,
    retries=3,
    backoff_initial=0.001,
    backoff_max=0.01,
)


class RecordingGate:
    """A gate that never waits and remembers every slot and cool-down asked of it."""

    def __init__(self) -> None:
        self.slots: list[str] = []
        self.cool_downs: list[tuple[str, float]] = []

    @asynccontextmanager
    async def slot(self, origin: str) -> AsyncIterator[None]:
        self.slots.append(origin)
        yield

    def cool_down(self, origin: str, seconds: float) -> None:
        self.cool_downs.append((origin, seconds))


def fetch(
    url: str,
    settings: FetchSettings = FAST,
    *,
    gate: Any = None,
    permit: Any = None,
    transport: httpx.AsyncBaseTransport | None = None,
    **options: Any,
) -> Page:
    async def run() -> Page:
        async with Fetcher(settings, gate=gate, permit=permit, transport=transport) as fetcher:
            return await fetcher.fetch(url, **options)

    return asyncio.run(run())


def fetch_error(url: str, settings: FetchSettings = FAST, **kwargs: Any) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, settings, **kwargs)
    return info.value


def mock(handler: Callable[[httpx.Request], httpx.Response]) -> tuple[httpx.MockTransport, list[str]]:
    """A MockTransport that also records the URLs it was asked for."""
    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return handler(request)

    return httpx.MockTransport(record), seen


class StreamedBody(httpx.AsyncByteStream):
    """A mock body that arrives as a stream, still encoded, as it does from the network
    (``httpx.Response(content=...)`` is decoded and read at once)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self._data), 16_384):
            yield self._data[start : start + 16_384]


def encoded_html(encoding: str, data: bytes) -> httpx.Response:
    return httpx.Response(
        200, headers={"Content-Type": "text/html", "Content-Encoding": encoding}, stream=StreamedBody(data)
    )


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


# -- plain fetches -----------------------------------------------------------------------------


def test_fetches_an_html_page_with_its_metadata(server: LocalServer) -> None:
    server.add("/story", respond(PAGE, headers={"X-Custom-Header": "Yes"}))
    page = fetch(server.url("/story"))
    assert page.status == 200
    assert page.body == PAGE
    assert page.url == page.final_url == server.url("/story")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["x-custom-header"] == "Yes"
    assert all(name == name.lower() for name in page.headers)
    assert page.fetched_at is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", page.fetched_at)


def test_sends_an_honest_user_agent_and_what_it_accepts(server: LocalServer) -> None:
    server.add("/story")
    fetch(server.url("/story"))
    fetch(server.url("/story"), replace(FAST, user_agent="NewsBot/2 (+mailto:ops@example.org)"), accept="any")
    first, second = server.requests("/story")
    assert first.headers["user-agent"] == DEFAULT_USER_AGENT
    assert re.fullmatch(r"scraper/\S+ \(\+https://github\.com/scraper-news/scraper\)", DEFAULT_USER_AGENT)
    assert first.headers["accept-encoding"] == ACCEPT_ENCODING
    assert first.headers["accept"].startswith("text/html")
    assert second.headers["user-agent"] == "NewsBot/2 (+mailto:ops@example.org)"
    assert second.headers["accept"] == "*/*"


# -- conditional GET -----------------------------------------------------------------------------


def test_conditional_get_answers_304_with_an_empty_body(server: LocalServer) -> None:
    stamp = "Tue, 24 Nov 2026 10:00:00 GMT"
    server.add("/story", etag_resource('"v7"', last_modified=stamp))
    fresh = fetch(server.url("/story"))
    unchanged = fetch(server.url("/story"), etag='"v7"', last_modified=stamp)
    assert fresh.status == 200
    assert fresh.headers["etag"] == '"v7"'
    assert unchanged.status == 304
    assert unchanged.body == b""
    assert unchanged.final_url == server.url("/story")
    assert unchanged.headers["etag"] == '"v7"'
    plain, conditional = server.requests("/story")
    assert "if-none-match" not in plain.headers
    assert conditional.headers["if-none-match"] == '"v7"'
    assert conditional.headers["if-modified-since"] == stamp


def test_a_changed_page_comes_back_whole(server: LocalServer) -> None:
    server.add("/story", etag_resource('"v8"'))
    page = fetch(server.url("/story"), etag='"v7"')
    assert (page.status, page.body) == (200, PAGE)


# -- redirects ---------------------------------------------------------------------------------------


def test_follows_relative_redirects(server: LocalServer) -> None:
    server.add("/news/old", redirect("new?x=1", status=301))
    server.add("/news/new", redirect("/final#top", status=308))
    server.add("/final")
    page = fetch(server.url("/news/old"))
    assert page.url == server.url("/news/old")
    assert page.final_url == server.url("/final")
    assert page.body == PAGE
    assert server.requests("/news/new")[0].target == "/news/new?x=1"


def test_redirect_cap(server: LocalServer) -> None:
    for hop in range(5):
        server.add(f"/r{hop}", redirect(f"/r{hop + 1}"))
    server.add("/r5")
    assert fetch(server.url("/r0"), replace(FAST, max_redirects=5)).final_url == server.url("/r5")
    error = fetch_error(server.url("/r0"), replace(FAST, max_redirects=3))
    assert error.reason == "too-many-redirects"
    assert "more than 3 redirects" in str(error)
    assert server.count("/r3") == 2
    assert server.count("/r4") == 1  # only from the first fetch


def test_redirect_loop(server: LocalServer) -> None:
    server.add("/a", redirect("/b"))
    server.add("/b", redirect("/a"))
    error = fetch_error(server.url("/a"))
    assert error.reason == "redirect-loop"
    assert server.url("/a") in str(error)
    assert (server.count("/a"), server.count("/b")) == (1, 1)


def test_each_hop_enters_its_own_hosts_gate_slot() -> None:
    with LocalServer() as first, LocalServer() as second:
        second.add("/there")
        first.add("/here", redirect(second.url("/there")))
        gate = RecordingGate()
        page = fetch(first.url("/here"), gate=gate)
        assert page.final_url == second.url("/there")
        assert gate.slots == [origin(first.url()), origin(second.url())]


def test_a_redirect_without_location_is_a_status_error(server: LocalServer) -> None:
    server.add("/moved", status=302, body=b"")
    error = fetch_error(server.url("/moved"))
    assert (error.reason, error.status) == ("status", 302)


def test_a_redirect_to_another_scheme_is_a_bad_url() -> None:
    transport, seen = mock(lambda request: httpx.Response(302, headers={"Location": "javascript:alert(1)"}))
    error = fetch_error("http://news.example/a", transport=transport)
    assert error.reason == "bad-url"
    assert seen == ["http://news.example/a"]


# -- retries -------------------------------------------------------------------------------------------


def test_a_burst_of_503_then_success(server: LocalServer) -> None:
    server.add("/busy", status_sequence([503, 503, 200]))
    gate = RecordingGate()
    page = fetch(server.url("/busy"), gate=gate)
    assert page.status == 200
    assert server.count("/busy") == 3
    assert gate.slots == [origin(server.url())] * 3  # every attempt inside the host's slot


def test_exhausted_retries_raise_a_retryable_error(server: LocalServer) -> None:
    server.add("/down", respond(b"down", status=503, headers={"Retry-After": "2"}))
    gate = RecordingGate()
    error = fetch_error(server.url("/down"), replace(FAST, retries=2), gate=gate)
    assert (error.reason, error.status, error.retryable, error.retry_after) == ("status", 503, True, 2.0)
    assert "gave up after 3 attempts: HTTP 503" in str(error)
    assert server.count("/down") == 3
    assert gate.cool_downs == [(origin(server.url()), 2.0)] * 3


def test_429_retry_after_cools_the_host_down_then_retries(server: LocalServer) -> None:
    server.add("/limited", rate_limited(retry_after=7))
    gate = RecordingGate()
    page = fetch(server.url("/limited"), gate=gate)
    assert page.status == 200
    assert server.count("/limited") == 2
    assert gate.cool_downs == [(origin(server.url()), 7.0)]


def test_a_retry_after_over_the_cap_cools_down_by_the_cap_and_gives_up(server: LocalServer) -> None:
    server.add("/limited", rate_limited(retry_after=3600))
    gate = RecordingGate()
    error = fetch_error(server.url("/limited"), replace(FAST, retry_after_max=30), gate=gate)
    assert gate.cool_downs == [(origin(server.url()), 30.0)]
    assert (error.status, error.retryable, error.retry_after) == (429, True, 3600.0)
    assert "longer than retry_after_max" in str(error)
    assert server.count("/limited") == 1


def test_the_default_gate_makes_the_retry_wait_out_retry_after(server: LocalServer) -> None:
    server.add("/limited", rate_limited(retry_after=7))
    now = [1000.0]
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    page = fetch(server.url("/limited"), gate=_CoolDownGate(clock=lambda: now[0], sleep=fake_sleep))
    assert page.status == 200
    assert waits == [7.0]


def test_an_http_date_retry_after_is_honoured() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    answers = iter([httpx.Response(503, headers={"Retry-After": when}), httpx.Response(200, html="<html>ok")])
    transport, seen = mock(lambda request: next(answers))
    gate = RecordingGate()
    assert fetch("http://news.example/a", gate=gate, transport=transport).status == 200
    [(key, seconds)] = gate.cool_downs
    assert key == "http://news.example:80"
    assert 25 < seconds <= 30
    assert len(seen) == 2


@pytest.mark.parametrize("status", [404, 410, 403])
def test_client_errors_are_not_retried(server: LocalServer, status: int) -> None:
    server.add("/gone", status=status, body=b"gone")
    error = fetch_error(server.url("/gone"))
    assert (error.reason, error.status, error.retryable) == ("status", status, False)
    assert f"HTTP {status}" in str(error)
    assert server.count("/gone") == 1


def test_other_server_errors_are_not_retried_now_but_retryable_later(server: LocalServer) -> None:
    server.add("/broken", status=501, body=b"no")
    error = fetch_error(server.url("/broken"))
    assert (error.status, error.retryable) == (501, True)
    assert server.count("/broken") == 1


def test_connection_refused_is_a_network_error() -> None:
    error = fetch_error(closed_port_url("/story"), replace(FAST, retries=1))
    assert (error.reason, error.retryable) == ("network", True)
    assert "gave up after 2 attempts: could not connect" in str(error)


def test_read_timeout_while_waiting_for_headers(server: LocalServer) -> None:
    server.add("/slow", slow_headers(10))
    started = time.monotonic()
    error = fetch_error(server.url("/slow"), replace(FAST, read_timeout=0.2, retries=1))
    assert (error.reason, error.retryable) == ("timeout", True)
    assert "read_timeout" in str(error)
    assert server.count("/slow") == 2
    assert time.monotonic() - started < 5


def test_total_timeout_stops_a_drip_fed_body(server: LocalServer) -> None:
    server.add("/drip", drip_body(b"<p>x</p>", interval=0.02, total=1_000_000))
    started = time.monotonic()
    error = fetch_error(server.url("/drip"), replace(FAST, read_timeout=2, total_timeout=0.4))
    assert (error.reason, error.retryable) == ("timeout", True)
    assert "total_timeout" in str(error)
    assert server.count("/drip") == 1
    assert time.monotonic() - started < 5


def test_a_reset_mid_body_is_retried_then_reported(server: LocalServer) -> None:
    server.add("/reset", reset_mid_body())
    error = fetch_error(server.url("/reset"), replace(FAST, retries=2))
    assert (error.reason, error.retryable) == ("network", True)
    assert "gave up after 3 attempts" in str(error)
    assert server.count("/reset") == 3


def test_a_reset_mid_body_recovers_on_retry(server: LocalServer) -> None:
    reset, page = reset_mid_body(), respond(PAGE)

    def once_broken(exchange: Exchange) -> None:
        (reset if exchange.index == 0 else page)(exchange)

    server.add("/flaky", once_broken)
    assert fetch(server.url("/flaky")).body == PAGE
    assert server.count("/flaky") == 2


# -- bodies ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bomb", [gzip_bomb, brotli_bomb])
def test_a_compression_bomb_stops_at_the_cap(server: LocalServer, bomb: Callable[..., Any]) -> None:
    server.add("/bomb", bomb(200 * 1000 * 1000))
    tracemalloc.start()
    try:
        error = fetch_error(server.url("/bomb"), replace(FAST, max_body_bytes=1024 * 1024))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (error.reason, error.retryable) == ("too-large", False)
    assert peak < 16 * 1024 * 1024
    assert server.count("/bomb") == 1


def test_a_declared_length_over_the_cap_is_refused_before_reading(server: LocalServer) -> None:
    server.add("/big", respond(b"<html>" + b"x" * 5000))
    error = fetch_error(server.url("/big"), replace(FAST, max_body_bytes=1000))
    assert error.reason == "too-large"
    assert "5006 bytes" in str(error)


@pytest.mark.parametrize("encoded", [brotli_body, gzip_body])
def test_compressed_bodies_are_decoded(server: LocalServer, encoded: Callable[..., Any]) -> None:
    server.add("/story", encoded(PAGE * 1000))
    assert fetch(server.url("/story")).body == PAGE * 1000


BIG = PAGE * 20_000  # ~1.8 MB: many decoder pieces


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("deflate", zlib.compress(BIG)),
        ("deflate", zlib.compress(BIG, wbits=-zlib.MAX_WBITS)),  # raw deflate, as some servers send
        ("x-gzip", gzip.compress(BIG)),
        ("gzip, br", brotli.compress(gzip.compress(BIG))),
        ("identity", BIG),
    ],
    ids=["zlib-deflate", "raw-deflate", "x-gzip", "gzip-then-br", "identity"],
)
def test_content_encodings(encoding: str, data: bytes) -> None:
    transport, _ = mock(lambda request: encoded_html(encoding, data))
    assert fetch("http://news.example/a", transport=transport).body == BIG


def test_a_mock_response_read_in_advance_still_counts_against_the_cap() -> None:
    transport, _ = mock(lambda request: httpx.Response(200, html="<html>" + "x" * 5000))
    assert len(fetch("http://news.example/a", transport=transport).body) == 5006
    error = fetch_error("http://news.example/a", replace(FAST, max_body_bytes=1000), transport=transport)
    assert error.reason == "too-large"


def test_a_corrupt_compressed_body_is_a_network_error() -> None:
    transport, _ = mock(lambda request: encoded_html("gzip", b"\x1f\x8bnot gzip"))
    error = fetch_error("http://news.example/a", transport=transport)
    assert error.reason == "network"
    assert "gzip" in str(error)


def test_not_html_is_refused_unless_anything_is_accepted(server: LocalServer) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    server.add("/image", respond(png, content_type="image/png"))
    error = fetch_error(server.url("/image"))
    assert error.reason == "not-html"
    assert "image/png" in str(error)
    assert fetch(server.url("/image"), accept="any").body == png


def test_xhtml_is_html(server: LocalServer) -> None:
    server.add("/page", respond(PAGE, content_type="application/xhtml+xml; charset=utf-8"))
    assert fetch(server.url("/page")).body == PAGE


@pytest.mark.parametrize(
    ("body", "is_html"),
    [
        (PAGE, True),
        (b"\n  <HTML><body><p>Shouting</p></body></HTML>", True),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), False),
        (b"just some words", False),
    ],
    ids=["doctype", "uppercase-html", "png", "plain-text"],
)
def test_a_missing_content_type_is_sniffed(server: LocalServer, body: bytes, is_html: bool) -> None:
    server.add("/page", respond(body, content_type=None))
    if is_html:
        assert fetch(server.url("/page")).body == body
    else:
        assert fetch_error(server.url("/page")).reason == "not-html"


# -- permit, private addresses, bad URLs -------------------------------------------------------------------


def test_permit_is_awaited_for_every_hop(server: LocalServer) -> None:
    server.add("/one", redirect("/two"))
    server.add("/two", redirect("/three"))
    server.add("/three")
    asked: list[str] = []

    async def permit(url: str) -> None:
        asked.append(url)

    fetch(server.url("/one"), permit=permit)
    assert asked == [server.url("/one"), server.url("/two"), server.url("/three")]


def test_a_refusing_permit_stops_the_fetch(server: LocalServer) -> None:
    server.add("/one", redirect("/private"))
    server.add("/private")
    refusal = FetchError("disallowed by robots.txt", url=server.url("/private"), reason="robots")

    async def permit(url: str) -> None:
        if url.endswith("/private"):
            raise refusal

    with pytest.raises(FetchError) as info:
        fetch(server.url("/one"), permit=permit)
    assert info.value is refusal
    assert server.count("/private") == 0


def never_called(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no request may be sent, but {request.url} was")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
    ],
)
def test_private_addresses_are_refused_by_default(url: str) -> None:
    error = fetch_error(
        url, replace(FAST, allow_private_networks=False), transport=httpx.MockTransport(never_called)
    )
    assert error.reason == "private-address"


def test_the_local_server_needs_the_private_network_flag(server: LocalServer) -> None:
    server.add("/story")
    error = fetch_error(server.url("/story"), replace(FAST, allow_private_networks=False))
    assert error.reason == "private-address"
    assert server.count("/story") == 0
    assert fetch(server.url("/story"), replace(FAST, allow_private_networks=True)).status == 200


def test_a_redirect_into_the_private_network_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        assert host == "news.example", f"unexpected lookup of {host}"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    transport, seen = mock(
        lambda request: httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    )
    error = fetch_error(
        "http://news.example/a", replace(FAST, allow_private_networks=False), transport=transport
    )
    assert error.reason == "private-address"
    assert error.url == "http://169.254.169.254/latest/meta-data/"
    assert seen == ["http://news.example/a"]


@pytest.mark.parametrize(
    "url", ["ftp://news.example/a", "not a url", "http://", "mailto:desk@news.example", "/relative/path"]
)
def test_bad_urls(url: str) -> None:
    error = fetch_error(url, transport=httpx.MockTransport(never_called))
    assert error.reason == "bad-url"


def test_accept_must_be_known() -> None:
    with pytest.raises(ValueError, match="accept"):
        fetch("http://news.example/", accept="json", transport=httpx.MockTransport(never_called))


# -- settings, gate, Retry-After parsing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "change", [{"retries": -1}, {"total_timeout": 0}, {"max_body_bytes": 0}, {"retry_after_max": -5}]
)
def test_settings_refuse_nonsense(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(change))):
        FetchSettings(**change)


def test_default_settings() -> None:
    settings = FetchSettings()
    assert settings.max_body_bytes == 10 * 1024 * 1024
    assert (settings.retries, settings.max_redirects, settings.allow_private_networks) == (3, 10, False)
    assert settings.user_agent == DEFAULT_USER_AGENT


def test_cool_down_gate_waits_per_origin() -> None:
    now = [50.0]
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 1:
            gate.cool_down("http://a:80", 10)  # extended while waiting: wait again
        now[0] += seconds

    gate = _CoolDownGate(clock=lambda: now[0], sleep=fake_sleep)

    async def run() -> None:
        gate.cool_down("http://a:80", 4)
        gate.cool_down("http://a:80", 2)  # a shorter cool-down never shortens a longer one
        async with gate.slot("http://b:80"):
            assert waits == []
        async with gate.slot("http://a:80"):
            assert waits == [4.0, 6.0]
        async with gate.slot("http://a:80"):
            assert len(waits) == 2

    asyncio.run(run())


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("Tue, 24 Nov 2026 10:01:40 GMT", 100.0),
        ("Tue, 24 Nov 2026 09:00:00 GMT", 0.0),
        ("-1", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    now = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after(value, now) == seconds


# -- the test server itself ------------------------------------------------------------------------------------


def test_the_local_server_leaves_no_threads_or_open_connections_behind() -> None:
    before = threading.active_count()
    started = time.monotonic()
    with LocalServer() as local:
        local.add("/slow", slow_headers(60))
        local.add("/page")
        waiting = socket.create_connection(("127.0.0.1", local.port))
        waiting.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        idle = socket.create_connection(("127.0.0.1", local.port))
        idle.sendall(b"GET /page HTTP/1.1\r\nHost: x\r\n\r\n")
        assert idle.recv(65536).startswith(b"HTTP/1.1 200")
        while local.count("/slow") == 0:
            time.sleep(0.01)
    assert threading.active_count() == before
    assert time.monotonic() - started < 5
    assert waiting.recv(100) == b""  # cut off, not left hanging
    waiting.close()
    idle.close()
