"""The ``scraper crawl`` and ``scraper fetch`` commands: thin click layers over the library.

Exit statuses of ``scraper crawl`` (for cron wrappers and monitoring):

- 0: the run finished and nothing failed;
- 1: the run finished but some URLs failed or a host was unreachable (later runs retry them);
- 2: a configuration or usage error (nothing was fetched), or the run could not go on: the state
  file is damaged, read-only or on a full disk, the output folder cannot be written or belongs
  to another state (one line says which file, and what to do);
- 3: another run holds the lock on this state file or output folder (this run did nothing).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from scraper.article import Page
from scraper.batch import CleanSettings, FailedFetch, FetchedPage, clean_batch
from scraper.cli.options import (
    DEFAULT_TIMEOUT,
    DROP_FLAGGED_HELP,
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_LOCKED,
    IMAGES_HELP,
    LINKS_HELP,
    NO_MODEL_HELP,
    RULES_HELP,
    Exit,
    format_option,
    language_option,
    no_model_option,
    quiet_option,
    rules_option,
    skip_paywalled_option,
    structure_options,
)
from scraper.cli.report import Reporter, write_all
from scraper.crawler.config import CrawlConfig, build_config, load_config
from scraper.crawler.dryrun import CrawlPreview, preview
from scraper.crawler.fatal import CrawlAborted
from scraper.crawler.lock import LockHeld
from scraper.crawler.report import CrawlReport
from scraper.crawler.run import crawl
from scraper.errors import ConfigError, FetchError, InputError, RuleError, ScraperError
from scraper.io.formats import format_names, formats_help, get_format
from scraper.io.naming import url_name, url_stem
from scraper.io.rawpages import keep_raw
from scraper.io.sink import ArticleSink
from scraper.io.sources import PageSource
from scraper.io.urllist import read_url_list
from scraper.rules.book import load_rules
from scraper.web.session import Politeness, WebSession
from scraper.web.settings import FetchSettings

# Events that mean one article URL is settled, for the progress bar.
_SETTLED = frozenset(
    {"written", "unchanged", "duplicate", "not-article", "failed", "gave-up", "gone", "skipped-robots"}
)


class _Progress:
    """Events to stderr: one JSON line each with ``--log-json``; else a bar on a terminal,
    error lines, and a summary at the end."""

    def __init__(self, *, log_json: bool, quiet: bool, bar: bool = True) -> None:
        self.log_json = log_json
        self.quiet = quiet
        show = bar and not log_json and not quiet and sys.stderr.isatty()
        self.bar = tqdm(total=0, file=sys.stderr, unit="page", disable=not show, leave=False)

    def __call__(self, event: dict[str, Any]) -> None:
        if self.log_json:
            click.echo(json.dumps(event, ensure_ascii=False), err=True)
            return
        kind = event["event"]
        if kind in ("failed", "gave-up", "seed-failed", "site-failed"):
            self._say(f"error: {event.get('error')}")
        if kind == "site" and not self.quiet:
            found = ", ".join(f"{item['kind']} {item['url']} ({item['via']})" for item in event["found"])
            self._say(f"site: {event['url']}: {found}")
        if kind == "rule-failed" and not self.quiet:
            self._say(f"warning: {event['url']}: {event.get('warning')}")
        if kind == "moved" and not self.quiet:
            self._say(f"note: moved {event['url']} to {event['to']} (crawl files live beside the output)")
        if kind == "rebuilt" and not self.quiet:
            self._say(f"note: new state: recorded the {event['articles']} articles already in {event['url']}")
        if kind == "seed" and event.get("new"):
            self.bar.total = (self.bar.total or 0) + event["new"]
            self.bar.refresh()
        if kind in _SETTLED:
            if self.bar.total is not None and self.bar.n >= self.bar.total:
                self.bar.total = self.bar.n + 1
            self.bar.update()

    def _say(self, message: str) -> None:
        if self.bar.disable:
            click.echo(message, err=True)
        else:
            self.bar.write(message, file=sys.stderr)

    def finish(self, report: CrawlReport, report_path: Path) -> None:
        self.bar.close()
        if self.log_json:
            click.echo(json.dumps({"event": "report", **report.to_dict()}, ensure_ascii=False), err=True)
        elif not self.quiet:
            t = report.totals
            click.echo(
                f"crawl: {t.new} new, {t.updated} updated, {t.unchanged} unchanged, "
                f"{t.duplicate} duplicates, {t.not_article} not articles, {t.gone} gone, "
                f"{t.skipped_robots} skipped by robots.txt, "
                f"{t.failed} failed, in {report.seconds:.1f} s; report: {report_path}",
                err=True,
            )
            if t.paywalled:
                click.echo(f"paywalled: {t.paywalled} pages showed only a teaser", err=True)
            for rule, count in sorted(report.rule_failures.items()):
                click.echo(f"rule failures: {rule} failed on {count} pages (cleaned generically)", err=True)
            if report.stopped_early:
                click.echo(f"stopped early: {report.stopped_early}", err=True)

    def listed(self, plan: CrawlPreview) -> None:
        """The end of ``--list``: the URLs on stdout, a summary (or the report) on stderr."""
        self.bar.close()
        for url in plan.urls:
            click.echo(url)
        if self.log_json:
            event = {"event": "list", "urls": len(plan.urls), **plan.report.to_dict()}
            click.echo(json.dumps(event, ensure_ascii=False), err=True)
        elif not self.quiet:
            click.echo(
                f"list: {len(plan.urls)} articles would be fetched; dry run: no article fetched, "
                f"nothing written (in {plan.report.seconds:.1f} s)",
                err=True,
            )


@click.command("crawl")
@click.argument("config_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
# Every option below is named after its configuration key (see CrawlConfig): the flags are one
# more layer over the file, handed over as they are.
@click.option("--feed", "feeds", multiple=True, help="RSS or Atom feed URL; repeatable.")
@click.option("--sitemap", "sitemaps", multiple=True, help="Sitemap or sitemap index URL; repeatable.")
@click.option("--start", "start", multiple=True, help="Start page whose links are followed; repeatable.")
@click.option(
    "--site",
    "sites",
    multiple=True,
    help="Site (home page URL) whose feeds and sitemaps are found at each run: robots.txt "
    "Sitemap: lines, the page's <link rel=alternate>, else the usual paths (/feed, /rss, "
    "/sitemap.xml ...); repeatable.",
)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder. [default: crawl]"
)
@click.option("--state", type=click.Path(dir_okay=False, path_type=Path), help="State file (SQLite).")
@click.option("--format", "format", type=click.Choice(format_names()), help=formats_help())
@click.option(
    "--host", "allowed_hosts", multiple=True, help="Allowed host; repeatable. [default: the seeds' hosts]"
)
@click.option("--max-depth", type=click.IntRange(min=0), help="Links followed from start pages.")
@click.option("--max-pages", type=click.IntRange(min=1), help="Articles fetched per run at most.")
@click.option(
    "--max-age-days", type=click.FloatRange(min=0), help="Skip feed/sitemap entries older than this."
)
@click.option(
    "--max-seconds", type=click.FloatRange(min=0), help="End the run after this long; the rest stays due."
)
@click.option("--concurrency", type=click.IntRange(min=1), help="Requests in flight per host. [default: 2]")
@click.option("--delay", type=click.FloatRange(min=0), help="Seconds between requests per host. [default: 1]")
@click.option("--user-agent", help="User-Agent header; include a contact URL or address.")
@click.option(
    "--rules", "rules", multiple=True, type=click.Path(exists=True, file_okay=False), help=RULES_HELP
)
@click.option("-j", "--jobs", type=click.IntRange(min=0), help="Cleaning processes (0: in-process).")
@click.option(
    "--no-raw",
    "keep_raw",
    flag_value=False,
    default=None,
    help="Do not keep the raw HTML of fetched articles.",
)
@click.option(
    "--warc",
    "warc",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write every article fetch as WARC/1.1 files in this folder (rotated at warc_max_mb, "
    "1024 by default; each renamed to *.warc.gz when finished); scraper clean DIR/*.warc.gz re-cleans them.",
)
@click.option(
    "--ignore-robots",
    "obey_robots",
    flag_value=False,
    default=None,
    help="Do not obey robots.txt (your own sites).",
)
@click.option(
    "--allow-private-networks",
    "allow_private_networks",
    flag_value=True,
    default=None,
    help="Allow URLs on private, loopback and link-local addresses (refused by default).",
)
@click.option(
    "--skip-paywalled",
    "skip_paywalled",
    flag_value=True,
    default=None,
    help="Do not write paywalled pages (by default their visible teaser is written, flagged).",
)
@language_option()
@click.option("--no-model", "model", flag_value=False, default=None, help=NO_MODEL_HELP)
@click.option("--drop-flagged", "drop_flagged", flag_value=True, default=None, help=DROP_FLAGGED_HELP)
@click.option("--links", "links", flag_value=True, default=None, help=LINKS_HELP)
@click.option("--images", "images", flag_value=True, default=None, help=IMAGES_HELP)
@click.option(
    "--log-json", is_flag=True, help="One JSON line per event on stderr, and the report at the end."
)
@click.option(
    "--list",
    "list_only",
    is_flag=True,
    help="Dry run: read the feeds, sitemaps and start pages (and find the sites' ones), then print "
    "the article URLs this run would fetch, one per line, in the order it would queue them (new "
    "and due ones; unchanged ones the state holds are left out). No article is fetched, no lock "
    "taken, nothing written (state, output, report).",
)
@quiet_option("No summary line (errors still show).")
def crawl_command(
    config_file: Path | None, log_json: bool, list_only: bool, quiet: bool, **flags: Any
) -> None:
    """Crawl news sites once: find new articles in feeds, sitemaps and start pages, fetch
    them politely, clean and write them, and remember everything for the next run.

    Settings come from CONFIG_FILE (TOML, see the README), then SCRAPER_CRAWL_* environment
    variables (SCRAPER_CRAWL_USER_AGENT, SCRAPER_CRAWL_OUT, ...), then the flags; later wins.
    Run it from cron: an overlapping run exits at once with status 3; a killed run is
    resumed by the next. Exit status: 0 ok, 1 some URLs failed or a host was unreachable,
    2 bad configuration or an unusable state or output folder, 3 another run holds the lock.

    \b
    Examples:
        scraper crawl sites.toml
        scraper crawl --feed https://example.com/rss --out news/ --format md
        scraper crawl --site https://example.com/ --list
        */15 * * * * scraper crawl /etc/scraper/sites.toml --log-json >> /var/log/scraper.log 2>&1
    """
    # A flag not given (None, or an empty tuple for a repeatable one) leaves the file's value.
    overrides = {key: value or None if isinstance(value, tuple) else value for key, value in flags.items()}
    try:
        if config_file is not None:
            config = load_config(config_file, **overrides)
        else:
            config = build_config({}, label="flags", **overrides)
    except ConfigError as exc:
        raise Exit(str(exc), EXIT_CONFIG) from None
    progress = _Progress(log_json=log_json, quiet=quiet, bar=not list_only)
    if list_only:
        _list(config, progress)
        return
    try:
        report = crawl(config, on_event=progress)
    except LockHeld as exc:
        raise Exit(f"{exc}; this run does nothing", EXIT_LOCKED) from None
    except (ConfigError, RuleError, InputError, CrawlAborted) as exc:  # the state or output is unusable
        raise Exit(str(exc), EXIT_CONFIG) from None
    progress.finish(report, config.report_path)
    if report.partial:
        click.get_current_context().exit(EXIT_FAILED)


def _list(config: CrawlConfig, progress: _Progress) -> None:
    """``scraper crawl --list``: what this run would fetch (:func:`scraper.crawler.dryrun.preview`)."""
    try:
        plan = preview(config, on_event=progress)
    except (ConfigError, RuleError, InputError) as exc:
        raise Exit(str(exc), EXIT_CONFIG) from None
    progress.listed(plan)
    if plan.report.partial:
        click.get_current_context().exit(EXIT_FAILED)


# -- scraper fetch -----------------------------------------------------------------------------


async def _fetch_all(
    urls: Sequence[str], settings: FetchSettings, politeness: Politeness
) -> list[Page | FailedFetch]:
    """Each URL's page, or why it could not be fetched, in input order."""
    async with WebSession(settings, politeness) as web:

        async def one(url: str) -> Page | FailedFetch:
            try:
                return await web.fetch(url)
            except FetchError as exc:
                return FailedFetch(exc, label=url, stem=url_stem(url))

        return await asyncio.gather(*(one(url) for url in urls))


