"""The ``scraper rules`` commands: ``check`` rule files and ``show`` what rules do to a page.

Thin click layers over :mod:`scraper.authoring.check`; ``rules_group`` is a plain click group, so
more commands (an importer of other rule formats) can be added to it with ``add_command``.

Exit statuses of ``scraper rules check``: 0 every file parsed and every test passed (warnings
allowed); 1 a test failed, or a site rule failed on a page given with ``--pages``; 2 a file is
invalid (or a folder is missing).
Of ``scraper rules show``: 0 shown; 1 the page could not be read, fetched or cleaned (not an
article, say); 2 a rule file is invalid.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click

from scraper.article import Page, Removal
from scraper.authoring.check import (
    CheckReport,
    Explanation,
    FileCheck,
    RuleTestResult,
    Status,
    check_rules,
    explain,
    read_rules,
)
from scraper.authoring.pages import check_pages
from scraper.cli.options import DEFAULT_TIMEOUT, EXIT_CONFIG, EXIT_FAILED, EXIT_OK, Exit
from scraper.errors import FetchError, InputError, NoArticleError, RuleError, ScraperError
from scraper.io.shipped import shipped_dir
from scraper.io.sources import InputItem, expand_inputs, page_stem
from scraper.web.scrape import fetch
from scraper.web.settings import FetchSettings

EXIT_STATUS: dict[Status, int] = {"ok": EXIT_OK, "failed": EXIT_FAILED, "invalid": EXIT_CONFIG}
_STATUS_LABEL: dict[Status, str] = {"ok": "ok", "failed": "FAILED", "invalid": "INVALID"}
_STATUS_COLOUR: dict[Status, str] = {"ok": "green", "failed": "red", "invalid": "red"}
_INDENT = "    "


def display_path(path: Path) -> str:
    """``path`` relative to the working folder when it lies inside it, ``[shipped] name`` for a
    shipped rule file elsewhere, else as it is: short, and the same on every machine."""
    resolved = path.resolve()
    if resolved.is_relative_to(Path.cwd().resolve()):
        return os.path.relpath(resolved)
    if resolved.parent == shipped_dir("rules").resolve():
        return f"[shipped] {path.name}"
    return str(path)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@click.group("rules")
def rules_group() -> None:
    """Check site rule files and see what rules do to a page."""


# -- scraper rules check ---------------------------------------------------------------------


def _test_lines(test: RuleTestResult) -> list[str]:
    """What went wrong in one failed test, one line per missing or leaked snippet."""
    where = f"test {test.index} ({display_path(test.sample)})"
    if test.error is not None:
        return [f"{where}: {test.error}"]
    return [f"{where}: missing {text!r}" for text in test.missing] + [
        f"{where}: leaked {text!r}" for text in test.leaked
    ]


def _file_lines(result: FileCheck) -> list[str]:
    """One line for the file, then its error, failures and warnings indented under it."""
    label = click.style(f"{_STATUS_LABEL[result.status]:<8}", fg=_STATUS_COLOUR[result.status])
    if result.status == "invalid":
        return [f"{label}{display_path(result.path)}", f"{_INDENT}{result.error}"]
    failed = sum(1 for test in result.tests if not test.passed)
    counts = _plural(len(result.tests), "test") + (f", {failed} failed" if failed else "")
    lines = [f"{label}{display_path(result.path)} ({counts})"]
    for test in result.tests:
        if not test.passed:
            lines += [_INDENT + line for line in _test_lines(test)]
    lines += [_INDENT + click.style(f"warning: {warning}", fg="yellow") for warning in result.warnings]
    return lines


def _summary(report: CheckReport) -> str:
    parts = [
        f"{_plural(len(report.files), 'file')}: {report.count('ok')} ok, {report.count('failed')} failed, "
        f"{report.count('invalid')} invalid",
        f"{_plural(report.tests_run, 'test')}, {report.tests_failed} failed",
        _plural(report.warnings, "warning"),
    ]
    return "; ".join(parts)


@rules_group.command("check")
@click.argument(
    "dirs", nargs=-1, metavar="[DIR]...", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--no-shipped",
    is_flag=True,
    help="Check only the given folders (their tests still run over the shipped rules).",
)
@click.option(
    "--pages",
    "pages",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Also clean these saved pages (files or folders, e.g. a crawl's raw/) and report every "
    "site rule that fails on them; repeatable.",
)
def check_command(dirs: tuple[Path, ...], no_shipped: bool, pages: tuple[Path, ...]) -> None:
    """Parse every rule file and run its [[test]] entries.

    Checks the shipped rules, $SCRAPER_RULES_DIR and every *.toml in each DIR. The tests run
    with the rules layered as `scraper clean --rules DIR...` loads them. One line per file;
    under a failed file, each missing or leaked snippet; then a summary. Warnings (a rule
    without tests, a rule its tests never exercise, a file replaced by another) do not fail
    the check. With --pages, every saved page is cleaned too, and each site rule whose body
    selectors failed on a page (matched nothing, or far less text than the page cleaned without
    the rule: a redesign) is reported with the page. Exit status: 0 all ok, 1 a test failed or
    a rule failed on a page, 2 a file is invalid.

    \b
    Examples:
        scraper rules check
        scraper rules check my-rules/
        scraper rules check --no-shipped my-rules/ other-rules/
        scraper rules check my-rules/ --pages crawl/raw/
    """
    if no_shipped and not dirs:
        raise click.UsageError("--no-shipped needs at least one DIR to check")
    try:
        report = check_rules(dirs, shipped=not no_shipped)
    except RuleError as exc:
        raise Exit(str(exc), EXIT_STATUS["invalid"]) from None
    for result in report.files:
        for line in _file_lines(result):
            click.echo(line)
    click.echo(_summary(report))
    status = EXIT_STATUS[report.worst]
    if pages and report.worst != "invalid" and _report_pages(pages, dirs):
        status = max(status, EXIT_STATUS["failed"])
    if status:
        click.get_current_context().exit(status)


def _report_pages(targets: Sequence[Path], dirs: Sequence[Path]) -> bool:
    """Clean the saved pages and print each rule that failed on them; True if any did."""
    try:
        items = expand_inputs([str(target) for target in targets], None).items
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    found = check_pages(items, read_rules(list(dirs)))
    for label, applied in sorted(found.applied.items()):
        failed = found.failed(label)
        mark = click.style("FAILED", fg="red") if failed else click.style("ok", fg="green")
        click.echo(f"{mark}  {label}: body selectors failed on {failed} of {applied} pages it applies to")
        for failure in (f for f in found.failures if f.rule == label):
            click.echo(f"{_INDENT}{failure.page}: {failure.warning}")
    for line in found.unreadable:
        click.echo(f"{_INDENT}unreadable: {line}")
    click.echo(
        f"pages: {found.pages} cleaned, {_plural(len(found.failures), 'rule failure')}"
        f", {len(found.unreadable)} unreadable"
    )
    return bool(found.failures)


# -- scraper rules show ----------------------------------------------------------------------


def _is_url(target: str) -> bool:
    return target.lower().startswith(("http://", "https://"))


def _read_target(target: str, *, allow_private_networks: bool) -> Page:
    """The page behind URL_OR_FILE: fetched (robots.txt obeyed), or read like `scraper clean` reads it."""
    if _is_url(target):
        try:
            return fetch(target, settings=FetchSettings(allow_private_networks=allow_private_networks))
        except FetchError as exc:
            raise Exit(f"cannot fetch {exc}", EXIT_FAILED) from None
    name = Path(target).name
    item = InputItem(label=target, relpath=name, stem=page_stem(name), path=target)
    try:
        return item.read_page()
    except InputError as exc:
        raise Exit(f"{target}: {exc}", EXIT_FAILED) from None


def _removal_line(removal: Removal) -> str:
    where = "line" if removal.kind == "line" else "element"
    return f"{_INDENT}{where} {removal.what}: {removal.text!r}"


def _explanation_lines(target: str, found: Explanation) -> list[str]:
    lines = [f"page: {target}", f"url:  {found.url or '(none: no --url and no canonical URL on the page)'}"]
    lines.append("rule files that apply:")
    lines += [f"  {display_path(rule.path)}" for rule in found.rules] or ["  (none)"]
    total = sum(len(group.removals) for group in found.groups)
    lines.append(f"removed ({total}):")
    for group in found.groups:
        lines.append(click.style(f"  {group.by} ({len(group.removals)})", bold=True))
        lines += [_removal_line(removal) for removal in group.removals]
    if found.idle:
        lines.append("removed nothing on this page:")
        lines += [f"  {entry.by} {entry.key} {entry.entry!r}" for entry in found.idle]
    lines += [click.style(f"warning: {warning}", fg="yellow") for warning in found.article.warnings]
    return lines


def _styled_diff(lines: Sequence[str]) -> list[str]:
    """Removed lines red, added lines green, hunk headers cyan (plain when not a terminal)."""
    styled = []
    for line in lines:
        if line.startswith(("---", "+++")):
            styled.append(click.style(line, bold=True))
        elif line.startswith("@@"):
            styled.append(click.style(line, fg="cyan"))
        elif line.startswith("-"):
            styled.append(click.style(line, fg="red"))
        elif line.startswith("+"):
            styled.append(click.style(line, fg="green"))
        else:
            styled.append(line)
    return styled


@rules_group.command("show")
@click.argument("target", metavar="URL_OR_FILE")
@click.option("--url", help="The page's URL (picks the site rule); default: the fetched or canonical URL.")
@click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Extra rules folder over the shipped rules; repeatable.",
)
@click.option("--no-diff", is_flag=True, help="Do not print the before/after diff.")
@click.option(
    "--full", is_flag=True, help="The whole text in the diff, not only the changes and a line around them."
)
@click.option(
    "--allow-private-networks", is_flag=True, help="Allow a URL on a private, loopback or link-local address."
)
def show_command(
    target: str,
    url: str | None,
    rules_dirs: tuple[str, ...],
    no_diff: bool,
    full: bool,
    allow_private_networks: bool,
) -> None:
    """Show which rules apply to a page and what each rule and detector removed.

    URL_OR_FILE is a saved page (.html, .htm, .html.gz; a <stem>.page.json beside it gives its
    URL and headers) or an http(s) URL, fetched politely (robots.txt obeyed). Prints the rule
    files that apply, the removals grouped by rule and detector with a snippet of each, then a
    diff from the text trafilatura alone extracts (no rules, no detectors) to the clean text:
    '-' lines were removed, in red on a terminal. Exit status: 0 shown, 1 the page could not be
    read, fetched or cleaned, 2 a rule file is invalid.

    \b
    Examples:
        scraper rules show saved/story.html --url https://example.org/news/story
        scraper rules show https://example.org/news/story --rules my-rules/
        scraper rules show saved/story.html --full
    """
    try:
        book = read_rules(list(rules_dirs))  # before any fetch: a bad rule file is a usage error
    except RuleError as exc:
        raise Exit(str(exc), EXIT_CONFIG) from None
    page = _read_target(target, allow_private_networks=allow_private_networks)
    try:
        found = explain(page, url, book, timeout=DEFAULT_TIMEOUT)
    except NoArticleError as exc:
        raise Exit(f"{target}: not an article: {exc} ({exc.reason})", EXIT_FAILED) from None
    except ScraperError as exc:
        raise Exit(f"{target}: {exc}", EXIT_FAILED) from None
    for line in _explanation_lines(target, found):
        click.echo(line)
    if not no_diff:
        diff = found.diff(max(len(found.before), len(found.after)) if full else 1)
        click.echo("")
        for line in _styled_diff(diff) or ["(no difference: trafilatura alone gives the same text)"]:
            click.echo(line)
