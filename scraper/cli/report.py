"""What a batch command says on stderr, and the loop that writes and reports every outcome.

``scraper clean`` and ``scraper fetch`` share both: the same ``note:``, ``skipped:`` and
``error:`` lines, the same summary, the same handling of a write that fails.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

import click
from tqdm import tqdm

from scraper.article import Article, article_notes, rule_failures
from scraper.batch import Outcome
from scraper.errors import ScraperError
from scraper.io.sink import ArticleSink
from scraper.io.sources import PageSource


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
        # A FetchError names its URL already: the line says it once.
        self.say(f"error: {why}" if why.startswith(f"{label}: ") else f"error: {label}: {why}")
        self.bar.update()

    def lost(self, count: int, why: str) -> None:
        """``count`` articles reported done were not written after all (their batch file failed)."""
        moved = min(count, self.done)
        self.done -= moved
        self.failed += moved
        self.say(f"error: {why}")

    def close(self) -> None:
        self.bar.close()
        if not self.quiet:
            click.echo(f"done {self.done}, skipped {self.skipped}, failed {self.failed}", err=True)


def write_all(
    items: Sequence[PageSource],
    outcomes: Iterable[Outcome],
    sink: ArticleSink,
    reporter: Reporter,
    *,
    fail_fast: bool = False,
) -> bool:
    """Write every article as it comes and report every outcome; True if stopped early.

    A batch stream file (``--format jsonl -o DIR``) is saved only when the block ends; if that
    fails, the articles reported done into it are counted failed, so the summary tells the truth.
    """
    pending = 0  # articles written into a stream file that is not saved yet
    batched = sink.stream_path is not None and not sink.append
    try:
        with sink:
            for item, outcome in zip(items, outcomes, strict=True):
                if outcome.article is not None:
                    try:
                        sink.write(outcome.article, stem=item.stem, source=item.label, relpath=item.relpath)
                        pending += batched
                    except (UnicodeError, ValueError) as exc:  # this article's values: the next may do
                        outcome = Outcome(error=ScraperError(f"cannot write its output: {exc}"))
                    except OSError as exc:
                        if sink.out is None:
                            raise  # stdout is gone (a closed pipe): nothing more can be written
                        outcome = Outcome(error=ScraperError(f"cannot write its output: {exc}"))
                if _report(reporter, item, outcome) and fail_fast:
                    raise _Stop
    except _Stop:
        if sink.stream_path is not None:
            click.echo(f"{sink.stream_path} left as it was: a stopped run does not replace it", err=True)
        return True
    except OSError as exc:
        where = sink.stream_path or sink.out or "stdout"
        if not pending:
            raise click.ClickException(f"cannot write {where}: {exc}") from None
        what = "the article cleaned for it is" if pending == 1 else f"the {pending} articles for it are"
        reporter.lost(pending, f"{where}: cannot write it ({exc}); {what} not written")
    return False


class _Stop(Exception):
    """Raised inside the sink's block to abort it (a stream file keeps its old content)."""


def _report(reporter: Reporter, item: PageSource, outcome: Outcome) -> bool:
    """Count and report one outcome; True if it was a failure."""
    if outcome.failed:
        reporter.fail(item.label, outcome.why())
        return True
    if outcome.skipped is not None:
        reporter.skip(item.label, outcome.why(), outcome.skipped.article)
    else:
        reporter.ok(item.label, outcome.article)
    return False
