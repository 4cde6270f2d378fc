"""The one exception tree of the package.

Every failure raised on purpose derives from :class:`ScraperError`, so a caller
can catch one class; the subclasses tell *why*, so a batch can decide what to do::

    ScraperError
    ├── InputError            the input cannot be read or decoded (names the input)
    ├── RuleError             a rule file is invalid (names the file and line)
    ├── NoArticleError        the page holds no article (index page, empty, binary ...)
    └── ExtractionTimeout     one page took longer than the per-page limit

Messages say what went wrong and what to do; nothing returns ``None`` for failure.
"""

from __future__ import annotations


class ScraperError(Exception):
    """Root of every error this package raises on purpose."""


class InputError(ScraperError):
    """The input could not be read or decoded."""


class RuleError(ScraperError):
    """A rule file is invalid; the message names the file and, where known, the line."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line


class NoArticleError(ScraperError):
    """The page holds no article; ``reason`` is a short machine-readable code.

    Reasons: ``empty`` (no text at all), ``binary`` (not HTML), ``too-short`` (only a few
    words of body text), ``index-page`` (a list of links), ``bot-challenge`` (a captcha or
    "Just a moment..." interstitial), ``javascript-required`` (an app shell), ``consent-wall``,
    ``paywall`` (only the prompt and a teaser), ``error-page`` (a 404/500 page served as 200).
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ExtractionTimeout(ScraperError):
    """Cleaning one page took longer than the configured limit."""
