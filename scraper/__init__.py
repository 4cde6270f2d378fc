"""Clean article text and metadata from news and blog pages.

The public API is what ``__all__`` lists; everything else is internal. Names are imported on
first use, so a pipeline that only calls :func:`clean` never loads the HTTP client or the crawl
stack (``import scraper`` itself loads nothing heavy).
"""

from __future__ import annotations

from importlib import import_module as _import_module
from typing import TYPE_CHECKING

from scraper.article import Article, Flag, Page, Removal
from scraper.errors import (
    ConfigError,
    ExtractionTimeout,
    FetchError,
    InputError,
    LockHeld,
    NoArticleError,
    RuleError,
    ScraperError,
)

if TYPE_CHECKING:
    from scraper.crawler.config import CrawlConfig, load_config
    from scraper.crawler.report import CrawlReport
    from scraper.crawler.run import crawl
    from scraper.extract.engine import clean
    from scraper.web.scrape import fetch, scrape
    from scraper.web.session import Politeness
    from scraper.web.settings import FetchSettings

# Public name -> the module that defines it, imported when the name is first read.
_LAZY = {
    "clean": "scraper.extract.engine",
    "crawl": "scraper.crawler.run",
    "CrawlReport": "scraper.crawler.report",
    "CrawlConfig": "scraper.crawler.config",
    "load_config": "scraper.crawler.config",
    "FetchSettings": "scraper.web.settings",
    "Politeness": "scraper.web.session",
    "fetch": "scraper.web.scrape",
    "scrape": "scraper.web.scrape",
}


def __getattr__(name: str) -> object:
    if name == "__version__":
        from scraper.io.shipped import installed_version

        return installed_version("scraper")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'scraper' has no attribute {name!r}")
    value = getattr(_import_module(module), name)
    globals()[name] = value  # later reads skip this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Article",
    "ConfigError",
    "CrawlConfig",
    "CrawlReport",
    "ExtractionTimeout",
    "FetchError",
    "FetchSettings",
    "Flag",
    "InputError",
    "LockHeld",
    "NoArticleError",
    "Page",
    "Politeness",
    "Removal",
    "RuleError",
    "ScraperError",
    "clean",
    "crawl",
    "fetch",
    "load_config",
    "scrape",
]
