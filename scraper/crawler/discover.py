"""Turn fetched feeds, sitemaps and start pages into candidate article URLs, and decide which
of them a crawl may follow.

Pure functions of bytes and strings: nothing here fetches. Feeds go through feedparser (it
knows every RSS/Atom/RDF dialect and their broken variants); sitemaps through lxml with
entity expansion, DTD loading and network access off, because a sitemap is untrusted input
that may try XXE or an entity bomb; HTML through selectolax. Every URL comes out normalised
(:func:`scraper.web.urls.normalize_url`) and each list is deduplicated in document order.
"""

from __future__ import annotations

import io
import posixpath
import re
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import feedparser
from lxml import etree
from selectolax.lexbor import LexborHTMLParser

from scraper.errors import InputError, NoArticleError
from scraper.extract.bounds import bound_html
from scraper.extract.metadata.dates import rfc822_datetime
from scraper.web.urls import ascii_host, host_of, normalize_url

# Sitemaps may be at most 50 MB uncompressed (sitemaps.org); a bigger gzip is a bomb or junk.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_GUNZIP_CHUNK = 1024 * 1024
_SNIFF_BYTES = 4096

# Path suffixes of resources that are never articles; a crawl skips them whatever the scope.
# Not .xml, .rss or .txt: feeds and sitemaps end so.
_NON_ARTICLE_SUFFIXES_BY_KIND = {
    "images": ".jpg .jpeg .png .gif .webp .avif .svg .ico .bmp .tif .tiff .heic",
    "documents": ".pdf .doc .docx .xls .xlsx .ppt .pptx .odt .ods .odp .rtf .epub",
    "audio and video": ".mp3 .mp4 .m4a .m4v .mov .avi .mkv .webm .wav .ogg .oga .ogv .flac .wmv .flv",
    "archives and programs": ".zip .gz .tgz .bz2 .xz .7z .rar .tar .dmg .exe .msi .apk .iso .bin",
    "page assets": ".css .js .mjs .json .map .woff .woff2 .ttf .otf .eot",
}
NON_ARTICLE_SUFFIXES = frozenset(" ".join(_NON_ARTICLE_SUFFIXES_BY_KIND.values()).split())

# Root elements (local names) that tell what an XML body is.
_FEED_ROOTS = frozenset({"rss", "feed", "rdf"})
_SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})
_FEED_CONTENT_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
# A comment feed's URL (WordPress announces /comments/feed/ on every page).
_COMMENT_FEED = re.compile(r"\bcomments\b", re.IGNORECASE)
_XML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# The first start tag: '<' then a name (PIs "<?", comments and doctypes "<!" do not match).
_FIRST_TAG = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_WEB_URL_LINE = re.compile(r"https?://\S+", re.IGNORECASE)
_PARTIAL_W3C_DATE = re.compile(r"\d{4}(-\d{2})?")
# An '&' that starts no entity or character reference: hand-made sitemaps leave the '&' of
# query strings unescaped, and XML recovery would drop what follows it.
_BARE_AMPERSAND = re.compile(rb"&(?!(?:[A-Za-z_][\w.\-]*|#[0-9]+|#x[0-9A-Fa-f]+);)")


@dataclass(frozen=True, slots=True)
class Link:
    """A candidate URL (already normalised) with what its source said about it.

    ``lastmod`` is ISO 8601: UTC with ``Z`` when the source gave a timezone, a plain date when
    it gave only a date; ``title`` is the feed entry's, the news sitemap's or the link's text.
    """

    url: str
    lastmod: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Sitemap:
    """A parsed sitemap: article pages, and child sitemaps (from a sitemap index) to fetch next."""

    pages: list[Link]
    sitemaps: list[Link]


