"""A real HTTP/1.1 server on 127.0.0.1 with a route table and fault-injecting routes.

Fetch and crawl tests need real sockets (timeouts, resets, keep-alive, compressed streams) but
must never touch the internet; this serves them from a thread of the test process::

    with LocalServer() as server:
        server.add("/page", respond("<!doctype html><p>Hi</p>"))
        server.add("/flaky", status_sequence([503, 503, 200]))
        ...fetch server.url("/flaky")...
        assert server.count("/flaky") == 3
        assert server.requests("/page")[0].headers["user-agent"].startswith("scraper/")

A route is a function of an :class:`Exchange` (the request, its number on that path, and the
means to answer: whole responses, raw writes, waits, a TCP reset). The builders below cover the
faults a crawler meets. Leaving the ``with`` block wakes every waiting route, cuts open
connections and joins every thread, so nothing outlives a test.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import socket
import struct
import sys
import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

import brotli

HTML = "text/html; charset=utf-8"
PAGE = b"<!doctype html><html><head><title>Test page</title></head><body><p>Hello.</p></body></html>"
MB = 1000 * 1000
_POLL_SECONDS = 0.02  # how soon serve_forever notices shutdown()


@dataclass(frozen=True, slots=True)
class Request:
    """What the server received: method, target (path and query) and lower-cased headers."""

    method: str
    target: str
    headers: dict[str, str]


class Exchange:
    """One request being answered; routes use this instead of the raw handler."""

    def __init__(self, handler: _Handler, request: Request, index: int, stopping: threading.Event) -> None:
        self.request = request
        self.index = index  # how many requests this path received before this one
        self._handler = handler
        self._stopping = stopping

    def send(self, status: int, headers: Mapping[str, str] | None = None, body: bytes = b"") -> None:
        """A complete response with a Content-Length."""
        self.send_head(status, {"Content-Length": str(len(body)), **(headers or {})})
        self.write(body)

    def send_head(self, status: int, headers: Mapping[str, str]) -> None:
        """The status line and headers; the route writes the body itself."""
        self._handler.send_response(status)
        for name, value in headers.items():
            self._handler.send_header(name, value)
        self._handler.end_headers()
        self._handler.wfile.flush()

    def write(self, data: bytes) -> None:
        if data:
            self._handler.wfile.write(data)
            self._handler.wfile.flush()

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; False at once when the server is shutting down (the route should stop)."""
        return not self._stopping.wait(seconds)

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0, then close), as a crashing server would."""
        connection = self._handler.connection
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._handler.close_connection = True
        self._handler.rfile.close()  # the buffered reader holds the socket open otherwise
        connection.close()


Route = Callable[[Exchange], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.owner._opened(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # the route reset the connection, or the client left
            super().finish()
        self.server.owner._closed(self.connection)

    def do_GET(self) -> None:
        self.server.owner._dispatch(self)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: tests read the request log instead."""


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler thread
    block_on_close = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, owner: LocalServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet when a client hung up or a route broke the connection on purpose; loud otherwise."""
        if not self.owner._stopping.is_set() and not _is_connection_error():
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def _is_connection_error() -> bool:
    return isinstance(sys.exc_info()[1], OSError)


class LocalServer:
    """An HTTP/1.1 server on an ephemeral port of 127.0.0.1; a context manager."""

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}
        self._log: dict[str, list[Request]] = {}
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LocalServer:
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(_POLL_SECONDS,), name="LocalServer", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()  # joins the handler threads, now woken and cut off
        thread.join()
        self._server = self._thread = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("LocalServer is not running (use it in a with block)")
        return self._server.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.origin + path

    def add(
        self,
        path: str,
        route: Route | None = None,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        body: bytes | str = PAGE,
    ) -> None:
        """Serve ``path`` (matched without its query) with ``route``, or with a fixed response."""
        with self._lock:
            self._routes[path] = route or respond(body, status=status, headers=headers)

    def requests(self, path: str) -> list[Request]:
        """Every request received for ``path``, oldest first."""
        with self._lock:
            return list(self._log.get(path, []))

    def count(self, path: str) -> int:
        return len(self.requests(path))

    def _dispatch(self, handler: _Handler) -> None:
        path = urlsplit(handler.path).path
        request = Request(
            method=handler.command,
            target=handler.path,
            headers={name.lower(): value for name, value in handler.headers.items()},
        )
        with self._lock:
            log = self._log.setdefault(path, [])
            index = len(log)
            log.append(request)
            route = self._routes.get(path)
        exchange = Exchange(handler, request, index, self._stopping)
        if route is None:
            exchange.send(404, {"Content-Type": "text/plain"}, b"no such route")
        else:
            route(exchange)

    def _opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def _closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)


def closed_port_url(path: str = "/") -> str:
    """A URL on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


# -- route builders -------------------------------------------------------------------------------


def _bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def respond(
    body: bytes | str = PAGE,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    content_type: str | None = HTML,
) -> Route:
    """Always the same response; ``content_type=None`` sends none at all."""
    data = _bytes(body)
    fixed = {"Content-Type": content_type} if content_type else {}
    fixed.update(headers or {})

    def route(exchange: Exchange) -> None:
        exchange.send(status, fixed, data)

    return route


def status_sequence(statuses: Sequence[int], body: bytes | str = PAGE) -> Route:
    """The n-th request gets ``statuses[n]`` (the last one repeats): bursts of errors, then success."""
    data = _bytes(body)

    def route(exchange: Exchange) -> None:
        status = statuses[min(exchange.index, len(statuses) - 1)]
        payload = data if 200 <= status < 300 else f"status {status}".encode()
        exchange.send(status, {"Content-Type": HTML}, payload)

    return route


