"""Refuse URLs whose host resolves to a private, loopback or otherwise non-public address.

A crawler follows URLs it did not choose (feed entries, sitemaps, redirects); without this guard
a hostile page could make it fetch ``http://169.254.169.254/`` (a cloud metadata service) or a
router's admin page on the crawling machine's network (server-side request forgery).

Two layers. :func:`ensure_public` checks a URL before its request (a clear error naming the URL,
before any politeness wait). Then :class:`GuardedTransport` makes the check binding: its network
backend resolves the host once, refuses if any address is not public, and connects to the very
address it vetted, so a DNS server that answers a public address to the first lookup and
127.0.0.1 to the next (DNS rebinding, TTL 0) gets nowhere. The Host header, TLS SNI and the
certificate check still use the host name (httpcore takes them from the URL, not the socket).
Requests sent through a proxy (``HTTP(S)_PROXY`` in the environment) are resolved by the proxy,
which this guard cannot see into; only the pre-request check applies to them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
import typing
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

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
    blocked = _blocked(addresses)
    if blocked:
        raise _refusal(host, blocked, url)


def _blocked(addresses: list[IPAddress]) -> list[str]:
    return sorted({str(a) for a in addresses if not is_public_address(a)})


def _refusal(host: str, blocked: list[str], url: str) -> FetchError:
    return FetchError(
        f"host {host!r} resolves to a non-public address ({', '.join(blocked)}); to fetch from private "
        "networks, give --allow-private-networks (allow_private_networks = true in a crawl config)",
        url=url,
        reason="private-address",
    )


class BlockedAddress(Exception):
    """Raised by :class:`GuardedBackend` when a host resolves to a non-public address.

    Not an httpcore error on purpose: httpx passes it through unmapped (so it is never retried
    as a network error), and :class:`GuardedTransport` turns it into a ``FetchError`` with the URL.
    """

    def __init__(self, host: str, blocked: list[str]) -> None:
        super().__init__(f"host {host!r} resolves to a non-public address ({', '.join(blocked)})")
        self.host = host
        self.blocked = blocked


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses it resolved and vetted itself.

    httpcore hands ``connect_tcp`` the URL's host name; resolving it here, once, and passing the
    chosen IP to the real backend leaves no second lookup for a rebinding DNS server to answer.
    TLS is started afterwards by httpcore with the host name as SNI, so certificates are still
    checked against the name.
    """

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            with anyio.fail_after(timeout):
                addresses = await resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host!r} timed out") from exc
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"could not resolve host {host!r} ({exc})") from exc
        if not addresses:
            raise httpcore.ConnectError(f"host {host!r} resolved to no address")
        blocked = _blocked(addresses)
        if blocked:
            raise BlockedAddress(host, blocked)
        options = list(socket_options or ())
        failure: httpcore.ConnectError | None = None
        for address in dict.fromkeys(addresses):  # in resolver order, each once
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout=left, local_address=local_address, socket_options=options
                )
            except httpcore.ConnectError as exc:  # try the next address; a timeout used up the budget
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched from")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool on a :class:`GuardedBackend`.

    A refused host becomes ``FetchError`` (``private-address``) naming the request's URL.
    """

    def __init__(self, *, limits: httpx.Limits, http1: bool = True, http2: bool = False) -> None:
        super().__init__(limits=limits, http1=http1, http2=http2)
        # httpx has no public hook for the network backend: the pool is rebuilt with ours, with
        # the settings httpx would give it.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=http1,
            http2=http2,
            network_backend=GuardedBackend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except BlockedAddress as exc:
            raise _refusal(exc.host, exc.blocked, str(request.url)) from None
