"""The refusal policy: whether a page holds no article, judged on the text that was *extracted*.

Refusing a real article is the worst thing this tool can do (a cron crawl loses it silently), so
a page is refused only when there is nothing to give: no text, a wall or challenge whose
extracted text is nearly nothing once the wall's own words are set aside, an error page, or an
index page whose extracted text is mostly its link texts with hardly a sentence of its own.

Sizes are counted in script-neutral *units* (:func:`text_units`): letters and digits, with a
Chinese, Japanese or Korean character worth three, so that a 500-character Japanese article
weighs what its English translation would. A whole page's link density never decides alone:
navigation and footers make short articles on busy sites look like link lists.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraper.extract.vocabulary import (
    BOT_CHALLENGE,
    BOT_CHALLENGE_MARKUP,
    CONSENT_WALL,
    COOKIE_TEXT,
    ERROR_PAGE,
    JAVASCRIPT_REQUIRED,
    PAYWALL,
    PAYWALL_PROMPT,
)

# Less article text than this is no article: a stub, a wall, a login prompt.
MIN_ARTICLE_UNITS = 150
# An error page (recognised by its title or heading) may still carry some text: links, a search
# box, apologies. Below this much extracted text it is no article.
ERROR_PAGE_MAX_UNITS = 1200
# A challenge title ("Just a moment...") is conclusive up to this much text of the page's own.
CHALLENGE_TITLE_MAX_UNITS = 400
# A page whose metadata calls it an article, or whose text is a paywall teaser, gives its text
# from this much (about one sentence): a photo story's caption, a teaser, a one-line brief.
SHORT_ARTICLE_MIN_UNITS = 50
# A paywall prompt marks the text as a teaser only when the text is this short.
PAYWALL_TEASER_MAX_UNITS = 1500
# Wall words are looked for in extracted texts shorter than this (a wall with more text of its
# own is an article page that carries a banner).
WALL_CHECK_MAX_UNITS = 2000
WALL_LINE_MAX_CHARS = 400
# Index pages: the page is link-heavy, its extracted text has hardly a sentence (less than this
# many units in lines that read as sentences), and that text is mostly link texts or mostly not
# sentences (headlines, product names, prices). Measured on wcxb-dev: no article page comes near.
INDEX_PAGE_LINK_DENSITY = 0.55
INDEX_MAX_SENTENCE_UNITS = 300
INDEX_LINK_SHARE = 0.5
INDEX_MAX_SENTENCE_SHARE = 0.35

# Neither a word character nor a combining mark. Python's \w leaves out combining marks (Mn, Mc),
# which carry vowels in Indic and Southeast Asian scripts, so those blocks and the Hebrew and
# Arabic points count as letters whole. Only characters outside ASCII are read with it: in ASCII
# the letters and digits are counted in bytes ("_" is a word character but no letter).
_NON_WORD = re.compile(
    r"[^\w\u0300-\u036f\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    r"\u0900-\u0dff\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff]+"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# Every byte but the ASCII letters and digits (so all bytes of multi-byte UTF-8 characters too).
_NOT_ASCII_ALNUM = bytes(b for b in range(256) if not (b < 128 and chr(b).isalnum()))
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_CJK_WEIGHT = 3
# Sentence ends in Latin, CJK, Devanagari and Bengali (danda), Arabic and Urdu, Armenian, Ethiopic,
# Myanmar and Khmer, before a space, a closing quote or bracket, or the end.
_SENTENCE_END = re.compile(r"[.!?…。！？।॥۔؟։።။។](?=$|[\s\"'”’»)\]」』）])")
# A line this long is prose whatever its punctuation (Thai and Lao write no sentence marks, and
# headlines are shorter).
_PROSE_LINE_UNITS = 80
_SENTENCE_MIN_WORDS = 6
_SENTENCE_MIN_CJK = 15
LIST_MARK = re.compile(r"^(?:[-*•]|\d+[.)])\s+")  # a list item's mark, as the extractor writes it
# Lines that are a wall's own words, set aside when asking whether anything else is there.
_WALL_WORDS = (BOT_CHALLENGE, JAVASCRIPT_REQUIRED, CONSENT_WALL, COOKIE_TEXT, PAYWALL)


def text_units(text: str) -> int:
    """The size of ``text`` in a script-neutral unit: letters and digits, CJK characters x3."""
    if text.isascii():
        return len(text.encode("ascii").translate(None, _NOT_ASCII_ALNUM))
    units = len(text.encode("utf-8", "surrogatepass").translate(None, _NOT_ASCII_ALNUM))
    other = "".join(_NON_ASCII.findall(text))  # most texts hold few characters outside ASCII
    return units + len(_NON_WORD.sub("", other)) + (_CJK_WEIGHT - 1) * len(_CJK.findall(other))


def is_sentence(line: str, units: int | None = None) -> bool:
    """A line that reads as prose: several words (or CJK characters) and a sentence ending, or
    long enough to be prose in any script. ``units``: its :func:`text_units`, if counted already."""
    if (text_units(line) if units is None else units) >= _PROSE_LINE_UNITS:
        return True
    if len(line.split()) < _SENTENCE_MIN_WORDS and len(_CJK.findall(line)) < _SENTENCE_MIN_CJK:
        return False
    return _SENTENCE_END.search(line) is not None


@functools.lru_cache(maxsize=4096)
def line_measure(line: str) -> tuple[int, bool]:
    """A line's :func:`text_units` and whether it :func:`is_sentence`, kept for the page's later
    stages: the line judge, the page-kind features and the index check each read every line."""
    units = text_units(line)
    return units, is_sentence(line, units)


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
    """What the verdicts need from the page as served, read before noise (scripts) goes."""

    titles: tuple[str, ...]
    noscript_text: str
    challenge_title: bool
    html: str

    @property
    def challenge_markup(self) -> bool:
        """Challenge scripts or captcha widgets in the page (read only for near-empty pages:
        Cloudflare injects its script into ordinary pages, comment forms carry reCAPTCHA)."""
        return any(marker in self.html for marker in BOT_CHALLENGE_MARKUP)


def read_signals(tree: LexborHTMLParser, html: str) -> Signals:
    """Titles, <noscript> text, and whether a title is a bot challenge's."""
    titles = tuple(_heading_texts(tree))
    noscript = " ".join(node.text() for node in tree.css("noscript"))
    challenge = any(BOT_CHALLENGE.search(title) for title in titles)
    return Signals(titles, noscript, challenge, html)


