"""Import FiveFilters ftr-site-config files as our TOML site rules.

ftr-site-config keeps one ``<host>.txt`` per site (a leading dot: the host and its subdomains)
of ``key: value`` lines whose values are mostly XPath. Their ``body`` and ``strip`` rules are
worth reusing, but our ``body`` and ``strip`` take CSS, which is faster and easier to read, so
XPath is translated where the CSS matches exactly the same elements (:mod:`scraper.authoring.xpath`)
and ``strip`` is kept as ``strip_xpath`` otherwise. Every line that is not carried over as a rule
is reported with its number, never dropped silently: in the notes, and as a comment in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from scraper.authoring.xpath import css_string, translate_xpath, xpath_problem
from scraper.errors import InputError
from scraper.io.atomic import atomic_write_text

# -- ftr-site-config files ---------------------------------------------------------------------

# Directives of ftr-site-config (FiveFilters Full-Text RSS and Graby) that we have no rule for.
_UNSUPPORTED_KEY_NAMES = """
title author date single_page_link single_page_link_in_feed next_page_link find_string
replace_string tidy prune autodetect_on_failure autodetect_next_page http_header strip_attr
wrap_in dissolve move_into native_ad_clue parser src_lazy_load_attr requires_login login_uri
login_username_field login_password_field login_extra_fields not_logged_in_xpath
if_page_contains skip_json_ld insert_detected_image footnotes
"""
_UNSUPPORTED_KEYS = frozenset(_UNSUPPORTED_KEY_NAMES.split())
_SUPPORTED_KEYS = frozenset(
    {"body", "strip", "strip_id_or_class", "strip_image_src", "test_url", "test_contains"}
)
_KEY_NAME = re.compile(r"([A-Za-z0-9_]+)(\(.*)?\Z")
_HOST_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\Z")
FTR_PROJECT = "github.com/fivefilters/ftr-site-config"


class NotFtrFile(InputError):
    """The file is not an ftr-site-config site file (its name is no host, or it holds no directive)."""


def ftr_host(name: str) -> str | None:
    """The host an ftr file name stands for (``.example.com.txt`` → ``example.com``), or None."""
    if not name.endswith(".txt"):
        return None
    host = name.removesuffix(".txt").removeprefix(".").lower()
    return host if _HOST_NAME.match(host) else None


@dataclass(frozen=True, slots=True)
class _Note:
    line: int
    message: str
    original: str | None = None  # the line as written, when it is carried nowhere else

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(slots=True)
class _Test:
    line: int
    url: str
    contains: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FtrConversion:
    """One ftr file as a rule file of ours, with what could not be carried over.

    ``css_count``: directives that became CSS rules; ``xpath_count``: ``strip`` lines kept as
    ``strip_xpath``; ``skipped_count``: lines that became no rule (unsupported or unknown keys,
    bodies with no CSS, bad XPath, and ``test_url``/``test_contains``, which become comments).
    """

    source_name: str
    host: str
    rule_toml: str
    notes: list[str]
    css_count: int
    xpath_count: int
    skipped_count: int

    @property
    def has_rules(self) -> bool:
        """True if the rule file holds at least one ``body``, ``strip`` or ``strip_xpath`` entry."""
        return bool(self.css_count or self.xpath_count)


def _toml_string(value: str) -> str:
    """``value`` as a TOML string: literal (``'...'``, no escapes, easier to read) when it can be."""
    if "'" not in value and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return f"'{value}'"
    escaped = []
    for char in value:
        if char in '"\\':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def _comment(text: str) -> str:
    """``text`` made safe for a TOML comment, which may hold no control character but tab."""
    return "".join(f"\\x{ord(c):02x}" if (ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F else c for c in text)


def _sample_path(host: str, url: str, index: int) -> str:
    segments = [part for part in urlsplit(url).path.split("/") if part]
    slug = re.sub(r"[^A-Za-z0-9]+", "-", segments[-1] if segments else "").strip("-").lower()[:60]
    return f"samples/{host}/{slug or f'ftr-test-{index}'}.html"


def _unquoted(value: str) -> str:
    """ftr drops quotes from ``strip_id_or_class`` and ``strip_image_src`` values before use."""
    return value.replace("'", "").replace('"', "")


class _Converter:
    """Collects one ftr file's directives as rule entries, notes and counts."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.entries: dict[str, dict[str, int]] = {"body": {}, "strip": {}, "strip_xpath": {}}
        self.notes: list[_Note] = []
        self.tests: list[_Test] = []
        self.directives = 0
        self.css_count = self.xpath_count = self.skipped_count = 0

    def skip(self, line: int, message: str, original: str | None = None) -> None:
        self.notes.append(_Note(line, message, original))
        self.skipped_count += 1

    def add(self, line: int, key: str, values: list[str]) -> bool:
        """Add the rule entries one line gives; False (a skip) if an earlier line gave them all."""
        firsts = [self.entries[key].setdefault(value, line) for value in values]
        if line not in firsts:
            self.skip(line, f"{key} repeats line {firsts[0]}, kept once")
        return line in firsts

    def read(self, text: str) -> None:
        # Lines are counted as editors count them: split on LF only, a trailing CR dropped.
        for number, raw in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, colon, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if not colon or not key:
                self.skip(number, "not a 'key: value' line, skipped", line)
                continue
            self.directive(number, key, value, line)

    def directive(self, line: int, key: str, value: str, original: str) -> None:
        name = _KEY_NAME.match(key)
        base = name.group(1) if name else None
        if base not in _SUPPORTED_KEYS and base not in _UNSUPPORTED_KEYS:
            self.skip(line, f"unknown key {key!r} skipped (no ftr-site-config directive)", original)
            return
        self.directives += 1
        if base in _UNSUPPORTED_KEYS or key != base:
            shown = f"{base}(...)" if key != base else key
            self.skip(line, f"unsupported key {shown!r} skipped", original)
        elif not value:
            self.skip(line, f"'{key}' has no value, skipped")
        elif key in ("body", "strip"):
            self.xpath_rule(line, key, value, original)
        elif key in ("strip_id_or_class", "strip_image_src"):
            self.substring_rule(line, key, value)
        elif key == "test_url":
            self.tests.append(_Test(line, value))
            self.skip(line, "test_url written as a commented-out [[test]]: save the page under samples/")
        elif self.tests:
            self.tests[-1].contains.append(value)
            self.skip(line, f"test_contains added to the commented-out test of line {self.tests[-1].line}")
        else:
            self.skip(line, "test_contains without a test_url before it, skipped", original)

    def xpath_rule(self, line: int, key: str, xpath: str, original: str) -> None:
        translation = translate_xpath(xpath)
        if translation.css is not None:
            self.css_count += 1 if self.add(line, key, [translation.css]) else 0
        elif (problem := xpath_problem(xpath)) is not None:
            self.skip(line, f"{key} skipped: {problem}", original)
        elif key == "body":
            message = f"body not imported: no exact CSS ({translation.reason}); our body takes CSS only"
            self.skip(line, message, original)
        elif self.add(line, "strip_xpath", [xpath]):
            self.xpath_count += 1
            self.notes.append(_Note(line, f"strip kept as XPath ({translation.reason})"))

    def substring_rule(self, line: int, key: str, value: str) -> None:
        text = _unquoted(value)
        if not text:
            self.skip(line, f"{key} holds only quotes, skipped", f"{key}: {value}")
            return
        if text != value:
            self.notes.append(_Note(line, f"{key}: quotes removed, as ftr does ({text!r})"))
        if key == "strip_id_or_class":
            selectors = [f"[class*={css_string(text)}]", f"[id*={css_string(text)}]"]
        else:
            selectors = [f"img[src*={css_string(text)}]"]
        self.css_count += 1 if self.add(line, "strip", selectors) else 0

    def render(self, source_name: str) -> str:
        scope = (
            f"{self.host} and its subdomains"
            if source_name.startswith(".")
            else f"{self.host} (ftr: that host and www. only; our rule also covers its subdomains)"
        )
        out = [
            f"# Converted from ftr-site-config file {_comment(source_name)!r} by `scraper rules import-ftr`.",
            "# The patterns come from the FiveFilters ftr-site-config project",
            f"# ({FTR_PROJECT}); see the ftr-site-config licence.",
            f"# Applies to {_comment(scope)}. Each entry names its line in the original file.",
        ]
        if self.notes:
            out += ["#", "# Conversion notes:"]
            for note in self.notes:
                out.append(f"#   {_comment(str(note))}")
                if note.original is not None:
                    out.append(f"#       {_comment(note.original)}")
        for key, entries in self.entries.items():
            if entries:
                out += ["", f"{key} = ["]
                out += [f"    {_toml_string(value)},  # line {line}" for value, line in entries.items()]
                out.append("]")
        out += self.render_tests()
        return "\n".join(out) + "\n"

    def render_tests(self) -> list[str]:
        if not self.tests:
            return []
        out = [
            "",
            "# ---- from ftr: test_url / test_contains ----",
            "# Save each page under samples/ (the path below) and uncomment its [[test]] to make it",
            "# one of this rule's tests.",
        ]
        for index, test in enumerate(self.tests, start=1):
            out += [
                "#",
                f"# [[test]]  # ftr line {test.line}",
                f"# sample = {_toml_string(_sample_path(self.host, test.url, index))}",
                f"# url = {_toml_string(test.url)}",
            ]
            if test.contains:
                out.append(f"# contains = [{', '.join(_toml_string(text) for text in test.contains)}]")
        return out


