"""A small news site served by :class:`httpserver.LocalServer`, for crawl tests and benchmarks.

``publish(server, count)`` registers ``/robots.txt``, an RSS feed at ``/feed.xml``, a sitemap
at ``/sitemap.xml`` and ``count`` articles at ``/news/story-N.html``, each answering 304 to a
matching ``If-None-Match`` (as real news CDNs do).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from conftest import make_article_html
from httpserver import Exchange, LocalServer, Route, respond

FEED_TYPE = "application/rss+xml; charset=utf-8"
SITEMAP_TYPE = "application/xml; charset=utf-8"
HTML = "text/html; charset=utf-8"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def article_path(index: int) -> str:
    return f"/news/story-{index}.html"


def conditional(body: bytes, etag: str, content_type: str, *, delay: float = 0.0) -> Route:
    """A resource with an ETag: 304 when the client already holds it."""

    def route(exchange: Exchange) -> None:
        if delay:
            exchange.wait(delay)
        if exchange.request.headers.get("if-none-match") == etag:
            exchange.send(304, {"ETag": etag})
        else:
            exchange.send(200, {"Content-Type": content_type, "ETag": etag}, body)

    return route


def rss(server: LocalServer, paths: list[str], *, age_days: float = 0) -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>{server.url(path)}</link>"
        f"<pubDate>{format_datetime(NOW - timedelta(days=age_days, minutes=i))}</pubDate></item>"
        for i, path in enumerate(paths)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Test news</title>'
        f"<link>{server.url('/')}</link>{items}</channel></rss>"
    ).encode()


def sitemap(server: LocalServer, paths: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{server.url(path)}</loc><lastmod>2026-11-24</lastmod></url>" for path in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


def article_body(server: LocalServer, index: int, *, words: int = 200) -> bytes:
    path = article_path(index)
    slug = f"story{index}x{server.port}"
    return make_article_html(slug, f"Story number {index}", url=server.url(path), words=words).encode()


def publish(
    server: LocalServer,
    count: int,
    *,
    robots: str = "User-agent: *\nAllow: /\n",
    delay: float = 0.0,
    words: int = 200,
) -> list[str]:
    """Serve a site of ``count`` articles; return their paths."""
    paths = [article_path(i) for i in range(count)]
    server.add("/robots.txt", respond(robots, content_type="text/plain"))
    server.add("/feed.xml", conditional(rss(server, paths), '"feed-1"', FEED_TYPE))
    server.add("/sitemap.xml", conditional(sitemap(server, paths), '"map-1"', SITEMAP_TYPE))
    for index, path in enumerate(paths):
        body = article_body(server, index, words=words)
        server.add(path, conditional(body, f'"a{index}"', HTML, delay=delay))
    return paths
