"""Import FiveFilters ftr-site-config files as our TOML site rules.

ftr-site-config keeps one ``<host>.txt`` per site (a leading dot: the host and its subdomains)
of ``key: value`` lines whose values are mostly XPath. Their ``body`` and ``strip`` rules are
worth reusing, but our ``body`` and ``strip`` take CSS, which is faster and easier to read, so
XPath is translated where the CSS matches exactly the same elements (:func:`xpath_to_css`) and
``strip`` is kept as ``strip_xpath`` otherwise. Every line that is not carried over as a rule is
reported with its number, never dropped silently: in the notes, and as a comment in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
from lxml import etree
from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from scraper.errors import InputError
from scraper.io.atomic import atomic_write_text

# -- XPath to CSS ------------------------------------------------------------------------------

# Attributes whose values CSS matches case-insensitively in HTML documents (HTML Standard,
# "case-sensitivity of selectors"; Lexbor follows it), while XPath compares them exactly.
_CASE_INSENSITIVE_ATTRIBUTE_NAMES = """
accept accept-charset align alink axis bgcolor charset checked clear codetype color compact
declare defer dir direction disabled enctype face frame hreflang http-equiv lang language link
media method multiple nohref noresize noshade nowrap readonly rel rev rules scope scrolling
selected shape target text type valign valuetype vlink
"""
_CASE_INSENSITIVE_ATTRIBUTES = frozenset(_CASE_INSENSITIVE_ATTRIBUTE_NAMES.split())
# An ``or`` splits a selector into a list; past this many the CSS is no easier to read than the XPath.
_MAX_SELECTORS = 16
_TOKEN = re.compile(
    r"""(?P<literal>"[^"]*"|'[^']*')
    | (?P<number>\d+(?:\.\d*)?|\.\d+)
    | (?P<op>//|::|\.\.|!=|<=|>=|[/|\[\](),=<>@*.+$-])
    | (?P<name>[A-Za-z_][\w.-]*)
    | (?P<other>\S)""",
    re.VERBOSE,
)
# HTML parsers lowercase tag and attribute names, so XPath only ever matches lowercase ones,
# while CSS type selectors ignore case: a name with capitals has no exact translation.
_TAG_NAME = re.compile(r"[a-z][a-z0-9-]*\Z")
_ATTRIBUTE_NAME = re.compile(r"[a-z_][a-z0-9_-]*\Z")
_CSS_PROBE = LexborHTMLParser("")


@dataclass(frozen=True, slots=True)
class XPathTranslation:
    """An XPath expression and its exact CSS equivalent, or why it has none."""

    xpath: str
    css: str | None
    reason: str | None = None


class _NotExact(Exception):
    """The expression has no exact CSS equivalent; the message names the part that has none."""


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # literal, number, op, name, other
    text: str


def _tokenize(xpath: str) -> list[_Token]:
    tokens, position = [], 0
    while True:
        while position < len(xpath) and xpath[position].isspace():
            position += 1
        if position == len(xpath):
            return tokens
        if xpath[position] in "'\"" and xpath.find(xpath[position], position + 1) < 0:
            raise _NotExact("unterminated string")
        match = _TOKEN.match(xpath, position)
        assert match is not None  # (?P<other>\S) takes any character the others do not
        kind = match.lastgroup or "other"
        tokens.append(_Token(kind, match.group(kind)))
        position = match.end()


def _css_string(value: str) -> str:
    """``value`` as a double-quoted CSS string literal."""
    escaped = []
    for char in value:
        if char in '"\\':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\{ord(char):x} ")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def _attribute_selector(attribute: str, operator: str, value: str) -> str:
    if attribute in _CASE_INSENSITIVE_ATTRIBUTES and any(c.isascii() and c.isalpha() for c in value):
        raise _NotExact(f"CSS compares '{attribute}' values case-insensitively, XPath exactly")
    if "\x00" in value:
        raise _NotExact("a NUL character in a string")
    return f"[{attribute}{operator}{_css_string(value)}]"


class _Reader:
    """Recursive descent over the XPath subset that has exact CSS equivalents:
    ``//step(/step|//step)*`` unions, steps ``tag`` or ``*`` with predicates of ``@a``, ``@a='v'``,
    ``contains(@a,'v')`` and ``starts-with(@a,'v')`` joined by ``and`` and ``or``."""

    def __init__(self, xpath: str) -> None:
        self.tokens = _tokenize(xpath)
        self.position = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise _NotExact("the expression ends too early")
        self.position += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token is not None and token.text == text and token.kind in ("op", "name"):
            self.position += 1
            return True
        return False

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text or token.kind not in ("op", "name"):
            raise _NotExact(f"unsupported syntax at {token.text!r}")

    def selectors(self) -> list[str]:
        if not self.tokens:
            raise _NotExact("empty expression")
        found = self.path()
        while self.accept("|"):
            found += self.path()
        token = self.peek()
        if token is not None:
            raise _NotExact(f"unsupported syntax at {token.text!r}")
        return list(dict.fromkeys(found))

    def path(self) -> list[str]:
        token = self.take()
        if token.text == "/" and token.kind == "op":
            raise _NotExact("absolute path from the document root")
        if token.text in (".", "..") and token.kind == "op":
            raise _NotExact("path relative to a context node")
        if token.text == "(":
            raise _NotExact("parenthesised expression")
        if token.text != "//":
            raise _NotExact(f"unsupported syntax at {token.text!r}")
        alternatives = self.step()
        while (token := self.peek()) is not None and token.text in ("/", "//") and token.kind == "op":
            combinator = " " if self.take().text == "//" else " > "
            following = self.step()
            alternatives = [left + combinator + right for left in alternatives for right in following]
            self.check_size(alternatives)
        return alternatives

    def step(self) -> list[str]:
        token = self.take()
        if token.kind == "op" and token.text == "*":
            tag = ""
        elif token.kind == "name":
            following = self.peek()
            if following is not None and following.text == "::":
                raise _NotExact(f"axis '{token.text}::'")
            if following is not None and following.text == "(":
                raise _NotExact(f"node test {token.text}()")
            if not _TAG_NAME.match(token.text):
                raise _NotExact(f"tag name {token.text!r} (only plain lowercase names translate)")
            tag = token.text
        elif token.text == "@":
            raise _NotExact("selects attributes, not elements")
        elif token.text in (".", ".."):
            raise _NotExact(f"'{token.text}' step")
        else:
            raise _NotExact(f"unsupported syntax at {token.text!r}")
        compounds = [tag]
        while self.accept("["):
            alternatives = self.disjunction()
            self.expect("]")
            compounds = [compound + test for compound in compounds for test in alternatives]
            self.check_size(compounds)
        return [compound or "*" for compound in compounds]

    def disjunction(self) -> list[str]:
        alternatives = [self.conjunction()]
        while self.accept("or"):
            alternatives.append(self.conjunction())
        return alternatives

    def conjunction(self) -> str:
        tests = [self.test()]
        while self.accept("and"):
            tests.append(self.test())
        return "".join(tests)

    def test(self) -> str:
        token = self.take()
        if token.kind == "op" and token.text == "@":
            attribute = self.attribute_name()
            if self.accept("="):
                return _attribute_selector(attribute, "=", self.literal())
            self.reject_comparison()
            return f"[{attribute}]"
        if token.kind == "number":
            raise _NotExact("position predicate")
        if token.kind == "name" and self.peek() is not None and self.peek().text == "(":
            return self.function(token.text)
        if token.kind == "literal":
            raise _NotExact("comparison with the string first")
        if token.text == "(":
            raise _NotExact("parenthesised expression")
        if token.kind == "name":
            raise _NotExact(f"child element test [{token.text}]")
        raise _NotExact(f"unsupported syntax at {token.text!r}")

    def function(self, name: str) -> str:
        if name in ("position", "last"):
            raise _NotExact("position predicate")
        if name == "text":
            raise _NotExact("text() test")
        if name not in ("contains", "starts-with"):
            raise _NotExact(f"function {name}()")
        self.expect("(")
        argument = self.take()
        if argument.text != "@":
            inner = self.peek()
            if argument.kind == "name" and inner is not None and inner.text == "(":
                what = "text() test" if argument.text == "text" else f"function {argument.text}()"
                raise _NotExact(f"{what} inside {name}()")
            raise _NotExact(f"{name}() on something other than an attribute")
        attribute = self.attribute_name()
        self.expect(",")
        value = self.literal()
        self.expect(")")
        self.reject_comparison()
        if not value:
            raise _NotExact(f"{name}() with an empty string (true for every element)")
        return _attribute_selector(attribute, "*=" if name == "contains" else "^=", value)

    def attribute_name(self) -> str:
        token = self.take()
        if token.text == "*":
            raise _NotExact("any-attribute test @*")
        following = self.peek()
        if token.kind != "name" or (following is not None and following.text in (":", "::")):
            raise _NotExact(f"attribute name at {token.text!r}")
        if not _ATTRIBUTE_NAME.match(token.text):
            raise _NotExact(f"attribute name {token.text!r} (only plain lowercase names translate)")
        return token.text

    def literal(self) -> str:
        token = self.take()
        if token.kind != "literal":
            raise _NotExact(f"comparison with {token.text!r}, not a string")
        return token.text[1:-1]

    def reject_comparison(self) -> None:
        token = self.peek()
        if token is not None and token.kind == "op" and token.text in ("=", "!=", "<", ">", "<=", ">="):
            raise _NotExact(f"comparison '{token.text}'")

    @staticmethod
    def check_size(selectors: list[str]) -> None:
        if len(selectors) > _MAX_SELECTORS:
            raise _NotExact(f"'or' would make more than {_MAX_SELECTORS} CSS selectors")


def translate_xpath(xpath: str) -> XPathTranslation:
    """The exact CSS equivalent of ``xpath``, or the reason there is none.

    Exact means: on any HTML page, the CSS selects the same elements as the XPath. Shapes
    translated: ``//tag``, ``//*``, ``//a//b`` (``a b``), ``//a/b`` (``a > b``), unions (selector
    lists), and predicates ``@a`` (``[a]``), ``@a='v'`` (``[a="v"]``, attribute equality, not
    class tokens), ``contains(@a,'v')`` (``[a*="v"]``), ``starts-with(@a,'v')`` (``[a^="v"]``)
    joined by ``and`` (compound) and ``or`` (selector list). ``@id='x'`` becomes ``[id="x"]``,
    never ``#x``: in quirks mode (a page without doctype) ``#x`` ignores case, the XPath does not.
    """
    try:
        selectors = _Reader(xpath).selectors()
    except _NotExact as exc:
        return XPathTranslation(xpath, None, str(exc))
    css = ", ".join(selectors)
    try:
        _CSS_PROBE.css(css)
    except SelectolaxError as exc:
        return XPathTranslation(xpath, None, f"the CSS engine rejects {css!r} ({exc})")
    return XPathTranslation(xpath, css)


def xpath_to_css(xpath: str) -> str | None:
    """The exact CSS equivalent of ``xpath`` (see :func:`translate_xpath`), or None."""
    return translate_xpath(xpath).css


_XPATH_PROBE = lxml.html.document_fromstring("<html><body><p>probe</p></body></html>")
# XPath 1.0's function library and node tests: lxml only finds an unknown function when a
# predicate calling it is evaluated, which a probe page cannot guarantee, so calls are read.
_XPATH_FUNCTION_NAMES = """
last position count id local-name namespace-uri name string concat starts-with contains
substring-before substring-after substring string-length normalize-space translate boolean not
true false lang number sum floor ceiling round text node comment processing-instruction
and or div mod
"""
_XPATH_FUNCTIONS = frozenset(_XPATH_FUNCTION_NAMES.split())
_STRING_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
_PREDICATE = re.compile(r"\[[^\[\]]*\]")
# A path whose last step selects text or attributes: our strip_xpath removes elements only.
_NON_ELEMENT_END = re.compile(r"(?:text\(\s*\)|comment\(\s*\)|@[\w:*.-]+)\s*\Z")
_CALL = re.compile(r"([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)\s*\(")


def xpath_problem(xpath: str) -> str | None:
    """Why ``xpath`` cannot be a ``strip_xpath`` rule (it does not compile, calls a function
    lxml lacks, or selects no elements but text, attributes or a value), or None when it can."""
    try:
        result = etree.XPath(xpath)(_XPATH_PROBE)
    except etree.XPathError as exc:
        return f"not XPath 1.0 that lxml can run ({exc})"
    bare = _STRING_LITERAL.sub("''", xpath)
    for call in _CALL.finditer(bare):
        if call.group(1) not in _XPATH_FUNCTIONS:
            return f"not XPath 1.0 that lxml can run (function {call.group(1)}())"
    if not isinstance(result, list):
        return f"yields a {type(result).__name__}, not elements"
    while _PREDICATE.search(bare):
        bare = _PREDICATE.sub("", bare)
    if any(_NON_ELEMENT_END.search(part) for part in bare.split("|")):
        return "selects text or attributes; strip_xpath removes elements only"
    return None


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
            selectors = [f"[class*={_css_string(text)}]", f"[id*={_css_string(text)}]"]
        else:
            selectors = [f"img[src*={_css_string(text)}]"]
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
