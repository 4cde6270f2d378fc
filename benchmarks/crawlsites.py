"""Many small news sites with a fixed response latency, served from a separate process.

The crawl benchmark (``benchmarks/crawl.py``) needs sites whose only limit is the latency they
are given, so the crawler's politeness settings, not the server, decide the throughput. One
asyncio event loop in a child process serves every site (one port on 127.0.0.1 per site, as the
crawler keys politeness by ``scheme://host:port``); it never competes with the crawler for the
GIL and answers any number of simultaneous requests, each after ``latency`` seconds::

    with SiteServer(SiteSpec(hosts=20, articles=100, latency=0.2)) as sites:
        ...crawl sites.feed_urls...
        counts = sites.stats()        # what the server saw since the last reset()
    sites.final_stats["maxrss_kib"]   # the server process's own peak memory

Each site has ``/robots.txt`` (everything allowed), an RSS feed at ``/feed.xml`` listing all its
articles, and ``/news/story-N.html``; the feed and the articles carry an ETag and answer 304 to
a matching ``If-None-Match``. Bodies are gzipped when the client accepts it, as news sites do.
The server counts requests by kind (robots, feed, article, other) and by whether they were
conditional, the statuses it sent, the most requests in flight at once on one site and the
shortest gap between two request arrivals on one site (to check the crawler's politeness), the
gaps between one site's article requests (the crawler's turnaround), and when the first
request, the first article request and the last reply happened (to split a run into phases).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import itertools
import multiprocessing
import random
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

# Big enough for any request line and headers a crawler sends; more is a broken client.
MAX_HEAD_BYTES = 64 * 1024
START_TIMEOUT = 60.0  # seconds the child may take to build its pages and open its ports
REASONS = {200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
ROBOTS = b"User-agent: *\nAllow: /\n"
# Words the article bodies are drawn from (a text engine sees ordinary prose).
_WORDS_TEXT = """
    council budget harbour bridge election minister school hospital river station market festival
    museum library village county court police weather storm flood farmers workers union strike
    energy prices housing rent tenants landlord airport railway tram cycling road traffic plan
    report survey data research university students teachers parents children families doctors
    nurses patients clinic vaccine summer winter autumn spring morning evening weekend holiday
    tourists visitors residents neighbours shop owners business company jobs factory export import
    trade deal talks agreement vote parliament mayor committee decision appeal judge lawyer trial
    witness evidence investigation fire crews rescue coast island mountain forest park garden water
    supply pipes repair works contract funding grant charity volunteers music theatre film book
    author artist exhibition gallery team coach season match final league
