"""The learned line judge: which lines of the extracted text are boilerplate the detectors missed.

Phrase lists catch the boilerplate they name and miss the next site's ("Font size options",
"LIKE IT? PIN IT!", "Build your website with ..."). What recurs across sites is the *shape* of
boilerplate: short lines without a sentence's ending, link texts, runs of headline-sized lines at
the end of the text, a second person's call to action. A gradient-boosted tree model, trained on
both development sets and measured by cross-validation grouped by site (``training/lines.py``),
scores every line from such features, with the detectors' vocabularies as features, never as
verdicts. Counted in lines under cross-validation, its surest removals still took article lines
(docs/models.md), so the shipped model's ``drop_below`` is 0: a line it scores below ``flag_below``
stays in the text and is listed in ``Article.flagged`` (``drop_flagged`` removes such lines). It
never doubts so many lines that the article itself could be at stake (``MAX_DROP_SHARE``): then
it flags nothing and the page carries a warning.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from selectolax.lexbor import LexborNode

from scraper.article import Flag, Removal, snippet
from scraper.extract.model.dom import DOM_FEATURES, DomTexts, dom_row, dom_row_boxed, read_dom
from scraper.extract.model.trees import TreeEnsemble
from scraper.extract.pagekind import Links, line_measure, squash, text_units
from scraper.extract.vocabulary import (
    AD_LABEL,
    AUTHOR_BIO_TEXT,
    COOKIE_TEXT,
    CTA_BUTTON,
    CTA_TEXT,
    PROMO_OPENING,
    PROMO_TEXT,
    RELATED_HEADING,
)

MODEL_PATH = Path(__file__).with_name("line-judge.json")
# The share of the text's units the model may remove from one page. Beyond it the model is more
# likely wrong about the page than right about so much boilerplate: nothing is removed, and the
# page carries a warning.
MAX_DROP_SHARE = 0.25
BY = "model:line"
# Lines longer than this are not searched for the detectors' phrases.
VOCABULARY_MAX_CHARS = 160
# A line is in the text's tail when at most this share of the text after it reads as prose.
TRAILING_PROSE_SHARE = 0.05

# Wider than pagekind.LIST_MARK (also "·" and "–" items); the shipped model was trained with it.
_LIST_MARK = re.compile(r"^(?:[-*•·–]|\d+[.)])\s+")
_MARK_START = frozenset("-*•·–")  # ... or a digit (\d: str.isdecimal)
_SENTENCE_END = re.compile(r"[.!?…。！？।॥۔؟։።။។][\"'”’»)\]」』）]*$")
_SENTENCE_MARK = re.compile(r"[.!?…。！？।॥۔؟]")
_UPPER = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž]")
_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")
_PUNCT = re.compile(r"[^\w\s]")
_CODE = re.compile(r"[{}\[\]()<>=;_$#\\]")
_WEB = re.compile(r"https?://|www\.|\S@\S|(?:^|\s)@\w")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_TIME = re.compile(r"\b\d{1,2}[:.]\d\d\b")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_WORD = re.compile(r"\w+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# Words that address the reader (calls to action), in the languages most pages are in.
_READER = frozenset(
    """you your you're yours click tap download join follow subscribe sign share
    sie ihr ihre dein deine jetzt hier klicken abonnieren
    vous votre vos cliquez abonnez tu tus su sus haga suscríbete clique""".split()  # noqa: SIM905
)
_VOCABULARY = (
    PROMO_TEXT,
    PROMO_OPENING,
    CTA_TEXT,
    CTA_BUTTON,
    RELATED_HEADING,
    AD_LABEL,
    COOKIE_TEXT,
    AUTHOR_BIO_TEXT,
)

FEATURES: tuple[str, ...] = (
    "log_chars",
    "log_words",
    "mean_word_chars",
    "units_share",
    "ends_sentence",
    "sentence_marks",
    "is_sentence",
    "upper_share",
    "capitalised_words",
    "digit_share",
    "punct_share",
    "code_share",
    "list_item",
    "has_pipe",
    "ends_colon",
    "question",
    "exclamation",
    "web_address",
    "year",
    "clock_time",
    "cjk_share",
    "reader_words",
    "copyright",
    "link_text",
    "page_link_density",
    *DOM_FEATURES,
    "position",
    "share_before",
    "share_after",
    "log_lines_before",
    "log_lines_after",
    "log_total_units",
    "log_lines",
    "relative_length",
    "prev_log_chars",
    "next_log_chars",
    "prev_link",
    "next_link",
    "prev_sentence",
    "next_sentence",
    "after_mean_log_chars",
    "after_link_share",
    "after_sentence_share",
    "before_sentence_share",
    "repeats",
    *(f"vocab_{i}" for i in range(len(_VOCABULARY))),
)

_BOX = FEATURES.index("dom_boilerplate_box")
_PROSE_AFTER = FEATURES.index("after_sentence_share")
_SENTENCE = FEATURES.index("is_sentence")


def _line_row(
    line: str, bare: str, whole: str, is_link: float, sentence: float, links: Links, dom: DomTexts
) -> list[float]:
    """The features of one line on its own (its neighbours are added by :func:`line_features`)."""
    chars = len(line) or 1
    words = _WORD.findall(line)
    counted = _Chars(line)
    letters = counted.count(_LETTER) or 1
    digits = counted.count(_DIGIT)
    folded = line.casefold()
    folded_words = [word.casefold() for word in words]
    return [
        math.log1p(len(line)),
        math.log1p(len(words)),
        sum(map(len, words)) / len(words) if words else 0.0,
        line_measure(line)[0] / chars,  # text_units, counted once for the page's lines
        float(bool(_SENTENCE_END.search(line))),
        float(counted.count(_SENTENCE_MARK)),
        sentence,
        counted.count(_UPPER) / letters,
        sum(1 for word in words if word[:1].isupper()) / len(words) if words else 0.0,
        digits / chars,
        counted.count(_PUNCT) / chars,
        counted.count(_CODE) / chars,
        float(bare != line),
        float(" | " in line),
        float(line.rstrip().endswith(":")),
        float("?" in line),
        float("!" in line),
        float(_web_address(line)),
        float(bool(digits and _YEAR.search(line))),  # both need a digit
        float(bool(digits and _TIME.search(line))),
        counted.count(_CJK) / chars,
        sum(1 for word in folded_words if word in _READER) / len(words) if words else 0.0,
        float("©" in line or "copyright" in folded),
        is_link,
        links.density,
        *dom_row(whole, dom),
    ]


def _ascii_outside(pattern: re.Pattern[str]) -> bytes:
    """The bytes to delete from a line's UTF-8 to keep only the ASCII characters that ``pattern``
    (a class of single characters) matches: every byte of the other characters goes too."""
    return bytes(b for b in range(256) if not (b < 128 and pattern.fullmatch(chr(b))))


_COUNTED = {
    pattern: _ascii_outside(pattern)
    for pattern in (_LETTER, _UPPER, _DIGIT, _PUNCT, _CODE, _CJK, _SENTENCE_MARK)
}


class _Chars:
    """How many characters of a line each of the :data:`_COUNTED` classes holds: counted in bytes
    among its ASCII characters, and by the pattern among the others only. A pattern's list of
    every letter of a long line cost more than the rest of the line's features."""

    __slots__ = ("_encoded", "_other")

    def __init__(self, line: str) -> None:
        self._encoded = line.encode("utf-8", "surrogatepass")
        self._other = "" if line.isascii() else "".join(_NON_ASCII.findall(line))

    def count(self, pattern: re.Pattern[str]) -> int:
        found = len(self._encoded.translate(None, _COUNTED[pattern]))
        return found + len(pattern.findall(self._other)) if self._other else found


