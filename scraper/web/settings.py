"""How patient and how trusting a fetcher is: plain settings, kept apart from the HTTP stack so
that configuration files and command-line options can build them without loading httpx."""

from __future__ import annotations

from dataclasses import dataclass

from scraper.io.shipped import installed_version

MIB = 1024 * 1024


DEFAULT_USER_AGENT = f"scraper/{installed_version('scraper')} (+https://github.com/scraper-news/scraper)"


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How patient and how trusting one :class:`~scraper.web.client.Fetcher` is. Times are in seconds.

    - ``user_agent``: sent with every request; an honest name with a contact URL lets site
      owners reach the operator instead of blocking a mystery bot.
    - ``connect_timeout`` / ``read_timeout``: per connect and per socket read (httpx).
    - ``total_timeout``: one whole attempt, body included, so a server dripping a byte every
      few seconds cannot hold a task forever while never tripping the read timeout.
    - ``max_redirects``: hops followed before ``too-many-redirects``.
    - ``max_body_bytes``: cap on the *decoded* body (``too-large`` beyond it), and on the body as
      received when a crawl keeps that copy for its WARC.
    - ``retries``: extra attempts after the first, for network errors and the statuses in
      ``scraper.web.client.RETRY_STATUSES``.
    - ``backoff_initial`` / ``backoff_max``: exponential backoff with jitter between attempts.
    - ``retry_after_max``: the longest ``Retry-After`` honoured in-process; a server asking
      for longer gets no further attempt in this run (the error carries its ``retry_after``).
    - ``allow_private_networks``: fetch from loopback/private addresses (tests, intranets).
    """

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_redirects: int = 10
    max_body_bytes: int = 10 * MIB
    retries: int = 3
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    retry_after_max: float = 600.0
    allow_private_networks: bool = False

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "total_timeout", "max_body_bytes"):
            if not getattr(self, name) > 0:
                raise ValueError(f"FetchSettings.{name} must be positive, not {getattr(self, name)!r}")
        for name in ("max_redirects", "retries", "backoff_initial", "backoff_max", "retry_after_max"):
            if getattr(self, name) < 0:
                raise ValueError(f"FetchSettings.{name} must not be negative, not {getattr(self, name)!r}")


DEFAULT_SETTINGS = FetchSettings()
