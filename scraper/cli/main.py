"""The ``scraper`` command line: a thin click layer over the library.

Library errors turn into messages and exit statuses here and only here: 0 when nothing
failed, 1 when an input failed, 2 for usage and configuration errors (bad flags, a bad rule
folder or file). Pages that hold no article (index pages, stubs) are *skipped*, not failed.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

import click
from tqdm import tqdm

import scraper
from scraper.article import PAYWALL_NOTE, Article, article_notes, rule_failures
from scraper.errors import InputError, NoArticleError, RuleError, ScraperError
from scraper.extract.sitememory import BlockMemory, LearnedBlocks, learn_page
from scraper.io.formats import FORMATS, JSONL_NAME, JsonlWriter, jsonl_record, render, utc_now, write_article
from scraper.io.sources import InputItem, expand_inputs
from scraper.rules.book import load_rules

# Seconds one page may take: far above any real page (tens of milliseconds), low enough that a
# pathological one cannot stall a cron batch.
DEFAULT_TIMEOUT = 30.0


class ConfigError(click.ClickException):
    """A configuration problem found before any input is touched (a bad rule file): exit 2."""

    exit_code = 2


# -- cleaning one input, in this process or a worker -----------------------------------------


@dataclass(frozen=True, slots=True)
class CleanSettings:
    """What every page of a batch is cleaned with (sent to each worker process)."""

    url: str | None = None
    rules: list[str] | None = None
    timeout: float | None = None
    site_blocks: dict[str, LearnedBlocks] = field(default_factory=dict)
    skip_paywalled: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one input: an article, a skip (no article, with why) or an error."""

    article: Article | None = None
    skipped: str | None = None
    error: str | None = None
    refused: Article | None = None  # what a skipped page gave anyway (a failed rule is noted)


def clean_item(item: InputItem, settings: CleanSettings) -> Outcome:
    """Read and clean one input; every failure comes back as a value (exceptions with
    keyword-only arguments, like NoArticleError, do not survive the trip between processes)."""
    try:
        page = item.read_page()
        learned = settings.site_blocks.get(item.site) if item.site else None
        article = scraper.clean(
            page, settings.url, rules=settings.rules, timeout=settings.timeout, site_blocks=learned
        )
    except NoArticleError as exc:
        return Outcome(skipped=f"{exc} ({exc.reason})", refused=exc.article)
    except ScraperError as exc:
        return Outcome(error=str(exc))
    except Exception as exc:  # an engine bug must not end a batch of ten thousand pages
        return Outcome(error=f"unexpected {type(exc).__name__}: {exc} (a bug: please report it)")
    if article.paywalled and settings.skip_paywalled:
        return Outcome(skipped=f"{PAYWALL_NOTE} (--skip-paywalled)")
    return Outcome(article=article)


def _learn_item(item: InputItem) -> tuple[str, set[str]]:
    """The site of one input and the keys of its text blocks (empty if it cannot be read)."""
    fallback = f"folder:{Path(item.label).parent}"  # pages naming no URL: grouped by their folder
    try:
        return learn_page(item.read_page(), fallback)
    except ScraperError:
        return fallback, set()


def learn_sites(items: Sequence[InputItem], jobs: int) -> tuple[list[InputItem], dict[str, LearnedBlocks]]:
    """Read every page once to learn the blocks that repeat across pages of one site.

    Returns the items tagged with their site, and what was learned per site, so every page of
    the folder is cleaned with what the whole folder taught (pages read first included).
    """
    if jobs > 1 and len(items) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            found = list(pool.map(_learn_item, items, chunksize=_chunk_size(len(items), jobs)))
    else:
        found = [_learn_item(item) for item in items]
    memory = BlockMemory()
    for site, keys in found:
        memory.add_page(site, keys)
    learned = {site: blocks for site in memory.sites if (blocks := memory.learned(site)) is not None}
    tagged = [replace(item, site=site) for item, (site, _) in zip(items, found, strict=True)]
    return tagged, learned


def _run_serial(items: Sequence[InputItem], settings: CleanSettings) -> Iterator[Outcome]:
    for item in items:
        yield clean_item(item, settings)


