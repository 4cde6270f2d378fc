"""Article metadata from the parsed page: title, authors, dates, site, language, tags, URLs.

One pass over the page the engine already parsed (selectolax / Lexbor), before any pruning,
so the head, the JSON-LD blocks and the bylines are all still there. No second parse and no
trafilatura metadata call (that costs 1.6-2x a text extraction). ``htmldate`` is not used either:
in its fast mode it cost 4.6 ms per call (an lxml parse of the page) on the 11 % of development
pages where nothing below named a date (five times this whole module's 0.85 ms a page) for 0.8 %
more right dates.

Signals, in order of trust, and why:

1. **JSON-LD** (schema.org ``NewsArticle``, ``Article``, ``BlogPosting``, ``LiveBlogPosting`` ...,
   also inside ``@graph``, lists and ``mainEntity``; ``@id`` references resolved). It is written for
   search engines, which check it, so it names the article's own headline, authors and dates in
   typed fields rather than the page's. We take the article entity whose URL is the page's, else
   the first one; entities nested deeper (an ``ItemList`` of related stories) are not the page.
   One exception: a ``datePublished`` not written in ISO 8601 ("Jun 24, 2025") marks a hand-made
   template, often bound to the wrong CMS field, so the date shown on the page goes before it.
2. **OpenGraph / article:** metas (``og:title``, ``og:site_name``, ``article:published_time`` ...):
   also consumed by machines (social previews), so nearly as reliable, but ``og:title`` often
   carries a site suffix and ``article:author`` is often a profile URL (skipped).
3. **Standard metas** (``author``, ``parsely-*``, ``sailthru.*``, ``dc.*``, ``citation_*``,
   ``date`` ...): older conventions, less consistently maintained by CMSes.
4. **Microdata** (``itemprop=author / datePublished / headline``) and ``<time datetime>``: in the
   visible page, so right when present, but easily from a teaser or a comment instead of the article.
5. **Visible text**: ``rel=author`` links, author-name elements, "By ..." next to the headline,
   links to author pages, byline elements (``.byline``, ``[class*=author]``), split into names;
   dates in the URL, next to the headline, in date-named elements and next to the byline;
   ``<h1>``; ``<title>`` less its site suffix. Last, because menus, teasers and author boxes look
   the same as the real thing: whatever sits in comments, related lists, sidebars, navigation, or
   the site's header and footer is skipped.

Titles are the exception to "first signal wins": the visible ``<h1>`` is what readers take as the
title, and the structured titles often add a site suffix or a different (SEO) wording. So a
structured title that agrees with an ``<h1>`` (exactly, once its site suffix is cut, or as its
start) is chosen first, then one that agrees with an ``<h2>`` (blogs whose ``<h1>`` is the blog's
name); without agreement the JSON-LD headline (unless cut short), ``og:title``, the other metas, a
lone ``<h1>`` and the cut ``<title>`` follow in that order.

Authors are cleaned the same way whatever their source: "By", "Von", "Par", "Por" ... prefixes,
roles ("Staff Writer"), dates, labels, photo credits and credentials ("PhD") dropped, lists split on
``,``, ``;``, "and", "und", "et", "y" ...; kept only when they look like a name (no URL, no e-mail,
not "Staff", a few words, capitalised when read from the page). The publication's own name (site
name, publisher, host) is dropped unless it reads as a person's (a personal blog); a desk of the
publication ("The Investopedia Team") is kept. Order is the page's, duplicates removed.

Nothing here raises on an odd page: malformed JSON-LD falls back to a tolerant re-read and then to
a few regular expressions, and every field is optional.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from html import unescape
from typing import Any, Generic, TypeVar
from urllib.parse import SplitResult, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["Metadata", "extract_metadata", "normalise_date"]

LOGGER = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Metadata:
    """What the page says about its article; every field optional."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    modified: str | None = None
    sitename: str | None = None
    language: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    canonical_url: str | None = None
    image: str | None = None
    json_ld_body: str | None = None
    page_type: str | None = None
    # schema.org isAccessibleForFree of the article: False marks subscriber-only content.
    free: bool | None = None


QUOTES = "\"'\u2018\u2019\u201c\u201d"
DASHES = "-\u2013\u2014"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --------------------------------------------------------------------------------------------
# Names of things, grouped (data, not logic)
# --------------------------------------------------------------------------------------------

# schema.org types that are one article (lowercase). Anything ending in "article" counts too.
ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "blogposting",
        "reportagenewsarticle",
        "liveblogposting",
        "opinionnewsarticle",
        "analysisnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "askpublicnewsarticle",
        "scholarlyarticle",
        "medicalscholarlyarticle",
        "techarticle",
        "satiricalarticle",
        "advertisercontentarticle",
        "socialmediaposting",
        "discussionforumposting",
        "report",
        "posting",
        "review",
        "recipe",
        "howto",
        "videoobject",
        "podcastepisode",
    }
)
# Types whose fields describe the page as a whole: a weaker source of dates and titles.
PAGE_TYPES = frozenset(
    {
        "webpage",
        "itempage",
        "aboutpage",
        "collectionpage",
        "profilepage",
        "qapage",
        "faqpage",
        "searchresultspage",
        "contactpage",
        "medicalwebpage",
    }
)
PUBLISHER_TYPES = frozenset({"organization", "newsmediaorganization", "corporation", "website"})

# Meta keys (name / property / itemprop, lowercase) per field, most trusted first.
META_TITLE = (
    "og:title",
    "twitter:title",
    "parsely-title",
    "sailthru.title",
    "dc.title",
    "dcterms.title",
    "citation_title",
    "headline",
    "itemprop:headline",
    "title",
)
META_AUTHOR = (
    "article:author",
    "author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "citation_author",
    "byl",
    "authors",
    "article:author_name",
    "cxenseparse:author",
)
META_PUBLISHED = (
    "article:published_time",
    "og:published_time",
    "article:published",
    "itemprop:datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "dc.date.created",
    "citation_publication_date",
    "citation_date",
    "article.published",
    "publish-date",
    "publish_date",
    "published_date",
    "publication_date",
    "pubdate",
    "date",
    "itemprop:datecreated",
    "article_date_original",
    "cxenseparse:recs:publishtime",
)
META_MODIFIED = (
    "article:modified_time",
    "og:modified_time",
    "itemprop:datemodified",
    "dcterms.modified",
    "dc.date.modified",
    "article.updated",
    "last-modified",
    "lastmod",
    "og:updated_time",
)
META_SITENAME = (
    "og:site_name",
    "application-name",
    "apple-mobile-web-app-title",
    "publisher",
    "dc.publisher",
)
META_DESCRIPTION = (
    "og:description",
    "description",
    "twitter:description",
    "dc.description",
    "dcterms.description",
    "sailthru.description",
)
META_TAGS = ("article:tag", "news_keywords", "parsely-tags", "sailthru.tags", "keywords", "citation_keywords")
META_IMAGE = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")
META_LANGUAGE = ("og:locale", "content-language", "language", "dc.language", "dcterms.language")

# Byline elements, most specific first (tier 0 to 4); the first tier with names wins.
# 0: marked as the author   1: marked as the author's name   2: links to author pages
# 3: byline elements        4: anything named "author"
AUTHOR_NAME_CLASSES = (
    "author-name",
    "author__name",
    "authorname",
    "byline__name",
    "byline-name",
    "author-link",
)
AUTHOR_PATHS = (
    "/author/",
    "/authors/",
    "/autor/",
    "/autoren/",
    "/auteur/",
    "/journalist/",
    "/writers/",
    "/staff/",
    "/contributors/",
    "/reporters/",
)
# One query finds them all (each query is a pass over the DOM); ``_byline_tier`` sorts them.
BYLINE_SELECTOR = (
    "[itemprop~=author], a[rel~=author], link[rel~=author], address, "
    '[class*="author" i], [id*="author" i], [data-testid*="author" i], [class*="byl" i], [id*="byline" i], '
    'a[href*="/author" i], a[href*="/autor" i], a[href*="/auteur/" i], a[href*="/journalist/" i], '
    'a[href*="/writers/" i], a[href*="/staff/" i], a[href*="/contributors/" i], a[href*="/reporters/" i]'
)
TIERS = 5
SINGLE_NAME_TIERS = 2  # the first two tiers mark the name itself: one word is enough there
# Containers whose bylines belong to something other than the article.
# Whole words of a class or id (lowercase-bounded, so "relatedPosts" counts and "promoted" does not).
FOREIGN_CONTAINER = re.compile(
    r"(?<![a-z])(?i:comment|related|recommend|teaser|sidebar|footer|popular|trending|"
    r"promo|more-from|read-?more|next-article|card|rail|nav|navbar|menu|breadcrumb)s?(?![a-z])"
)
SOFT_FOREIGN = frozenset({"footer", "card"})
# A class naming a part of an author box that is not the name ("author-bio", "author__avatar").
NOT_NAME_PART = re.compile(
    r"(?:author|byl)\w*[-_]+(?:avatar|image|img|photo|pic|bio|desc|title|role|position|job|date|time|"
    r"social|share|follow|count|posts|label|icon|prefix|intro|info|about|more)|"
    r"(?:avatar|image|img|photo|bio|desc|social|share|label|icon|prefix)[-_]*(?:author|byl)",
    re.IGNORECASE,
)
FOREIGN_TAGS = frozenset({"footer", "nav", "aside", "header"})

