"""Check rule files and explain what rules do to a page (``scraper rules check`` / ``show``).

A rule that parses but never fires is as broken as one that fails to parse, and a rule author
needs to see what each selector and pattern took away. So :func:`check_rules` parses every file
(collecting every error, not stopping at the first), runs every ``[[test]]`` with the rules
loaded as ``scraper clean`` would load them, and warns about rules their tests never exercise;
:func:`explain` cleans one page and lays out which rules applied, what each rule and detector
removed, and the text before and after. Nothing here prints: the CLI formats the results.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from selectolax.lexbor import LexborHTMLParser

from scraper.article import Article, Page, Removal
from scraper.errors import InputError, NoArticleError, RuleError, ScraperError
from scraper.extract.engine import RulesArg, clean
from scraper.extract.maintext import extract_text
from scraper.extract.timelimit import time_limit
from scraper.io.sources import InputItem, page_stem
from scraper.rules.book import (
    GENERIC_NAME,
    RuleBook,
    RuleTest,
    SiteRule,
    build_rulebook,
    parse_rule_file,
    rule_folders,
)

Status = Literal["ok", "failed", "invalid"]
# Per-test limit, as ``scraper clean`` sets by default: a pathological sample fails its test.
TEST_TIMEOUT = 30.0
BEFORE_LABEL = "before: trafilatura alone on the page (no rules, no detectors)"
AFTER_LABEL = "after: scraper.clean (rules and detectors)"


@dataclass(frozen=True, slots=True)
class RuleTestResult:
    """One ``[[test]]`` run: the snippets that were missing from, or leaked into, the clean text.

    ``error`` is set when the test could not run to a comparison (the sample is missing or is
    not an article, or cleaning failed); then ``missing`` and ``leaked`` are empty.
    """

    index: int
    sample: Path
    url: str | None
    missing: tuple[str, ...] = ()
    leaked: tuple[str, ...] = ()
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and not self.missing and not self.leaked


@dataclass(frozen=True, slots=True)
class FileCheck:
    """The verdict on one rule file: ``invalid`` (it does not parse; ``error`` says where and
    why), ``failed`` (a test failed), else ``ok``; ``warnings`` do not change the status."""

    path: Path
    status: Status
    error: str | None = None
    line: int | None = None
    tests: tuple[RuleTestResult, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Every checked file, in folder order then name order."""

    files: tuple[FileCheck, ...]

    def count(self, status: Status) -> int:
        return sum(1 for file in self.files if file.status == status)

    @property
    def tests_run(self) -> int:
        return sum(len(file.tests) for file in self.files)

    @property
    def tests_failed(self) -> int:
        return sum(1 for file in self.files for test in file.tests if not test.passed)

    @property
    def warnings(self) -> int:
        return sum(len(file.warnings) for file in self.files)

    @property
    def worst(self) -> Status:
        """``invalid`` if any file is, else ``failed`` if any test failed, else ``ok``."""
        statuses = {file.status for file in self.files}
        return "invalid" if "invalid" in statuses else "failed" if "failed" in statuses else "ok"


def _unique_folders(folders: Sequence[Path]) -> list[Path]:
    """Folders in order, each once (the shipped folder may also be named on the command line)."""
    seen: set[Path] = set()
    unique = []
    for folder in folders:
        resolved = folder.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(folder)
    return unique


def _rule_files(folder: Path) -> list[Path]:
    """A folder's rule files, as the loader lists them."""
    if not folder.is_dir():
        raise RuleError("rules folder does not exist or is not a folder", path=str(folder))
    return sorted(path for path in folder.glob("*.toml") if not path.name.startswith("."))


@dataclass(frozen=True, slots=True)
class _Loaded:
    """Every file of every folder, parsed or not, and the rule book the valid ones make."""

    parsed: dict[Path, SiteRule | RuleError]
    effective: dict[str, Path]  # file name → the file that wins when the folders are layered
    book: RuleBook
    host_owner: dict[str, Path]  # host → the file whose rule serves it


