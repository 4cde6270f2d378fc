"""The library's one-call entry points to the web: :func:`fetch` a page, :func:`scrape` an article.

Both are polite by default (robots.txt obeyed, an honest User-Agent) and synchronous; a
pipeline that fetches many pages should use :func:`scraper.crawl` or
:class:`scraper.web.session.WebSession`, which keep per-host limits across requests.
"""

from __future__ import annotations

from scraper.article import Article, Page
from scraper.extract.engine import clean
from scraper.rules.book import RuleBook
from scraper.web.session import Politeness, fetch_one
from scraper.web.settings import DEFAULT_SETTINGS, FetchSettings


def fetch(url: str, *, settings: FetchSettings = DEFAULT_SETTINGS, obey_robots: bool = True) -> Page:
    """Fetch one article page: redirects followed, body decoded to bytes, checks applied.

    Raises :class:`~scraper.errors.FetchError` naming the URL and the reason (``status``,
    ``timeout``, ``robots``, ``not-html`` ...).
    """
    return fetch_one(url, settings, Politeness(obey_robots=obey_robots))


def scrape(
    url: str,
    *,
    settings: FetchSettings = DEFAULT_SETTINGS,
    obey_robots: bool = True,
    rules: RuleBook | str | list[str] | None = None,
    timeout: float | None = 30.0,
) -> Article:
    """Fetch ``url`` and clean it: :func:`fetch` then :func:`scraper.clean`."""
    page = fetch(url, settings=settings, obey_robots=obey_robots)
    return clean(page, page.final_url or url, rules=rules, timeout=timeout)