def clean_items(items: Sequence[InputItem], settings: CleanSettings) -> list[Outcome]:
    """Clean a chunk of inputs in one worker call (fewer round trips for small pages)."""
    return [clean_item(item, settings) for item in items]


def _chunk_size(count: int, jobs: int) -> int:
    """Enough chunks to keep every worker busy to the end, no more than 32 pages in one."""
    return max(1, min(32, count // (jobs * 16)))


def _run_pool(items: Sequence[InputItem], settings: CleanSettings, jobs: int) -> Iterator[Outcome]:
    """Outcomes in input order from ``jobs`` worker processes, a bounded window in flight.

    A worker that dies (a crash in a C extension, the OOM killer) breaks the whole pool: the
    inputs of the chunk at the head of the queue are then retried one by one, each alone in
    a fresh process, so the one that kills its worker is reported as failed; the rest of the
    queue goes to a new pool and is cleaned as usual.
    """
    size = _chunk_size(len(items), jobs)
    chunks = iter([items[i : i + size] for i in range(0, len(items), size)])
    window = jobs * 4
    queue: deque[tuple[Sequence[InputItem], Future[list[Outcome]]]] = deque()
    pool = ProcessPoolExecutor(max_workers=jobs)

    def fill() -> None:
        while len(queue) < window:
            chunk = next(chunks, None)
            if chunk is None:
                return
            queue.append((chunk, pool.submit(clean_items, chunk, settings)))

    try:
        fill()
        while queue:
            chunk, future = queue.popleft()
            try:
                outcomes = future.result()
            except BrokenProcessPool:
                pool.shutdown(wait=True, cancel_futures=True)
                outcomes = [_run_isolated(item, settings) for item in chunk]
                pool = ProcessPoolExecutor(max_workers=jobs)
                waiting = [queued for queued, _ in queue]
                queue.clear()
                queue.extend((queued, pool.submit(clean_items, queued, settings)) for queued in waiting)
            yield from outcomes
            fill()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_isolated(item: InputItem, settings: CleanSettings) -> Outcome:
    with ProcessPoolExecutor(max_workers=1) as alone:
        try:
            return alone.submit(clean_item, item, settings).result()
        except BrokenProcessPool:
            return Outcome(error="the worker process died while cleaning this input (crash or out of memory)")


def run_batch(
    items: Sequence[InputItem], settings: CleanSettings, jobs: int
) -> Generator[Outcome, None, None]:
    """Clean ``items``; outcomes come in input order. ``jobs`` 1 (or one item) stays in-process."""
    if jobs <= 1 or len(items) <= 1:
        return _run_serial(items, settings)
    return _run_pool(items, settings, min(jobs, len(items)))


# -- reporting ---------------------------------------------------------------------------------


class Reporter:
    """Messages and the progress bar on stderr; the bar only when stderr is a terminal."""

    def __init__(self, total: int, *, quiet: bool) -> None:
        self.quiet = quiet
        self.done = self.skipped = self.failed = 0
        show = total > 1 and sys.stderr.isatty()
        self.bar = tqdm(total=total, file=sys.stderr, unit="page", disable=not show, leave=False)

    def say(self, message: str) -> None:
        if self.bar.disable:
            click.echo(message, err=True)
        else:
            self.bar.write(message, file=sys.stderr)

    def ok(self, label: str, article: Article | None = None) -> None:
        self.done += 1
        if article is not None and not self.quiet:
            for note in article_notes(article):
                self.say(f"note: {label}: {note}")
        self.bar.update()

    def skip(self, label: str, why: str, refused: Article | None = None) -> None:
        self.skipped += 1
        if not self.quiet:
            self.say(f"skipped: {label}: {why}")
            for _, warning in rule_failures(refused) if refused is not None else ():
                self.say(f"note: {label}: {warning}")
        self.bar.update()

    def fail(self, label: str, why: str) -> None:
        self.failed += 1
        self.say(f"error: {label}: {why}")
        self.bar.update()

    def close(self) -> None:
        self.bar.close()
        if not self.quiet:
            click.echo(f"done {self.done}, skipped {self.skipped}, failed {self.failed}", err=True)


# -- the commands --------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(scraper.__version__, "--version", prog_name="scraper")
def main() -> None:
    """Clean article body text and metadata out of news and blog pages.

    \b
    Example:
        scraper clean saved/page.html > page.txt
    """


def _default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on macOS / Windows
        return os.cpu_count() or 1


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write to (created if needed): one output per input, named after its path.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="txt",
    show_default=True,
    help="txt: text + .json metadata; md: front matter + text; json: everything; "
    f"jsonl: one {JSONL_NAME} for the batch.",
)
@click.option("--url", help="The page's URL (picks the site rule); only with a single input.")
@click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Extra rules folder on top of the shipped rules and $SCRAPER_RULES_DIR; repeatable.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes.  [default: number of cores]",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Give up on a page after this many seconds (it fails; the batch goes on).",
)
@click.option(
    "--no-learn",
    is_flag=True,
    help="Do not remove blocks that repeat across pages of one site (learned from the inputs).",
)
@click.option(
    "--skip-paywalled",
    is_flag=True,
    help="Skip paywalled pages (by default their visible teaser is written, flagged paywalled).",
)
@click.option("--fail-fast", is_flag=True, help="Stop at the first input that fails.")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="No summary line and no 'skipped' or 'note' lines (errors still show).",
)
def clean(
    inputs: tuple[str, ...],
    out: Path | None,
    fmt: str,
    url: str | None,
    rules_dirs: tuple[str, ...],
    jobs: int | None,
    timeout: float,
    no_learn: bool,
    skip_paywalled: bool,
    fail_fast: bool,
    quiet: bool,
) -> None:
    """Clean saved pages: INPUTS are HTML files, folders (searched for .html, .htm and
    their .gz, recursively) or - for stdin.

    One input without -o prints its text to stdout (or, with --format, the chosen format).
    With -o DIR each input gets its own output, named after its path under the folder
    argument it came from; --format jsonl writes one DIR/articles.jsonl for the batch.
    Pages that are not articles (index pages, stubs) are skipped, not failed; a paywalled
    page's visible teaser is written and noted (--skip-paywalled skips it), as is a site rule
    that failed on a page (it is then cleaned generically). Exit status:
    0 if nothing failed, 1 if an input failed, 2 for usage or rule-file errors.

    \b
    Examples:
        scraper clean page.html
        curl -s https://example.com/story | scraper clean - --url https://example.com/story
        scraper clean saved/ -o clean/ --format md
        scraper clean saved/ -o clean/ --format jsonl --rules my-rules/ -j 8
    """
    if url is not None and len(inputs) != 1:
        raise click.UsageError("--url needs exactly one input (the page at that URL)")
    rules = list(rules_dirs) or None
    try:
        load_rules(rules or ())  # check every rule file now, before any input is read
    except RuleError as exc:
        raise ConfigError(f"bad rules: {exc}") from None
    try:
        expansion = expand_inputs(inputs, sys.stdin.buffer)
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    items = expansion.items
    if url is not None and len(items) != 1:
        raise click.UsageError(f"--url needs exactly one input; {inputs[0]} holds {len(items)} pages")
    if out is None and len(items) > 1 and fmt != "jsonl":
        raise click.UsageError(
            f"{len(items)} pages to clean: give -o/--out DIR, or --format jsonl to stream them to stdout"
        )
    for folder in expansion.empty_folders:
        click.echo(f"warning: {folder}: no .html, .htm, .html.gz or .htm.gz files in this folder", err=True)

    jobs = jobs or _default_jobs()
    site_blocks: dict[str, LearnedBlocks] = {}
    if len(items) >= 2 and not no_learn:
        items, site_blocks = learn_sites(items, jobs)
        if not quiet:
            for site, blocks in sorted(site_blocks.items()):
                count, pages = len(blocks.pages_on), blocks.pages_seen
                click.echo(f"learned: {count} repeated blocks from {pages} pages of {site}", err=True)
    reporter = Reporter(len(items), quiet=quiet)
    settings = CleanSettings(
        url=url, rules=rules, timeout=timeout, site_blocks=site_blocks, skip_paywalled=skip_paywalled
    )
    outcomes = run_batch(items, settings, jobs)
    try:
        if out is None:
            stopped = _to_stdout(items, outcomes, fmt, reporter, fail_fast)
        elif fmt == "jsonl":
            stopped = _to_jsonl(items, outcomes, out, reporter, fail_fast)
        else:
            stopped = _to_files(items, outcomes, out, fmt, reporter, fail_fast)
    finally:
        outcomes.close()  # stops the workers when we stop early
        reporter.close()
    if stopped:
        click.echo("stopped at the first failure (--fail-fast)", err=True)
    if reporter.failed:
        click.get_current_context().exit(1)


