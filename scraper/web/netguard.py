"""Refuse URLs whose host resolves to a private, loopback or otherwise non-public address.

A crawler follows URLs it did not choose (feed entries, sitemaps, redirects); without this guard
a hostile page could make it fetch ``http://169.254.169.254/`` (a cloud metadata service) or a
router's admin page on the crawling machine's network (server-side request forgery).

Caveat, said plainly: this is a check *before* the request. httpx resolves the name again when
it connects, so a DNS server that answers a public address here and a private one a moment later
(DNS rebinding, TTL 0) can still get through. Closing that gap needs a transport that connects
to the very address checked here; the guard stops the common cases (literal private addresses,
names that plainly resolve inside the network, redirects to either), not a determined attacker
who controls a DNS zone.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from scraper.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Not covered by ``is_private`` on every Python 3.11 patch release: carrier-grade NAT space,
# which is as internal as 10/8 to the machine doing the crawling.
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")


def is_public_address(address: IPAddress) -> bool:
    """True if ``address`` is a globally routable unicast address.

    An IPv4-mapped IPv6 address (``::ffff:127.0.0.1``) is judged by the IPv4 address inside it,
    since that is where a connection ends up; 6to4 and Teredo addresses must carry a public one.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public_address(address.ipv4_mapped)
        embedded = address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None and not is_public_address(embedded):
            return False
        if address.is_site_local:
            return False
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
        or address in _SHARED_ADDRESS_SPACE
    )


def _literal_address(host: str) -> IPAddress | None:
    """The host as an IP address if it is written as one (IPv6 possibly with a zone), else None."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (a literal address is returned as is).

    A lookup failure raises :class:`socket.gaierror`; callers turn it into their own error.
    """
    literal = _literal_address(host)
    if literal is not None:
        return [literal]
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # sockaddr[0] of an IPv6 result may carry a zone (``fe80::1%eth0``); ipaddress reads it.
    return [ipaddress.ip_address(info[4][0]) for info in infos]


async def ensure_public(url: str) -> None:
    """Raise :class:`FetchError` (``private-address``) unless every address of the URL's host is public.

    One private address among several is enough to refuse: the connection may pick any of
    them. A failed DNS lookup raises reason ``network`` (retryable: DNS trouble passes).
    """
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise FetchError("the URL has no host name", url=url, reason="bad-url")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise FetchError(f"the URL has an invalid port ({exc})", url=url, reason="bad-url") from exc
    try:
        addresses = await resolve(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(
            f"could not resolve host {host!r} ({exc})", url=url, reason="network", retryable=True
        ) from exc
    if not addresses:
        raise FetchError(f"host {host!r} resolved to no address", url=url, reason="network", retryable=True)
    blocked = sorted({str(a) for a in addresses if not is_public_address(a)})
    if blocked:
        raise FetchError(
            f"host {host!r} resolves to a non-public address ({', '.join(blocked)}); "
            "set allow_private_networks to fetch from private networks",
            url=url,
            reason="private-address",
        )