def sniff_kind(body: bytes, content_type: str | None) -> str:
    """``"feed"``, ``"sitemap"`` or ``"html"``: what the body is, whatever the caller expected.

    The body decides first (servers label feeds ``text/html`` and sitemaps ``text/plain``):
    gzip magic means a ``.xml.gz`` sitemap, then the root element, then a body of URL lines.
    The Content-Type only breaks ties; anything unrecognised is treated as HTML.
    """
    if body.startswith(_GZIP_MAGIC):
        return "sitemap"
    head = _decode_head(body[:_SNIFF_BYTES])
    root = _first_element_name(head)
    if root in _FEED_ROOTS:
        return "feed"
    if root in _SITEMAP_ROOTS:
        return "sitemap"
    if root == "html":
        return "html"
    first_line = head.lstrip().partition("\n")[0].strip()
    if root is None and _WEB_URL_LINE.fullmatch(first_line):
        return "sitemap"
    media_type = (content_type or "").partition(";")[0].strip().lower()
    if media_type in _FEED_CONTENT_TYPES:
        return "feed"
    return "html"


def _decode_head(head: bytes) -> str:
    """The first bytes as text, well enough to read a root element name or a URL."""
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="ignore")
    return head.decode("utf-8", errors="ignore").lstrip("\ufeff")


def _first_element_name(text: str) -> str | None:
    """The local name of the first element, lowercased, past the prolog and comments."""
    match = _FIRST_TAG.search(_XML_COMMENT.sub("", text))
    return match.group(1).lower() if match else None


def parse_feed(body: bytes, base_url: str) -> list[Link]:
    """The entries of an RSS 0.9x/2.0, Atom or RDF feed, as links in feed order.

    A slightly broken feed that still yields entries is accepted (feedparser's ``bozo`` flag
    is set for many real feeds); a body that is not a feed at all raises :class:`InputError`.
    An empty but valid feed gives ``[]``.
    """
    # A stream, never bytes or str: feedparser fetches strings that look like URLs and opens
    # strings (and bytes) that name an existing file.
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-location": base_url, "content-type": "application/xml"},
        sanitize_html=False,
    )
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        reason = f"not an RSS, Atom or RDF feed ({problem})" if problem else "not an RSS, Atom or RDF feed"
        raise InputError(f"{base_url}: {reason}")
    links = (_feed_entry_link(entry, base_url) for entry in parsed.entries)
    return _unique(link for link in links if link is not None)


def _feed_entry_link(entry: dict[str, Any], base_url: str) -> Link | None:
    """The entry's page: its rel=alternate link, else its link, else a URL-shaped id."""
    candidates = [
        item.get("href")
        for item in entry.get("links", [])
        if item.get("rel", "alternate") == "alternate" and item.get("href")
    ]
    candidates += [entry.get("link"), entry.get("id")]
    url = next((u for c in candidates if c and (u := normalize_url(c, base_url))), None)
    if url is None:
        return None
    return Link(url=url, lastmod=_feed_entry_date(entry), title=_feed_entry_title(entry))


def _feed_entry_title(entry: dict[str, Any]) -> str | None:
    """The entry title as plain text (Atom and some RSS titles carry HTML markup)."""
    title = entry.get("title")
    if title and entry.get("title_detail", {}).get("type") in ("text/html", "application/xhtml+xml"):
        title = LexborHTMLParser(title).text(deep=True)
    return _fold(title)


def _feed_entry_date(entry: dict[str, Any]) -> str | None:
    """Updated, else published, as ISO 8601: from the raw text when it parses (it keeps
    whether a timezone was given), else from feedparser's own parse of odd formats (UTC)."""
    for key in ("updated", "published"):
        # dict.get: feedparser's own get() maps a missing "updated" to "published", with a warning.
        raw = dict.get(entry, key)
        if not raw:
            continue
        iso = iso_date(raw)
        if iso is None and (parsed := dict.get(entry, f"{key}_parsed")):
            iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)
        if iso is not None:
            return iso
    return None