DIGIT = re.compile(r"\d")
TAG_RE = re.compile(r"<[^>]{0,500}>")
SPACES = re.compile(r"\s+")

# Title separators before a site name: " | Site", " - Site", " — Site", " :: Site".
TITLE_SEPARATOR = re.compile(r"\s+(?:\||-|\u2013|\u2014|::|·|•|»|«|/|~|:)\s+")

# Dates
ISO_DATE = re.compile(
    r"(?P<y>(?:19|20)\d\d)-?(?P<m>[01]\d)-?(?P<d>[0-3]\d)"
    r"(?:[T\s](?P<H>[0-2]\d):?(?P<M>[0-5]\d)(?::?(?P<S>[0-5]\d))?(?:[.,]\d+)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-][01]\d(?::?[0-5]\d)?)?)?"
)
SLASH_DATE_YMD = re.compile(r"\b(?P<y>(?:19|20)\d\d)[/.](?P<m>[01]?\d)[/.](?P<d>[0-3]?\d)\b")
# Day and month in digits: "03.05.2024" (day first), "05/03/2024" (month first in the US), "03-05-2024".
NUMERIC_DATE = re.compile(r"\b(?P<a>[0-3]?\d)(?P<sep>[./-])(?P<b>[0-3]?\d)(?P=sep)(?P<y>(?:19|20)\d\d)\b")
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "jan january januar janvier enero gennaio januari janeiro jän jänner ene gen janv",
            "feb february februar février fevrier febrero febbraio februari fevereiro fév fev févr",
            "mar march märz maerz mars marzo maart março mär marz",
            "apr april avril abril aprile avr abr",
            "may mai mayo maggio mei maio mag",
            "jun june juni juin junio giugno junho giu",
            "jul july juli juillet julio luglio julho juil lug",
            "aug august août aout agosto augustus ago",
            "sep sept september septembre septiembre settembre setembro set",
            "oct october oktober octobre octubre ottobre outubro okt ott out",
            "nov november novembre noviembre novembro",
            "dec december dezember décembre decembre diciembre dicembre dezembro dez déc dic",
        ),
        start=1,
    )
    for name in names.split()
}
_MONTH_WORD = r"(?P<mon>[^\W\d_]{3,10})\.?"
TEXT_DATE_MDY = re.compile(_MONTH_WORD + r"\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b")
SHORT_DOTTED_DATE = re.compile(r"\b(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>\d\d)(?![\d.])")  # "25.04.24"
TEXT_DATE_YMD = re.compile(r"\b(?P<y>(?:19|20)\d\d)\s+" + _MONTH_WORD + r"\s+(?P<d>[0-3]?\d)\b")
TEXT_DATE_DMY = re.compile(
    r"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th|er|\.|º)?\s+(?:de\s+)?"
    + _MONTH_WORD
    + r",?\s+(?:de\s+)?(?P<y>(?:19|20)\d\d)\b"
)
# Words of roles: a byline is cut before them ("Jane Doe Senior Reporter" -> "Jane Doe").
ROLE_WORDS = _words(
    """
    staff writer writers editor editors reporter reporters correspondent correspondents contributor
    contributors contributing columnist journalist journalists photographer photographers senior chief
    managing associate executive deputy head founder co-founder ceo cto expert specialist consultant
    analyst former freelance researcher producer host anchor intern fellow director manager
    redakteur redakteurin korrespondent korrespondentin rédacteur rédactrice redactor redattore
    last updated update published posted reviewed fact-checked fact checked medically sponsored
    dietitian nutritionist physician doctor nurse therapist attorney lawyer professor
    member members moderator
    """
)
# Words that are no name on their own: a byline made only of these (and roles) is dropped.
GENERIC_WORDS = ROLE_WORDS | _words(
    """
    the a an our your by team desk news newsroom admin administrator webmaster editorial guest anonymous
    unknown sponsored content partner author authors autor autorin autoren auteur redaktion rédaction
    redacción redazione agency agencies press release online digital media site blog magazine home
    wire staffs board opinion user nachrichtenagentur nachrichten topic original poster dealer seller
    vendor authorized
    """
)
# Words that never appear in a name: links and widgets next to the byline.
NEVER_NAME_WORDS = _words(
    """
    view profile posts follow following followers share email e-mail twitter facebook linkedin
    instagram subscribe newsletter read min mins minutes comments comment reply login sign more
    about bio biography articles stories contact see image images photo photos foto fotos bild bilder
    credit credits getty istock istockphoto shutterstock alamy picture pictures illustration
    folgen abonnieren teilen weiterlesen mehr suivre partager seguir compartir
    """
)
# Words of organisations: a byline equal to the site's name is the publication unless it reads as
# a person ("Sam Bossley" on sam.bossley.com), which these words rule out.
ORG_WORDS = _words(
    """
    news media group inc inc. llc ltd ltd. gmbh ag sa times post daily press journal magazine blog network
    tv radio online digital security labs lab studio studios agency company co co. corp corp. team staff
    editors foundation institute university college association society center centre bank insurance
    health clinic services solutions systems software technologies tech store shop official club review
    report guide world today weekly herald tribune gazette observer express mail telegraph chronicle
    channel zeitung nachrichten verlag redaktion the of and &
    """
)
_MONTH_ALTERNATION = "|".join(sorted((m for m in MONTHS if len(m) >= 3), key=len, reverse=True))
_WEEKDAYS = (
    r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?|montag|dienstag|mittwoch|donnerstag|"
    r"freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
)
# A date inside a byline ("Jane Doe, May 3, 2024", "Von Max Muster | 03.05.2024"): a split point.
DATE_IN_BYLINE = re.compile(
    rf"(?:\b(?:{_WEEKDAYS})\b\.?,?\s*)?"
    rf"(?:\b(?:{_MONTH_ALTERNATION})\b\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th|\.)?\s+(?:de\s+)?\b(?:{_MONTH_ALTERNATION})\b\.?(?:,?\s+(?:de\s+)?\d{{4}})?"
    rf"|\b\d{{4}}-\d\d-\d\d\S*|\b\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}\b"
    rf"|\b(?:{_WEEKDAYS})\b)",
    re.IGNORECASE,
)
# "Last updated on", "Published:", "Stand:" between a name and a date.
BYLINE_LABEL = re.compile(
    r"\b(?:last\s+)?(?:update[sd]?|published|posted|modified|reviewed|aktualisiert|veröffentlicht|stand|"
    r"mis\s+à\s+jour|publié|actualizado|publicado)\b(?:\s+(?:on|am|le|el))?\s*:?",
    re.IGNORECASE,
)
DETERMINERS = _words("the a an our your")
# Words that end a sentence fragment, never a name ("Nicole Burke As founder of ..." cut at a role).
TRAILING_WORDS = _words("as in on at for with from to by is was and or the a an who")
MONTH_OR_DAY = re.compile(rf"^(?:{_MONTH_ALTERNATION}|{_WEEKDAYS})\.?$", re.IGNORECASE)
# Standalone words that join names in a byline list.
NAME_JOIN = re.compile(
    r"\s*(?:[,;|/•·]|&|\+|\s(?:and|und|et|y|e|og|och|en|i|și|и|with|mit|avec|con)\s)\s*",
    re.IGNORECASE,
)
BYLINE_PREFIX = re.compile(
    r"^(?:(?:written|posted|published|reported|compiled|edited|reviewed|text|words|story|interview|"
    r"photos?|fotos?|video|verfasst|geschrieben|ein\s+\w+)\s+)?"
    r"(?:by|von|par|por|door|di|af|av|från|przez|от|from)\b[:\s]*",
    re.IGNORECASE,
)
LABEL_PREFIX = re.compile(
    r"^(?:authors?|autor(?:in|en)?|auteurs?|autore|text|texte|redakteur(?:in)?|reporter|"
    r"written\s+by|posted\s+by|about\s+the\s+author)\b\s*[:|]?\s*",
    re.IGNORECASE,
)
CREDENTIAL = re.compile(
    r"^(?:(?i:ph\.?\s?d\.?|m\.?d\.?|d\.?o\.?|jr\.?|sr\.?|mba|msc?|bsc?|rdn?|ldn?|rn|np|pa-c|"
    r"cpt|cscs|cdn|cde|mph|drph|pharmd|dds|dmd|facp|fand|lcsw|lpc|lmft|psyd|esq\.?|cfp|cpa)|"
    r"[A-Z]{2,6}(?:-[A-Z0-9]+)?(?:\s\d+)?)$",
)
HONORIFIC = re.compile(r"^(?:dr|prof|mr|mrs|ms|mx|sir|dame)\.?\s+(?=\S)", re.IGNORECASE)
URLISH = re.compile(r"^(?:https?:|www\.|/)|\.(?:com|org|net|de|fr|co\.uk|io)\b", re.IGNORECASE)
PARENTHESES = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
BARE_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}$", re.IGNORECASE)
URL_IN_TEXT = re.compile(r"(?:https?:)?//\S+|www\.\S+", re.IGNORECASE)
EMAIL = re.compile(r"\S+@\S+\.\w+")
HANDLE = re.compile(r"(?:^|\s)@\w+")
USERNAME = re.compile(r"[a-z]\.[a-z]|_")
NAME_PARTICLES = _words(
    "van von der den de da di do dos das du le la del della bin ibn al el ten ter zu y e of"
)

