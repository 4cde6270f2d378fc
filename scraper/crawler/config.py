"""What a crawl does, as one value: read from a TOML file, then overridden by flags.

Settings are layered in a stated order, as Scrapy does: the defaults here < the config file <
the command-line flags. Paths in a config file are relative to the file's own folder, so a
cron entry works from any working directory. Unknown keys are errors (a typo must not
silently fall back to a default). A minimal file::

    feeds = ["https://example.com/rss.xml"]
    sitemaps = ["https://example.com/news-sitemap.xml"]
    start = ["https://example.com/politics/"]
    sites = ["https://example.org/"]    # its feeds and sitemaps are found at each run
    out = "articles"
    format = "md"

    [politeness]
    concurrency = 2       # requests in flight per host
    delay = 1.0           # seconds between request starts per host

    [host."slow.example.org"]
    concurrency = 1
    delay = 5
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scraper.crawler.discover import Scope
from scraper.errors import ConfigError
from scraper.extract.language import parse_languages
from scraper.io.formats import format_names, get_format
from scraper.rules.book import key_line
from scraper.web.politeness import HostLimits
from scraper.web.robots import product_token
from scraper.web.session import Politeness
from scraper.web.settings import MIB, FetchSettings
from scraper.web.urls import host_of, normalize_url

# The crawl's own files live in a work folder beside the output, ``OUT.scraper/``, never in the
# output itself, so readers take the output folder as it is (scraper.crawler.layout).
WORK_SUFFIX = ".scraper"
STATE_NAME = "state.sqlite"
REPORT_NAME = "crawl-report.json"
RAW_FOLDER = "raw"
# In the work folder: which state writes the output (scraper.crawler.owner), and the lock of its writers.
OWNER_NAME = "owner.json"
OUTPUT_LOCK_NAME = "output.lock"


def work_dir(out: Path) -> Path:
    """The crawl's work folder for the output folder ``out``: ``OUT.scraper`` beside it
    (``news/`` → ``news.scraper/``; ``.`` → the current folder's name with the suffix, beside it)."""
    if out.name and out.name not in (".", ".."):
        return out.with_name(out.name + WORK_SUFFIX)
    absolute = Path(os.path.abspath(out))
    return absolute.with_name(absolute.name + WORK_SUFFIX) if absolute.name else absolute / WORK_SUFFIX


@dataclass(frozen=True, slots=True)
class CrawlConfig:
    """Everything one ``scraper crawl`` run needs. Only seeds are required.

    Discovery: ``feeds``, ``sitemaps`` and ``start`` pages (links followed up to ``max_depth``),
    and the feeds and sitemaps found for each of the ``sites`` (:mod:`scraper.crawler.sites`),
    within ``allowed_hosts`` (default: the seeds' and sites' hosts, with and without ``www.``),
    filtered by ``allow``/``deny`` regexes. ``max_age_days`` skips feed and sitemap entries
    older than that.

    Output: ``out`` in ``format`` (as ``scraper clean -o``), the articles alone; the crawl's own
    files in the work folder beside it (:func:`work_dir`, ``out.scraper/``): the raw HTML of each
    article under ``raw_dir`` (``raw/``) when ``keep_raw``, so a rule change can re-clean without
    refetching; with ``warc`` (a folder), every seed and article fetch as WARC/1.1 files rotated at
    ``warc_max_mb`` (:mod:`scraper.io.warcwriter`); the run report at ``report``
    (``crawl-report.json``); the state (SQLite) at
    ``state`` (``state.sqlite``), whose identity the work folder records for ``out``: one state
    per output folder (:mod:`scraper.crawler.owner`). A folder of the old layout (all of it
    inside ``out``) is moved over at the next run (:mod:`scraper.crawler.layout`).
    Paywall teasers are written (flagged ``paywalled``) unless ``skip_paywalled``; ``languages``
    (``["de", "fr"]``, ``--language``) keeps only articles in those languages, the others recorded
    as not articles (an article whose language is unknown is kept); ``model = false`` turns the
    learned models off (``--no-model``), ``drop_flagged = true`` removes the lines the line judge
    doubts instead of flagging them (``--drop-flagged``); ``links`` and ``images`` keep the
    articles' links and images in md, html and json output (``--links``, ``--images``).

    Limits: ``max_pages`` articles fetched per run, ``max_seconds`` after which nothing waits,
    retries, fetches or cleans (what is cut short stays due), ``revisit_hours`` before a written
    article is checked again (None: only when its feed or sitemap says it changed),
    ``max_attempts`` before a failing URL is given up, ``retry_minutes`` as the first wait before
    a failed URL is retried (doubling).
    """

    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    start: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    out: Path = Path("crawl")
    format: str = "txt"
    state: Path | None = None
    report: Path | None = None
    keep_raw: bool = True
    raw_dir: Path | None = None
    warc: Path | None = None
    warc_max_mb: float = 1024.0
    skip_paywalled: bool = False
    languages: tuple[str, ...] = ()
    model: bool = True
    drop_flagged: bool = False
    links: bool = False
    images: bool = False
    allowed_hosts: tuple[str, ...] = ()
    include_subdomains: bool = False
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    max_depth: int = 1
    max_age_days: float | None = None
    max_pages: int | None = None
    max_seconds: float | None = None
    revisit_hours: float | None = None
    max_attempts: int = 5
    retry_minutes: float = 10.0
    rules: tuple[str, ...] = ()
    timeout: float = 30.0
    jobs: int | None = None
    fetch: FetchSettings = field(default_factory=FetchSettings)
    politeness: Politeness = field(default_factory=Politeness)

    def __post_init__(self) -> None:
        for name in (
            "keep_raw",
            "skip_paywalled",
            "include_subdomains",
            "model",
            "drop_flagged",
            "links",
            "images",
        ):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false, not {getattr(self, name)!r}")
        if self.format not in format_names():
            raise ConfigError(f"format must be one of {', '.join(format_names())}, not {self.format!r}")
        if get_format(self.format).encode_batch is not None:  # parquet: a file per batch, never appended
            raise ConfigError(
                f"format {self.format} is written by scraper clean and scraper fetch (one file per batch); "
                "a crawl appends to articles.jsonl (format jsonl), which duckdb and pyarrow read as it is"
            )
        if not isinstance(self.languages, list | tuple):
            raise ConfigError(f"languages must be a list of language codes, not {self.languages!r}")
        try:
            object.__setattr__(self, "languages", parse_languages(self.languages))
        except ValueError as exc:
            raise ConfigError(f"languages: {exc}") from None
        for name in ("feeds", "sitemaps", "start", "sites"):
            for url in getattr(self, name):
                if not isinstance(url, str) or normalize_url(url) is None:
                    raise ConfigError(f"{name}: {url!r} is not an http(s) URL")
        if not (self.feeds or self.sitemaps or self.start or self.sites):
            raise ConfigError("nothing to crawl: give at least one feed, sitemap, start page or site")
        for name, (integer, minimum, optional) in _NUMBERS.items():
            _check_number(name, getattr(self, name), integer=integer, minimum=minimum, optional=optional)
        for name in ("out", "state", "report", "raw_dir", "warc"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, Path(value))  # a library caller's plain string
            elif not (isinstance(value, Path) or (value is None and name != "out")):
                raise ConfigError(f"{name} must be a path, not {value!r}")
        try:
            product_token(self.fetch.user_agent)
            Scope.build(hosts=self.allowed_hosts, allow=self.allow, deny=self.deny, max_depth=self.max_depth)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    @property
    def state_path(self) -> Path:
        return self.state or work_dir(self.out) / STATE_NAME

    @property
    def report_path(self) -> Path:
        return self.report or work_dir(self.out) / REPORT_NAME

    @property
    def raw_path(self) -> Path:
        return self.raw_dir or work_dir(self.out) / RAW_FOLDER

    @property
    def seed_urls(self) -> list[tuple[str, str]]:
        """(kind, normalised URL) of every seed, in the order given."""
        seeds = [("feed", url) for url in self.feeds]
        seeds += [("sitemap", url) for url in self.sitemaps]
        seeds += [("start", url) for url in self.start]
        return [(kind, normalized) for kind, url in seeds if (normalized := normalize_url(url))]

    @property
    def site_urls(self) -> list[str]:
        """The normalised URL of every site whose feeds and sitemaps are to be found, in order."""
        return [normalized for url in self.sites if (normalized := normalize_url(url))]


def scope_for(config: CrawlConfig) -> Scope:
    """The crawl's scope: the configured hosts, or the seeds' and sites' hosts with and without
    ``www.`` (not the hosts of the feeds found for a site: a feed served by another host lists
    the site's own articles)."""
    hosts = list(config.allowed_hosts)
    if not hosts:
        for url in [*(url for _, url in config.seed_urls), *config.site_urls]:
            host = host_of(url)
            if ":" in host or host.replace(".", "").isdigit():  # an IP address has no www. twin
                hosts.append(host)
                continue
            bare = host.removeprefix("www.")
            hosts += [bare, f"www.{bare}"]
    return Scope.build(
        hosts=hosts,
        allow=config.allow,
        deny=config.deny,
        max_depth=config.max_depth,
        include_subdomains=config.include_subdomains,
    )


# -- reading a file ------------------------------------------------------------------------------

_PATH_KEYS = frozenset({"out", "state", "report", "raw_dir", "warc"})
_LIST_KEYS = frozenset({"feeds", "sitemaps", "start", "sites", "allowed_hosts", "allow", "deny", "rules"})
_TOP_KEYS = frozenset(f.name for f in dataclasses.fields(CrawlConfig)) - {"fetch", "politeness"}
_FETCH_KEYS = {
    "user_agent": "user_agent",
    "connect_timeout": "connect_timeout",
    "read_timeout": "read_timeout",
    "request_timeout": "total_timeout",
    "max_redirects": "max_redirects",
    "retries": "retries",
    "backoff_max": "backoff_max",
    "retry_after_max": "retry_after_max",
    "allow_private_networks": "allow_private_networks",
    "max_body_mb": "max_body_mb",
}
_POLITENESS_KEYS = frozenset({"concurrency", "delay", "max_crawl_delay", "obey_robots"})


# Numbers a config holds: whole or not, the smallest allowed value, and whether None (no limit) is.
_NUMBERS: dict[str, tuple[bool, float, bool]] = {
    "max_depth": (True, 0, False),
    "max_attempts": (True, 0, False),
    "max_pages": (True, 1, True),
    "jobs": (True, 0, True),
    "timeout": (False, 0, False),
    "retry_minutes": (False, 0, False),
    "max_age_days": (False, 0, True),
    "max_seconds": (False, 0, True),
    "revisit_hours": (False, 0, True),
    "warc_max_mb": (False, 0, False),
}


def _check_number(name: str, value: object, *, integer: bool, minimum: float, optional: bool) -> None:
    """A clear error for a setting that is not a finite number in range, when the config is built
    (not when the crawl first uses it)."""
    if value is None and optional:
        return
    kinds = (int,) if integer else (int, float)
    number = isinstance(value, kinds) and not isinstance(value, bool) and math.isfinite(value)  # type: ignore[arg-type]
    positive = name == "timeout"  # a zero timeout would fail every page
    if not number or value < minimum or (positive and value == 0):
        what = "a whole number" if integer else "a number"
        bound = "more than 0" if positive else f"{minimum:g} or more"
        raise ConfigError(f"{name} must be {what}, {bound}, not {value!r}")


def load_config(path: str | Path, **overrides: Any) -> CrawlConfig:
    """Read a TOML crawl config; ``overrides`` (flags given on the command line) win."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    return build_config(data, base=path.parent, label=str(path), source=text, **overrides)


def build_config(
    data: dict[str, Any],
    *,
    base: Path | None = None,
    label: str = "config",
    source: str | None = None,
    **overrides: Any,
) -> CrawlConfig:
    """A :class:`CrawlConfig` from parsed TOML ``data`` (keys checked) plus ``overrides``.

    ``overrides`` use the field names of :class:`CrawlConfig` and of :class:`FetchSettings`
    and :class:`Politeness` (``concurrency``, ``delay``, ``user_agent`` ...); None means "not
    given" and leaves the file's value. ``source``, the file's text, puts line numbers in errors.
    """

    def at(key: str) -> str:
        line = key_line(source, key) if source is not None else None
        return f"{label}:{line}" if line is not None else label

    data = dict(data)
    fetch_table = _table(data.pop("fetch", {}), f"{label}: [fetch]")
    politeness_table = _table(data.pop("politeness", {}), f"{label}: [politeness]")
    host_table = _table(data.pop("host", {}), f"{label}: [host]")
    top: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _TOP_KEYS:
            raise ConfigError(f"{at(key)}: unknown key {key!r} (known: {', '.join(sorted(_TOP_KEYS))})")
        top[key] = _path_or_value(key, value, base, label)
    fetch_values = {}
    for key, value in fetch_table.items():
        if key not in _FETCH_KEYS:
            known = ", ".join(sorted(_FETCH_KEYS))
            raise ConfigError(f"{at(key)}: unknown key [fetch].{key} (known: {known})")
        fetch_values[_FETCH_KEYS[key]] = value
    politeness_values = {}
    for key, value in politeness_table.items():
        if key not in _POLITENESS_KEYS:
            known = ", ".join(sorted(_POLITENESS_KEYS))
            raise ConfigError(f"{at(key)}: unknown key [politeness].{key} (known: {known})")
        politeness_values[key] = value
    hosts = {
        name.lower().rstrip("."): _host_limits(name, limits, label) for name, limits in host_table.items()
    }

    for key, value in overrides.items():
        if value is None:
            continue
        if key in _TOP_KEYS:
            top[key] = value
        elif key in _FETCH_KEYS.values():
            fetch_values[key] = value
        elif key in _POLITENESS_KEYS:
            politeness_values[key] = value
        else:
            raise ConfigError(f"unknown setting {key!r}")
    if "max_body_mb" in fetch_values:
        fetch_values["max_body_bytes"] = int(fetch_values.pop("max_body_mb") * MIB)
    try:
        fetch = FetchSettings(**fetch_values)
        politeness = Politeness(**politeness_values, hosts=hosts)
        for key in _LIST_KEYS & top.keys():
            top[key] = tuple(top[key])
        return CrawlConfig(**top, fetch=fetch, politeness=politeness)
    except (ConfigError, TypeError, ValueError) as exc:
        raise ConfigError(f"{label}: {exc}") from None


def _table(value: Any, label: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{label} must be a table")
    return value


def _path_or_value(key: str, value: Any, base: Path | None, label: str) -> Any:
    if key in _LIST_KEYS:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{label}: {key} must be a list of strings")
        if key == "rules" and base is not None:
            return [str(base / os.path.expanduser(item)) for item in value]
        return value
    if key in _PATH_KEYS:
        if not isinstance(value, str):
            raise ConfigError(f"{label}: {key} must be a path (a string)")
        path = Path(os.path.expanduser(value))
        return path if base is None or path.is_absolute() else base / path
    return value


def _host_limits(name: str, value: Any, label: str) -> HostLimits:
    table = _table(value, f"{label}: [host.{name!r}]")
    unknown = set(table) - {"concurrency", "delay"}
    if unknown:
        raise ConfigError(f"{label}: [host.{name!r}] unknown key(s) {', '.join(sorted(unknown))}")
    try:
        return HostLimits(**table)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{label}: [host.{name!r}] {exc}") from None
