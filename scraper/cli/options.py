"""What every command shares: the exit statuses (the one table), the error that carries one,
and the options several commands take, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from scraper.extract.language import parse_languages
from scraper.io.formats import format_names, formats_help

# Exit statuses of every command, as the README documents them.
EXIT_OK = 0
EXIT_FAILED = 1  # an input, URL or page failed (the rest was done); a crawl was partial
EXIT_CONFIG = 2  # usage, configuration or rule-file errors: nothing was done
EXIT_LOCKED = 3  # another run holds the lock: this one did nothing
# Seconds one page may take: far above any real page (tens of milliseconds), low enough that a
# pathological one cannot stall a cron batch.
DEFAULT_TIMEOUT = 30.0

Command = TypeVar("Command", bound=Callable[..., Any])


class Exit(click.ClickException):
    """An error message and the exit status it carries."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.exit_code = code


def format_option(*, default: str | None = "txt") -> Callable[[Command], Command]:
    """``--format``: one of the registered output formats."""
    return click.option(
        "--format",
        "format",
        type=click.Choice(format_names()),
        default=default,
        show_default=default is not None,
        help=formats_help(),
    )


RULES_HELP = "Extra rules folder on top of the shipped rules and $SCRAPER_RULES_DIR; repeatable."
QUIET_HELP = "No summary line and no 'skipped' or 'note' lines (errors still show)."


def rules_option(help_text: str = RULES_HELP) -> Callable[[Command], Command]:
    """``--rules DIR``, repeatable."""
    return click.option(
        "--rules", "rules", multiple=True, type=click.Path(exists=True, file_okay=False), help=help_text
    )


def quiet_option(help_text: str = QUIET_HELP) -> Callable[[Command], Command]:
    return click.option("-q", "--quiet", is_flag=True, help=help_text)


NO_MODEL_HELP = (
    "Turn the learned models off (line judge, page kind): only the rules and the hand-written"
    " detectors decide what is boilerplate."
)


DROP_FLAGGED_HELP = (
    "Remove the lines the learned line judge doubts (by default they are kept in the text and"
    " listed in the metadata's flagged, since on sites it never saw it takes article lines too)."
)


def no_model_option() -> Callable[[Command], Command]:
    """``--no-model``: the learned models off (see :mod:`scraper.extract.model`), and
    ``--drop-flagged``: the line judge's doubted lines removed rather than flagged."""

    def add(command: Command) -> Command:
        drop = click.option("--drop-flagged", "drop_flagged", is_flag=True, help=DROP_FLAGGED_HELP)
        command = drop(command)
        return click.option("--no-model", "no_model", is_flag=True, help=NO_MODEL_HELP)(command)

    return add


LANGUAGE_HELP = (
    "Keep only articles in these languages, e.g. de,fr (ISO 639 codes; repeatable): the language"
    " detected in the text, else the one the page declares. Others are skipped (reason: language);"
    " an article whose language is unknown (a short text, no declaration) is kept."
)


def parse_language_option(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    """``--language de,fr`` (and ``--language de --language fr``) as codes; a bad one is a usage error."""
    try:
        return parse_languages(value or ())
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def language_option() -> Callable[[Command], Command]:
    """``--language de,fr``: keep only articles in those languages (:mod:`scraper.extract.language`)."""
    return click.option(
        "--language",
        "languages",
        multiple=True,
        metavar="CODES",
        callback=parse_language_option,
        help=LANGUAGE_HELP,
    )


LINKS_HELP = "Keep the article's links (absolute URLs) in md, html and json output; never in the text."
IMAGES_HELP = "Keep the article's images (absolute src, alt, caption) in md, html and json output."


def structure_options() -> Callable[[Command], Command]:
    """``--links`` and ``--images``: what the article's blocks keep beyond its text."""

    def apply(command: Command) -> Command:
        command = click.option("--images", is_flag=True, help=IMAGES_HELP)(command)
        return click.option("--links", is_flag=True, help=LINKS_HELP)(command)

    return apply


def skip_paywalled_option() -> Callable[[Command], Command]:
    return click.option(
        "--skip-paywalled",
        is_flag=True,
        help="Skip paywalled pages (by default their visible teaser is written, flagged paywalled).",
    )
