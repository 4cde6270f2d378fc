"""Small helpers every metadata reader shares: clean one-line text, URL parts, lazy values.

They sit apart so that the field readers (JSON-LD, dates, names, titles) agree on what "a clean
string", "the same text" or "a URL's host" means, and depend on this module rather than on each other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any, Generic, TypeVar
from urllib.parse import SplitResult, urlsplit

from selectolax.lexbor import LexborNode

T = TypeVar("T")

QUOTES = "\"'\u2018\u2019\u201c\u201d"
DASHES = "-\u2013\u2014"

DIGIT = re.compile(r"\d")
TAG_RE = re.compile(r"<[^>]{0,500}>")
SPACES = re.compile(r"\s+")
# Text that is a link or a domain rather than a name ("https://...", "www.x", "example.com").
URLISH = re.compile(r"^(?:https?:|www\.|/)|\.(?:com|org|net|de|fr|co\.uk|io)\b", re.IGNORECASE)


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a word list written as one string."""
    return frozenset(text.split())


# Second-level labels under a country code: the name of www.bbc.co.uk is "bbc", not "co".
SECOND_LEVEL_LABELS = word_set("co com org net ac gov edu ne or go gob")


def clean(value: Any) -> str | None:
    """A trimmed one-line string with HTML entities and tags resolved, or None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    if "&" in value:
        value = unescape(value)
    if "<" in value:
        value = TAG_RE.sub(" ", value)
    value = SPACES.sub(" ", value).strip()
    return value or None


def node_text(node: LexborNode) -> str:
    """The element's text on one line."""
    return SPACES.sub(" ", node.text(deep=True, separator=" ", strip=True)).strip()


def short_text(node: LexborNode, limit: int) -> str | None:
    """The node's text when it is at most ``limit`` characters, else None (cheaply, for big nodes)."""
    raw = node.text(deep=True, separator=" ", strip=True)
    if len(raw) > 4 * limit:  # spaces aside, far too long: skip normalising it
        return None
    text = SPACES.sub(" ", raw).strip()
    return text if len(text) <= limit else None


def fold(text: str) -> str:
    """A comparison key: spaces folded, case folded, surrounding quotes and dots dropped."""
    return SPACES.sub(" ", text).strip().casefold().strip(QUOTES + " «».")


def as_list(value: Any) -> list[Any]:
    """A JSON value as a list: None is empty, a single value is a list of one."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


_NO_URL = urlsplit("")


def split_url(url: str) -> SplitResult:
    """``urlsplit`` that takes a malformed URL ("http://[::1") as no URL instead of raising."""
    try:
        return urlsplit(url)
    except ValueError:
        return _NO_URL


def host_label(host: str) -> str:
    """The name part of a host: "bbc" of www.bbc.co.uk, "cnn" of edition.cnn.com."""
    labels = host.lower().removeprefix("www.").split(".")
    if len(labels) >= 3 and labels[-2] in SECOND_LEVEL_LABELS:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else labels[0]


class Lazy(Generic[T]):
    """A value computed on first use and kept (header texts and bylines serve several fields)."""

    def __init__(self, compute: Callable[[], T]) -> None:
        self._compute = compute
        self._done = False
        self._value: T | None = None

    def get(self) -> T:
        if not self._done:
            self._value = self._compute()
            self._done = True
        return self._value  # type: ignore[return-value]
