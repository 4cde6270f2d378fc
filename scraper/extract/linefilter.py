"""Line-level clean-up after extraction: rule patterns, trailing story lists, repeats.

The DOM detectors catch most boilerplate; this pass catches what only shows as text (an
"Advertisement" label between paragraphs, a promo line, the same promo twice, a "Related"
heading the extractor kept with the headlines under it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]

from scraper.article import Removal, snippet
from scraper.extract.pagekind import is_sentence
from scraper.extract.vocabulary import RELATED_HEADING
from scraper.rules.book import SiteRule

_EMPTY_ITEM = re.compile(r"^[-•*·\u2013]?$")
# Short repeated lines are often data ("Team size: 11-50"); repeated prose is a duplicated block.
_MIN_REPEAT_CHARS = 50
# A list item or table row may repeat on purpose (a training plan's "Warm up: 10 minutes easy"
# every week, a recipe's "Stir well"): such a line goes only as part of a duplicated run (a
# neighbour repeating its first occurrence's neighbour: the page holds the list twice).
_STRUCTURED_LINE = re.compile(r"^(?:- |\| .* \|$)")
# A related-stories heading only ends the article in its second half, and only when what
# follows reads like a list of headlines (short lines), not more prose.
_CUT_MIN_POSITION = 0.5
_HEADLINE_LIST_AVG_CHARS = 160
# ... and never when a paragraph of prose follows it: a headline list holds no such paragraph, an
# article whose text runs on past a "Latest News" line does (the cut took a whole section of one).
_PROSE_PARAGRAPH_CHARS = 200
# The title may follow a few short label lines (kicker, badge) at the top of the text.
_HEADER_SCAN = 3
_KICKER_MAX_WORDS = 6


def _normalise(line: str) -> str:
    return " ".join(line.split()).casefold()


def _cut(lines: list[str], index: int, by: str, what: str, removals: list[Removal]) -> list[str]:
    removed = " | ".join(lines[index:])
    removals.append(Removal(by=by, what=what, text=snippet(removed), kind="line"))
    return lines[:index]


def _cut_trailing_lists(lines: list[str], removals: list[Removal]) -> list[str]:
    total = sum(len(line) for line in lines) or 1
    seen = 0
    for index, line in enumerate(lines):
        if seen >= _CUT_MIN_POSITION * total and len(line) <= 60 and RELATED_HEADING.match(line):
            rest = lines[index + 1 :]
            prose_after = any(len(x) >= _PROSE_PARAGRAPH_CHARS and is_sentence(x) for x in rest)
            if not prose_after and (not rest or sum(map(len, rest)) / len(rest) <= _HEADLINE_LIST_AVG_CHARS):
                return _cut(lines, index, "detector:related-heading", "related-stories heading", removals)
        seen += len(line)
    return lines


def _duplicated(lines: list[str], index: int, earlier: int) -> bool:
    """Line ``index`` repeats line ``earlier`` as a copy: any line, unless it is a list item or table
    row, which is a copy only when a neighbour repeats its first occurrence's neighbour too."""
    if not _STRUCTURED_LINE.search(lines[index]):
        return True

    def same(a: int, b: int) -> bool:  # as the lines are compared: casefolded
        return lines[a].casefold() == lines[b].casefold()

    # Side by side (the first occurrence is the neighbour), rows repeat in the table itself.
    before = 0 < earlier < index - 1 and same(index - 1, earlier - 1)
    after = earlier + 1 < index < len(lines) - 1 and same(index + 1, earlier + 1)
    return before or after


def _is_header(line: str, heads: set[str]) -> bool:
    """The line is the title, or the title with a short kicker glued before it
    ("49-Euro-Ticket: Pendler sparen ...", "SVP-SonderparteitagChiesa ruft ...").

    A kicker is a label, and starts as one: a line whose first word is all lower case runs into the
    title as a phrase ("für das Rezept <title>", the heading of a recipe's ingredients), so it is
    a line of the article, not its header.
    """
    folded = _normalise(line)
    if folded in heads:
        return True
    words = line.split()
    if words and words[0].islower():
        return False
    return any(
        folded.endswith(head) and len(folded[: -len(head)].split()) <= _KICKER_MAX_WORDS
        for head in heads
        if head
    )