def _pairs(items: Sequence[InputItem], outcomes: Iterable[Outcome]) -> Iterator[tuple[InputItem, Outcome]]:
    return zip(items, outcomes, strict=True)


def _to_files(
    items: Sequence[InputItem],
    outcomes: Iterable[Outcome],
    out: Path,
    fmt: str,
    reporter: Reporter,
    fail_fast: bool,
) -> bool:
    for item, outcome in _pairs(items, outcomes):
        if outcome.article is not None:
            try:
                write_article(outcome.article, out, item.stem, fmt, source=item.label)
            except (OSError, UnicodeError, ValueError) as exc:
                outcome = Outcome(error=f"cannot write its output: {exc}")
        if _report(reporter, item, outcome) and fail_fast:
            return True
    return False


def _to_jsonl(
    items: Sequence[InputItem],
    outcomes: Iterable[Outcome],
    out: Path,
    reporter: Reporter,
    fail_fast: bool,
) -> bool:
    added = utc_now()
    target = out / JSONL_NAME
    try:
        with JsonlWriter(target) as writer:
            for item, outcome in _pairs(items, outcomes):
                if outcome.article is not None:
                    record = jsonl_record(
                        outcome.article, relpath=item.relpath, source=item.label, added=added
                    )
                    try:
                        writer.add(record)
                    except (UnicodeError, ValueError) as exc:
                        outcome = Outcome(error=f"cannot write its output: {exc}")
                if _report(reporter, item, outcome) and fail_fast:
                    raise _Stop
    except _Stop:
        click.echo(f"{target} left as it was: a stopped run does not replace it", err=True)
        return True
    except OSError as exc:
        raise click.ClickException(f"cannot write {target}: {exc}") from None
    return False