def _source(page: Page | FailedFetch, url: str, raw_dir: Path | None) -> PageSource:
    """What fetching ``url`` gave, as a source: the page (kept raw when asked), or its failure."""
    return _kept(page, url, raw_dir) if isinstance(page, Page) else page


def _kept(page: Page, url: str, raw_dir: Path | None) -> PageSource:
    """A fetched page as a source, its raw HTML kept first when asked (a page whose raw copy
    cannot be written fails, named, like any other write)."""
    stem = url_stem(url)
    if raw_dir is not None:
        try:
            keep_raw(raw_dir, stem, page)
        except (OSError, UnicodeError, ValueError) as exc:
            return FailedFetch(ScraperError(f"cannot write its output: {exc}"), label=url, stem=stem)
    return FetchedPage(page, label=url, stem=stem)


def _inputs(urls: Sequence[str], input_file: str | None) -> list[str | FailedFetch]:
    """The URL arguments, then the URLs of ``input_file``, each URL once, in order. A line of
    the file that is not a URL becomes a failure naming the file and line, reported in its
    place while the others are fetched."""
    entries: list[str | FailedFetch] = list(dict.fromkeys(urls))
    if input_file is None:
        return entries
    try:
        listed = read_url_list(input_file, sys.stdin.buffer)
    except InputError as exc:
        raise Exit(str(exc), EXIT_CONFIG) from None
    seen = set(urls)
    for line in listed:
        if line.problem is not None:
            entries.append(FailedFetch(InputError(line.problem), label=line.where, stem=line.where))
        elif line.url not in seen:
            seen.add(line.url)
            entries.append(line.url)
    return entries


