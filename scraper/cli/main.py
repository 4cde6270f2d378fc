"""The ``scraper`` command line: a thin click layer over the library.

Library errors turn into messages and exit statuses here and only here: 0 when nothing
failed, 1 when an input failed, 2 for usage and configuration errors (bad flags, a bad rule
folder or file). Pages that hold no article (index pages, stubs) are *skipped*, not failed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

import scraper
from scraper.batch import CleanSettings, clean_batch, default_jobs, learn_sites
from scraper.cli.options import (
    DEFAULT_TIMEOUT,
    EXIT_CONFIG,
    EXIT_FAILED,
    Exit,
    format_option,
    language_option,
    no_model_option,
    quiet_option,
    rules_option,
    skip_paywalled_option,
    structure_options,
)
from scraper.cli.report import Reporter, pass_bar, write_all
from scraper.errors import ConfigError, InputError, RuleError
from scraper.extract.sitememory import LearnedBlocks
from scraper.io.formats import get_format
from scraper.io.sink import ArticleSink
from scraper.io.sources import expand_inputs
from scraper.rules.book import load_rules

# -- the commands --------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "SCRAPER"})
@click.version_option(scraper.__version__, "--version", prog_name="scraper", allow_from_autoenv=False)
def main() -> None:
    """Clean article body text and metadata out of news and blog pages.

    \b
    Example:
        scraper clean saved/page.html > page.txt
    """


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write to (created if needed): one output per input, named after its path.",
)
@format_option()
@click.option("--url", help="The page's URL (picks the site rule); only with a single input.")
@rules_option()
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=None,
    help="Worker processes (0: clean in this process, as `crawl -j 0`).  [default: number of cores]",
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
@structure_options()
@skip_paywalled_option()
@language_option()
@no_model_option()
@click.option("--fail-fast", is_flag=True, help="Stop at the first input that fails.")
@quiet_option()
def clean(
    inputs: tuple[str, ...],
    out: Path | None,
    format: str,
    url: str | None,
    rules: tuple[str, ...],
    jobs: int | None,
    timeout: float,
    no_learn: bool,
    links: bool,
    images: bool,
    skip_paywalled: bool,
    languages: tuple[str, ...],
    no_model: bool,
    drop_flagged: bool,
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
    that failed on a page (it is then cleaned generically). --language de,fr skips articles in
    other languages (one whose language is unknown is kept). Exit status:
    0 if nothing failed, 1 if an input failed, 2 for usage or rule-file errors.

    \b
    Examples:
        scraper clean page.html
        curl -s https://example.com/story | scraper clean - --url https://example.com/story
        scraper clean saved/ -o clean/ --format md
        scraper clean saved/ -o clean/ --format jsonl --rules my-rules/ -j 8
        scraper clean saved/ -o clean/ --language de,fr
    """
    if url is not None and len(inputs) != 1:
        raise click.UsageError("--url needs exactly one input (the page at that URL)")
    rule_dirs = list(rules) or None
    try:
        load_rules(rule_dirs or ())  # check every rule file now, before any input is read
    except RuleError as exc:
        raise Exit(f"bad rules: {exc}", EXIT_CONFIG) from None
    try:
        expansion = expand_inputs(inputs, sys.stdin.buffer)
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    items = expansion.items
    if url is not None and len(items) != 1:
        raise click.UsageError(f"--url needs exactly one input; {inputs[0]} holds {len(items)} pages")
    if out is None and len(items) > 1 and not get_format(format).streams:
        raise click.UsageError(
            f"{len(items)} pages to clean: give -o/--out DIR, or --format jsonl to stream them to stdout"
        )
    try:
        sink = ArticleSink(format, out, echo=lambda text: click.echo(text, nl=False))
    except ConfigError as exc:  # --format parquet without pyarrow, or without -o
        raise click.UsageError(str(exc)) from None
    for folder in expansion.empty_folders:
        click.echo(f"warning: {folder}: no .html, .htm, .html.gz or .htm.gz files in this folder", err=True)

    jobs = default_jobs() if jobs is None else max(jobs, 1)  # 0 and 1: in this process
    site_blocks: dict[str, LearnedBlocks] = {}
    if len(items) >= 2 and not no_learn:
        with pass_bar(len(items), "learning", quiet=quiet) as bar:
            items, site_blocks = learn_sites(items, jobs, progress=bar.update)
        if not quiet:
            for site, blocks in sorted(site_blocks.items()):
                count, pages = len(blocks.pages_on), blocks.pages_seen
                click.echo(f"learned: {count} repeated blocks from {pages} pages of {site}", err=True)
    reporter = Reporter(len(items), quiet=quiet)
    settings = CleanSettings(
        url=url,
        rules=rule_dirs,
        timeout=timeout,
        site_blocks=site_blocks,
        skip_paywalled=skip_paywalled,
        links=links,
        images=images,
        languages=languages,
        model=not no_model,
        drop_flagged=drop_flagged,
    )
    outcomes = clean_batch(items, settings, jobs)
    try:
        stopped = write_all(items, outcomes, sink, reporter, fail_fast=fail_fast)
    finally:
        outcomes.close()  # stops the workers when we stop early
        reporter.close()
    if stopped:
        click.echo("stopped at the first failure (--fail-fast)", err=True)
    if reporter.failed:
        click.get_current_context().exit(EXIT_FAILED)


def _register_commands() -> None:
    """``crawl`` and ``fetch`` live in :mod:`scraper.cli.web`, the ``rules`` group in
    :mod:`scraper.cli.rules` and :mod:`scraper.cli.rules_make`; they join the group here."""
    from scraper.cli.rules import rules_group
    from scraper.cli.rules_make import import_ftr_command, learn_command
    from scraper.cli.warc import warc_command
    from scraper.cli.web import crawl_command, fetch_command

    main.add_command(crawl_command)
    main.add_command(fetch_command)
    main.add_command(warc_command)  # scraper.cli.warc: WARC files on datatrove (the [scale] extra)
    rules_group.add_command(learn_command)
    rules_group.add_command(import_ftr_command)
    main.add_command(rules_group)


_register_commands()
