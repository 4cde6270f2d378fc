"""What an article's output is called: the stem of its files and the ``id`` of its record.

Two kinds of input, two kinds of name, each stable so that writing an article again replaces it:

- a saved page (``scraper clean``) is named after its path under the folder argument it came
  from (``saved/a/b.html`` → stem ``a/b``, id ``a/b.html``); two inputs of one run with the same
  path are told apart by the ``-2``, ``-3`` ... :mod:`scraper.io.sources` gives the second's stem;
- a fetched page (``scraper fetch``, ``scraper crawl``) is named after the article's canonical
  URL when the page names one on the same site as the URL fetched, else after the URL fetched
  (stem ``host/slug-hash``, id the URL). So an AMP copy and its article share one name, and
  whichever is written, no second copy appears. A canonical URL on another site (a syndicated
  copy naming the original publisher, an AMP cache) is not used: the copy keeps its own name.

*The same site* is the same registrable domain (``amp.example.co.uk`` and ``www.example.co.uk``),
as courlan (trafilatura's URL library) reads it from the public-suffix list; for a host that
has none (an IP address, ``localhost``), the same host and port.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from courlan import extract_domain

from scraper.article import Article
from scraper.io.sources import page_stem
from scraper.web.urls import host_of, normalize_url, origin

# Suffixes dropped from a URL's last segment for a readable slug.
_PAGE_EXTENSION = re.compile(r"\.(?:s?html?|php|aspx?|jsp)$")


@dataclass(frozen=True, slots=True)
class OutputName:
    """Where an article goes: ``stem`` names its files (``OUT/<stem>.txt`` ...), ``key`` its
    record in a batch file (the ``id`` of its ``articles.jsonl`` line); ``canonical`` says the
    page was fetched at its own canonical URL, so it wins a clash with a copy (an AMP page)."""

    stem: str
    key: str
    canonical: bool = False


def url_stem(url: str) -> str:
    """The output name of an article at ``url``: ``host/slug-hash`` (readable, unique, stable per URL)."""
    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).split("/") if s]
    last = _PAGE_EXTENSION.sub("", segments[-1]) if segments else "index"
    ascii_text = unicodedata.normalize("NFKD", last).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:80] or "page"
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]
    return f"{parts.hostname or 'unknown'}/{slug}-{digest}"


def registrable_site(url: str) -> str:
    """The site a URL belongs to: its registrable domain, else (an IP address) its origin; ``""``
    for text that is no URL with a host (a malformed port or IPv6 literal)."""
    try:
        domain = extract_domain(url)
    except ValueError:
        domain = None
    try:
        return domain or origin(url)
    except ValueError:
        return ""


def link_site(url: str) -> str:
    """The site a link leads to, for telling a page's own links from others: the registrable
    domain of its IDNA-encoded host, else (a name outside the public suffix list, an address)
    the host without ``www.``; ``""`` when it has no host."""
    host = host_of(url)
    if not host:
        return ""
    try:
        return extract_domain(f"https://{host}") or host.removeprefix("www.")
    except ValueError:
        return host.removeprefix("www.")


def naming_url(fetched: str, canonical: str | None) -> str:
    """The URL an article fetched at ``fetched`` is named after: its canonical URL when that is a
    web URL on the same site and not the site's home page, else the URL fetched (normalised both).

    Many sites point every page's canonical link at their home page: named after it, every
    article of the site would be written to one name, each replacing the last."""
    here = normalize_url(fetched) or fetched
    there = normalize_url(canonical) if canonical else None
    if there is None or registrable_site(there) != registrable_site(here):
        return here
    return there if _is_inner_page(there, here) else here


def _is_inner_page(url: str, fetched: str) -> bool:
    """``url`` names a page of its own: not a site's root (unless that is what was fetched)."""
    parts = urlsplit(url)
    return parts.path.strip("/") != "" or bool(parts.query) or url == fetched


def url_name(fetched: str, article: Article) -> OutputName:
    """The name of an article fetched at ``fetched`` (the URL asked for; redirects followed
    give ``article.url``): see the module docstring."""
    url = naming_url(fetched, article.canonical_url)
    landed = {normalize_url(u) for u in (fetched, article.url) if u}
    return OutputName(stem=url_stem(url), key=url, canonical=url in landed)


def input_key(relpath: str, stem: str) -> str:
    """The record id of a saved page: its path under its folder argument, with the ``-N`` its
    stem was given when another input of the run had the same path (see :mod:`scraper.io.sources`)."""
    path = PurePosixPath(relpath)
    base = str(path.parent / page_stem(path.name)) if path.name else relpath
    if stem == base or not stem.startswith(base) or not re.fullmatch(r"-\d+", stem[len(base) :]):
        return relpath
    return stem + relpath[len(base) :]