def convert_ftr(text: str, *, name: str) -> FtrConversion:
    """Convert one ftr file's ``text``; ``name`` is its file name (``.example.com.txt``), which
    gives the host. Raise :class:`NotFtrFile` if the name is no host or the text has no directive."""
    source_name = Path(name).name
    host = ftr_host(source_name)
    if host is None:
        raise NotFtrFile(f"{source_name}: not an ftr-site-config file (the name is not '<host>.txt')")
    converter = _Converter(host)
    converter.read(text)
    if not converter.directives:
        raise NotFtrFile(f"{source_name}: not an ftr-site-config file (no ftr directive in it)")
    return FtrConversion(
        source_name=source_name,
        host=host,
        rule_toml=converter.render(source_name),
        notes=[str(note) for note in converter.notes],
        css_count=converter.css_count,
        xpath_count=converter.xpath_count,
        skipped_count=converter.skipped_count,
    )


# -- a folder of ftr files ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FtrImport:
    """What became of one ``*.txt`` file: the rule file written (``target``, None if none was),
    notes, and ``error`` when the file could not be read, decoded or written."""

    source: Path
    target: Path | None
    notes: list[str]
    error: str | None = None
    conversion: FtrConversion | None = None


def _ftr_files(src: Path) -> Iterator[Path]:
    """The ``*.txt`` files of ``src``; of two for one host, ``example.com.txt`` before
    ``.example.com.txt`` (ftr prefers the exact host's file)."""
    files = [path for path in src.iterdir() if path.suffix == ".txt" and path.is_file()]
    yield from sorted(files, key=lambda path: (path.name.lstrip(".").lower(), path.name.startswith(".")))