def _load(folders: Sequence[Path]) -> _Loaded:
    """Layer the folders as :func:`scraper.rules.book.build_rulebook` does, but keep going past bad
    files: they are recorded and left out of the book."""
    parsed: dict[Path, SiteRule | RuleError] = {}
    effective: dict[str, Path] = {}
    for folder in folders:
        for path in _rule_files(folder):
            try:
                parsed[path] = parse_rule_file(path)
            except RuleError as exc:
                parsed[path] = exc
            effective[path.name] = path
    generic = None
    sites: dict[str, SiteRule] = {}
    host_owner: dict[str, Path] = {}
    for _name, path in sorted(effective.items()):
        rule = parsed[path]
        if isinstance(rule, RuleError):
            continue
        if rule.name == GENERIC_NAME:
            generic = rule
            continue
        for host in rule.hosts:
            sites[host] = rule
            host_owner[host] = path
    return _Loaded(parsed, effective, RuleBook(generic=generic, sites=sites), host_owner)


def _book_with(book: RuleBook, rule: SiteRule) -> RuleBook:
    """``book`` with ``rule`` in force for its hosts, so a file is tested as itself even where
    a later folder's file of the same name replaces it."""
    if rule.name == GENERIC_NAME:
        return replace(book, generic=rule)
    sites = {host: site for host, site in book.sites.items() if site.name != rule.name}
    sites.update(dict.fromkeys(rule.hosts, rule))
    return replace(book, sites=sites)


def _read_sample(sample: Path) -> Page:
    """The sample page (gzip undone, a ``.page.json`` sidecar honoured, as ``scraper clean`` reads it)."""
    return InputItem(
        label=str(sample), relpath=sample.name, stem=page_stem(sample.name), path=str(sample)
    ).read_page()


def _body_matches(page: Page, rule: SiteRule) -> bool:
    """Whether one of the rule's ``body`` selectors finds a container on the page."""
    if not rule.body:
        return False
    tree = LexborHTMLParser(page.text)
    return any(tree.css_first(selector) is not None for selector in rule.body)


@dataclass(frozen=True, slots=True)
class _TestRun:
    outcome: RuleTestResult
    fired: frozenset[str]  # the ``Removal.by`` labels seen while cleaning the sample
    body_matched: bool


def _run_test(index: int, test: RuleTest, rule: SiteRule, book: RuleBook, timeout: float | None) -> _TestRun:
    def failed(reason: str) -> _TestRun:
        return _TestRun(RuleTestResult(index, test.sample, test.url, error=reason), frozenset(), False)

    try:
        page = _read_sample(test.sample)
    except InputError as exc:
        return failed(f"cannot read the sample: {exc}")
    try:
        article = clean(page, test.url, rules=book, timeout=timeout)
    except NoArticleError as exc:
        return failed(f"not an article: {exc} ({exc.reason})")
    except ScraperError as exc:
        return failed(f"cannot clean the sample: {exc}")
    outcome = RuleTestResult(
        index,
        test.sample,
        test.url,
        missing=tuple(text for text in test.contains if text not in article.text),
        leaked=tuple(text for text in test.not_contains if text in article.text),
    )
    return _TestRun(outcome, frozenset(removal.by for removal in article.removed), _body_matches(page, rule))


def _shadow_warnings(path: Path, rule: SiteRule, loaded: _Loaded) -> list[str]:
    """Where this file is not the one that serves its name or its hosts once folders are layered."""
    warnings = []
    winner = loaded.effective.get(path.name)
    if winner is not None and winner != path:
        warnings.append(f"replaced by {winner} when the rule folders are layered")
        return warnings
    for host in rule.hosts:
        owner = loaded.host_owner.get(host)
        if owner is not None and owner != path:
            warnings.append(f"host {host} is also claimed by {owner}, which wins")
    return warnings


