"""The one exception tree of the package.

Every failure raised on purpose derives from :class:`ScraperError`, so a caller
can catch one class; the subclasses tell *why*, so a batch can decide what to do::

    ScraperError
    ├── InputError            the input cannot be read or decoded (names the input)
    ├── RuleError             a rule file is invalid (names the file and line)
    ├── NoArticleError        the page holds no article (index page, empty, binary ...)
    ├── ExtractionTimeout     one page took longer than the per-page limit
    ├── FetchError            a URL could not be fetched (names the URL and the reason)
    ├── ConfigError           a crawl configuration is invalid (names the file and key)
    └── LockHeld              another process holds the run lock of a state file or output folder

Messages say what went wrong and what to do; nothing returns ``None`` for failure. Every error
pickles with its fields, so a process pool hands it back to the parent as it was raised.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scraper.article import Article


class ScraperError(Exception):
    """Root of every error this package raises on purpose."""

    def __reduce__(self) -> tuple[object, ...]:
        # Pickle's default calls the constructor with ``args`` alone, which loses (or fails on) the
        # keyword-only fields subclasses take; restore the message and the fields as they were.
        return (_restore, (type(self), self.args, self.__dict__))


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
    ``paywall`` (only the prompt, no teaser to give), ``error-page`` (a 404/500 page served as 200),
    ``too-large`` (over 32 MiB of text: no article page is that large), ``not-an-article`` (the
    page-type model, :mod:`scraper.extract.model.pages`, is very sure it is a listing page).
    A batch with a language filter (``--language``) also skips an article in another language as
    ``language``, and one with ``--skip-paywalled`` a teaser as ``paywall``.

    ``article`` is what was extracted anyway (metadata, and whatever text there was), or
    ``None`` when nothing could be read: a caller that wants even a stub can take it.
    """

    def __init__(self, message: str, *, reason: str, article: Article | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.article = article


class ExtractionTimeout(ScraperError):
    """Cleaning one page took longer than the configured limit."""


class FetchError(ScraperError):
    """A URL could not be fetched; ``reason`` is a short machine-readable code.

    Reasons: ``network`` (connect/reset/DNS), ``timeout``, ``status`` (a final 4xx/5xx, see
    ``status``), ``too-large`` (decoded body over the cap), ``not-html`` (content type not an
    article page), ``redirect-loop``, ``too-many-redirects``, ``private-address`` (resolves to a
    private, loopback or link-local address), ``robots`` (disallowed by robots.txt),
    ``robots-unavailable`` (robots.txt answered 5xx or was unreachable: retry later),
    ``bad-url`` (not an http(s) URL). ``retryable`` tells a crawler whether a later run may
    succeed; ``retry_after`` is the server's requested wait in seconds, when it gave one.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str,
        reason: str,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.reason = reason
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


class ConfigError(ScraperError):
    """A crawl configuration is invalid; the message names the file (or flag) and the key."""


class LockHeld(ScraperError):
    """Another process holds the run lock; ``pid`` is the holder's, when it could be read."""

    def __init__(self, message: str, *, path: Path, pid: int | None) -> None:
        super().__init__(message)
        self.path = path
        self.pid = pid


def _restore(cls: type[ScraperError], args: tuple[object, ...], fields: dict[str, object]) -> ScraperError:
    """Unpickle an error without calling its constructor (see ``ScraperError.__reduce__``)."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(fields)
    return error