def rate_limited(retry_after: float | str = 1, *, times: int | None = 1, body: bytes | str = PAGE) -> Route:
    """429 with ``Retry-After`` for the first ``times`` requests (None: always), then the page."""
    data = _bytes(body)

    def route(exchange: Exchange) -> None:
        if times is None or exchange.index < times:
            value = retry_after if isinstance(retry_after, str) else f"{retry_after:g}"
            exchange.send(429, {"Content-Type": "text/plain", "Retry-After": value}, b"slow down")
        else:
            exchange.send(200, {"Content-Type": HTML}, data)

    return route


def slow_headers(seconds: float, body: bytes | str = PAGE) -> Route:
    """Say nothing for ``seconds``, then answer normally (a read timeout before the headers)."""
    data = _bytes(body)

    def route(exchange: Exchange) -> None:
        if exchange.wait(seconds):
            exchange.send(200, {"Content-Type": HTML}, data)

    return route


def drip_body(chunk: bytes = b"<p>drip</p>", interval: float = 0.1, total: int = 100_000) -> Route:
    """Headers at once, then ``chunk`` every ``interval`` s up to ``total`` bytes: each read is
    quick, so only a whole-request deadline stops it."""

    def route(exchange: Exchange) -> None:
        exchange.send_head(200, {"Content-Type": HTML, "Content-Length": str(total)})
        sent = 0
        while sent < total and exchange.wait(interval):
            piece = chunk[: total - sent]
            exchange.write(piece)
            sent += len(piece)

    return route


def reset_mid_body(body: bytes | str = PAGE * 100, sent: int | None = None) -> Route:
    """Announce the whole body, send ``sent`` bytes of it (default: half), then a TCP reset."""
    data = _bytes(body)
    cut = len(data) // 2 if sent is None else sent

    def route(exchange: Exchange) -> None:
        exchange.send_head(200, {"Content-Type": HTML, "Content-Length": str(len(data))})
        exchange.write(data[:cut])
        exchange.reset()

    return route


def redirect(to: str, status: int = 302) -> Route:
    """A redirect to ``to``, sent as written (relative locations stay relative)."""

    def route(exchange: Exchange) -> None:
        exchange.send(status, {"Location": to, "Content-Type": "text/plain"}, b"moved")

    return route


@functools.cache
def _gzipped_zeros(decoded_size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(MB)
    parts = [compressor.compress(block) for _ in range(decoded_size // MB)]
    parts.append(compressor.compress(bytes(decoded_size % MB)))
    parts.append(compressor.flush())
    return b"".join(parts)


@functools.cache
def _brotli_zeros(decoded_size: int) -> bytes:
    compressor = brotli.Compressor(quality=5)
    block = bytes(MB)
    parts = [compressor.process(block) for _ in range(decoded_size // MB)]
    parts.append(compressor.process(bytes(decoded_size % MB)))
    parts.append(compressor.finish())
    return b"".join(parts)


def gzip_bomb(decoded_size: int = 200 * MB) -> Route:
    """A text/html body of zeros, gzip-encoded: ~0.1% of ``decoded_size`` on the wire (built once)."""
    data = _gzipped_zeros(decoded_size)

    def route(exchange: Exchange) -> None:
        exchange.send(200, {"Content-Type": HTML, "Content-Encoding": "gzip"}, data)

    return route


def brotli_bomb(decoded_size: int = 200 * MB) -> Route:
    """Like :func:`gzip_bomb` with brotli, far denser: 200 MB of zeros is a few hundred bytes."""
    data = _brotli_zeros(decoded_size)

    def route(exchange: Exchange) -> None:
        exchange.send(200, {"Content-Type": HTML, "Content-Encoding": "br"}, data)

    return route


def brotli_body(body: bytes | str = PAGE) -> Route:
    """The page brotli-encoded (``Content-Encoding: br``)."""
    data = brotli.compress(_bytes(body))

    def route(exchange: Exchange) -> None:
        exchange.send(200, {"Content-Type": HTML, "Content-Encoding": "br"}, data)

    return route


def gzip_body(body: bytes | str = PAGE) -> Route:
    """The page gzip-encoded (``Content-Encoding: gzip``)."""
    data = gzip.compress(_bytes(body))

    def route(exchange: Exchange) -> None:
        exchange.send(200, {"Content-Type": HTML, "Content-Encoding": "gzip"}, data)

    return route


def wrong_charset(text: str, *, actual: str = "utf-8", declared: str = "iso-8859-1") -> Route:
    """``text`` encoded as ``actual`` while the Content-Type header claims ``declared``."""
    return respond(text.encode(actual), content_type=f"text/html; charset={declared}")


def no_charset(text: str, *, encoding: str = "utf-8") -> Route:
    """``text`` encoded as ``encoding`` under a bare ``Content-Type: text/html``."""
    return respond(text.encode(encoding), content_type="text/html")


def etag_resource(etag: str, body: bytes | str = PAGE, *, last_modified: str | None = None) -> Route:
    """A page with an ``ETag`` (and ``Last-Modified``): 304 when a validator the client sends matches."""
    data = _bytes(body)
    validators = {"ETag": etag, **({"Last-Modified": last_modified} if last_modified else {})}

    def route(exchange: Exchange) -> None:
        headers = exchange.request.headers
        tags = {tag.strip() for tag in headers.get("if-none-match", "").split(",")}
        unchanged = etag in tags or "*" in tags
        if "if-none-match" not in headers and last_modified:
            unchanged = headers.get("if-modified-since") == last_modified
        if unchanged:
            exchange.send_head(304, validators)
        else:
            exchange.send(200, {"Content-Type": HTML, **validators}, data)

    return route