class _Stop(Exception):
    """Raised inside the jsonl writer's block to abort it (the old file stays)."""


def _to_stdout(
    items: Sequence[InputItem],
    outcomes: Iterable[Outcome],
    fmt: str,
    reporter: Reporter,
    fail_fast: bool,
) -> bool:
    added = utc_now()
    for item, outcome in _pairs(items, outcomes):
        if outcome.article is not None:
            text = render(outcome.article, fmt, source=item.label, relpath=item.relpath, added=added)
            click.echo(text, nl=False)
        if _report(reporter, item, outcome) and fail_fast:
            return True
    return False


def _report(reporter: Reporter, item: InputItem, outcome: Outcome) -> bool:
    """Count and report one outcome; True if it was a failure."""
    if outcome.error is not None:
        reporter.fail(item.label, outcome.error)
        return True
    if outcome.skipped is not None:
        reporter.skip(item.label, outcome.skipped, outcome.refused)
    else:
        reporter.ok(item.label, outcome.article)
    return False


def _register_commands() -> None:
    """``crawl`` and ``fetch`` live in :mod:`scraper.cli_web`, the ``rules`` group in
    :mod:`scraper.cli_rules` and :mod:`scraper.cli_rules_make`; they join the group here."""
    from scraper.cli.rules import rules_group
    from scraper.cli.rules_make import import_ftr_command, learn_command
    from scraper.cli.web import crawl_command, fetch_command

    main.add_command(crawl_command)
    main.add_command(fetch_command)
    rules_group.add_command(learn_command)
    rules_group.add_command(import_ftr_command)
    main.add_command(rules_group)


_register_commands()
