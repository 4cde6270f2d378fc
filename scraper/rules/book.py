"""Site rules as data: parse TOML rule files strictly and find the rules for a URL.

A folder holds one file per site, named after its host (``theweek.com.toml``, which also
applies to ``www.theweek.com`` and any other subdomain), plus ``generic.toml`` which applies
to every page. Folders are layered: the shipped folder first, then ``$SCRAPER_RULES_DIR``
(``os.pathsep``-separated), then folders the caller names; a file in a later folder replaces
the file of the same name in an earlier one, and new files add sites.

Parsing is strict because a typo that is silently ignored is a rule that silently does
nothing: unknown keys, wrong types, bad CSS, bad XPath and bad regexes are a
:class:`~scraper.errors.RuleError` naming the file and line.
"""

from __future__ import annotations

import itertools
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree
from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from scraper.errors import RuleError
from scraper.io.shipped import shipped_dir

GENERIC_NAME = "generic"
ENV_RULES_DIR = "SCRAPER_RULES_DIR"
_LIST_KEYS = ("hosts", "body", "strip", "strip_xpath", "drop_lines", "cut_after")
_TEST_KEYS = ("sample", "url", "contains", "not_contains")
_PROBE = LexborHTMLParser("<html><body><p>probe</p></body></html>")


@dataclass(frozen=True, slots=True)
class RuleTest:
    """A saved page and the snippets that must and must not be in its clean text."""

    sample: Path
    url: str | None = None
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SiteRule:
    """The parsed content of one rule file."""

    name: str
    path: Path
    hosts: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    strip: tuple[str, ...] = ()
    strip_xpath: tuple[str, ...] = ()
    drop_lines: tuple[re.Pattern[str], ...] = ()
    cut_after: tuple[re.Pattern[str], ...] = ()
    tests: tuple[RuleTest, ...] = ()
    # All of ``drop_lines`` at once, to rule a line out cheaply before finding which matched.
    drop_lines_any: LineMatcher | None = None

    @property
    def label(self) -> str:
        """How removals made by this rule are attributed in ``Article.removed``."""
        return f"rule:{self.name}"


@dataclass(frozen=True, slots=True)
class RuleBook:
    """All loaded rules: the generic rule and the site rules by host."""

    generic: SiteRule | None = None
    sites: dict[str, SiteRule] = field(default_factory=dict)

    def for_host(self, host: str | None) -> SiteRule | None:
        """The most specific site rule for ``host`` (its own name, else a parent domain)."""
        if not host:
            return None
        parts = host.lower().rstrip(".").split(".")
        for start in range(len(parts) - 1):
            rule = self.sites.get(".".join(parts[start:]))
            if rule is not None:
                return rule
        return None

    def for_url(self, url: str | None) -> list[SiteRule]:
        """The rules that apply to ``url``: the generic rule, then the site rule, if any."""
        found = [self.generic] if self.generic is not None else []
        site = self.for_host(urlsplit(url).hostname if url else None)
        if site is not None:
            found.append(site)
        return found

    def all_rules(self) -> list[SiteRule]:
        """Every distinct rule, generic first, then sites in name order."""
        unique = {id(rule): rule for rule in self.sites.values()}
        ordered = sorted(unique.values(), key=lambda rule: rule.name)
        return ([self.generic] if self.generic else []) + ordered


def _line_of(source: str, *needles: str) -> int | None:
    """1-based line of the first needle found in the source text (for error messages)."""
    lines = source.splitlines()
    for needle in needles:
        if not needle:
            continue
        for number, line in enumerate(lines, start=1):
            if needle in line:
                return number
    return None


def key_line(source: str, key: str) -> int | None:
    """1-based line where ``key`` is set (``key =``) or its table array opens (``[[key]]``)."""
    pattern = re.compile(rf"^\s*(\[\[\s*{re.escape(key)}\s*\]\]|{re.escape(key)}\s*=)", re.MULTILINE)
    match = pattern.search(source)
    return source.count("\n", 0, match.start()) + 1 if match else None


