"""What a batch command says on stderr, and the loop that writes and reports every outcome.

``scraper clean`` and ``scraper fetch`` share both: the same ``note:``, ``skipped:`` and
``error:`` lines, the same summary, the same handling of a write that fails.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence

import click
from tqdm import tqdm

from scraper.article import Article, article_notes, rule_failures
from scraper.batch import Outcome
from scraper.errors import NoArticleError, ScraperError
from scraper.io.naming import OutputName
from scraper.io.sink import ArticleSink
from scraper.io.sources import PageSource


def pass_bar(total: int, what: str, *, quiet: bool) -> tqdm:
    """The progress bar of a pass that reads every input before any is cleaned (the site memory's,
    ``what`` naming it): on a terminal only, and not with ``--quiet``, so piped or quiet output stays
    as it was. Use it as a context manager; its ``update`` takes the pass's ``progress`` calls."""
    show = total > 1 and not quiet and sys.stderr.isatty()
    return tqdm(total=total, desc=what, file=sys.stderr, unit="page", disable=not show, leave=False)


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
    naming: Callable[[PageSource, Article], OutputName] | None = None,
) -> bool:
    """Write every article as it comes and report every outcome; True if stopped early.

    A batch stream file (``--format jsonl -o DIR``) is saved only when the block ends; if that
    fails, the articles reported done into it are counted failed, so the summary tells the truth.
    ``naming`` names an article once it is cleaned (``scraper fetch``: after its canonical URL,
    :mod:`scraper.io.naming`); without it, an output is named after its input's path. An article
    whose name an article fetched at its canonical URL took in this batch is skipped as its
    duplicate: the canonical page wins, whichever finished first.
    """
    pending = 0  # articles written into a stream file that is not saved yet
    batched = sink.stream_path is not None and not sink.append
    try:
        with sink:
            for item, outcome in zip(items, outcomes, strict=True):
                if outcome.article is not None:
                    try:
                        if (taken := _write(sink, item, outcome.article, naming)) is not None:
                            outcome = Outcome(error=taken)
                        else:
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


def _write(
    sink: ArticleSink,
    item: PageSource,
    article: Article,
    naming: Callable[[PageSource, Article], OutputName] | None,
) -> NoArticleError | None:
    """Write an article under its input's name, or the one ``naming`` gives it unless a canonical
    page holds that name (then the skip that says so)."""
    if naming is None:
        sink.write(article, stem=item.stem, source=item.label, relpath=item.relpath)
        return None
    name = naming(item, article)
    holder = sink.holder(name.key)
    if holder is not None and not name.canonical:
        why = f"same article as {holder} (its canonical URL, written in this run)"
        return NoArticleError(why, reason="duplicate", article=article)
    sink.write(article, stem=name.stem, source=item.label, key=name.key, canonical=name.canonical)
    return None


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