@click.command("fetch")
@click.argument("urls", nargs=-1)
@click.option(
    "-i",
    "--input-file",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
    help="Also fetch the URLs in this file, one per line (blank lines and # comments skipped; "
    "- reads the list from stdin).",
)
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), help="Folder to write to.")
@format_option()
@click.option(
    "--raw", "raw_dir", type=click.Path(file_okay=False, path_type=Path), help="Also keep raw HTML here."
)
@rules_option()
@click.option("--user-agent", help="User-Agent header; include a contact URL or address.")
@click.option(
    "--delay",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Seconds between requests to one host.",
)
@click.option("--ignore-robots", is_flag=True, help="Do not obey robots.txt (your own sites).")
@click.option("--allow-private-networks", is_flag=True, help="Allow private, loopback, link-local addresses.")
@structure_options()
@skip_paywalled_option()
@language_option()
@no_model_option()
@quiet_option()
def fetch_command(
    urls: tuple[str, ...],
    input_file: str | None,
    out: Path | None,
    format: str,
    raw_dir: Path | None,
    rules: tuple[str, ...],
    user_agent: str | None,
    delay: float,
    ignore_robots: bool,
    allow_private_networks: bool,
    links: bool,
    images: bool,
    skip_paywalled: bool,
    languages: tuple[str, ...],
    no_model: bool,
    drop_flagged: bool,
    quiet: bool,
) -> None:
    """Fetch the given URLs (and those of -i FILE) and clean them (no state, no discovery):
    one URL without -o prints its text; with -o DIR each gets DIR/<host>/<slug>-<hash>.<ext>.
    A URL given twice is fetched once; a line of FILE that is not a URL fails, named by file
    and line, and the others are fetched.

    \b
    Examples:
        scraper fetch https://example.com/news/story.html
        scraper fetch URL1 URL2 -o articles/ --format md --raw raw/
        scraper fetch -i urls.txt -o articles/
        grep -h '^https://' *.txt | scraper fetch -i - --format jsonl > articles.jsonl
    """
    entries = _inputs(urls, input_file)
    wanted = [entry for entry in entries if isinstance(entry, str)]
    if not entries:
        raise click.UsageError("no URLs: give URLs as arguments, or -i FILE (- for stdin), one per line")
    if out is None and len(wanted) > 1 and not get_format(format).streams:
        raise click.UsageError(f"{len(wanted)} URLs: give -o/--out DIR, or --format jsonl to stream them")
    try:
        sink = ArticleSink(format, out, echo=lambda text: click.echo(text, nl=False))
    except ConfigError as exc:  # --format parquet without pyarrow, or without -o
        raise click.UsageError(str(exc)) from None
    rule_dirs = list(rules) or None
    try:
        load_rules(rule_dirs or ())
    except RuleError as exc:
        raise Exit(f"bad rules: {exc}", EXIT_CONFIG) from None
    fields: dict[str, Any] = {"allow_private_networks": allow_private_networks}
    if user_agent:
        fields["user_agent"] = user_agent
    settings = FetchSettings(**fields)
    politeness = Politeness(delay=delay, obey_robots=not ignore_robots)
    pages = dict(zip(wanted, asyncio.run(_fetch_all(wanted, settings, politeness)), strict=True))
    sources = [
        entry if isinstance(entry, FailedFetch) else _source(pages[entry], entry, raw_dir)
        for entry in entries
    ]
    reporter = Reporter(len(sources), quiet=quiet)
    clean_settings = CleanSettings(
        rules=rule_dirs,
        timeout=DEFAULT_TIMEOUT,
        skip_paywalled=skip_paywalled,
        languages=languages,
        model=not no_model,
        drop_flagged=drop_flagged,
        links=links,
        images=images,

    )
    outcomes = clean_batch(sources, clean_settings)
    try:
        # Named after the article's canonical URL on the same site (scraper.io.naming).
        write_all(sources, outcomes, sink, reporter, naming=lambda item, page: url_name(item.label, page))
    finally:
        reporter.close()
    if reporter.failed:
        click.get_current_context().exit(EXIT_FAILED)
