"""The page's JSON-LD: every block read (however broken), its entities indexed, its article found.

JSON-LD is written for search engines, which check it, so it names the article's own headline,
authors and dates in typed fields: the most trusted signal. Entities count at the top level, in
lists, in ``@graph`` and as ``mainEntity``; ``@id`` references are resolved; entities nested deeper
(an ``ItemList`` of related stories) are not the page. Malformed JSON falls back to a tolerant
re-read (comments, CDATA, trailing commas, concatenated values) and then to a few regular expressions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from selectolax.lexbor import LexborNode

from scraper.extract.metadata.common import as_list, clean, split_url

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
MAX_JSON_DEPTH = 6

# What each pass of the tolerant re-read looks at: strings (skipped), then comments or commas.
_JSON_COMMENT_OR_STRING = re.compile(r'["/]')
_JSON_COMMA_OR_STRING = re.compile(r'[",]')
# The rest of a string after its opening quote (unrolled, so it never backtracks).
_JSON_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_JSON_SPACE = re.compile(r"\s*")
_JSON_STRING_FIELD = r'"{}"\s*:\s*"((?:[^"\\]|\\.)*)"'
_JSON_REGEX_FIELDS = ("headline", "datePublished", "dateModified", "inLanguage", "articleBody", "description")
_JSON_AUTHOR_NAME = re.compile(
    r'"author"\s*:\s*[\[{]?\s*(?:{[^{}]*?)?"name"\s*:\s*"((?:[^"\\]|\\.)*)"', re.DOTALL
)
_JSON_TYPE = re.compile(r'"@type"\s*:\s*"([^"]+)"')


def parse_json(text: str) -> list[Any]:
    """Every JSON value in a script, tolerating comments, CDATA, trailing commas, concatenations."""
    text = text.strip()
    if not text:
        return []
    try:
        return [json.loads(text, strict=False)]
    except (ValueError, RecursionError):
        pass
    repaired = text.replace("<![CDATA[", "").replace("]]>", "").replace("<!--", "").replace("-->", "")
    repaired = strip_comments_and_trailing_commas(repaired).strip().rstrip(";")
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


def strip_comments_and_trailing_commas(text: str) -> str:
    """``//`` and ``/* */`` comments and commas before ``}`` or ``]`` removed, strings left alone.

    Two linear passes (comments, then commas, so ``1, /* c */ }`` loses its comma too): JSON-LD
    is page content, and regular expressions for this (``^\\s*//.*$`` over a run of newlines,
    ``/\\*.*?\\*/`` over many unclosed openers) take quadratic time on what a page can hold.
    An unclosed ``/*`` comments out the rest, as in JavaScript.
    """
    return _rewrite(_rewrite(text, _JSON_COMMENT_OR_STRING), _JSON_COMMA_OR_STRING)


def _rewrite(text: str, special: re.Pattern[str]) -> str:
    """One pass of :func:`strip_comments_and_trailing_commas`: skip strings, cut what ``special`` finds."""
    out: list[str] = []
    kept = 0  # text[kept:position] is still to be copied
    position = 0
    while (match := special.search(text, position)) is not None:
        start = match.start()
        char = text[start]
        if char == '"':
            rest = _JSON_STRING_REST.match(text, start + 1)  # always matches, maybe empty
            position = rest.end() if rest else len(text)
            continue
        if char == ",":
            space = _JSON_SPACE.match(text, start + 1)  # always matches, maybe empty
            position = space.end() if space else start + 1
            if position < len(text) and text[position] in "}]":
                out.append(text[kept:start])
                kept = start + 1
            continue
        follower = text[start + 1 : start + 2]
        if follower == "/":
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
        elif follower == "*":
            end = text.find("*/", start + 2)
            end = len(text) if end < 0 else end + 2
        else:
            position = start + 1
            continue
        out.append(text[kept:start])
        kept = position = end
    out.append(text[kept:])
    return "".join(out)


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
        article = [t for t in types if is_article_type(t)]
        found["@type"] = article[0] if article else types[0]
    return found


def _unescape_json_string(raw: str) -> str:
    try:
        return json.loads(f'"{raw}"', strict=False)
    except ValueError:
        return raw.replace('\\"', '"').replace("\\/", "/")


def types_of(entity: dict[str, Any]) -> list[str]:
    """The entity's ``@type`` names, without a schema.org URL prefix."""
    return [t.rsplit("/", 1)[-1] for t in as_list(entity.get("@type")) if isinstance(t, str)]


def is_article_type(name: str) -> bool:
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
                stack.extend((item, depth + 1) for item in reversed(as_list(graph)))
            if "@type" in value or "headline" in value:
                yield value
            for key in ("mainEntity", "mainEntityOfPage"):
                inner = value.get(key)
                if isinstance(inner, dict) and ("@type" in inner or "headline" in inner):
                    stack.append((inner, depth + 1))


class JsonLd:
    """The JSON-LD entities of a page, indexed for the fields we read."""

    def __init__(self, scripts: Iterable[LexborNode]) -> None:
        self.entities: list[dict[str, Any]] = []
        for node in scripts:
            try:
                text = node.text(deep=True)
            except Exception:
                continue
            if text:
                self.entities.extend(_entities(parse_json(text)))
        self.by_id: dict[str, dict[str, Any]] = {}
        for entity in self.entities:
            ident = entity.get("@id")
            if isinstance(ident, str) and len(entity) > 2:
                self.by_id.setdefault(ident, entity)
        self.articles = [e for e in self.entities if any(is_article_type(t) for t in types_of(e))]
        self.pages = [e for e in self.entities if any(t.lower() in PAGE_TYPES for t in types_of(e))]

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
            return clean(name)
        return clean(value)


def _url_key(url: str) -> str:
    parts = split_url(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return host + parts.path.rstrip("/")


def json_bool(value: Any) -> bool | None:
    """A schema.org Boolean as pages write it: true/false, "True"/"False", "yes"/"no"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False, "yes": True, "no": False}.get(value.strip().lower())
    return None