def _check_file(
    path: Path, rule: SiteRule, loaded: _Loaded, timeout: float | None
) -> tuple[list[RuleTestResult], list[str], frozenset[str]]:
    """Run one parsed file's tests; return the outcomes, the warnings and every label that fired."""
    book = _book_with(loaded.book, rule)
    runs = [_run_test(index, test, rule, book, timeout) for index, test in enumerate(rule.tests, start=1)]
    warnings = _shadow_warnings(path, rule, loaded)
    compared = [run for run in runs if run.outcome.error is None]
    exercised = any(rule.label in run.fired or run.body_matched for run in compared)
    if compared and not exercised:
        warnings.append(
            f"its tests never exercise it: no removal by {rule.label} and no body selector "
            "matched on any sample"
        )
    fired = frozenset().union(*(run.fired for run in runs))
    return [run.outcome for run in runs], warnings, fired


def check_rules(
    dirs: Sequence[Path] = (), *, shipped: bool = True, timeout: float | None = TEST_TIMEOUT
) -> CheckReport:
    """Parse every rule file and run every rule's ``[[test]]`` entries.

    Checked: the shipped rules and ``$SCRAPER_RULES_DIR`` (unless ``shipped=False``) and every
    ``*.toml`` in ``dirs``. Tests always run with the rules layered as ``scraper clean --rules
    DIR...`` loads them (shipped, environment, ``dirs``), the file under test in force for its
    hosts. A file that does not parse is ``invalid`` (and left out of the rules the tests use);
    one with a failing test is ``failed``. Warnings: a site rule without tests, a rule its tests
    never exercise, a file replaced by a later folder's, a host claimed by two files. A generic
    rule without tests of its own is not warned about when other files' tests exercise it.

    Raises :class:`RuleError` if a folder does not exist.
    """
    all_folders = _unique_folders(rule_folders(dirs))
    by_resolved = {folder.resolve(): folder for folder in all_folders}
    checked = all_folders if shipped else _unique_folders([by_resolved[Path(d).resolve()] for d in dirs])
    loaded = _load(all_folders)
    checked_paths = [path for folder in checked for path in _rule_files(folder)]
    # A bad file anywhere in the layering breaks `scraper clean`, so it is reported even when
    # its folder was not asked for.
    invalid_elsewhere = [
        path
        for path, rule in loaded.parsed.items()
        if isinstance(rule, RuleError) and path not in checked_paths
    ]

    results: dict[Path, FileCheck] = {}
    fired_anywhere: set[str] = set()
    for path in [*checked_paths, *invalid_elsewhere]:
        rule = loaded.parsed[path]
        if isinstance(rule, RuleError):
            results[path] = FileCheck(path, "invalid", error=str(rule), line=rule.line)
            continue
        outcomes, warnings, fired = _check_file(path, rule, loaded, timeout)
        fired_anywhere |= fired
        status: Status = "ok" if all(outcome.passed for outcome in outcomes) else "failed"
        results[path] = FileCheck(path, status, tests=tuple(outcomes), warnings=tuple(warnings))

    for path, result in results.items():
        rule = loaded.parsed[path]
        if result.status == "invalid" or not isinstance(rule, SiteRule) or rule.tests:
            continue
        if rule.name == GENERIC_NAME and rule.label in fired_anywhere:
            continue
        results[path] = replace(result, warnings=("no [[test]] entries", *result.warnings))
    return CheckReport(tuple(results.values()))


# -- explain ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RemovalGroup:
    """Everything one rule file or one detector removed (``by`` as in :attr:`Removal.by`)."""

    by: str
    removals: tuple[Removal, ...]


