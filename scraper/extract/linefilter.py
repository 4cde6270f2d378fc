"""Line-level clean-up after extraction: rule patterns, trailing story lists, repeats.

The DOM detectors catch most boilerplate; this pass catches what only shows as text (an
"Advertisement" label between paragraphs, a promo line, the same promo twice, a "Related"
heading the extractor kept with the headlines under it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scraper.article import Removal, snippet
from scraper.extract.vocabulary import RELATED_HEADING
from scraper.rules.book import SiteRule

_EMPTY_ITEM = re.compile(r"^[-•*·\u2013]?$")
# Short repeated lines are often data ("Team size: 11-50"); repeated prose is a duplicated block.
_MIN_REPEAT_CHARS = 50
# A related-stories heading only ends the article in its second half, and only when what
# follows reads like a list of headlines (short lines), not more prose.
_CUT_MIN_POSITION = 0.5
_HEADLINE_LIST_AVG_CHARS = 160
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
            if not rest or sum(len(x) for x in rest) / len(rest) <= _HEADLINE_LIST_AVG_CHARS:
                return _cut(lines, index, "detector:related-heading", "related-stories heading", removals)
        seen += len(line)
    return lines


def _is_header(line: str, heads: set[str]) -> bool:
    """The line is the title, or the title with a short kicker glued before it
    ("49-Euro-Ticket: Pendler sparen ...", "SVP-SonderparteitagChiesa ruft ...")."""
    if line in heads:
        return True
    return any(
        line.endswith(head) and len(line[: -len(head)].split()) <= _KICKER_MAX_WORDS for head in heads if head
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
    while end < len(lines) and _is_header(_normalise(lines[end]), heads):
        end += 1
    for line in lines[:end]:
        what = "title" if _is_header(_normalise(line), heads) else "label above the title"
        removals.append(Removal(by="detector:header-line", what=what, text=snippet(line), kind="line"))
    return lines[end:]


def _dropped_by(line: str, rules: Sequence[SiteRule]) -> tuple[str, re.Pattern[str]] | None:
    """The rule label and ``drop_lines`` pattern that match ``line``, if any."""
    for rule in rules:
        if rule.drop_lines_any is not None and not rule.drop_lines_any.matches(line):
            continue
        for pattern in rule.drop_lines:
            if pattern.search(line):
                return rule.label, pattern
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
    for line in lines:
        matched = _dropped_by(line, rules)
        if matched is not None:
            removals.append(Removal(by=matched[0], what=matched[1].pattern, text=snippet(line), kind="line"))
            continue
        key = _normalise(line)
        if len(key) >= _MIN_REPEAT_CHARS and key in seen:
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