"""
_VOCABULARY = tuple(_WORDS_TEXT.split())


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """The sites to serve: ``hosts`` sites of ``articles`` pages of about ``words`` words each,
    every response sent ``latency`` seconds after its request arrived."""

    hosts: int = 20
    articles: int = 100
    latency: float = 0.2
    words: int = 600
    compress: bool = True

    def __post_init__(self) -> None:
        if self.hosts < 1 or self.articles < 1 or self.words < 1:
            raise ValueError("hosts, articles and words must be at least 1")
        if not self.latency >= 0:
            raise ValueError(f"latency must be >= 0 seconds, not {self.latency}")


def article_path(index: int) -> str:
    return f"/news/story-{index}.html"


def article_html(site: int, index: int, url: str, words: int, articles: int) -> str:
    """One article page: a body of about ``words`` words (unique per site and index, so no two
    pages are duplicates) in the boilerplate a real news page carries (navigation, a cookie
    notice, a newsletter box, related stories, a footer)."""
    pick = random.Random(site * 1_000_003 + index)
    title = f"Story {index} from site {site}: {' '.join(pick.sample(_VOCABULARY, 5))}"
    paragraphs, count = [], 0
    while count < words:
        sentences = []
        for _ in range(pick.randint(2, 4)):
            sentence = " ".join(pick.choice(_VOCABULARY) for _ in range(pick.randint(8, 20)))
            sentences.append(sentence.capitalize() + ".")
        paragraph = " ".join(sentences)
        paragraphs.append(f"<p>{paragraph}</p>")
        count += len(paragraph.split())
    sections = "".join(f'<li><a href="/section/{name}/">{name.title()}</a></li>' for name in _VOCABULARY[:14])
    others = [(index + step) % articles for step in range(1, 6)]
    related = "".join(f'<li><a href="{article_path(k)}">Story {k}</a></li>' for k in others)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} | Site {site} News</title>"
        f'<link rel="canonical" href="{url}"><meta name="author" content="Reporter {index % 17}">'
        f'<meta property="og:title" content="{escape(title)}">'
        '<meta property="article:published_time" content="2026-11-24T10:00:00Z">'
        '<link rel="stylesheet" href="/static/site.css"></head><body>'
        '<div class="cookie-banner">We use cookies to improve your experience. <button>Accept</button></div>'
        f'<header><a class="logo" href="/">Site {site} News</a><nav><ul>{sections}</ul></nav></header>'
        f'<main><article><h1>{escape(title)}</h1><p class="byline">By Reporter {index % 17}, '
        f'<time datetime="2026-11-24T10:00:00Z">24 November 2026</time></p>{"".join(paragraphs)}'
        "</article>"
        '<aside class="newsletter"><h2>Get the morning briefing</h2><p>Sign up for our free newsletter.</p>'
        "<form><input type=email><button>Subscribe</button></form></aside>"
        f'<aside class="related"><h2>More stories</h2><ul>{related}</ul></aside></main>'
        '<footer><ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li>'
        '<li><a href="/privacy">Privacy</a></li></ul><p>Copyright 2026 Site News Ltd.</p></footer>'
        "</body></html>"
    )


def rss(base: str, paths: list[str]) -> str:
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}{path}</link>"
        f"<pubDate>Tue, 24 Nov 2026 {10 + i // 60 % 10:02d}:{i % 60:02d}:00 GMT</pubDate></item>"
        for i, path in enumerate(paths)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>News</title>'
        f"<link>{base}/</link>{items}</channel></rss>"
    )


@dataclass(frozen=True, slots=True)
class _Resource:
    kind: str
    content_type: str
    body: bytes
    gzipped: bytes | None
    etag: str | None


@dataclass(slots=True)
class _Site:
    resources: dict[str, _Resource]
    arrivals: list[tuple[float, str]] = field(default_factory=list)  # (time.monotonic(), kind) of each
    article_arrivals: list[float] = field(default_factory=list)
    in_flight: int = 0
    peak_in_flight: int = 0


def _resource(kind: str, content_type: str, text: str | bytes, etag: str | None, compress: bool) -> _Resource:
    body = text.encode("utf-8") if isinstance(text, str) else text
    gzipped = gzip.compress(body, compresslevel=6, mtime=0) if compress else None
    return _Resource(kind, content_type, body, gzipped, etag)


def _build_site(site: int, base: str, spec: SiteSpec) -> _Site:
    paths = [article_path(i) for i in range(spec.articles)]
    resources = {
        "/robots.txt": _resource("robots", "text/plain", ROBOTS, None, False),
        "/feed.xml": _resource(
            "feed", "application/rss+xml; charset=utf-8", rss(base, paths), '"feed-1"', spec.compress
        ),
    }
    for index, path in enumerate(paths):
        html = article_html(site, index, base + path, spec.words, spec.articles)
        resources[path] = _resource("article", "text/html; charset=utf-8", html, f'"a{index}"', spec.compress)
    return _Site(resources)


class _Server:
    """The child process's event loop: the sites, their counters, and the control pipe."""

    def __init__(self, spec: SiteSpec, control: Connection) -> None:
        self.spec = spec
        self.control = control
        self.sites: list[_Site] = []
        self.requests: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.last_reply: float | None = None
        self.stopped = asyncio.Event()

    async def run(self) -> None:
        servers = []
        for site in range(self.spec.hosts):
            server = await asyncio.start_server(
                lambda r, w, site=site: self.handle(site, r, w), "127.0.0.1", 0, backlog=1024
            )
            servers.append(server)
        ports = [server.sockets[0].getsockname()[1] for server in servers]
        self.sites = [_build_site(i, f"http://127.0.0.1:{port}", self.spec) for i, port in enumerate(ports)]
        loop = asyncio.get_running_loop()
        loop.add_reader(self.control.fileno(), self.on_command)
        self.control.send(ports)
        await self.stopped.wait()
        loop.remove_reader(self.control.fileno())
        for server in servers:
            server.close()

    def on_command(self, *_: Any) -> None:
        command = self.control.recv()
        if command == "reset":
            self.requests.clear()
            self.statuses.clear()
            self.last_reply = None
            for site in self.sites:
                site.arrivals.clear()
                site.article_arrivals.clear()
                site.peak_in_flight = site.in_flight
        elif command == "stop":
            self.stopped.set()
        self.control.send(self.snapshot())

    def snapshot(self) -> dict[str, Any]:
        """The counters; times are ``time.monotonic()`` (one clock for every process on Linux)."""
        shortest = min(
            (
                (later - earlier, f"{first_kind} then {second_kind}")
                for site in self.sites
                for (earlier, first_kind), (later, second_kind) in itertools.pairwise(site.arrivals)
            ),
            default=None,
        )
        article_gaps = sorted(gap for site in self.sites for gap in _gaps(site.article_arrivals))
        firsts = [site.arrivals[0][0] for site in self.sites if site.arrivals]
        first_articles = [site.article_arrivals[0] for site in self.sites if site.article_arrivals]
        return {
            "requests": dict(self.requests),
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
            "peak_in_flight_per_site": max((site.peak_in_flight for site in self.sites), default=0),
            "min_arrival_gap": shortest[0] if shortest else None,
            "min_arrival_gap_between": shortest[1] if shortest else None,
            "article_gap": {
                "mean": sum(article_gaps) / len(article_gaps),
                "p50": article_gaps[len(article_gaps) // 2],
                "p90": article_gaps[len(article_gaps) * 9 // 10],
            }
            if article_gaps
            else None,
            "first_arrival": min(firsts, default=None),
            "first_article_arrival": min(first_articles, default=None),
            "last_reply": self.last_reply,
            "cpu_seconds": time.process_time(),
            "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        }

    async def handle(
        self, site_index: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        site = self.sites[site_index]
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                method, target, headers = _parse_head(head)
                arrived = time.monotonic()
                found = site.resources.get(target.split("?", 1)[0])
                site.arrivals.append((arrived, found.kind if found else "other"))
                if found is not None and found.kind == "article":
                    site.article_arrivals.append(arrived)
                site.in_flight += 1
                site.peak_in_flight = max(site.peak_in_flight, site.in_flight)
                try:
                    await asyncio.sleep(self.spec.latency)
                    writer.write(self.answer(found, method, headers))
                    await writer.drain()
                    self.last_reply = time.monotonic()
                finally:
                    site.in_flight -= 1
                if headers.get("connection", "").lower() == "close" or method is None:
                    return
        except ConnectionError:
            return
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def answer(self, found: _Resource | None, method: str | None, headers: dict[str, str]) -> bytes:
        """The whole response to one request (for ``found``, None if unknown), and the request counted."""
        kind = found.kind if found else "other"
        conditional = "if-none-match" in headers or "if-modified-since" in headers
        self.requests[f"{kind}:{'conditional' if conditional else 'plain'}"] += 1
        if method is None:
            return self.response(400, {}, b"bad request\n")
        if method != "GET":
            return self.response(405, {"Allow": "GET"}, b"only GET\n")
        if found is None:
            return self.response(404, {"Content-Type": "text/plain"}, b"not found\n")
        fields = {"Content-Type": found.content_type}
        if found.etag:
            fields["ETag"] = found.etag
            if headers.get("if-none-match") == found.etag:
                return self.response(304, {"ETag": found.etag}, b"")
        body = found.body
        if found.gzipped is not None:
            fields["Vary"] = "Accept-Encoding"
            if "gzip" in headers.get("accept-encoding", ""):
                fields["Content-Encoding"] = "gzip"
                body = found.gzipped
        return self.response(200, fields, body)

    def response(self, status: int, fields: dict[str, str], body: bytes) -> bytes:
        self.statuses[status] += 1
        lines = [f"HTTP/1.1 {status} {REASONS[status]}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in fields.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def _parse_head(head: bytes) -> tuple[str | None, str, dict[str, str]]:
    """Method, target and lower-cased headers; method None for a request that is not HTTP."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        return None, "", {}
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return parts[0], parts[1], headers


def _serve(spec: SiteSpec, control: Connection) -> None:
    """The child process's entry point."""
    asyncio.run(_Server(spec, control).run())


class SiteServer:
    """The sites of ``spec``, served by a child process while the ``with`` block runs."""

    def __init__(self, spec: SiteSpec) -> None:
        self.spec = spec
        self.ports: list[int] = []
        self.final_stats: dict[str, Any] = {}
        # "spawn": the child starts from a fresh interpreter, so its memory is its own.
        context = multiprocessing.get_context("spawn")
        self._control, child_end = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(spec, child_end), name="crawl-bench-sites", daemon=True
        )
        self._child_end = child_end

    def __enter__(self) -> SiteServer:
        self._process.start()
        self._child_end.close()
        if not self._control.poll(START_TIMEOUT):
            self._process.kill()
            raise RuntimeError(f"the site server did not start within {START_TIMEOUT:.0f} s")
        self.ports = self._control.recv()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def feed_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}/feed.xml" for port in self.ports]

    def reset(self) -> None:
        """Zero the request counters (between two crawl runs)."""
        self._ask("reset")

    def stats(self) -> dict[str, Any]:
        """What the server saw since the last :meth:`reset`, with its own CPU time and peak RSS."""
        return self._ask("stats")

    def stop(self) -> None:
        """Stop the child; its last stats (peak memory included) stay in :attr:`final_stats`."""
        if self._process.is_alive() and not self.final_stats:
            with contextlib.suppress(OSError, EOFError, RuntimeError):
                self.final_stats = self._ask("stop")
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._control.close()

    def _ask(self, command: str) -> dict[str, Any]:
        self._control.send(command)
        if not self._control.poll(10):
            raise RuntimeError(f"the site server did not answer {command!r}")
        answer: dict[str, Any] = self._control.recv()
        return answer
