"""The short fields read straight from JSON-LD and metas: site name, language, description, tags,
image, canonical URL, page type and the JSON-LD article body.

None of them needs a search of the visible page, so each is the first of a few structured sources
(the article's JSON-LD, then OpenGraph, then older metas); they are kept together, apart from the
fields that do need the page (title, authors, dates).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import unescape
from typing import Any
from urllib.parse import urljoin

from scraper.extract.metadata.common import SPACES, TAG_RE, URLISH, as_list, clean, split_url
from scraper.extract.metadata.jsonld import JsonLd, is_article_type, types_of
from scraper.extract.metadata.scan import Scan, first_meta

# Meta keys (name / property / itemprop, lowercase) per field, most trusted first.
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

LANGUAGE_TAG = re.compile(r"([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]{2,8})*(?:\s*[,;].*)?$")
MAX_TAGS = 40
_BLOCK_END = re.compile(r"</(?:p|div|h[1-6]|li|blockquote|section)\s*>|<br\s*/?>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n\s*\n\s*")


def absolute(href: str | None, base: str | None) -> str | None:
    """``href`` as an absolute http(s) URL, resolved against ``base``; None for anything else."""
    href = clean(href)
    if not href or href.startswith(("javascript:", "data:", "#", "mailto:")):
        return None
    if href.startswith("//"):
        href = "https:" + href
    if base and not href.startswith(("http://", "https://")):
        try:
            href = urljoin(base, href)
        except ValueError:
            return None
    if not href.startswith(("http://", "https://")) or not split_url(href).netloc:
        return None
    return href


def sitename(json_ld: JsonLd, article: dict[str, Any], metas: dict[str, list[str]]) -> str | None:
    """The publisher's name in the article's JSON-LD, else ``og:site_name``, the JSON-LD WebSite..."""
    name = json_ld.name_of(article.get("publisher")) or first_meta(metas, ("og:site_name",))
    if not name:
        websites = (e for e in json_ld.entities if "website" in {t.lower() for t in types_of(e)})
        name = next((found for e in websites if (found := clean(e.get("name")))), None)
    name = name or first_meta(metas, META_SITENAME[1:])
    if name and (URLISH.match(name) or len(name) > 100):
        return None
    return name


def language(scan: Scan, article: dict[str, Any], page: dict[str, Any]) -> str | None:
    """The primary language subtag: ``<html lang>``, the JSON-LD ``inLanguage``, the language metas."""
    return (
        _language_code(scan.html_lang)
        or _json_language(article.get("inLanguage"))
        or _json_language(page.get("inLanguage"))
        or _language_code(first_meta(scan.metas, META_LANGUAGE))
    )


def _language_code(value: str | None) -> str | None:
    if not value:
        return None
    match = LANGUAGE_TAG.match(value.strip())
    return match[1].lower() if match else None


def _json_language(value: Any) -> str | None:
    value = value[0] if isinstance(value, list) and value else value
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    return _language_code(value) if isinstance(value, str) else None


def description(article: dict[str, Any], metas: dict[str, list[str]]) -> str | None:
    return clean(article.get("description")) or first_meta(metas, META_DESCRIPTION)


def tags(article: dict[str, Any], metas: dict[str, list[str]]) -> tuple[str, ...]:
    """The JSON-LD ``keywords``, else the first tag meta the page has; each once, at most 40."""
    found: list[str] = _json_keywords(article.get("keywords")) if article else []
    if not found:
        found = next((split for key in META_TAGS if (split := _meta_tags(metas.get(key, ())))), [])
    seen: set[str] = set()
    kept: list[str] = []
    for value in found:
        key = value.casefold()
        if key not in seen:
            seen.add(key)
            kept.append(value)
    return tuple(kept[:MAX_TAGS])


def _split_tags(value: str) -> list[str]:
    separator = "," if "," in value else ";" if ";" in value else "|" if "|" in value else None
    parts = value.split(separator) if separator else [value]
    return [tag for part in parts if (tag := clean(part))]


def _json_keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return _split_tags(value)
    found: list[str] = []
    for item in as_list(value):
        if isinstance(item, str):
            found.extend(_split_tags(item))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            found.append(item["name"])
    return found


def _meta_tags(values: Iterable[str]) -> list[str]:
    return [tag for value in values for tag in _split_tags(value)]


def image(article: dict[str, Any], metas: dict[str, list[str]], base: str | None) -> str | None:
    """The article's JSON-LD ``image``, else ``og:image`` / ``twitter:image``, as an absolute URL."""
    return absolute(_json_image(article.get("image")), base) or absolute(first_meta(metas, META_IMAGE), base)


def _json_image(value: Any) -> str | None:
    for item in as_list(value)[:5]:
        if isinstance(item, str) and item.strip():
            return item.strip()
        if isinstance(item, dict):
            url = item.get("url") or item.get("contentUrl") or item.get("@id")
            if isinstance(url, str) and url.strip():
                return url.strip()
    return None


def page_type(article: dict[str, Any], metas: dict[str, list[str]], page: dict[str, Any]) -> str | None:
    """The article's schema.org type, else ``og:type``, else the JSON-LD page's type."""
    found = next((t for t in types_of(article) if is_article_type(t)), None)
    return found or first_meta(metas, ("og:type",)) or next(iter(types_of(page)), None)


def body_text(body: Any) -> str | None:
    """JSON-LD ``articleBody`` as plain text, its paragraphs (if marked up) on their own lines."""
    if not isinstance(body, str) or not body.strip():
        return None
    if "<" in body:
        body = TAG_RE.sub("", _BLOCK_END.sub("\n\n", body))
    if "&" in body:
        body = unescape(body)
    lines = (SPACES.sub(" ", line).strip() for line in body.splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip() or None