LANGUAGE_TAG = re.compile(r"([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]{2,8})*(?:\s*[,;].*)?$")

MIN_YEAR = 1995

MAX_AUTHOR_CHARS = 60
MAX_BYLINE_CHARS = 200
MAX_TAGS = 40
MAX_JSON_DEPTH = 6


# --------------------------------------------------------------------------------------------
# Small text helpers
# --------------------------------------------------------------------------------------------


def _clean(value: Any) -> str | None:
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


def _node_text(node: LexborNode) -> str:
    return SPACES.sub(" ", node.text(deep=True, separator=" ", strip=True)).strip()


def _short_text(node: LexborNode, limit: int) -> str | None:
    """The node's text when it is at most ``limit`` characters, else None (cheaply, for big nodes)."""
    raw = node.text(deep=True, separator=" ", strip=True)
    if len(raw) > 4 * limit:  # spaces aside, far too long: skip normalising it
        return None
    text = SPACES.sub(" ", raw).strip()
    return text if len(text) <= limit else None


def _fold(text: str) -> str:
    return SPACES.sub(" ", text).strip().casefold().strip(QUOTES + " «».")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


# --------------------------------------------------------------------------------------------
# Head metas
# --------------------------------------------------------------------------------------------


SCAN_SELECTOR = (
    'html, title, base[href], link[rel][href], meta[content], script[type*="ld+json" i], h1, h2, '
    "[itemprop~=headline]"
)
MAX_H1 = 6
MAX_H2 = 4


class _Scan:
    """The elements every page needs, found in one pass over the DOM (each query is a pass)."""

    def __init__(self, tree: LexborHTMLParser) -> None:
        self.metas: dict[str, list[str]] = {}
        self.scripts: list[LexborNode] = []
        self.h1: list[LexborNode] = []
        self.h2: list[LexborNode] = []
        self.title: LexborNode | None = None
        self.headline: LexborNode | None = None
        self.base: str | None = None
        self.canonical: str | None = None
        self.html_lang: str | None = None
        for node in tree.css(SCAN_SELECTOR):
            tag = node.tag
            attrs = node.attributes
            if tag == "meta":
                self._meta(attrs)
            elif tag == "script":
                self.scripts.append(node)
            elif tag == "h1" and len(self.h1) < MAX_H1:
                self.h1.append(node)
            elif tag == "h2" and len(self.h2) < MAX_H2:
                self.h2.append(node)
            elif tag == "title" and self.title is None:
                self.title = node
            elif tag == "base" and self.base is None:
                self.base = attrs.get("href")
            elif (
                tag == "link"
                and self.canonical is None
                and "canonical" in (attrs.get("rel") or "").lower().split()
            ):
                self.canonical = attrs.get("href")
            elif tag == "html" and self.html_lang is None:
                self.html_lang = attrs.get("lang") or attrs.get("xml:lang")
            if self.headline is None and "headline" in (attrs.get("itemprop") or "").split():
                self.headline = node

    def _meta(self, attrs: dict[str, str | None]) -> None:
        content = attrs.get("content")
        if not content or not (content := content.strip()):
            return
        for key_attr in ("property", "name", "itemprop", "http-equiv"):
            key = attrs.get(key_attr)
            if key:
                # Microdata metas describe whatever scope they sit in (an image, a teaser): kept apart.
                prefix = "itemprop:" if key_attr == "itemprop" else ""
                self.metas.setdefault(prefix + key.strip().lower(), []).append(content)
                return


def _first_meta(metas: dict[str, list[str]], keys: Iterable[str]) -> str | None:
    for key in keys:
        for value in metas.get(key, ()):
            if cleaned := _clean(value):
                return cleaned
    return None


# --------------------------------------------------------------------------------------------
# JSON-LD
# --------------------------------------------------------------------------------------------

_JSON_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_JSON_COMMENT = re.compile(r"^\s*//.*$|/\*.*?\*/", re.MULTILINE | re.DOTALL)
_JSON_STRING_FIELD = r'"{}"\s*:\s*"((?:[^"\\]|\\.)*)"'
_JSON_REGEX_FIELDS = ("headline", "datePublished", "dateModified", "inLanguage", "articleBody", "description")
_JSON_AUTHOR_NAME = re.compile(
    r'"author"\s*:\s*[\[{]?\s*(?:{[^{}]*?)?"name"\s*:\s*"((?:[^"\\]|\\.)*)"', re.DOTALL
)
_JSON_TYPE = re.compile(r'"@type"\s*:\s*"([^"]+)"')


def _parse_json(text: str) -> list[Any]:
    """Every JSON value in a script, tolerating comments, CDATA, trailing commas, concatenations."""
    text = text.strip()
    if not text:
        return []
    try:
        return [json.loads(text, strict=False)]
    except (ValueError, RecursionError):
        pass
    repaired = text.replace("<![CDATA[", "").replace("]]>", "").replace("<!--", "").replace("-->", "")
    repaired = _JSON_COMMENT.sub("", repaired)
    repaired = _JSON_TRAILING_COMMA.sub(r"\1", repaired).strip().rstrip(";")
    decoder = json.JSONDecoder(strict=False)
    values: list[Any] = []
    position = 0
    while position < len(repaired):
        start = min(
            (i for i in (repaired.find("{", position), repaired.find("[", position)) if i >= 0), default=-1
        )
        if start < 0:
            break
        try:
            value, position = decoder.raw_decode(repaired, start)
        except (ValueError, RecursionError):
            break
        values.append(value)
    if values:
        return values
    return [_regex_json(text)]


def _regex_json(text: str) -> dict[str, Any]:
    """What a few regular expressions find in JSON that does not parse."""
    found: dict[str, Any] = {"_broken": True}
    for field in _JSON_REGEX_FIELDS:
        match = re.search(_JSON_STRING_FIELD.format(field), text)
        if match:
            found[field] = _unescape_json_string(match[1])
    authors = [_unescape_json_string(m) for m in _JSON_AUTHOR_NAME.findall(text)]
    if authors:
        found["author"] = [{"name": name} for name in authors]
    if types := _JSON_TYPE.findall(text):
        article = [t for t in types if _is_article_type(t)]
        found["@type"] = article[0] if article else types[0]
    return found


def _unescape_json_string(raw: str) -> str:
    try:
        return json.loads(f'"{raw}"', strict=False)
    except ValueError:
        return raw.replace('\\"', '"').replace("\\/", "/")


def _types(entity: dict[str, Any]) -> list[str]:
    return [t.rsplit("/", 1)[-1] for t in _as_list(entity.get("@type")) if isinstance(t, str)]


def _is_article_type(name: str) -> bool:
    lower = name.rsplit("/", 1)[-1].lower()
    return lower in ARTICLE_TYPES or lower.endswith("article")