def squash(text: str) -> str:
    """``text`` with whitespace folded and casefolded: the form texts are compared in.

    Most texts (the extracted lines) are folded already: no whitespace but single spaces between
    words (every other whitespace character is unprintable), and those skip the split and join.
    """
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text.casefold()
    return " ".join(text.split()).casefold()


@dataclass(frozen=True, slots=True)
class Links:
    """The page's link texts (squashed, casefolded) and the share of its text inside links."""

    texts: frozenset[str]
    density: float


def read_links(body: LexborNode, page_text: str) -> Links:
    texts = [anchor.text(deep=True, separator=" ", strip=True) for anchor in body.css("a")]
    density = sum(len(text) for text in texts) / len(page_text) if page_text else 0.0
    return Links(frozenset(squash(text) for text in texts if text), density)


def _is_link_line(line: str, links: Links) -> bool:
    return squash(LIST_MARK.sub("", line)) in links.texts


def _is_index(lines: Sequence[str], links: Links) -> bool:
    """Hardly a sentence of its own, and mostly link texts or fragments, on a link-heavy page."""
    if links.density < INDEX_PAGE_LINK_DENSITY:
        return False
    total = linked = sentences = 0
    for line in lines:
        units, sentence = line_measure(line)
        total += units
        if _is_link_line(line, links):
            linked += units
        elif sentence:
            sentences += units
    if sentences >= INDEX_MAX_SENTENCE_UNITS:
        return False
    return linked >= INDEX_LINK_SHARE * total or sentences < INDEX_MAX_SENTENCE_SHARE * total