class _Parser:
    """Validates one file's parsed TOML, with the source at hand for line numbers."""

    def __init__(self, path: Path, source: str) -> None:
        self.path = path
        self.source = source

    def fail(self, message: str, *needles: str) -> RuleError:
        return RuleError(message, path=str(self.path), line=_line_of(self.source, *needles))

    def strings(self, table: dict, key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str) or not isinstance(value, list):
            raise RuleError(
                f"'{key}' must be a list of strings, e.g. {key} = [\"...\"]",
                path=str(self.path),
                line=key_line(self.source, key),
            )
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"'{key}' holds {item!r}; every entry must be a non-empty string", key)
        return tuple(value)

    def css(self, selectors: tuple[str, ...], key: str) -> tuple[str, ...]:
        for selector in selectors:
            try:
                _PROBE.css(selector)
            except SelectolaxError:
                raise self.fail(f"bad CSS selector in '{key}': {selector!r}", selector, key) from None
        return selectors

    def xpath(self, expressions: tuple[str, ...]) -> tuple[str, ...]:
        for expression in expressions:
            try:
                etree.XPath(expression)
            except etree.XPathSyntaxError as exc:
                raise self.fail(f"bad XPath in 'strip_xpath': {expression!r} ({exc})", expression) from None
        return expressions

    def regexes(self, patterns: tuple[str, ...], key: str) -> tuple[re.Pattern[str], ...]:
        compiled = []
        for pattern in patterns:
            try:
                compiled.append(re.compile(pattern))
            except re.error as exc:
                raise self.fail(f"bad regex in '{key}': {pattern!r} ({exc})", pattern, key) from None
        return tuple(compiled)

    def tests(self, value: object) -> tuple[RuleTest, ...]:
        if not isinstance(value, list):
            raise self.fail("tests are written as [[test]] tables", "test")
        root = self.path.absolute().parent.parent  # "." has no parent: from inside the rules folder too
        found = []
        for entry in value:
            unknown = sorted(set(entry) - set(_TEST_KEYS))
            if unknown:
                raise self.fail(
                    f"unknown key '{unknown[0]}' in [[test]] (allowed: {', '.join(_TEST_KEYS)})",
                    f"{unknown[0]} ",
                    unknown[0],
                )
            sample = entry.get("sample")
            if not isinstance(sample, str):
                raise self.fail('every [[test]] needs sample = "path/to/page.html"', "[[test]]")
            url = entry.get("url")
            if url is not None and not isinstance(url, str):
                raise self.fail("'url' in [[test]] must be a string", "url")
            found.append(
                RuleTest(
                    sample=(root / sample) if not Path(sample).is_absolute() else Path(sample),
                    url=url,
                    contains=self.strings(entry, "contains"),
                    not_contains=self.strings(entry, "not_contains"),
                )
            )
        return tuple(found)


_LEADING_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")


@dataclass(frozen=True, slots=True)
class _Alternation:
    """Patterns joined into two alternations: those anchored at the line's start are tried
    there only (``match``), the others anywhere (``search``)."""

    anchored: re.Pattern[str] | None
    floating: re.Pattern[str] | None

    def matches(self, line: str) -> bool:
        return bool(
            (self.anchored is not None and self.anchored.match(line))
            or (self.floating is not None and self.floating.search(line))
        )


@dataclass(frozen=True, slots=True)
class LineMatcher:
    """All of a rule's line patterns as a few alternations: one or two regex calls per line
    instead of one per pattern. Case-insensitive patterns written in lowercase run without
    ``IGNORECASE`` on the casefolded line, which Python's ``re`` does several times faster."""

    cased: _Alternation
    folded: _Alternation

    def matches(self, line: str) -> bool:
        return self.cased.matches(line) or self.folded.matches(line.casefold())


def _top_level_alternation(source: str) -> bool:
    """True if ``source`` has a ``|`` outside any group or character class."""
    depth, in_class, escaped = 0, False, False
    for char in source:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


def _foldable(flags: str, body: str) -> bool:
    """The pattern is case-insensitive only and its literals are lowercase, so it can run
    case-sensitively on casefolded text with the same answers."""
    literals = re.sub(r"\\.", "", body)
    return flags == "i" and "ß" not in literals and not any(char.isupper() for char in literals)


def _branch(pattern: re.Pattern[str]) -> tuple[str, bool, bool]:
    """The pattern as an alternation branch (leading flags scoped to it), whether it is
    anchored at the start, and whether it runs on the casefolded line (flags dropped)."""
    source = pattern.pattern
    flags = _LEADING_FLAGS.match(source)
    body = source[flags.end() :] if flags else source
    anchored = body.startswith("^") and not _top_level_alternation(body)
    if flags and _foldable(flags.group(1), body):
        return f"(?:{body})", anchored, True
    branch = f"(?{flags.group(1)}:{body})" if flags else f"(?:{body})"
    return branch, anchored, False


def _alternation(anchored: list[str], floating: list[str]) -> _Alternation:
    return _Alternation(
        anchored=re.compile("|".join(anchored)) if anchored else None,
        floating=re.compile("|".join(floating)) if floating else None,
    )