def _entities(values: list[Any]) -> Iterator[dict[str, Any]]:
    """Top-level entities: the values, list items, ``@graph`` members and ``mainEntity`` objects."""
    stack: list[tuple[Any, int]] = [(value, 0) for value in reversed(values)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            continue
        if isinstance(value, list):
            stack.extend((item, depth + 1) for item in reversed(value))
        elif isinstance(value, dict):
            graph = value.get("@graph")
            if graph is not None:
                stack.extend((item, depth + 1) for item in reversed(_as_list(graph)))
            if "@type" in value or "headline" in value:
                yield value
            for key in ("mainEntity", "mainEntityOfPage"):
                inner = value.get(key)
                if isinstance(inner, dict) and ("@type" in inner or "headline" in inner):
                    stack.append((inner, depth + 1))


class _JsonLd:
    """The JSON-LD entities of a page, indexed for the fields we read."""

    def __init__(self, scripts: Iterable[LexborNode]) -> None:
        self.entities: list[dict[str, Any]] = []
        for node in scripts:
            try:
                text = node.text(deep=True)
            except Exception:
                continue
            if text:
                self.entities.extend(_entities(_parse_json(text)))
        self.by_id: dict[str, dict[str, Any]] = {}
        for entity in self.entities:
            ident = entity.get("@id")
            if isinstance(ident, str) and len(entity) > 2:
                self.by_id.setdefault(ident, entity)
        self.articles = [e for e in self.entities if any(_is_article_type(t) for t in _types(e))]
        self.pages = [e for e in self.entities if any(t.lower() in PAGE_TYPES for t in _types(e))]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and isinstance(value.get("@id"), str):
            return self.by_id.get(value["@id"], value)
        return value

    def main_article(self, urls: Iterable[str | None]) -> dict[str, Any] | None:
        if not self.articles:
            return None
        wanted = {_url_key(u) for u in urls if u}
        if wanted and len(self.articles) > 1:
            for article in self.articles:
                for key in ("url", "@id", "mainEntityOfPage"):
                    value = self.resolve(article.get(key))
                    if isinstance(value, dict):
                        value = value.get("@id") or value.get("url")
                    if isinstance(value, str) and _url_key(value) in wanted:
                        return article
        # Otherwise the first that names a headline (a teaser list carries less), else the first.
        for article in self.articles:
            if article.get("headline") or article.get("name"):
                return article
        return self.articles[0]

    def name_of(self, value: Any) -> str | None:
        value = self.resolve(value)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            name = value.get("name")
            if isinstance(name, list):
                name = name[0] if name else None
            if isinstance(name, dict):
                name = name.get("@value") or name.get("name")
            return _clean(name)
        return _clean(value)


_NO_URL = urlsplit("")


def _split_url(url: str) -> SplitResult:
    """``urlsplit`` that takes a malformed URL ("http://[::1") as no URL instead of raising."""
    try:
        return urlsplit(url)
    except ValueError:
        return _NO_URL


def _url_key(url: str) -> str:
    parts = _split_url(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return host + parts.path.rstrip("/")


def _json_authors(json_ld: _JsonLd, entity: dict[str, Any]) -> list[tuple[str, bool]]:
    """Author names of one entity, each with whether it is typed as an organisation."""
    raw = entity.get("author")
    if raw is None:
        raw = entity.get("creator")
    if isinstance(raw, str) and raw.lstrip().startswith(("{", "[")):
        parsed = _parse_json(raw)
        raw = parsed[0] if parsed and not (isinstance(parsed[0], dict) and parsed[0].get("_broken")) else raw
    found: list[tuple[str, bool]] = []
    for item in _as_list(raw)[:20]:
        item = json_ld.resolve(item)
        if isinstance(item, str):
            found.append((item, False))
        elif isinstance(item, dict):
            types = {t.lower() for t in _types(item)}
            is_org = bool(types & PUBLISHER_TYPES) and "person" not in types
            name = item.get("name")
            if isinstance(name, list):
                for one in name:
                    if isinstance(one, str):
                        found.append((one, is_org))
                continue
            if isinstance(name, dict):
                name = name.get("name") or name.get("@value")
            if not isinstance(name, str) or not name.strip():
                parts = [item.get(k) for k in ("givenName", "additionalName", "familyName")]
                name = " ".join(p for p in parts if isinstance(p, str) and p.strip())
            if name:
                found.append((name, is_org))
    return found


def _json_images(value: Any) -> str | None:
    for item in _as_list(value)[:5]:
        if isinstance(item, str) and item.strip():
            return item.strip()
        if isinstance(item, dict):
            url = item.get("url") or item.get("contentUrl") or item.get("@id")
            if isinstance(url, str) and url.strip():
                return url.strip()
    return None


def _json_keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return _split_tags(value)
    tags: list[str] = []
    for item in _as_list(value):
        if isinstance(item, str):
            tags.extend(_split_tags(item))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            tags.append(item["name"])
    return tags


def _json_language(value: Any) -> str | None:
    value = value[0] if isinstance(value, list) and value else value
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    return _language(value) if isinstance(value, str) else None


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------


def _valid_year(year: int) -> bool:
    return MIN_YEAR <= year <= datetime.now(UTC).year + 1


def _format_tz(tz: str | None) -> str:
    if not tz:
        return ""
    if tz in ("Z", "UTC", "GMT"):
        return "+00:00"
    sign, digits = tz[0], tz[1:].replace(":", "")
    digits = digits.ljust(4, "0")
    return f"{sign}{digits[:2]}:{digits[2:4]}"


def normalise_date(value: Any, month_first: bool = False) -> str | None:
    """An ISO 8601 date (``YYYY-MM-DD``) or date-time (``YYYY-MM-DDTHH:MM:SS[+HH:MM]``), or None.

    Keeps the precision the page gives: a date stays a date, a time keeps its offset.
    ``month_first`` reads an ambiguous "05/03/2024" as May 3 (as US pages write it).
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_timestamp(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 120:
        return None
    if text.isdigit() and len(text) in (10, 13):
        return _from_timestamp(int(text) / (1000 if len(text) == 13 else 1))
    match = ISO_DATE.search(text)
    if match and not (len(text) > 8 and match.start() > 0 and text[match.start() - 1].isdigit()):
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
        if _valid_year(year) and _valid_day(year, month, day):
            if match["H"] is None:
                return f"{year:04d}-{month:02d}-{day:02d}"
            hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"] or 0)
            if hour < 24:
                time = f"T{hour:02d}:{minute:02d}:{second:02d}{_format_tz(match['tz'])}"
                return f"{year:04d}-{month:02d}-{day:02d}{time}"
            return f"{year:04d}-{month:02d}-{day:02d}"
    if "," in text and text[:3].isalpha() and DIGIT.search(text):
        try:  # RFC 2822: "Fri, 03 May 2024 15:47:42 GMT"
            stamp = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            stamp = None
        if stamp is not None and _valid_year(stamp.year):
            return stamp.replace(microsecond=0).isoformat()
    return _text_date(text, month_first)


def _valid_day(year: int, month: int, day: int) -> bool:
    try:
        datetime(year, month, day)
    except ValueError:
        return False
    return True


def _from_timestamp(seconds: float) -> str | None:
    try:
        stamp = datetime.fromtimestamp(seconds, tz=timezone(timedelta(0)))
    except (OverflowError, OSError, ValueError):
        return None
    return stamp.replace(microsecond=0).isoformat() if _valid_year(stamp.year) else None


def _text_date(text: str, month_first: bool = False) -> str | None:
    """A day written in words or digits: "May 3, 2024", "3. Mai 2024", "03.05.2024", "2024/05/03"."""
    for pattern in (TEXT_DATE_MDY, TEXT_DATE_DMY, TEXT_DATE_YMD):
        for match in pattern.finditer(text):
            month = MONTHS.get(match["mon"].lower().rstrip("."))
            if month:
                year, day = int(match["y"]), int(match["d"])
                if _valid_year(year) and _valid_day(year, month, day):
                    return f"{year:04d}-{month:02d}-{day:02d}"
    match = SLASH_DATE_YMD.search(text)
    if match:
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
        if _valid_year(year) and _valid_day(year, month, day):
            return f"{year:04d}-{month:02d}-{day:02d}"
    match = NUMERIC_DATE.search(text)
    if match:
        year, first, second = int(match["y"]), int(match["a"]), int(match["b"])
        orders = ((second, first), (first, second))  # (month, day): day first unless told otherwise
        if month_first and match["sep"] != ".":
            orders = orders[::-1]
        for month, day in orders:
            if _valid_year(year) and _valid_day(year, month, day):
                return f"{year:04d}-{month:02d}-{day:02d}"
    match = SHORT_DOTTED_DATE.search(text)
    if match:
        year, month, day = 2000 + int(match["y"]), int(match["m"]), int(match["d"])
        if _valid_year(year) and _valid_day(year, month, day):
            return f"{year:04d}-{month:02d}-{day:02d}"
    return None


# --------------------------------------------------------------------------------------------
# Authors
# --------------------------------------------------------------------------------------------


def _name_words(name: str) -> list[str]:
    return [w.casefold().strip(".,:;()" + QUOTES) for w in name.split()]


def _clean_name(part: str, strict: bool, single: bool = True) -> str | None:
    """One name out of one piece of a byline, or None when it is no person's (or desk's) name.

    ``strict`` (for visible text) wants capitalised words; ``single`` allows a one-word name.
    """
    part = part.strip(" \t:·•|()[].,»«›‹" + DASHES + QUOTES)
    part = LABEL_PREFIX.sub("", BYLINE_PREFIX.sub("", part)).strip()
    if ":" in part:  # "design: Scott McDaniel": a label, then the name
        part = part.rsplit(":", 1)[1].strip()
    # "Jane Doe - Reporter", "Jane Doe (Reuters)", "Jane Doe 3 min read": the name comes first.
    part = re.split(rf"\s[{DASHES}]\s|\s\d|\s?\(", part, maxsplit=1)[0].strip(" .,:;")
    if not part or len(part) > MAX_AUTHOR_CHARS or CREDENTIAL.match(part) or MONTH_OR_DAY.match(part):
        return None
    if URLISH.search(part) or EMAIL.search(part) or DIGIT.search(part):
        return None
    words = part.split()
    lowered = _name_words(part)
    if any(w in NEVER_NAME_WORDS for w in lowered):
        return None
    # Cut at a role: "Keith Barry Senior Autos Reporter" -> "Keith Barry".
    for index, word in enumerate(lowered):
        if word in ROLE_WORDS and index >= 2:
            if lowered[0] not in DETERMINERS:  # "The Currency editors" is a desk, not a person
                words, lowered = words[:index], lowered[:index]
            break
    if all(w in GENERIC_WORDS or w in NAME_PARTICLES for w in lowered) or lowered[0] in ROLE_WORDS:
        return None
    if len(words) > (4 if strict else 6):
        return None
    # "NB Nicole Burke": an avatar's initials before the name; "Nicole Burke As": a sentence after it.
    if strict and len(words) >= 3 and words[0] == "".join(w[:1] for w in words[1 : 1 + len(words[0])]):
        words, lowered = words[1:], lowered[1:]
    while strict and len(words) > 1 and lowered[-1] in TRAILING_WORDS:
        words, lowered = words[:-1], lowered[:-1]
    # "Brian Truitt USA TODAY": a capitalised name, then an outlet in capitals.
    if strict and len(words) >= 3 and not words[0].isupper():
        for index in range(2, len(words)):
            if all(w.isupper() and len(w) > 1 for w in words[index:]):
                words, lowered = words[:index], lowered[:index]
                break
    name = " ".join(words)
    if strict:
        if len(words) == 1 and (not single or USERNAME.search(name) or not name[:1].isupper()):
            return None
        for word, low in zip(words, lowered, strict=True):
            first = word.lstrip("(" + QUOTES)[:1]
            if low not in NAME_PARTICLES and first.isalpha() and first.islower():
                return None
    elif " " not in name and USERNAME.search(name):
        return None
    return name


def _split_names(text: str, strict: bool, single: bool = True) -> list[str]:
    """Names in one author string: prefixes, roles, credentials, dates and handles dropped."""
    text = _clean(text) or ""
    if not text or len(text) > MAX_BYLINE_CHARS:
        return []
    text = HANDLE.sub(" ", EMAIL.sub(" | ", URL_IN_TEXT.sub(" | ", PARENTHESES.sub(" ", text))))
    text = BYLINE_LABEL.sub(" | ", DATE_IN_BYLINE.sub(" | ", text))
    text = LABEL_PREFIX.sub("", BYLINE_PREFIX.sub("", text.strip()))
    # "Doe, Jane; Roe, John": surname first, one name per semicolon.
    pieces = text.split(";")
    if len(pieces) > 1 and all(piece.count(",") == 1 for piece in pieces):
        text = ";".join(" ".join(reversed(piece.split(","))) for piece in pieces)
    names = []
    for part in NAME_JOIN.split(text):
        if name := _clean_name(part, strict, single):
            names.append(name)
    return names


def _person_like(name: str) -> bool:
    words = name.split()
    return 2 <= len(words) <= 4 and not any(w in ORG_WORDS for w in _name_words(name))


_WORD_CHARS = re.compile(r"[^\W_]+")


SECOND_LEVEL_LABELS = _words("co com org net ac gov edu ne or go gob")


def _host_label(host: str) -> str:
    """The name part of a host: "bbc" of www.bbc.co.uk, "cnn" of edition.cnn.com."""
    labels = host.lower().removeprefix("www.").split(".")
    if len(labels) >= 3 and labels[-2] in SECOND_LEVEL_LABELS:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else labels[0]


def _publication_words(*names: str | None) -> list[frozenset[str]]:
    """Word sets of the publication's names (site name, publisher, host) to tell bylines from it."""
    found = []
    for name in names:
        if not name:
            continue
        if "." in name and " " not in name:  # a host: its main label ("hessenschau" of hessenschau.de)
            name = _host_label(name)
        words = frozenset(_WORD_CHARS.findall(name.casefold()))
        if words:
            found.append(words)
    return found


def _is_publication(name: str, publication: list[frozenset[str]], loose: bool = False) -> bool:
    """Whether a byline is the publication's name; ``loose`` also takes a part of it ("VnExpress"
    of "Báo VnExpress"), for bylines typed as an organisation. A desk of the publication
    ("The Investopedia Team", "Redaktion hessenschau.de") is a byline and stays.
    """
    words = frozenset(_WORD_CHARS.findall(name.casefold()))
    return bool(words) and any(words == site or (loose and words <= site) for site in publication)


def _dedupe_names(names: Iterable[str], publication: list[frozenset[str]]) -> tuple[str, ...]:
    """Names in order, each once; the publication's own name only when it reads as a person's."""
    kept: list[str] = []
    seen: set[str] = set()
    for name in names:
        key = _fold(HONORIFIC.sub("", name))
        if not key or key in seen:
            continue
        if _is_publication(name, publication) and not _person_like(name):
            continue
        seen.add(key)
        kept.append(name)
    # A bare first name or a shorter form of a name already kept adds nothing.
    folded = [_fold(n) for n in kept]
    return tuple(
        name
        for name, key in zip(kept, folded, strict=True)
        if not any(other != key and " " not in key and key in other.split(" ") for other in folded)
    )


def _meta_names(values: Iterable[str]) -> list[str]:
    """Names from author metas; a value listing a bare domain ("example.de, Berlin") is an imprint."""
    names: list[str] = []
    for value in values:
        parts = value.split(",")
        if len(parts) > 1 and any(BARE_DOMAIN.match(part.strip()) for part in parts):
            continue
        names.extend(_split_names(value, strict=False))
    return names


def _is_foreign(node: LexborNode) -> bool:
    """Whether a byline or date sits in a comment, a teaser, the site's header or footer...

    Class and id names ("related", "comments", "sidebar") count up to the article; the tags
    ``header``, ``footer``, ``nav``, ``aside`` and the classes "footer" and "card" only outside
    an ``<article>`` or ``<main>`` (an article's own footer holds its byline and date).
    """
    current = node.parent
    outside = False
    depth = 0
    while current is not None and depth < 12:
        tag = current.tag
        if tag in ("body", "html"):
            return outside
        attrs = current.attributes
        marker = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
        if marker.strip() and (found := FOREIGN_CONTAINER.search(marker)):
            if found[0].lower().rstrip("s") not in SOFT_FOREIGN:
                return True
            outside = True
        if tag in ("article", "main"):
            return False
        if tag in FOREIGN_TAGS:
            outside = True
        current = current.parent
        depth += 1
    return outside


def _byline_names(node: LexborNode, single: bool) -> list[str]:
    attrs = node.attributes
    if node.tag in ("link", "meta"):
        value = attrs.get("content") or attrs.get("title") or ""
        return _split_names(value, strict=True, single=single)
    # An itemprop=author scope names its person in an itemprop=name.
    if "author" in (attrs.get("itemprop") or "").split() and (inner := node.css_first("[itemprop~=name]")):
        value = inner.attributes.get("content") or _node_text(inner)
        if value:
            return _split_names(value, strict=True, single=single)
    content = attrs.get("content")
    if content:
        return _split_names(content, strict=True, single=single)
    text = _short_text(node, MAX_BYLINE_CHARS)
    return _split_names(text, strict=True, single=single) if text else []


def _byline_tier(node: LexborNode) -> int | None:
    """Which kind of byline element ``node`` is (0 most specific), None for none."""
    attrs = node.attributes
    tag = node.tag
    if "author" in (attrs.get("itemprop") or "").split():
        return 0
    if tag in ("a", "link") and "author" in (attrs.get("rel") or "").lower().split():
        return 0
    classes = (attrs.get("class") or "").lower()
    if (
        any(name in classes for name in AUTHOR_NAME_CLASSES)
        or "author" in (attrs.get("data-testid") or "").lower()
    ):
        return 1
    if tag == "a" and any(path in (attrs.get("href") or "").lower() for path in AUTHOR_PATHS):
        return 2
    ident = (attrs.get("id") or "").lower()
    if "byl" in classes or "byline" in ident:
        return 3
    if "author" in classes or "author" in ident or tag == "address":
        return 4
    return None


def _byline_nodes(tree: LexborHTMLParser) -> list[tuple[int, LexborNode]]:
    """Byline elements of the page with their tier, in document order (one query for all)."""
    root = tree.body
    if root is None:
        return []
    found = []
    for node in root.css(BYLINE_SELECTOR):
        if node.tag in ("img", "script", "style", "svg") or NOT_NAME_PART.search(
            node.attributes.get("class") or ""
        ):
            continue
        if (tier := _byline_tier(node)) is not None and (not found or found[-1][1] != node):
            found.append((tier, node))
    return found


def _dom_authors(bylines: list[tuple[int, LexborNode]], header: _Lazy[list[list[str]]]) -> list[str]:
    """Names in the first byline found, by the most specific kind of byline element first.

    One-word names only from elements marked as the author's name (``itemprop``, ``rel``,
    ``author-name``): in a loose ``.byline`` or ``[class*=author]`` they are mostly labels.
    After those marked elements, a "By ..." text next to the headline, then links to author pages.
    """
    for tier in range(TIERS):
        if tier == SINGLE_NAME_TIERS and (names := _header_byline(header.get())):
            return names
        first_parent: LexborNode | None = None
        names = []
        for node_tier, node in bylines:
            if node_tier != tier:
                continue
            if first_parent is not None:
                # Further names only from the same byline: siblings of the first one.
                parent = node.parent
                if parent is None or (parent != first_parent and parent.parent != first_parent.parent):
                    continue
            found = _byline_names(node, single=tier < SINGLE_NAME_TIERS)
            if not found or _is_foreign(node):
                continue
            if first_parent is None:
                first_parent = node.parent
            names.extend(found)
        if names:
            return names
    return []


# --------------------------------------------------------------------------------------------
# Titles
# --------------------------------------------------------------------------------------------


def _title_parts(title: str) -> list[str]:
    return [p for p in TITLE_SEPARATOR.split(title) if p.strip()]


def _strip_site(title: str, sitename: str | None, host: str | None) -> str:
    """``title`` without a leading or trailing site name (" | Site", " - Site", "Site: ...")."""
    parts = _title_parts(title)
    if len(parts) < 2:
        return title
    site_keys = set()
    if sitename:
        site_keys.add(_fold(sitename).replace(" ", ""))
    if host:
        site_keys.add(_host_label(host))
        site_keys.add(host.replace(".", ""))
    site_keys.discard("")

    def is_site(part: str) -> bool:
        key = _fold(part).replace(" ", "")
        if not key:
            return False
        return any(
            key == site or (len(site) > 3 and (key in site or (site in key and len(key) <= len(site) + 12)))
            for site in site_keys
        )

    # Drop site-looking segments at either end.
    start, end = 0, len(parts)
    while end - start > 1 and is_site(parts[end - 1]):
        end -= 1
    while end - start > 1 and is_site(parts[start]):
        start += 1
    if (start, end) != (0, len(parts)):
        return _rejoin(title, parts[start], parts[end - 1])
    # Unknown site name: a short last segment after a much longer head is the usual suffix
    # (not after a colon, which introduces the rest of a headline).
    last = parts[-1]
    head = _rejoin(title, parts[0], parts[-2])
    separator = title[len(head) : len(title) - len(last)].strip() if title.endswith(last) else ":"
    if separator != ":" and len(last.split()) <= 4 and len(head) >= 2 * len(last) and len(head.split()) >= 3:
        return head
    return title


def _rejoin(title: str, first: str, last: str) -> str:
    start = title.find(first)
    end = title.rfind(last)
    if start < 0 or end < 0:
        return first
    return title[start : end + len(last)].strip()


def _heading_texts(nodes: Iterable[LexborNode]) -> list[str]:
    texts = []
    for node in nodes:
        text = _node_text(node)
        if 2 <= len(text) <= 400:
            texts.append(text)
    return texts


MIN_TRUNCATED_TITLE = 80


def _choose_title(
    structured: list[str],
    headings: tuple[list[str], list[str]],
    html_title: str | None,
    sitename: str | None,
    host: str | None,
) -> str | None:
    candidates = [*structured, *([html_title] if html_title else [])]
    site_key = _fold(sitename) if sitename else None
    h1s = [h for h in headings[0] if _fold(h) != site_key]
    # 1. A structured title (or the <title>) that is an <h1>, else an <h2>, whole or without its
    # site suffix; or an <h1> that one of them starts with (adding a site name or a tagline; from
    # the <title>, adding less than the <h1>: a blog's name as <h1> is shorter than the post's).
    for level in (h1s, headings[1]):
        keys = {_fold(h): h for h in level}
        for candidate in candidates:
            if _fold(candidate) in keys:
                return candidate
        for candidate in candidates:
            stripped = _fold(_strip_site(candidate, sitename, host))
            if stripped in keys:
                return keys[stripped]
        if level is h1s:
            for heading in level:
                key = _fold(heading)
                for candidate in candidates:
                    folded = _fold(candidate)
                    shorter = candidate is not html_title or len(folded) - len(key) < len(key)
                    if len(key) >= 10 and folded.startswith(key) and shorter:
                        return heading
    # 2. Otherwise the most trusted structured title, without a site suffix, unless it was cut
    # short (schema.org headlines are often cut at 110 characters) and another one is whole.
    if structured:
        best = _strip_site(structured[0], sitename, host)
        if len(best) >= MIN_TRUNCATED_TITLE or best.endswith(("…", "...")):
            prefix = _fold(best).rstrip(".… ")
            for candidate in candidates[1:]:
                stripped = _strip_site(candidate, sitename, host)
                if len(stripped) > len(best) and _fold(stripped).startswith(prefix):
                    return stripped
        return best
    if len(h1s) == 1:
        return h1s[0]
    if html_title:
        return _strip_site(html_title, sitename, host)
    return h1s[0] if h1s else None


# --------------------------------------------------------------------------------------------
# URLs, language, tags
# --------------------------------------------------------------------------------------------


def _absolute(href: str | None, base: str | None) -> str | None:
    href = _clean(href)
    if not href or href.startswith(("javascript:", "data:", "#", "mailto:")):
        return None
    if href.startswith("//"):
        href = "https:" + href
    if base and not href.startswith(("http://", "https://")):
        try:
            href = urljoin(base, href)
        except ValueError:
            return None
    if not href.startswith(("http://", "https://")) or not _split_url(href).netloc:
        return None
    return href


def _language(value: str | None) -> str | None:
    if not value:
        return None
    match = LANGUAGE_TAG.match(value.strip())
    return match[1].lower() if match else None


def _split_tags(value: str) -> list[str]:
    separator = "," if "," in value else ";" if ";" in value else "|" if "|" in value else None
    parts = value.split(separator) if separator else [value]
    return [tag for part in parts if (tag := _clean(part))]


def _dedupe(values: Iterable[str], limit: int) -> tuple[str, ...]:
    seen: set[str] = set()
    kept: list[str] = []
    for value in values:
        key = value.casefold()
        if key not in seen:
            seen.add(key)
            kept.append(value)
    return tuple(kept[:limit])


# --------------------------------------------------------------------------------------------
# DOM dates
# --------------------------------------------------------------------------------------------

_DOM_DATE_SELECTORS = (
    "[itemprop~=datePublished]",
    "time[pubdate]",
    "article time[datetime], main time[datetime], [class*=byline i] time[datetime], "
    "[class*=meta i] time[datetime], [class*=date i] time[datetime], [class*=publish i] time[datetime]",
)
_DOM_MODIFIED_SELECTORS = ("[itemprop~=dateModified]",)


def _dom_date(tree: LexborHTMLParser, selectors: tuple[str, ...], month_first: bool) -> str | None:
    root = tree.body or tree.root
    if root is None:
        return None
    for selector in selectors:
        for node in root.css(selector)[:8]:
            attrs = node.attributes
            value = attrs.get("datetime") or attrs.get("content") or _node_text(node)
            date = normalise_date(value, month_first)
            if date and not _is_foreign(node):
                return date
    return None


_DATE_IN_TEXT = (
    TEXT_DATE_MDY,
    TEXT_DATE_DMY,
    TEXT_DATE_YMD,
    ISO_DATE,
    SLASH_DATE_YMD,
    NUMERIC_DATE,
    SHORT_DOTTED_DATE,
)
_UPDATED_LABEL = re.compile(
    r"(?:updat|modif|revis|aktualisiert|geändert|mis à jour|actualiz|aggiornat|bijgewerkt|edited)"
    r"\w*\W{0,3}(?:on|am|le|el|:)?\s*$",
    re.IGNORECASE,
)
MAX_HEADER_TEXT = 300
HEADER_LEVELS = 6
HEADER_SIBLINGS = 8


def _dates_in_text(text: str, month_first: bool) -> list[tuple[int, str, bool]]:
    """Every day named in ``text``: (position, ISO date, whether labelled as an update)."""
    found: dict[int, tuple[int, str, bool]] = {}
    for pattern in _DATE_IN_TEXT:
        for match in pattern.finditer(text):
            if any(start <= match.start() < start + 12 for start in found):
                continue
            date = _text_date(match[0], month_first) if pattern is not ISO_DATE else normalise_date(match[0])
            if date:
                before = text[max(0, match.start() - 30) : match.start()]
                found[match.start()] = (match.start(), date[:10], bool(_UPDATED_LABEL.search(before)))
    return sorted(found.values())


def _header_texts(h1: LexborNode | None) -> Iterator[list[str]]:
    """Short texts around the headline, level by level: the ``<h1>``'s siblings, then its parent's..."""
    node = h1
    for _ in range(HEADER_LEVELS):
        if node is None or (parent := node.parent) is None or parent.tag in ("body", "html"):
            return
        texts = []
        child = parent.child
        count = 0
        while child is not None and count < 4 * HEADER_SIBLINGS:
            if child.tag not in SKIPPED_NEAR_HEADLINE and child != node and not _foreign_itself(child):
                if text := _short_text(child, MAX_HEADER_TEXT):
                    texts.append(text)
                count += 1
            child = child.next
        yield texts
        node = parent


SKIPPED_NEAR_HEADLINE = frozenset(
    {"-text", "-comment", "script", "style", "svg", "h1", "nav", "aside", "footer"}
)


def _foreign_itself(node: LexborNode) -> bool:
    """Whether the element's own class or id marks it as a teaser, menu, comments... block."""
    attrs = node.attributes
    marker = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    found = FOREIGN_CONTAINER.search(marker) if marker.strip() else None
    return bool(found) and found[0].lower().rstrip("s") not in SOFT_FOREIGN


def _header_date(levels: Iterable[list[str]], month_first: bool) -> str | None:
    """The day shown next to the headline, nearest first.

    A date labelled "Updated" is taken only when no other date is shown there.
    """
    for texts in levels:
        dates = _dates_in_text(" | ".join(texts), month_first) if texts else []
        if dates:
            plain = [date for _, date, updated in dates if not updated]
            return plain[0] if plain else dates[0][1]
    return None


def _title_heading(scan: _Scan, title: str | None) -> LexborNode | None:
    """The heading that shows the title (an ``<h1>``, else an ``<h2>``), else the first ``<h1>``."""
    key = _fold(title) if title else None
    first = None
    for node in (*scan.h1, *scan.h2):
        if key and _fold(_node_text(node)) == key:
            return node
        if first is None and node.tag == "h1":
            first = node
    return first


_BYLINE_START = re.compile(
    r"(?:^|[|·•]\s*)(?:(?:written|posted|words|story|text|article|reported|compiled)\s+)?"
    r"(?:by|von|par|por|door|av|af|di|przez)\b\s*:?\s*(.*)$",
    re.IGNORECASE,
)
MAX_BYLINE_TEXT = 120


def _header_byline(levels: Iterable[list[str]]) -> list[str]:
    """Names in a "By Jane Doe" text next to the headline (or after a bare "Written by" label)."""
    for texts in levels:
        for index, text in enumerate(texts):
            if len(text) > MAX_BYLINE_TEXT or not (match := _BYLINE_START.search(text)):
                continue
            rest = match[1] or (texts[index + 1] if index + 1 < len(texts) else "")
            if names := _split_names(rest, strict=True, single=False):
                return names
    return []


class _Lazy(Generic[T]):
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


_ISO_START = re.compile(r"\s*(?:19|20)\d\d-[01]\d-[0-3]\d")
_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)([/_.-]?)([01]\d)\2([0-3]\d)(?!\d)|/((?:19|20)\d\d)/([01]?\d)/([0-3]?\d)/"
)
_GENERIC_PUBLISHED_KEY = re.compile(r"publi|pub.?date|release|creat|issued|^date$|[.:_-]date$", re.IGNORECASE)
_GENERIC_NOT_PUBLISHED_KEY = re.compile(r"modif|updat|expir|revis|valid|birth|event|start|end", re.IGNORECASE)
_DATE_CLASS_SELECTOR = (
    '[class*="date" i], [id*="date" i], [class*="publish" i], [class*="posted" i], '
    '[class*="entry-meta" i], [class*="post-meta" i], [class*="article-meta" i], [class*="byline" i]'
)
MAX_DATE_ELEMENT_TEXT = 120
MAX_BYLINES_FOR_DATE = 6