def parse_sitemap(body: bytes, base_url: str, *, max_bytes: int = MAX_SITEMAP_BYTES) -> Sitemap:
    """The pages and child sitemaps of an XML sitemap (urlset, sitemap index, Google News),
    possibly gzip-compressed, or of a plain-text sitemap (one URL per line).

    Namespaces are ignored (many sitemaps get them wrong or leave them out), sloppy XML is
    recovered, and nothing is filtered by host: that is :class:`Scope`'s job. Raises
    :class:`InputError` for a body that is no sitemap, corrupt gzip, or gzip that inflates past
    ``max_bytes``.
    """
    if body.startswith(_GZIP_MAGIC):
        body = _gunzip(body, base_url, max_bytes)
    if not body.strip():
        raise InputError(f"{base_url}: the sitemap is empty")
    if not body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _parse_text_sitemap(body, base_url)
    root = _parse_xml(_BARE_AMPERSAND.sub(b"&amp;", body))
    # When even recovery fails (an HTML doctype, say), the first tag still tells what it was.
    if root is not None:
        kind = etree.QName(root).localname
    else:
        kind = _first_element_name(_decode_head(body[:_SNIFF_BYTES]))
    if kind == "urlset":
        return Sitemap(pages=_unique(_sitemap_entries(root, "url", base_url)), sitemaps=[])
    if kind == "sitemapindex":
        return Sitemap(pages=[], sitemaps=_unique(_sitemap_entries(root, "sitemap", base_url)))
    found = f"a <{kind}> document" if kind else "unreadable XML"
    raise InputError(f"{base_url}: not a sitemap (expected <urlset> or <sitemapindex>, found {found})")


def _gunzip(data: bytes, base_url: str, max_bytes: int) -> bytes:
    """Inflate gzip (all members) in bounded steps, so a bomb stops at ``max_bytes``."""
    out = bytearray()
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    pending = data
    try:
        while True:
            chunk = inflater.decompress(pending, _GUNZIP_CHUNK)
            out += chunk
            if len(out) > max_bytes:
                raise InputError(
                    f"{base_url}: the gzip sitemap inflates to more than {max_bytes} bytes; not read"
                )
            if inflater.eof:  # a member ended: another may follow
                pending = inflater.unused_data
                if not pending.startswith(_GZIP_MAGIC):
                    break
                inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
            elif not chunk and not inflater.unconsumed_tail:
                break  # truncated download: keep what inflated, the XML parser recovers
            else:
                # Input left over, or output still inside the inflater: both come with b"".
                pending = inflater.unconsumed_tail
    except zlib.error as error:
        raise InputError(f"{base_url}: corrupt gzip sitemap ({error})") from error
    return bytes(out)


def _parse_xml(body: bytes) -> Any:
    """The root element of untrusted XML, or None; no DTD, no entity expansion, no network."""
    parser = etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        return etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return None


def _sitemap_entries(root: Any, entry_name: str, base_url: str) -> Iterator[Link]:
    """Links from the ``<url>`` or ``<sitemap>`` children of a sitemap root."""
    for entry in _children(root, entry_name):
        loc = lastmod = news_date = news_title = None
        for child in _children(entry):
            name = etree.QName(child).localname
            if name == "loc":
                loc = _direct_text(child)
            elif name == "lastmod":
                lastmod = iso_date(_direct_text(child))
            elif name == "news":
                for field in _children(child):
                    field_name = etree.QName(field).localname
                    if field_name == "publication_date":
                        news_date = iso_date(_direct_text(field))
                    elif field_name == "title":
                        news_title = _fold(_direct_text(field))
        url = normalize_url(loc, base_url) if loc else None
        if url is not None:
            yield Link(url=url, lastmod=lastmod or news_date, title=news_title)


def _children(element: Any, local_name: str | None = None) -> Iterator[Any]:
    """Child elements (not comments or entity references), any namespace, optionally by name."""
    for child in element:
        if isinstance(child.tag, str) and (local_name is None or etree.QName(child).localname == local_name):
            yield child


def _direct_text(element: Any) -> str:
    """An element's own text. An entity reference left unexpanded (XXE) contributes nothing."""
    return "".join([element.text or "", *(child.tail or "" for child in element)]).strip()