def combine_patterns(patterns: tuple[re.Pattern[str], ...]) -> LineMatcher | None:
    """A :class:`LineMatcher` for ``patterns``; None if there are none or they cannot be combined."""
    if not patterns:
        return None
    keys = itertools.product((False, True), repeat=2)
    groups: dict[tuple[bool, bool], list[str]] = {key: [] for key in keys}
    for pattern in patterns:
        branch, is_anchored, folded = _branch(pattern)
        groups[folded, is_anchored].append(branch)
    try:
        return LineMatcher(
            cased=_alternation(groups[False, True], groups[False, False]),
            folded=_alternation(groups[True, True], groups[True, False]),
        )
    except re.error:
        return None


def parse_rule_file(path: str | Path) -> SiteRule:
    """Parse and validate one rule file; raise :class:`RuleError` naming file and line."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"cannot read rule file ({exc})", path=str(path)) from None
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise RuleError(f"invalid TOML: {exc}", path=str(path), line=line) from None

    parser = _Parser(path, source)
    allowed = (*_LIST_KEYS, "test")
    for key in data:
        if key not in allowed:
            message = f"unknown key '{key}' (allowed: {', '.join(allowed)})"
            raise RuleError(message, path=str(path), line=key_line(source, key))
    name = path.name.removesuffix(".toml")
    hosts = tuple(h.lower() for h in parser.strings(data, "hosts"))
    if name != GENERIC_NAME:
        hosts = (name.lower(), *hosts)
    drop_lines = parser.regexes(parser.strings(data, "drop_lines"), "drop_lines")
    return SiteRule(
        name=name,
        path=path,
        hosts=hosts,
        body=parser.css(parser.strings(data, "body"), "body"),
        strip=parser.css(parser.strings(data, "strip"), "strip"),
        strip_xpath=parser.xpath(parser.strings(data, "strip_xpath")),
        drop_lines=drop_lines,
        drop_lines_any=combine_patterns(drop_lines),
        cut_after=parser.regexes(parser.strings(data, "cut_after"), "cut_after"),
        tests=parser.tests(data.get("test", [])),
    )


def _rule_files(folder: Path) -> Iterable[Path]:
    if not folder.is_dir():
        raise RuleError("rules folder does not exist or is not a folder", path=str(folder))
    return sorted(p for p in folder.glob("*.toml") if not p.name.startswith("."))


def rule_folders(extra_dirs: Sequence[str | Path] = ()) -> list[Path]:
    """The folders to load, in override order: shipped, ``$SCRAPER_RULES_DIR``, then ``extra_dirs``."""
    folders = [shipped_dir("rules")]
    env = os.environ.get(ENV_RULES_DIR, "")
    folders += [Path(p) for p in env.split(os.pathsep) if p.strip()]
    folders += [Path(p) for p in extra_dirs]
    return folders


def build_rulebook(folders: Sequence[Path], *, sites: bool = True) -> RuleBook:
    """Load every rule file of ``folders``; later folders replace same-named files of earlier ones."""
    by_name: dict[str, Path] = {}
    for folder in folders:
        for path in _rule_files(folder):
            by_name[path.name] = path
    generic = None
    site_rules: dict[str, SiteRule] = {}
    for _name, path in sorted(by_name.items()):
        rule = parse_rule_file(path)
        if rule.name == GENERIC_NAME:
            generic = rule
        elif sites:
            for host in rule.hosts:
                site_rules[host] = rule
    return RuleBook(generic=generic, sites=site_rules)


@lru_cache(maxsize=32)
def _cached_rulebook(folders: tuple[str, ...], sites: bool) -> RuleBook:
    return build_rulebook([Path(f) for f in folders], sites=sites)


def load_rules(extra_dirs: Sequence[str | Path] = (), *, sites: bool = True) -> RuleBook:
    """The shipped rules, extended and overridden by ``$SCRAPER_RULES_DIR`` and ``extra_dirs``.

    Cached per set of folders, so calling it for every page costs nothing after the first.
    ``sites=False`` keeps only the generic rule (to see what generic detection alone does).
    """
    folders = tuple(str(Path(p).resolve()) for p in rule_folders(extra_dirs))
    return _cached_rulebook(folders, sites)


def resolve_rules(rules: RuleBook | str | Path | Sequence[str | Path] | None) -> RuleBook:
    """Accept what ``clean(rules=...)`` accepts: a RuleBook, a folder, a list of folders, or None."""
    if isinstance(rules, RuleBook):
        return rules
    if rules is None:
        return load_rules()
    if isinstance(rules, str | Path):
        return load_rules([rules])
    return load_rules(list(rules))