def _url_date(url: str | None) -> str | None:
    """A full day in the URL's path: ``/2024/05/03/``, ``/2024-05-03-``, ``/20240503/``."""
    if not url:
        return None
    match = _URL_DATE.search(_split_url(url).path)
    if not match:
        return None
    year, month, day = (match[1], match[3], match[4]) if match[1] else (match[5], match[6], match[7])
    if _valid_year(int(year)) and _valid_day(int(year), int(month), int(day)):
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    return None


def _generic_meta_date(metas: dict[str, list[str]], month_first: bool) -> str | None:
    """Any other meta whose name says "published" / "created" / "date" (not "modified")."""
    for key, values in metas.items():
        if _GENERIC_PUBLISHED_KEY.search(key) and not _GENERIC_NOT_PUBLISHED_KEY.search(key):
            for value in values:
                if date := normalise_date(value, month_first):
                    return date
    return None


def _class_date(tree: LexborHTMLParser, month_first: bool) -> str | None:
    """A short element whose class names a date ("post-date", "entry-meta", "byline"...)."""
    root = tree.body
    if root is None:
        return None
    updated: str | None = None
    for node in root.css(_DATE_CLASS_SELECTOR)[:30]:
        attrs = node.attributes
        # "Posted on April 13, 2023 | Tags: ...": the start is enough (and cheap on big elements).
        text = (
            attrs.get("datetime") or attrs.get("content") or node.text(deep=True, separator=" ", strip=True)
        )
        text = SPACES.sub(" ", text[: 4 * MAX_DATE_ELEMENT_TEXT])[:MAX_DATE_ELEMENT_TEXT]
        if not DIGIT.search(text):
            continue
        dates = _dates_in_text(text, month_first)
        if not dates or _is_foreign(node):
            continue
        plain = [date for _, date, is_update in dates if not is_update]
        if plain:
            return plain[0]
        updated = updated or dates[0][1]
    return updated


