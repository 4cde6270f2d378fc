"""Clean article text and metadata from news and blog pages.

The public API is what ``__all__`` lists; everything else is internal.
"""

from .article import Article, Page, Removal
from .engine import VERSIONS, clean
from .errors import ExtractionTimeout, InputError, NoArticleError, RuleError, ScraperError

__version__ = VERSIONS["scraper"]

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
