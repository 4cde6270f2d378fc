"""Clean article text and metadata from news and blog pages.

The public API is what ``__all__`` lists; everything else is internal.
"""

from importlib.metadata import PackageNotFoundError, version

from .article import Article, Page, Removal
from .engine import clean
from .errors import ExtractionTimeout, InputError, NoArticleError, RuleError, ScraperError

try:
    __version__ = version("scraper")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Article",
    "ExtractionTimeout",
    "InputError",
    "NoArticleError",
    "Page",
    "Removal",
    "RuleError",
    "ScraperError",
    "clean",
]