def _drop_header(lines: list[str], header_lines: Sequence[str | None], removals: list[Removal]) -> list[str]:
    """Drop the article header that the extractor kept: the title (carried as metadata) and the
    short labels above it (section kicker, "Exclusive" badge). The standfirst is found in the DOM
    (``detect_standfirst``), where it can be told from a lede that repeats the description."""
    heads = {_normalise(h) for h in header_lines if h}
    if not heads:
        return lines
    first_head = next(
        (i for i, line in enumerate(lines[: _HEADER_SCAN + 1]) if _normalise(line) in heads), None
    )
    end = 0
    if first_head is not None and all(len(line.split()) <= _KICKER_MAX_WORDS for line in lines[:first_head]):
        end = first_head + 1
    while end < len(lines) and _is_header(lines[end], heads):
        end += 1
    for line in lines[:end]:
        what = "title" if _is_header(line, heads) else "label above the title"
        removals.append(Removal(by="detector:header-line", what=what, text=snippet(line), kind="line"))
    return lines[end:]


# -- screening lines for drop_lines ------------------------------------------------------------
# Most lines match no ``drop_lines`` pattern, and the patterns that skip words before their phrase
# ("^(?:\S+\s+){0,40}?(affiliate links|...)") cost the regex engine many tries on every line. So
# each pattern is read once for text that every line it matches must hold: a start ("^share (this|
# on)" needs "share this" or "share on" first) or else a string anywhere ("affiliate links" or ...).
# A line is tried only against the patterns whose text it holds, in the rule's order.

# Characters outside ASCII that Python's case-insensitive matching takes for an ASCII letter
# (checked over all of Unicode); lowered to that letter before case-insensitive text is looked for.
_ASCII_TWINS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
_TWIN_TABLE = str.maketrans(_ASCII_TWINS)
_TWINS = re.compile("[" + "".join(_ASCII_TWINS) + "]")
_C = sre_constants
_REPEATS = (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT)
_STARTS = (_C.AT_BEGINNING, _C.AT_BEGINNING_STRING)
_MAX_PREFIXES = 200
# A quick pattern (see _quick) is run on every line, unless a few strings this long tell the lines
# it may match: looking for those in a page costs less than running the pattern on its lines.
_RARE_CHARS = 4
_MAX_LOOKUPS = 6

_Strings = frozenset[str]


def _lowered(line: str) -> str:
    """``line`` lowered so that it holds, at the same place, every ASCII or caseless text that a
    case-insensitive pattern matches in ``line`` (in lowercase). One character stays one."""
    if not line.isascii() and _TWINS.search(line):
        line = line.translate(_TWIN_TABLE)
    return line.lower()


def _char(code: int, folded: bool) -> str | None:
    """The character as looked for, or None where a case-insensitive match may be another
    character that lowering does not give (a letter outside ASCII: "σ" matches final "ς")."""
    char = chr(code)
    if not folded:
        return char
    if char.isascii() or char.lower() == char == char.upper():
        return char.lower()
    return None


def _better(found: _Strings | None, other: _Strings | None) -> _Strings | None:
    """The more selective of two requirements: longer shortest string, then fewer strings."""
    if not other or "" in other:
        return found
    if found is None:
        return other
    return other if (min(map(len, other)), -len(other)) > (min(map(len, found)), -len(found)) else found


def _inner(op: object, value: object, folded: bool) -> list | None:
    """The parsed items inside a group, or None if they are not read here."""
    if op is _C.SUBPATTERN:
        _group, add_flags, _del_flags, sub = value  # type: ignore[misc]
        return None if not folded and add_flags & re.IGNORECASE else sub
    if op is _C.ATOMIC_GROUP:
        return value  # type: ignore[return-value]
    return None


