"""Clean article text and metadata from news and blog pages.

The public API is what ``__all__`` lists; everything else is internal.
"""

from .article import Article, Page, Removal
from .crawl import CrawlReport, crawl
from .crawlconfig import CrawlConfig, load_config
from .engine import VERSIONS, clean
from .errors import (
    ConfigError,
    ExtractionTimeout,
    FetchError,
    InputError,
    NoArticleError,
    RuleError,
    ScraperError,
)
from .fetch import FetchSettings
from .lock import LockHeld
from .session import Politeness
from .web import fetch, scrape

__version__ = VERSIONS["scraper"]

__all__ = [
    "Article",
    "ConfigError",
    "CrawlConfig",
    "CrawlReport",
    "ExtractionTimeout",
    "FetchError",
    "FetchSettings",
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
