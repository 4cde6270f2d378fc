"""Clean article text and metadata from news and blog pages.

The public API is what ``__all__`` lists; everything else is internal.
"""

from scraper.article import Article, Page, Removal
from scraper.crawler.config import CrawlConfig, load_config
from scraper.crawler.lock import LockHeld
from scraper.crawler.run import CrawlReport, crawl
from scraper.errors import (
    ConfigError,
    ExtractionTimeout,
    FetchError,
    InputError,
    NoArticleError,
    RuleError,
    ScraperError,
)
from scraper.extract.engine import VERSIONS, clean
from scraper.web.client import FetchSettings
from scraper.web.scrape import fetch, scrape
from scraper.web.session import Politeness

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