def _byline_date(bylines: list[tuple[int, LexborNode]], month_first: bool) -> str | None:
    """A day written next to the author's name: in the byline, its parent or grandparent."""
    checked = 0
    for _, node in bylines:
        if checked >= MAX_BYLINES_FOR_DATE:
            break
        if _is_foreign(node):
            continue
        checked += 1
        container: LexborNode | None = node
        for _ in range(3):  # the byline itself, its parent, its grandparent
            if container is None or container.tag in ("body", "html", "article", "main"):
                break
            text = _short_text(container, MAX_HEADER_TEXT)
            if text is None:
                break
            if dates := _dates_in_text(text, month_first):
                plain = [date for _, date, updated in dates if not updated]
                return plain[0] if plain else dates[0][1]
            container = container.parent
    return None


def _published(
    tree: LexborHTMLParser,
    metas: dict[str, list[str]],
    article: dict[str, Any],
    page: dict[str, Any],
    url: str | None,
    near: tuple[_Lazy[list[list[str]]], _Lazy[list[tuple[int, LexborNode]]]],
    month_first: bool,
) -> str | None:
    """The publication date: structured sources first, then what the page shows next to the
    headline or the byline, then any ``<time>``."""
    # schema.org asks for ISO 8601; a date written for humans ("Jun 24, 2025") marks a hand-made
    # template, whose bindings are often the wrong CMS field: the visible date goes first then.
    json_published = article.get("datePublished") or article.get("dateCreated")
    json_iso = isinstance(json_published, str) and bool(_ISO_START.match(json_published))
    sources = (
        lambda: normalise_date(json_published) if json_iso else None,
        lambda: next(
            filter(None, (normalise_date(v, month_first) for k in META_PUBLISHED for v in metas.get(k, ()))),
            None,
        ),
        lambda: _dom_date(tree, _DOM_DATE_SELECTORS, month_first),
        lambda: normalise_date(page.get("datePublished")),
        lambda: normalise_date(article.get("uploadDate")),
        lambda: _generic_meta_date(metas, month_first),
        lambda: _url_date(url),
        lambda: _header_date(near[0].get(), month_first),
        lambda: _class_date(tree, month_first),
        lambda: _byline_date(near[1].get(), month_first),
        lambda: normalise_date(json_published, month_first),
        lambda: _dom_date(tree, ("time[datetime]",), month_first),
    )
    for source in sources:
        if date := source():
            return date
    return None