def _import_one(source: Path, dest: Path, overwrite: bool, written: dict[Path, Path]) -> FtrImport:
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return FtrImport(source, None, [], error=f"{source}: cannot read ({exc.strerror or exc})")
    except UnicodeDecodeError as exc:
        return FtrImport(source, None, [], error=f"{source}: not UTF-8 text (byte {exc.start}: {exc.reason})")
    try:
        conversion = convert_ftr(text, name=source.name)
    except NotFtrFile as exc:
        return FtrImport(source, None, [f"skipped: {exc}"])
    notes = list(conversion.notes)
    target = dest / f"{conversion.host}.toml"
    if not conversion.has_rules:
        notes.append("nothing written: no body or strip line could be converted")
        return FtrImport(source, None, notes, conversion=conversion)
    if target in written:
        notes.append(f"not written: {target.name} was written from {written[target].name} in this import")
        return FtrImport(source, None, notes, conversion=conversion)
    if target.exists() and not overwrite:
        notes.append(f"not written: {target} exists (import with overwrite to replace it)")
        return FtrImport(source, None, notes, conversion=conversion)
    try:
        atomic_write_text(target, conversion.rule_toml)
    except OSError as exc:
        return FtrImport(source, None, notes, error=f"{target}: cannot write ({exc})", conversion=conversion)
    written[target] = source
    return FtrImport(source, target, notes, conversion=conversion)


def import_ftr_dir(src: str | Path, dest: str | Path, *, overwrite: bool = False) -> list[FtrImport]:
    """Convert every ``*.txt`` ftr file of ``src`` into ``dest/<host>.toml``, one result per file.

    Existing files in ``dest`` are kept unless ``overwrite``; a file that cannot be read or
    decoded is an ``error`` in its result and does not stop the others. Raise
    :class:`~scraper.errors.InputError` if ``src`` is not a folder or ``dest`` is a file.
    """
    src, dest = Path(src), Path(dest)
    if not src.is_dir():
        raise InputError(f"{src}: not a folder (expected a folder of ftr-site-config *.txt files)")
    if dest.exists() and not dest.is_dir():
        raise InputError(f"{dest}: exists and is not a folder; give a folder for the rule files")
    written: dict[Path, Path] = {}
    return [_import_one(source, dest, overwrite, written) for source in _ftr_files(src)]