def _web_address(line: str) -> bool:
    """Whether ``_WEB`` finds an address, searched for only in lines holding one of the literal
    parts every match has ("://", "www.", "@")."""
    return ("@" in line or "www." in line or "://" in line) and _WEB.search(line) is not None


@dataclass(frozen=True, slots=True)
class _Text:
    """What every line's neighbours need: cheap, read for all lines of the text."""

    bare: list[str]  # without a list mark
    squashed: list[str]  # the same, squashed (see pagekind.squash)
    folded: list[str]  # the lines themselves squashed (with their marks), to find repeats
    units: list[int]
    log_chars: list[float]
    is_link: list[float]
    sentence: list[float]
    prose_after: list[float]  # share of the text after the line that is prose (-1: nothing after)

    @classmethod
    def read(cls, lines: Sequence[str], links: Links) -> _Text:
        bare = [_bare(line) for line in lines]
        squashed = [squash(line) for line in bare]
        measured = [line_measure(line) for line in lines]
        units = [max(count, 1) for count, _ in measured]
        sentence = [float(prose) for _, prose in measured]
        prose_after, after, prose = [], 0, 0
        for unit, is_prose in zip(reversed(units), reversed(sentence), strict=True):
            prose_after.append(prose / after if after else -1.0)
            after += unit
            prose += unit if is_prose else 0
        return cls(
            bare=bare,
            squashed=squashed,
            folded=[
                whole if plain == line else squash(line)
                for line, plain, whole in zip(lines, bare, squashed, strict=True)
            ],
            units=units,
            log_chars=[math.log1p(len(line)) for line in lines],
            is_link=[float(line in links.texts) for line in squashed],
            sentence=sentence,
            prose_after=prose_after[::-1],
        )


