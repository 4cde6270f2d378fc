"""XPath in rule files: its exact CSS equivalent, if it has one, and whether it can be a
``strip_xpath`` rule.

A rule imported from an XPath-based rule set (:mod:`scraper.authoring.ftr`) keeps its meaning as
CSS only if the CSS selects exactly the elements the XPath did, so the translator reads a small
XPath subset and gives the reason for anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree
from selectolax.lexbor import LexborHTMLParser, SelectolaxError

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


def css_string(value: str) -> str:
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
    return f"[{attribute}{operator}{css_string(value)}]"


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