def _required(items: list, folded: bool) -> _Strings | None:
    """Strings of which every match of the parsed sequence ``items`` holds one (None: unknown)."""
    best: _Strings | None = None
    run = ""
    for op, value in items:
        char = _char(value, folded) if op is _C.LITERAL else None
        if char is not None:
            run += char
            continue
        best = _better(best, frozenset([run]))
        run = ""
        found = None
        if (inner := _inner(op, value, folded)) is not None:
            found = _required(inner, folded)
        elif op is _C.ASSERT and value[0] == 1:  # a lookahead's text lies in the line too
            found = _required(value[1], folded)
        elif op is _C.BRANCH:
            options = [_required(branch, folded) for branch in value[1]]
            if all(option and "" not in option for option in options):
                found = frozenset().union(*options)  # type: ignore[arg-type]
        elif op in _REPEATS and value[0] >= 1:
            found = _required(value[2], folded)
        elif op is _C.IN:
            chars = [_char(code, folded) if kind is _C.LITERAL else None for kind, code in value]
            if all(chars):
                found = frozenset(chars)  # type: ignore[arg-type]
        best = _better(best, found)
    return _better(best, frozenset([run]))


def _prefixes(items: list, folded: bool) -> tuple[set[str], bool]:
    """Strings one of which starts every match of ``items``, and whether each is a whole match
    (all of ``items`` is literal), so that what follows may be appended."""
    found = {""}
    for op, value in items:
        if op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
            continue  # takes no characters
        options: set[str] | None = None
        whole = True
        if op is _C.LITERAL or op is _C.IN:
            pairs = [(op, value)] if op is _C.LITERAL else value
            chars = [_char(code, folded) if kind is _C.LITERAL else None for kind, code in pairs]
            options = set(chars) if all(chars) else None  # type: ignore[arg-type]
        elif (inner := _inner(op, value, folded)) is not None:
            options, whole = _prefixes(inner, folded)
        elif op is _C.BRANCH:
            branches = [_prefixes(branch, folded) for branch in value[1]]
            options = set().union(*(strings for strings, _ in branches))
            whole = all(complete for _, complete in branches)
        elif op in _REPEATS and value[0] == 0 and value[1] == 1:
            options, whole = _prefixes(value[2], folded)
            options = options | {""} if whole else None
        elif op in _REPEATS and value[0] >= 1:
            options, whole = _prefixes(value[2], folded)
            whole = False
        if not options or len(found) * len(options) > _MAX_PREFIXES:
            return found, False
        found = {start + option for start in found for option in options}
        if not whole:
            return found, False
    return found, True


def _quick(items: list) -> bool:
    """The pattern's first step after ``^`` takes a literal or a group: the regex engine settles
    a line in a few steps (no scan, no skipping of words), so a screen would save nothing."""
    for op, value in items:
        if op in _REPEATS and value[1] <= 1:
            items = value[2]
            return _quick(items)
        return op in (_C.LITERAL, _C.IN, _C.SUBPATTERN, _C.BRANCH)
    return False


def _anchored(pattern: re.Pattern[str], items: list) -> bool:
    """Every match of ``pattern`` (parsed: ``items``) starts at the start of the line."""
    return (
        bool(items) and items[0][0] is _C.AT and items[0][1] in _STARTS and not pattern.flags & re.MULTILINE
    )


def _reading(pattern: re.Pattern[str]) -> tuple[str, _Strings | None]:
    """How a line is screened for ``pattern``: ``("start", strings)``, every match starts the
    line with one of ``strings``; ``("holds", strings)``, every match holds one; ``("try", None)``,
    the pattern is quick to run on every line, or nothing it needs is known."""
    folded = bool(pattern.flags & re.IGNORECASE)
    try:
        items = list(sre_parser.parse(pattern.pattern, pattern.flags))
        required = _required(items, folded)
        if _anchored(pattern, items):
            starts, _ = _prefixes(items[1:], folded)
            if "" not in starts:
                return "start", frozenset(starts)
            if _quick(items[1:]) and (
                required is None or len(required) > _MAX_LOOKUPS or min(map(len, required)) < _RARE_CHARS
            ):
                return "try", None
    except Exception:  # a construct this reading does not know
        required = None
    return ("holds", required) if required is not None else ("try", None)


