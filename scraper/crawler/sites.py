"""Find a site's feeds and sitemaps from its address, for ``scraper crawl --site URL``.

It looks where trafilatura (``feeds.find_feed_urls``, ``sitemaps.sitemap_search``) and
newspaper4k (``Source.set_feeds``) look, in the order that costs the site least:

1. the ``Sitemap:`` lines of its robots.txt, which the polite session reads before its first
   request to the host anyway (so no request of its own, and none at all on a later run while
   the crawl state's copy is fresh);
2. the ``<link rel="alternate" type="application/rss+xml">`` (or Atom, RDF) of the page given,
   usually the home page: one request;
3. only when neither names anything, the usual paths of :data:`PROBE_PATHS`, one at a time,
   stopping at the first that answers with a feed or a sitemap. Each probe is a request to a
   site that advertised nothing, and one source is enough to crawl from; trafilatura likewise
   guesses sitemap paths only when robots.txt lists none.

Every request goes through the crawl's own session: robots.txt obeyed, the host's delay and
concurrency kept, redirects followed (a probe is recorded at the URL it ended on). A probe counts
only when the body *is* a feed or a sitemap (:func:`~scraper.crawler.discover.sniff_kind`): a
site that answers every path with its home page finds nothing there.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from scraper.crawler.discover import feed_links, sniff_kind
from scraper.errors import FetchError, InputError
from scraper.web.session import WebSession
from scraper.web.urls import normalize_url

# Tried in this order, at the root of the site's host whatever path its URL has, feeds first: a
# feed lists a news site's newest articles, which is what a crawl run wants; a sitemap may list
# the whole archive.
PROBE_PATHS: tuple[str, ...] = (
    "/feed",  # WordPress (the most used CMS; /feed/ too); newspaper4k probes it
    "/rss",  # Ghost (/rss/) and many newspaper CMSs; newspaper4k probes it
    "/feed.xml",  # Jekyll (jekyll-feed: GitHub Pages blogs)
    "/atom.xml",  # Hexo; Blogger redirects it to its feed
    "/rss.xml",  # Drupal, Gatsby
    "/index.xml",  # Hugo
    "/sitemap.xml",  # the sitemaps.org default, and trafilatura's first guess
    "/sitemap_index.xml",  # Yoast SEO and Rank Math (WordPress)
    "/news-sitemap.xml",  # a usual name of a Google News sitemap
)

# Fetch failures that say the host itself cannot be asked (down, refusing us, off limits):
# probing more paths of it would only fail the same way.
_HOST_FAILURES = frozenset({"unreachable", "robots-unavailable", "network", "timeout", "private-address"})


@dataclass(frozen=True, slots=True)
class Found:
    """A feed or sitemap found for ``site``; ``via`` says where: ``"robots.txt"`` (a
    ``Sitemap:`` line), ``"link"`` (the page's ``<link rel=alternate>``) or ``"path"`` (a probe)."""

    site: str
    url: str
    kind: str
    via: str

    def to_dict(self) -> dict[str, str]:
        return {"site": self.site, "url": self.url, "kind": self.kind, "via": self.via}


@dataclass(frozen=True, slots=True)
class SiteSources:
    """What was found for one site, and why its page could not be read when it could not."""

    site: str
    found: tuple[Found, ...]
    problem: str | None = None

    @property
    def message(self) -> str:
        """One line for a site where nothing was found, naming it and saying what to do."""
        paths = ", ".join(PROBE_PATHS)
        looked = f"robots.txt, the page's <link rel=alternate> and the paths {paths}"
        why = f"; the page: {self.problem}" if self.problem else ""
        return (
            f"{self.site}: no feed or sitemap found (looked at {looked}){why}; "
            "give its feeds, sitemaps or a start page (--feed, --sitemap, --start)"
        )


async def find_sources(web: WebSession, site: str) -> SiteSources:
    """The feeds and sitemaps of ``site`` (a normalised http(s) URL), found as the module says.

    A page or path that cannot be fetched is passed over; when the host itself cannot be asked,
    looking stops and ``problem`` says why. Raises :class:`FetchError` only when the run's
    deadline comes (reason ``deadline``): nothing more may be asked in this run.
    """
    found: dict[str, Found] = {}

    def add(url: str, kind: str, via: str) -> None:
        found.setdefault(url, Found(site=site, url=url, kind=kind, via=via))

    for url in await web.robots_sitemaps(site):
        add(url, "sitemap", "robots.txt")
    problem = None
    try:
        page = await web.fetch(site)
        for url in feed_links(page.text, page.final_url or site):
            add(url, "feed", "link")
    except FetchError as exc:
        if exc.reason == "deadline":
            raise
        problem = _why(exc)
        if exc.reason in _HOST_FAILURES:
            return SiteSources(site, tuple(found.values()), problem)
    except InputError as exc:  # a page that cannot be decoded
        problem = str(exc)
    if found:
        return SiteSources(site, tuple(found.values()), problem)
    for path in PROBE_PATHS:
        url = urljoin(site, path)
        try:
            page = await web.fetch(url, accept="any")
        except FetchError as exc:
            if exc.reason == "deadline":
                raise
            if exc.reason in _HOST_FAILURES:
                break
            continue
        kind = sniff_kind(page.body, page.header("content-type"))
        if kind in ("feed", "sitemap"):
            add(normalize_url(page.final_url or url) or url, kind, "path")
            break
    return SiteSources(site, tuple(found.values()), problem)


def _why(error: FetchError) -> str:
    """A fetch error's message without the URL it starts with (the site is named already)."""
    return str(error).removeprefix(f"{error.url}: ")
