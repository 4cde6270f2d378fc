"""URL helpers shared by the fetcher, the politeness layer and discovery.

:func:`normalize_url` gives every spelling of one article the same key, so a crawl fetches it
once whether a feed, a sitemap or a front page linked it, with or without tracking parameters.
It follows RFC 3986 normalisation plus what w3lib's ``canonicalize_url`` and
``url_query_cleaner`` do in practice, but keeps the query's order: some sites' URLs depend on it.
"""

from __future__ import annotations

import re
import string
from urllib.parse import unquote_plus, urljoin, urlsplit

import idna

_DEFAULT_PORTS = {"http": 80, "https": 443}
_WEB_SCHEMES = frozenset(_DEFAULT_PORTS)

# Query parameters that only say where a reader came from (campaigns, ad clicks, newsletters,
# share buttons); the page is the same without them. Matched case-insensitively on the name.
TRACKING_PARAM_PREFIXES = ("utm_",)
TRACKING_PARAMS = frozenset(
    {
        "fbclid",  # Facebook
        "gclid",  # Google Ads
        "dclid",  # Google Display (DoubleClick)
        "gbraid",  # Google Ads, iOS app to web
        "wbraid",  # Google Ads, web to app
        "msclkid",  # Microsoft Ads
        "mc_cid",  # Mailchimp campaign
        "mc_eid",  # Mailchimp subscriber
        "igshid",  # Instagram share
        "yclid",  # Yandex Direct
        "_ga",  # Google Analytics cross-domain
        "_gl",  # Google linker
        "ocid",  # Microsoft / MSN syndication
        "cmpid",  # campaign id (many publishers)
        "at_medium",  # AT Internet
        "at_campaign",  # AT Internet
        "ns_mchannel",  # comScore
        "ns_source",  # comScore
        "ns_campaign",  # comScore
        "ns_linkname",  # comScore
        "ns_fee",  # comScore
        "s_cid",  # Adobe Analytics
        "smid",  # New York Times share
        "icid",  # internal campaign id
        "ref_src",  # Twitter / X embeds
    }
)

# RFC 3986 characters that never need escaping; an escaped one is decoded.
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_SUB_DELIMS = "!$&'()*+,;="
# What may stand unescaped in each component besides unreserved characters and "%XX" escapes.
_PATH_SAFE = frozenset(_SUB_DELIMS + ":@/")
_QUERY_SAFE = frozenset(_SUB_DELIMS + ":@/?")
_USERINFO_SAFE = frozenset(_SUB_DELIMS + ":")
_HEX = frozenset(string.hexdigits)
# WHATWG URL parsing removes these anywhere in a URL: hrefs wrapped over lines still work.
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
# Leading and trailing C0 controls and spaces are stripped, as browsers do.
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_ASCII_HOST = re.compile(r"[a-z0-9_.\-]+")


def origin(url: str) -> str:
    """The per-host key for politeness and robots.txt: ``scheme://host:port``, lowercased.

    The port is always spelled out so ``http://a.com`` and ``http://a.com:80`` share limits,
    while two test servers on one address but different ports stay apart.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def host_of(url: str) -> str:
    """The lowercase hostname of ``url`` without port, IDNA-encoded; ``""`` when it has none.

    Scope checks compare this with configured host names, so both sides use the ASCII form.
    """
    try:
        host = urlsplit(url.strip(_C0_AND_SPACE)).hostname or ""
    except ValueError:
        return ""
    return ascii_host(host) or host.lower()


def ascii_host(host: str) -> str | None:
    """``host`` lowercased, non-ASCII labels IDNA-encoded (UTS #46, as browsers and httpx do).

    None when the name cannot be a host (spaces, slashes, labels IDNA rejects).
    """
    host = host.lower()
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    return host if _ASCII_HOST.fullmatch(host) else None


def normalize_url(url: str, base: str | None = None) -> str | None:
    """The canonical http(s) form of ``url`` (resolved against ``base``), or None.

    None means "not a web page address": another scheme (``mailto:``, ``javascript:``, ...),
    no host, or a URL that does not parse. The result has a lowercase scheme and host, an
    ASCII (IDNA) host, no default port, no fragment, a path of at least ``/`` without dot
    segments, uniform percent-escapes, and no tracking parameters in the query.
    """
    url = _TAB_OR_NEWLINE.sub("", url).strip(_C0_AND_SPACE)
    try:
        if base is not None:
            url = urljoin(_TAB_OR_NEWLINE.sub("", base).strip(_C0_AND_SPACE), url)
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # "http://[::1", a port that is not a number or out of range
        return None
    scheme = parts.scheme.lower()
    if scheme not in _WEB_SCHEMES or not parts.hostname:
        return None
    host = _normalise_host(parts.hostname)
    if host is None:
        return None
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{_normalise_escapes(userinfo, _USERINFO_SAFE)}@{netloc}"
    path = _remove_dot_segments(_normalise_escapes(parts.path, _PATH_SAFE)) or "/"
    query = _clean_query(parts.query)
    return f"{scheme}://{netloc}{path}?{query}" if query else f"{scheme}://{netloc}{path}"


def _normalise_host(hostname: str) -> str | None:
    """The host part of a normalised URL: ASCII, lowercase, IPv6 literals in brackets."""
    if ":" in hostname:  # urlsplit only lets ':' through inside "[...]": an IPv6 literal
        return f"[{hostname.lower()}]"
    return ascii_host(hostname)


def is_tracking_param(name: str) -> bool:
    """Whether a query parameter name (as written, possibly escaped) is a tracking parameter."""
    key = unquote_plus(name).strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PARAM_PREFIXES)


def _clean_query(query: str) -> str:
    """The query without tracking parameters and empty pieces, escapes normalised, order kept."""
    kept = [
        _normalise_escapes(piece, _QUERY_SAFE)
        for piece in query.split("&")
        if piece and not is_tracking_param(piece.partition("=")[0])
    ]
    return "&".join(kept)


def _normalise_escapes(component: str, safe: frozenset[str]) -> str:
    """One spelling per character: decode escaped unreserved characters, uppercase the hex of
    the other escapes, escape what may not stand bare (spaces, non-ASCII as UTF-8, a lone '%').

    Escaped reserved characters (``%2F``, ``%3D``, ``%26`` ...) stay escaped: decoding them
    would change what the URL means.
    """
    out: list[str] = []
    i = 0
    length = len(component)
    while i < length:
        char = component[i]
        if char == "%" and i + 2 < length and component[i + 1] in _HEX and component[i + 2] in _HEX:
            decoded = chr(int(component[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else component[i : i + 3].upper())
            i += 3
            continue
        if char in _UNRESERVED or (char in safe and char != "%"):
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: ``/a/./b/../c`` becomes ``/a/c``; never climbs above the root."""
    if "." not in path:
        return path
    segments = path.split("/")
    output: list[str] = []
    for segment in segments[1:]:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if segments[-1] in (".", ".."):
        output.append("")  # "/a/b/.." names the directory "/a/", with its slash
    return "/" + "/".join(output)
