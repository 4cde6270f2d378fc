"""URL helpers shared by the fetcher, the politeness layer and discovery."""

from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


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