def _bare(line: str) -> str:
    """``line`` without its list mark (the regex is tried only on lines that may start with one)."""
    start = line[:1]
    return _LIST_MARK.sub("", line) if start in _MARK_START or start.isdecimal() else line


def line_features(lines: Sequence[str], links: Links, dom: DomTexts) -> np.ndarray:
    """One row of :data:`FEATURES` per line of the extracted text."""
    return _rows(lines, _Text.read(lines, links), links, dom, range(len(lines)))


def _rows(lines: Sequence[str], text: _Text, links: Links, dom: DomTexts, only: Sequence[int]) -> np.ndarray:
    n = len(lines)
    units, log_chars, is_link, sentence = text.units, text.log_chars, text.is_link, text.sentence
    total = sum(units)
    median = _median(units) if units else 1.0
    counts = Counter(text.folded)
    before = [0] * n
    prose_before = [0.0] * n
    for i in range(1, n):
        before[i] = before[i - 1] + units[i - 1]
        prose_before[i] = prose_before[i - 1] + (units[i - 1] if sentence[i - 1] else 0)
    rows = []
    for i in only:
        line = lines[i]
        after = total - before[i] - units[i]
        following = slice(i + 1, i + 6)
        after_n = len(lines[following])
        rows.append(
            [
                *_line_row(line, text.bare[i], text.squashed[i], is_link[i], sentence[i], links, dom),
                i / (n - 1) if n > 1 else 0.0,
                before[i] / total,
                after / total,
                math.log1p(i),
                math.log1p(n - 1 - i),
                math.log1p(total),
                math.log1p(n),
                units[i] / median,
                log_chars[i - 1] if i else -1.0,
                log_chars[i + 1] if i + 1 < n else -1.0,
                is_link[i - 1] if i else -1.0,
                is_link[i + 1] if i + 1 < n else -1.0,
                sentence[i - 1] if i else -1.0,
                sentence[i + 1] if i + 1 < n else -1.0,
                sum(log_chars[following]) / after_n if after_n else -1.0,
                sum(is_link[following]) / after_n if after_n else -1.0,
                text.prose_after[i],
                prose_before[i] / before[i] if before[i] else -1.0,
                float(counts[text.folded[i]] - 1),
                *_vocabulary_row(line),
            ]
        )
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


