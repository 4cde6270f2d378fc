"""The one exception tree of the package.

Every failure raised on purpose derives from :class:`ScraperError`, so a caller
can catch one class; the subclasses tell *why*, so a batch can decide what to do::

    ScraperError
    ├── InputError            the input cannot be read or decoded (names the input)
    ├── RuleError             a rule file is invalid (names the file and line)
    ├── NoArticleError        the page holds no article (index page, empty, binary ...)
    ├── ExtractionTimeout     one page took longer than the per-page limit
    ├── FetchError            a URL could not be fetched (names the URL and the reason)
    └── ConfigError           a crawl configuration is invalid (names the file and key)

Messages say what went wrong and what to do; nothing returns ``None`` for failure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scraper.article import Article


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
        self._message = message

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self._message, {"path": self.path, "line": self.line}))


class NoArticleError(ScraperError):
    """The page holds no article; ``reason`` is a short machine-readable code.

    Reasons: ``empty`` (no text at all), ``binary`` (not HTML), ``too-short`` (only a few
    words of body text), ``index-page`` (a list of links), ``bot-challenge`` (a captcha or
    "Just a moment..." interstitial), ``javascript-required`` (an app shell), ``consent-wall``,
    ``paywall`` (only the prompt, no teaser to give), ``error-page`` (a 404/500 page served as 200).

    ``article`` is what was extracted anyway (metadata, and whatever text there was), or
    ``None`` when nothing could be read: a caller that wants even a stub can take it.
    """

    def __init__(self, message: str, *, reason: str, article: Article | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.article = article

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments do not survive pickle's default (a process pool's results).
        return (_rebuild, (type(self), str(self), {"reason": self.reason, "article": self.article}))


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
        self._message = message

    def __reduce__(self) -> tuple[object, ...]:
        fields = {"url": self.url, "reason": self.reason, "status": self.status}
        fields |= {"retryable": self.retryable, "retry_after": self.retry_after}
        return (_rebuild, (type(self), self._message, fields))


class ConfigError(ScraperError):
    """A crawl configuration is invalid; the message names the file (or flag) and the key."""


def _rebuild(cls: type[ScraperError], message: str, fields: dict[str, object]) -> ScraperError:
    """Unpickle an error whose constructor takes keyword-only arguments."""
    return cls(message, **fields)  # type: ignore[call-arg]
