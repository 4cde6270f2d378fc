"""Shared fixtures: small saved pages written by the tests themselves (no samples/, no network)."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from scraper.crawler.config import CrawlConfig
from scraper.web.session import Politeness
from scraper.web.settings import FetchSettings

# Crawls against the tests' own 127.0.0.1 servers: private addresses allowed, quick retries.
FAST_FETCH = FetchSettings(
    allow_private_networks=True, retries=2, backoff_initial=0.01, backoff_max=0.05, total_timeout=5
)
NO_DELAY = Politeness(delay=0.0, concurrency=2)


def crawl_config(tmp_path: Path, **fields: object) -> CrawlConfig:
    """A crawl into ``tmp_path/out``, cleaning in-process, with ``fields`` on top."""
    values: dict[str, object] = {
        "out": tmp_path / "out",
        "jobs": 0,
        "fetch": FAST_FETCH,
        "politeness": NO_DELAY,
    }
    values.update(fields)
    return CrawlConfig(**values)  # type: ignore[arg-type]

_WORDS = (
    "river",
    "council",
    "harbour",
    "engineers",
    "bridge",
    "morning",
    "committee",
    "report",
    "survey",
    "water",
    "trains",
    "budget",
    "school",
    "winter",
    "festival",
    "library",
    "museum",
    "market",
    "garden",
    "coast",
    "island",
    "village",
    "ferry",
    "tunnel",
)


def make_article_html(slug: str, title: str, *, url: str | None = None, words: int = 300) -> str:
    """An article page of about ``words`` words in ``<article><p>``, with a nav and a footer.

    Every paragraph names ``slug``, so tests can tell articles apart by their text.
    """
    paragraphs, count, i = [], 0, 0
    while count < words:
        picked = " ".join(_WORDS[(i * 7 + k * 3 + len(slug)) % len(_WORDS)] for k in range(12))
        i += 1
        sentence = f"In part {i} of the story the {picked} were discussed again by {slug} residents."
        paragraphs.append(f"<p>{sentence}</p>")
        count += len(sentence.split())
    canonical = f'<link rel="canonical" href="{url}">' if url else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>{canonical}</head><body>"
        '<nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        f"<article><h1>{title}</h1>{''.join(paragraphs)}</article>"
        "<footer>Copyright Example News</footer></body></html>"
    )


STUB_HTML = "<!doctype html><html><head><title>Oops</title></head><body><p>Page not found.</p></body></html>"


@pytest.fixture
def article_html() -> Callable[..., str]:
    """The page builder, as a fixture: ``article_html(slug, title, url=None, words=300)``."""
    return make_article_html


@pytest.fixture
def stub_html() -> str:
    """A page with no article in it (a "not found" stub): the CLI must skip it."""
    return STUB_HTML


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A folder of saved pages, in the sorted order the CLI walks them::

        saved/blog.example.org/2024/gamma.html.gz   (gzipped, no canonical URL)
        saved/news.example.com/alpha.html           (canonical https://news.example.com/alpha)
        saved/news.example.com/beta.htm             (canonical https://news.example.com/beta)

    plus files the walk must skip: ``.hidden.html``, ``.cache/delta.html``, ``notes.txt``.
    """
    root = tmp_path / "saved"
    news = root / "news.example.com"
    blog = root / "blog.example.org" / "2024"
    news.mkdir(parents=True)
    blog.mkdir(parents=True)
    (root / ".cache").mkdir()
    (news / "alpha.html").write_text(
        make_article_html("alpha", "Alpha bridge reopens", url="https://news.example.com/alpha"),
        encoding="utf-8",
    )
    (news / "beta.htm").write_text(
        make_article_html("beta", "Beta “harbour” plan", url="https://news.example.com/beta"),
        encoding="utf-8",
    )
    (blog / "gamma.html.gz").write_bytes(
        gzip.compress(make_article_html("gamma", "Gamma festival notes").encode("utf-8"))
    )
    (root / ".hidden.html").write_text(make_article_html("hidden", "Hidden"), encoding="utf-8")
    (root / ".cache" / "delta.html").write_text(make_article_html("delta", "Delta"), encoding="utf-8")
    (root / "notes.txt").write_text("not a page", encoding="utf-8")
    return root