_Key = tuple[bool, str]  # (case-insensitive, string)


@dataclass(frozen=True, slots=True)
class _Screen:
    """Which of a rule's ``drop_lines`` could match a line, told without running most of them."""

    # (case-insensitive, first character) → (starts, pattern index) for each pattern read as "start"
    starts: dict[_Key, tuple[tuple[tuple[str, ...], int], ...]]
    holds: tuple[tuple[bool, str, int], ...]  # (case-insensitive, string, pattern index)
    tried: tuple[int, ...]  # patterns run on every line
    # The distinct strings of ``holds``, shortest first, each with the shorter ones inside it.
    strings: tuple[tuple[_Key, tuple[_Key, ...]], ...] = ()
    tried_any: re.Pattern[str] | None = None  # the tried patterns as one alternation (see _joined)

    def on_page(self, text: str, lowered: str) -> _Screen:
        """This screen less the strings that ``text`` (all lines, ``lowered`` too) never holds."""
        present: set[_Key] = set()
        for key, parts in self.strings:  # a string whose parts are missing is missing too
            if all(part in present for part in parts) and key[1] in (lowered if key[0] else text):
                present.add(key)
        holds = tuple(entry for entry in self.holds if (entry[0], entry[1]) in present)
        return _Screen(self.starts, holds, self.tried, (), self.tried_any)

    def candidates(self, line: str, lowered: str) -> list[int]:
        """Indexes of the patterns that may match ``line`` (``lowered`` is :func:`_lowered` of it)."""
        found = list(self.tried) if self.tried_any is None or self.tried_any.match(line) else []
        for folded, text in ((False, line), (True, lowered)):
            for starts, index in self.starts.get((folded, text[:1]), ()):
                if text.startswith(starts):
                    found.append(index)
        for folded, word, index in self.holds:
            if word in (lowered if folded else line):
                found.append(index)
        return sorted(set(found)) if len(found) > 1 else found


@functools.lru_cache(maxsize=256)
def _screen(patterns: tuple[re.Pattern[str], ...]) -> _Screen:
    starts: dict[_Key, dict[int, list[str]]] = {}
    holds: list[tuple[bool, str, int]] = []
    tried: list[int] = []
    for index, pattern in enumerate(patterns):
        folded = bool(pattern.flags & re.IGNORECASE)
        kind, strings = _reading(pattern)
        if kind == "start":
            for start in sorted(strings):  # type: ignore[arg-type]
                starts.setdefault((folded, start[0]), {}).setdefault(index, []).append(start)
        elif kind == "holds":
            holds.extend((folded, word, index) for word in sorted(strings))  # type: ignore[arg-type]
        else:
            tried.append(index)
    keys = sorted({(folded, word) for folded, word, _ in holds}, key=lambda key: (len(key[1]), key))
    strings_parts = tuple(
        (key, tuple(other for other in keys[:at] if other[0] == key[0] and other[1] in key[1]))
        for at, key in enumerate(keys)
    )
    return _Screen(
        {
            key: tuple((tuple(texts), index) for index, texts in by_index.items())
            for key, by_index in starts.items()
        },
        tuple(holds),
        tuple(tried),
        strings_parts,
        _joined([patterns[index] for index in tried]) if len(tried) > 1 else None,
    )


_GLOBAL_FLAGS = re.compile(r"\(\?([aiLmsux]+)\)")
_BACK_REFERENCES = (
    _C.GROUPREF,
    _C.GROUPREF_EXISTS,
    _C.GROUPREF_IGNORE,
    _C.GROUPREF_LOC_IGNORE,
    _C.GROUPREF_UNI_IGNORE,
)


