"""Recognise pages that hold no article and say why: bot challenges, JavaScript walls, consent
walls, paywall stubs and error pages served with status 200.

Each test needs a strong marker (a challenge title, a 404 heading, a paywall prompt) *and*
little article text, so an article that merely mentions cookies, captchas or paywalls is
never rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from .patterns import (
    BOT_CHALLENGE,
    BOT_CHALLENGE_MARKUP,
    CONSENT_WALL,
    ERROR_PAGE,
    JAVASCRIPT_REQUIRED,
    PAYWALL,
)

# An error page (recognised by its title or heading) may still carry some text: links, a search
# box, apologies. Below this many letters of extracted text it is no article.
ERROR_PAGE_MAX_LETTERS = 1200
# Walls and stubs leave at most a teaser; a page with more text is a (short) article, even if it
# also carries a cookie banner or a paywall prompt.
STUB_MAX_LETTERS = 400


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a page is no article: ``reason`` (a NoArticleError reason) and a message."""

    reason: str
    message: str


_CHALLENGE = Verdict("bot-challenge", "a bot challenge or captcha page, not the article")
_SITE_SUFFIX = re.compile(r"\s+[|\-–—:·•]\s+")


def _heading_texts(tree: LexborHTMLParser) -> list[str]:
    """The page's title (whole, and without a " | Site" suffix) and its first <h1>."""
    texts = []
    for node in (tree.css_first("title"), tree.css_first("h1")):
        if node is not None and (text := " ".join(node.text().split())):
            texts.append(text)
            texts.append(_SITE_SUFFIX.split(text, maxsplit=1)[0])
    return texts


@dataclass(frozen=True, slots=True)
class Signals:
    """What the tests need from the page as served, read before noise (scripts, noscript) goes."""

    titles: tuple[str, ...]
    noscript_text: str
    challenge: Verdict | None
    html: str

    @property
    def challenge_markup(self) -> bool:
        """Challenge scripts or captcha widgets in the page (read only for near-empty pages)."""
        return any(marker in self.html for marker in BOT_CHALLENGE_MARKUP)


def read_signals(tree: LexborHTMLParser, html: str) -> Signals:
    """Titles, <noscript> text, and bot-challenge signs.

    A challenge title is conclusive. Challenge markup is not (Cloudflare injects its script into
    ordinary pages, forms carry reCAPTCHA): it counts only on a page with almost no text.
    """
    titles = tuple(_heading_texts(tree))
    noscript = " ".join(node.text() for node in tree.css("noscript"))
    challenge = None
    if any(BOT_CHALLENGE.search(title) for title in titles):
        challenge = _CHALLENGE
    return Signals(titles, noscript, challenge, html)


def after_extraction(signals: Signals, page_text: str, letters: int) -> Verdict | None:
    """Walls, stubs and error pages: a strong marker and little extracted text (``letters``)."""
    if letters >= ERROR_PAGE_MAX_LETTERS:
        return None
    if any(ERROR_PAGE.match(title) for title in signals.titles):
        return Verdict("error-page", f"an error page ({signals.titles[0][:60]!r}), though served as a page")
    if letters >= STUB_MAX_LETTERS:
        return None
    if signals.challenge_markup:
        return _CHALLENGE
    if JAVASCRIPT_REQUIRED.search(page_text) or JAVASCRIPT_REQUIRED.search(signals.noscript_text):
        return Verdict("javascript-required", "the page shows nothing without JavaScript")
    if CONSENT_WALL.search(page_text):
        return Verdict("consent-wall", "a privacy-consent wall stands in front of the article")
    if PAYWALL.search(page_text):
        return Verdict("paywall", "only a paywall prompt and a teaser, not the article")
    return None