def _parse_text_sitemap(body: bytes, base_url: str) -> Sitemap:
    """A text sitemap: one absolute URL per line (sitemaps.org); other lines are skipped."""
    text = body.decode("utf-8", errors="replace")
    lines = (line.strip() for line in text.splitlines())
    urls = (normalize_url(line) for line in lines if _WEB_URL_LINE.fullmatch(line))
    pages = _unique(Link(url=url) for url in urls if url is not None)
    if not pages:
        raise InputError(f"{base_url}: not a sitemap (neither XML nor lines of http(s) URLs)")
    return Sitemap(pages=pages, sitemaps=[])


def extract_links(html: str, base_url: str) -> list[Link]:
    """The http(s) links of an HTML page in document order, each once, titled by its text.

    Relative links resolve against ``<base href>`` when the page has one. Same-page anchors
    (``href="#..."``) are skipped; ``rel="nofollow"`` links are kept (on news sites they are
    often ordinary article links). A URL linked twice keeps the first text found, so a
    thumbnail link followed by a headline link is titled by the headline. The page is bounded
    first (:func:`scraper.extract.bounds.bound_html`): this parse runs in the crawl's own process,
    where no worker can be killed for it; a page too large to be one gives no links.
    """
    parsed = _parse_with_base(html, base_url)
    if parsed is None:
        return []
    tree, base = parsed
    found: dict[str, Link] = {}
    for anchor in tree.css("a[href]"):
        href = (anchor.attributes.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        url = normalize_url(href, base)
        if url is None:
            continue
        title = _fold(anchor.text(deep=True)) or _fold(
            anchor.attributes.get("title") or anchor.attributes.get("aria-label")
        )
        known = found.get(url)
        if known is None:
            found[url] = Link(url=url, title=title)
        elif known.title is None and title is not None:
            found[url] = replace(known, title=title)
    return list(found.values())


def _parse_with_base(html: str, base_url: str) -> tuple[LexborHTMLParser, str] | None:
    """The page parsed (bounded first: see :func:`extract_links`) and the URL its links resolve
    against (``<base href>`` when there is one); None for a page too large to be one."""
    try:
        tree = LexborHTMLParser(bound_html(html).html)
    except NoArticleError:
        return None
    base = base_url
    base_tag = tree.css_first("base[href]")
    if base_tag is not None:
        base = normalize_url(base_tag.attributes.get("href") or "", base_url) or base_url
    return tree, base


def feed_links(html: str, base_url: str) -> list[str]:
    """The feeds a page announces: ``<link rel="alternate" type="application/rss+xml">`` (or
    Atom, RDF) in document order, each once, resolved against ``<base href>`` when there is one.

    Comment feeds are left out, as trafilatura's ``find_feed_urls`` leaves them out: WordPress
    announces one on every page, and its entries are comments, not articles.
    """
    parsed = _parse_with_base(html, base_url)
    if parsed is None:
        return []
    tree, base = parsed
    found: dict[str, None] = {}
    for link in tree.css("link[rel][href]"):
        rel = (link.attributes.get("rel") or "").lower().split()
        media_type = (link.attributes.get("type") or "").partition(";")[0].strip().lower()
        if "alternate" not in rel or media_type not in _FEED_CONTENT_TYPES:
            continue
        url = normalize_url((link.attributes.get("href") or "").strip(), base)
        if url is not None and not _COMMENT_FEED.search(url):
            found.setdefault(url)
    return list(found)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which discovered URLs a crawl may follow.

    ``hosts`` are ASCII lowercase host names (empty: any host); a host allows its subdomains
    only with ``include_subdomains``. ``allow`` patterns (any must match, if given) and ``deny``
    patterns (none may match) are searched in the full URL. Paths ending in a
    :data:`NON_ARTICLE_SUFFIXES` suffix are always refused. Build one with :meth:`build`.
    """

    hosts: frozenset[str] = frozenset()
    allow: tuple[re.Pattern[str], ...] = ()
    deny: tuple[re.Pattern[str], ...] = ()
    max_depth: int = 1
    include_subdomains: bool = False

    @classmethod
    def build(
        cls,
        *,
        hosts: Iterable[str] = (),
        allow: Iterable[str] = (),
        deny: Iterable[str] = (),
        max_depth: int = 1,
        include_subdomains: bool = False,
    ) -> Scope:
        """A scope from plain strings (a CLI's or a config file's), validated.

        Hosts may be given as names (``Example.com``, ``bücher.de``) or URLs. Raises
        :class:`ValueError` naming the bad host or pattern, or for a negative ``max_depth``.
        """
        if max_depth < 0:
            raise ValueError(f"max_depth must be 0 or more, not {max_depth}")
        return cls(
            hosts=frozenset(_scope_host(host) for host in hosts),
            allow=tuple(_compile(pattern, "allow") for pattern in allow),
            deny=tuple(_compile(pattern, "deny") for pattern in deny),
            max_depth=max_depth,
            include_subdomains=include_subdomains,
        )

    def accepts(self, url: str, depth: int = 0) -> bool:
        """Whether a crawl may fetch ``url`` found ``depth`` links away from its start."""
        if not 0 <= depth <= self.max_depth:
            return False
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        if parts.scheme.lower() not in ("http", "https") or not self._host_allowed(host_of(url)):
            return False
        if posixpath.splitext(unquote(parts.path))[1].lower() in NON_ARTICLE_SUFFIXES:
            return False
        if self.allow and not any(pattern.search(url) for pattern in self.allow):
            return False
        return not any(pattern.search(url) for pattern in self.deny)

    def _host_allowed(self, host: str) -> bool:
        if not host:
            return False
        if not self.hosts or host in self.hosts:
            return True
        return self.include_subdomains and any(host.endswith(f".{allowed}") for allowed in self.hosts)


def _scope_host(value: str) -> str:
    """A configured host as :func:`host_of` spells hosts: ASCII, lowercase, no port or dot."""
    text = value.strip()
    if "://" in text:
        name = host_of(text)
    elif text.startswith("["):  # an IPv6 literal, maybe with a port: [::1]:8080
        name = text[1:].partition("]")[0]
    else:
        name = text.rpartition("@")[2].partition(":")[0] if text.count(":") <= 1 else text
    if ":" in name:  # an IPv6 address is its own spelling
        return name.lower()
    host = ascii_host(name.rstrip(".")) if name else None
    if host is None:
        raise ValueError(f"invalid host {value!r} in the crawl scope")
    return host


def _compile(pattern: str, kind: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ValueError(f"invalid {kind} pattern {pattern!r}: {error}") from error


def iso_date(value: str | None) -> str | None:
    """A sitemap or feed date as ISO 8601, or None if it is not a date.

    W3C datetimes (``2024-05-01``, ``2024-05-01T10:00+02:00``) and RFC 822 dates (``Tue, 10
    Jun 2003 04:00:00 GMT``, common in feeds and in sloppy sitemaps) are read. A time with a
    timezone becomes UTC (``...Z``), one without stays local time without suffix, a date
    stays a date, and a bare year or year-month is kept as written. Not the page metadata's
    ``normalise_date``: that one keeps offsets, reads dates written for readers and drops
    implausible years, while a lastmod must compare as written; the RFC 822 reading is shared.
    """
    text = (value or "").strip()
    if not text:
        return None
    if _PARTIAL_W3C_DATE.fullmatch(text):
        return text
    moment: datetime | date | None
    try:
        moment = datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
    except ValueError:
        moment = rfc822_datetime(text)
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        return moment.isoformat()
    if moment.tzinfo is None:
        return moment.replace(microsecond=0).isoformat()
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fold(text: str | None) -> str | None:
    """Whitespace folded to single spaces; None for nothing but whitespace."""
    folded = " ".join((text or "").split())
    return folded or None


def _unique(links: Iterable[Link]) -> list[Link]:
    """Links without repeated URLs, first occurrence kept, order kept."""
    seen: dict[str, Link] = {}
    for link in links:
        seen.setdefault(link.url, link)
    return list(seen.values())


def lastmod_epoch(iso: str | None) -> float | None:
    """An ISO 8601 date or time (a feed's or sitemap's ``lastmod``) in epoch seconds, UTC when
    it names no zone; None when absent or unreadable."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