# --------------------------------------------------------------------------------------------
# The one entry point
# --------------------------------------------------------------------------------------------


def extract_metadata(tree: LexborHTMLParser, url: str | None = None) -> Metadata:
    """Metadata of the article on a parsed page; fields the page does not give are None / empty.

    ``url`` is the page's address: it resolves relative canonical and image URLs and picks the
    page's own article among several JSON-LD articles. Never raises on an odd page.
    """
    try:
        return _extract(tree, url)
    except Exception:  # a bug here must not cost the article its text; logged for the bug report
        LOGGER.warning("metadata extraction failed on %s", url or "a page", exc_info=True)
        return Metadata()


def _extract(tree: LexborHTMLParser, url: str | None) -> Metadata:
    scan = _Scan(tree)
    metas = scan.metas
    json_ld = _JsonLd(scan.scripts)

    # URLs first: they pick the JSON-LD article and resolve relative links.
    og_url = _first_meta(metas, ("og:url", "twitter:url"))
    base = url or scan.base or og_url
    canonical = _absolute(scan.canonical, base) or _absolute(og_url, base)
    host = _split_url(url or canonical or "").netloc.lower().removeprefix("www.") or None

    article = json_ld.main_article((url, canonical, og_url)) or {}
    page = json_ld.pages[0] if json_ld.pages else {}
    sitename = _sitename(json_ld, article, metas)
    title = _title(scan, article, sitename, host)
    header = _Lazy(lambda: list(_header_texts(_title_heading(scan, title))))
    bylines = _Lazy(lambda: _byline_nodes(tree))
    publication = _publication_words(sitename, json_ld.name_of(article.get("publisher")), host)
    authors = _authors(json_ld, article, metas, publication, bylines, header)

    html_lang = scan.html_lang
    language = (
        _language(html_lang)
        or _json_language(article.get("inLanguage"))
        or _json_language(page.get("inLanguage"))
        or _language(_first_meta(metas, META_LANGUAGE))
    )
    # "05/03/2024" is May 3 on American pages (and on English ones that name no region), 5 March
    # elsewhere.
    locale = (html_lang or _first_meta(metas, ("og:locale",)) or "").strip().lower().replace("_", "-")
    month_first = locale in ("en", "en-us") or locale.endswith("-us")

    modified = (
        normalise_date(article.get("dateModified"))
        or next(
            filter(None, (normalise_date(v, month_first) for k in META_MODIFIED for v in metas.get(k, ()))),
            None,
        )
        or _dom_date(tree, _DOM_MODIFIED_SELECTORS, month_first)
        or normalise_date(page.get("dateModified"))
    )
    # Without any sign of the first publication, the last modification is the best date there is.
    published = (
        _published(tree, metas, article, page, url or canonical, (header, bylines), month_first) or modified
    )

    tags: list[str] = _json_keywords(article.get("keywords")) if article else []
    if not tags:
        tags = next((found for key in META_TAGS if (found := _meta_tags(metas.get(key, ())))), [])
    image = _absolute(_json_images(article.get("image")), base) or _absolute(
        _first_meta(metas, META_IMAGE), base
    )
    page_type = next((t for t in _types(article) if _is_article_type(t)), None)
    page_type = page_type or _first_meta(metas, ("og:type",)) or next(iter(_types(page)), None)

    return Metadata(
        title=title,
        authors=authors,
        published=published,
        modified=modified,
        sitename=sitename,
        language=language,
        description=_clean(article.get("description")) or _first_meta(metas, META_DESCRIPTION),
        tags=_dedupe(tags, MAX_TAGS),
        canonical_url=canonical,
        image=image,
        json_ld_body=_body_text(article.get("articleBody")),
        page_type=page_type,
        free=_json_bool(article.get("isAccessibleForFree")),
    )