def _own_units(lines: Sequence[str], text: str, units: int) -> int:
    """Units of the lines that are not a wall's own words (consent, paywall, challenge ...).

    A wall's words are short lines (prompts, buttons, a consent paragraph); a long line that
    mentions cookies is prose about them. A text this long is an article whatever walls stand
    beside it (the checks below need far less), and most texts hold no such words at all: one
    search of the whole text settles those.
    """
    if units >= WALL_CHECK_MAX_UNITS:
        return units
    folded = text.casefold()
    walls = [words.pattern for words in _WALL_WORDS if words.pattern.search(folded)]
    if not walls:
        return units
    return units - sum(
        text_units(line)
        for line in lines
        if len(line) <= WALL_LINE_MAX_CHARS and any(wall.search(line.casefold()) for wall in walls)
    )


def _wall(signals: Signals, page_text: str) -> Verdict | None:
    """The wall or shell that stands where the article should be, if the page shows one."""
    if signals.challenge_markup:
        return _CHALLENGE
    if JAVASCRIPT_REQUIRED.search(page_text) or JAVASCRIPT_REQUIRED.search(signals.noscript_text):
        return Verdict("javascript-required", "the page shows nothing without JavaScript")
    if CONSENT_WALL.search(page_text):
        return Verdict("consent-wall", "a privacy-consent wall stands in front of the article")
    if PAYWALL.search(page_text):
        return Verdict("paywall", "only a paywall prompt, no text of the article")
    return None


def judge(
    signals: Signals,
    lines: Sequence[str],
    page_text: str,
    links: Links,
    *,
    says_article: bool,
    paywalled: bool,
    units: int | None = None,
) -> Verdict | None:
    """Why the page holds no article, or ``None`` when its extracted ``lines`` are one.

    ``says_article``: the page's metadata calls it an article (then it is never an index page).
    ``paywalled``: the page marks its text as a teaser (see :func:`is_paywalled`). Either way a
    text of a sentence or so is given, not refused as too short.
    ``units``: the lines' :func:`text_units`, when the caller has counted them already.
    """
    text = "\n".join(lines)
    if units is None:
        units = text_units(text)
    own = _own_units(lines, text, units)
    if signals.challenge_title and own < CHALLENGE_TITLE_MAX_UNITS:
        return _CHALLENGE
    if units < ERROR_PAGE_MAX_UNITS and any(ERROR_PAGE.match(title) for title in signals.titles):
        return Verdict("error-page", f"an error page ({signals.titles[0][:60]!r}), though served as a page")
    # A page that calls itself an article, or marks its text as a teaser, gives even a short text.
    minimum = MIN_ARTICLE_UNITS if not (says_article or paywalled) else SHORT_ARTICLE_MIN_UNITS
    if own >= minimum:
        if not says_article and _is_index(lines, links):
            return Verdict(
                "index-page",
                f"looks like an index page, not an article ({links.density:.0%} of the page's text is"
                " links, and its main text is link texts and fragments with hardly a sentence)",
            )
        return None
    if (wall := _wall(signals, page_text)) is not None:
        return wall
    if not units:
        return Verdict("empty", "no article text found on the page")
    return Verdict("too-short", f"only {own} letters (CJK counted x3) of article text: not an article")


def is_paywalled(free: bool | None, page_text: str, units: int) -> bool:
    """The text is likely only a teaser: it is short, and the page marks its article as
    subscriber-only (schema.org ``isAccessibleForFree``) or shows a prompt where the text is cut
    ("Subscribe to continue reading"; a header's "Already a subscriber?" is not one). A long text
    is the article, whatever the page says (metered sites serve it whole)."""
    if units >= PAYWALL_TEASER_MAX_UNITS:
        return False
    return free is False or PAYWALL_PROMPT.search(page_text) is not None