def _joined(patterns: list[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One pattern that matches at a line's start where any of ``patterns`` (each anchored there)
    matches, each with its own flags; None when they cannot be joined (not all anchored;
    back-references, whose group numbers would move; clashing group names)."""
    branches = []
    for pattern in patterns:
        try:
            items = list(sre_parser.parse(pattern.pattern, pattern.flags))
        except Exception:
            return None
        if not _anchored(pattern, items) or _refers_back(items):
            return None
        flags = _GLOBAL_FLAGS.match(pattern.pattern)
        body = pattern.pattern[flags.end() :] if flags else pattern.pattern
        branches.append(f"(?{flags.group(1)}:{body})" if flags else f"(?:{body})")
    try:
        return re.compile("|".join(branches))
    except re.error:
        return None


def _refers_back(items: list) -> bool:
    """The parsed pattern holds a back-reference (or a conditional on a group)."""
    for op, value in items:
        if op in _BACK_REFERENCES:
            return True
        inner: list = []
        if op is _C.SUBPATTERN:
            inner = [value[3]]
        elif op is _C.ATOMIC_GROUP:
            inner = [value]
        elif op in (_C.ASSERT, _C.ASSERT_NOT):
            inner = [value[1]]
        elif op is _C.BRANCH:
            inner = list(value[1])
        elif op in _REPEATS:
            inner = [value[2]]
        if any(_refers_back(list(sub)) for sub in inner):
            return True
    return False


def _dropped_by(
    line: str, lowered: str, screens: Sequence[tuple[SiteRule, _Screen]]
) -> tuple[str, re.Pattern[str]] | None:
    """The rule label and ``drop_lines`` pattern that match ``line``, if any: the first pattern of
    the first rule whose combined patterns (``drop_lines_any``) match the line too."""
    for rule, screen in screens:
        for index in screen.candidates(line, lowered):
            pattern = rule.drop_lines[index]
            if pattern.search(line):
                if rule.drop_lines_any is None or rule.drop_lines_any.matches(line):
                    return rule.label, pattern
                break
    return None


def filter_lines(
    text: str, rules: Sequence[SiteRule], *, header_lines: Sequence[str | None] = ()
) -> tuple[list[str], list[Removal]]:
    """Return the kept lines (paragraphs) of ``text`` and what was removed, in order.

    ``header_lines`` (the title) are dropped where they open the text.
    """
    removals: list[Removal] = []
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if not _EMPTY_ITEM.match(line)]

    lines = _drop_header(lines, header_lines, removals)

    for rule in rules:
        for pattern in rule.cut_after:
            for index, line in enumerate(lines):
                if pattern.search(line):
                    lines = _cut(lines, index, rule.label, pattern.pattern, removals)
                    break
    lines = _cut_trailing_lists(lines, removals)

    kept: list[str] = []
    seen: set[str] = set()
    lowered = [_lowered(line) for line in lines]
    screens = [(rule, _screen(rule.drop_lines)) for rule in rules if rule.drop_lines]
    if screens:
        text, folded = "\n".join(lines), "\n".join(lowered)
        screens = [(rule, screen.on_page(text, folded)) for rule, screen in screens]
    first: dict[str, int] = {}  # each line's first place, for telling a duplicated run
    for index, (line, line_lowered) in enumerate(zip(lines, lowered, strict=True)):
        matched = _dropped_by(line, line_lowered, screens) if screens else None
        if matched is not None:
            removals.append(Removal(by=matched[0], what=matched[1].pattern, text=snippet(line), kind="line"))
            continue
        key = line.casefold()  # _normalise(line): the line's whitespace is folded already
        earlier = first.setdefault(key, index)
        if len(key) >= _MIN_REPEAT_CHARS and key in seen and _duplicated(lines, index, earlier):
            removals.append(
                Removal(
                    by="detector:repeated-line",
                    what="line already in the text",
                    text=snippet(line),
                    kind="line",
                )
            )
            continue
        seen.add(key)
        kept.append(line)
    return kept, removals