def _median(values: Sequence[int]) -> float:
    """The median of ``values`` (as ``numpy.median`` gives it, without its call's overhead)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _vocabulary_row(line: str) -> list[float]:
    """What the detectors' phrase lists say of a line; a long line is prose whatever phrase it
    holds (and searching it costs more than the rest of its features)."""
    if len(line) > VOCABULARY_MAX_CHARS:
        return [0.0] * len(_VOCABULARY)
    folded = line.casefold()
    return [float(bool(words.pattern.search(folded))) for words in _VOCABULARY]


def _candidates(text: _Text, dom: DomTexts) -> list[int]:
    """The lines the structure lets the model judge (:func:`judgeable`), found without
    computing their features."""
    return [
        i
        for i, (whole, share, sentence) in enumerate(
            zip(text.squashed, text.prose_after, text.sentence, strict=True)
        )
        if (share <= TRAILING_PROSE_SHARE and not sentence) or dom_row_boxed(whole, dom)
    ]


@functools.cache
def _model() -> TreeEnsemble:
    model = TreeEnsemble.load(MODEL_PATH)
    if model.features != FEATURES:
        raise RuntimeError(f"{MODEL_PATH.name} was trained on other features than this code computes")
    return model


# Training (``training/lines.py``) sets this to receive each page's lines and features as the
# engine computed them, with the model off; never set at run time.
recorder: Callable[[list[str], np.ndarray], None] | None = None


def judgeable(features: np.ndarray) -> np.ndarray:
    """Which lines the model judges at all (a boolean mask over the rows): those placed where
    boilerplate sits, so that the page's structure agrees with the model: inside a boilerplate
    container (see :mod:`~scraper.extract.model.dom`), or in the text's tail after its last prose
    (where promos and story lists end an article) and no sentence itself: a sentence at the end
    of the text is the article's last paragraph more often than not. Measured under cross-validation, the
    model alone at the same leak costs article lines; with the structure's agreement it does
    not. The model is trained on these lines only."""
    tail = (features[:, _PROSE_AFTER] <= TRAILING_PROSE_SHARE) & (features[:, _SENTENCE] == 0)
    return (features[:, _BOX] == 1) | tail


def droppable(features: np.ndarray, keep: np.ndarray, threshold: float) -> list[int]:
    """The lines the model removes: judgeable, and scored below ``threshold``."""
    return [int(i) for i in np.flatnonzero((keep < threshold) & judgeable(features))]


@dataclass(frozen=True, slots=True)
class Judged:
    """What the line judge made of a text: the lines kept, those it removed (only where it is
    sure enough, ``drop_below``) and those it kept but flags as likely boilerplate (``flag_below``)."""

    lines: list[str]
    removed: list[Removal] = field(default_factory=list)
    flagged: list[Flag] = field(default_factory=list)


def judge_lines(
    lines: list[str],
    links: Links,
    root: LexborNode | None,
    warnings: list[str],
    *,
    page_chars: int = 0,
    apply: bool = True,
    drop_flagged: bool = False,
) -> Judged:
    """Judge the text's lines: remove those scored below the model's ``drop_below`` and flag, in
    the text, those below ``flag_below``, each with its probability of being boilerplate.

    ``root`` is the pruned tree the lines were extracted from, ``page_chars`` the length of the
    page's text (a container holding half of it is a page wrapper, not a box); ``apply=False`` (the
    models are off) keeps every line and flags none; ``drop_flagged`` removes what it would flag.
    """
    if not (apply or recorder) or len(lines) < 2:
        return Judged(lines)
    dom = read_dom(root, page_chars)
    text = _Text.read(lines, links)
    if recorder is not None:
        recorder(lines, _rows(lines, text, links, dom, range(len(lines))))
    if not apply:
        return Judged(lines)
    candidates = _candidates(text, dom)
    if not candidates:
        return Judged(lines)
    model = _model()
    keep = model.probabilities(_rows(lines, text, links, dom, candidates))[:, model.classes.index("1")]
    drop_below, flag_below = float(model.meta["drop_below"]), float(model.meta["flag_below"])
    if drop_flagged:
        drop_below = max(drop_below, flag_below)
    scores = dict(zip(candidates, keep.tolist(), strict=True))
    doubted = [i for i in candidates if scores[i] < max(drop_below, flag_below)]
    if not doubted:
        return Judged(lines)
    if too_much(lines, doubted):
        warnings.append(
            f"the line model took {len(doubted)} of {len(lines)} lines for boilerplate, too many"
            " to be sure: kept them all, flagged none"
        )
        return Judged(lines)
    gone = {i for i in doubted if scores[i] < drop_below}
    boilerplate = {i: round(1.0 - scores[i], 4) for i in doubted}  # the probability recorded
    return Judged(
        lines=[line for i, line in enumerate(lines) if i not in gone],
        removed=[
            Removal(
                by=BY,
                what="boilerplate line",
                text=snippet(lines[i]),
                kind="line",
                probability=boilerplate[i],
            )
            for i in sorted(gone)
        ],
        flagged=[
            Flag(by=BY, what="boilerplate line", text=lines[i], probability=boilerplate[i])
            for i in doubted
            if i not in gone
        ],
    )


def too_much(lines: Sequence[str], dropped: Sequence[int]) -> bool:
    """More than :data:`MAX_DROP_SHARE` of the text's units would go."""
    units = [text_units(line) for line in lines]
    return sum(units[i] for i in dropped) > MAX_DROP_SHARE * sum(units)