def _json_bool(value: Any) -> bool | None:
    """A schema.org Boolean as pages write it: true/false, "True"/"False", "yes"/"no"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False, "yes": True, "no": False}.get(value.strip().lower())
    return None


def _sitename(json_ld: _JsonLd, article: dict[str, Any], metas: dict[str, list[str]]) -> str | None:
    """The publisher's name in the article's JSON-LD, else ``og:site_name``, the JSON-LD WebSite..."""
    sitename = json_ld.name_of(article.get("publisher")) or _first_meta(metas, ("og:site_name",))
    if not sitename:
        websites = (e for e in json_ld.entities if "website" in {t.lower() for t in _types(e)})
        sitename = next((name for e in websites if (name := _clean(e.get("name")))), None)
    sitename = sitename or _first_meta(metas, META_SITENAME[1:])
    if sitename and (URLISH.match(sitename) or len(sitename) > 100):
        return None
    return sitename


def _title(scan: _Scan, article: dict[str, Any], sitename: str | None, host: str | None) -> str | None:
    headline_node = scan.headline
    structured = [
        t
        for t in (
            _clean(article.get("headline")),
            _clean(article.get("name")) if not article.get("headline") else None,
            *(_clean(v) for key in META_TITLE for v in scan.metas.get(key, ())),
            (headline_node.attributes.get("content") or _node_text(headline_node)) if headline_node else None,
        )
        if t and len(t) <= 500
    ]
    html_title = _node_text(scan.title) if scan.title else None
    headings = (_heading_texts(scan.h1), _heading_texts(scan.h2))
    return _choose_title(list(dict.fromkeys(structured)), headings, html_title or None, sitename, host)


def _authors(
    json_ld: _JsonLd,
    article: dict[str, Any],
    metas: dict[str, list[str]],
    publication: list[frozenset[str]],
    bylines: _Lazy[list[tuple[int, LexborNode]]],
    header: _Lazy[list[list[str]]],
) -> tuple[str, ...]:
    """The first source (JSON-LD, metas, bylines) that names someone other than the publication."""
    sources = (
        lambda: [
            name
            for raw, is_org in (_json_authors(json_ld, article) if article else ())
            for name in _split_names(raw, strict=False)
            if not (is_org and (not publication or _is_publication(name, publication, loose=True)))
        ],
        lambda: next((found for key in META_AUTHOR if (found := _meta_names(metas.get(key, ())))), []),
        lambda: _dom_authors(bylines.get(), header),
    )
    for source in sources:
        if authors := _dedupe_names(source(), publication):
            return authors
    return ()


def _meta_tags(values: Iterable[str]) -> list[str]:
    return [tag for value in values for tag in _split_tags(value)]


_BLOCK_END = re.compile(r"</(?:p|div|h[1-6]|li|blockquote|section)\s*>|<br\s*/?>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n\s*\n\s*")


def _body_text(body: Any) -> str | None:
    """JSON-LD ``articleBody`` as plain text, its paragraphs (if marked up) on their own lines."""
    if not isinstance(body, str) or not body.strip():
        return None
    if "<" in body:
        body = TAG_RE.sub("", _BLOCK_END.sub("\n\n", body))
    if "&" in body:
        body = unescape(body)
    lines = (SPACES.sub(" ", line).strip() for line in body.splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip() or None