@dataclass(frozen=True, slots=True)
class IdleEntry:
    """A selector or pattern of a site rule that removed nothing on the page (a typo, a changed
    template, or a match the engine refused: see docs/rules.md on the safety cap)."""

    by: str
    key: str
    entry: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """What cleaning one page did: the rule files that applied, the removals grouped by who
    made them, and the text lines before (trafilatura alone) and after (``scraper.clean``)."""

    url: str | None
    rules: tuple[SiteRule, ...]
    article: Article
    groups: tuple[RemovalGroup, ...]
    idle: tuple[IdleEntry, ...]
    before: tuple[str, ...]
    after: tuple[str, ...]

    def diff(self, context: int = 1) -> list[str]:
        """A unified line diff from ``before`` to ``after`` (one paragraph per line)."""
        return list(
            difflib.unified_diff(self.before, self.after, BEFORE_LABEL, AFTER_LABEL, n=context, lineterm="")
        )


def _lines(text: str) -> tuple[str, ...]:
    """Non-empty lines with whitespace folded, as the line filters see them."""
    return tuple(folded for line in text.splitlines() if (folded := " ".join(line.split())))


def _group(removals: Sequence[Removal], rules: Sequence[SiteRule]) -> tuple[RemovalGroup, ...]:
    """Removals by source: the applicable rules in order, then detectors as first seen."""
    order = [rule.label for rule in rules]
    for removal in removals:
        if removal.by not in order:
            order.append(removal.by)
    groups = (RemovalGroup(by, tuple(r for r in removals if r.by == by)) for by in order)
    return tuple(group for group in groups if group.removals)


def _idle(removals: Sequence[Removal], rules: Sequence[SiteRule]) -> tuple[IdleEntry, ...]:
    """The site rules' entries that no removal names (the generic rule's many patterns are
    meant to match rarely, so they are not listed)."""
    used = {(removal.by, removal.what) for removal in removals}
    idle = []
    for rule in rules:
        if rule.name == GENERIC_NAME:
            continue
        entries = {
            "strip": rule.strip,
            "strip_xpath": rule.strip_xpath,
            "cut_after": tuple(pattern.pattern for pattern in rule.cut_after),
            "drop_lines": tuple(pattern.pattern for pattern in rule.drop_lines),
        }
        for key, values in entries.items():
            idle += [IdleEntry(rule.label, key, value) for value in values if (rule.label, value) not in used]
    return tuple(idle)


def read_rules(rules: RulesArg) -> RuleBook:
    """Like :func:`scraper.rules.resolve_rules`, but read from disk now rather than from the
    per-process cache: a rule being written changes between two calls.

    Raises :class:`RuleError` naming the file and line of an invalid rule file.
    """
    if isinstance(rules, RuleBook):
        return rules
    extra = [] if rules is None else [rules] if isinstance(rules, str | Path) else list(rules)
    return build_rulebook(rule_folders(extra))


def _as_page(page: Page | bytes) -> Page:
    return page if isinstance(page, Page) else Page(url=None, body=page)


def explain(
    page: Page | bytes, url: str | None = None, rules: RulesArg = None, *, timeout: float | None = None
) -> Explanation:
    """Clean ``page`` and explain the result.

    "Before" is trafilatura alone on the whole page, with the options the engine uses, no
    rule and no detector (the engine has no switch that turns its detectors off); "after" is
    :func:`scraper.clean` with ``rules`` (as ``clean(rules=...)`` takes them). The rule files
    listed are the ones the rule book serves for the URL the engine used (``url``, else the
    page's final URL, else its canonical URL).

    Raises what :func:`scraper.clean` raises (:class:`NoArticleError`, :class:`RuleError` ...).
    """
    page = _as_page(page)
    book = read_rules(rules)
    article = clean(page, url, rules=book, timeout=timeout)
    applicable = tuple(book.for_url(article.url))
    with time_limit(timeout, "extracting the page without rules or detectors"):
        main, _ = extract_text(page.text, article.url, (), fast_first=False)
    before = main.text
    return Explanation(
        url=article.url,
        rules=applicable,
        article=article,
        groups=_group(article.removed, applicable),
        idle=_idle(article.removed, applicable),
        before=_lines(before),
        after=_lines(article.text),
    )
