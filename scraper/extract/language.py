"""The language of an article's text: detected, compared with what the page declares, filtered on.

A page's ``<html lang>`` is often a template's default (a Zulu or Indonesian article on a site
that declares ``en`` everywhere), so the extracted text is identified too, by py3langid (langid.py's
naive Bayes model over byte n-grams, 140 labels, shipped inside its wheel: nothing is downloaded at
run time). The model is read once per process, before the first page's clock starts (about half a
second and 70 MB resident; py3langid decompresses it through an anonymous temporary file, gone once
read): only processes that clean pages pay it.

Only a bounded prefix of the text is read: on the development sets the first 1,000 characters gave
the label of the whole text on all 1,670 cleaned pages longer than 300 characters (2,000 did no
better, at twice the cost), at about 0.6 ms a page. A text under
``MIN_UNITS`` letters and digits is too short to tell (detection is then ``None``, not a guess), as is
one whose likeliest language is under ``MIN_PROBABILITY`` (a text mixing languages) or that the
model reads as no language at all (``zxx``: tables, codes, product numbers).

Codes are ISO 639 primary subtags, compared after folding old and alternative codes (``iw`` is ``he``,
``nb`` is ``no``) and treating a macrolanguage and its members as one (``no`` and ``nn``; ``zh``,
``yue`` and ``wuu``; ``ar``, ``ary`` and ``arz``; ``ms`` and ``id``; the Serbo-Croatian standards
``hr``, ``sr`` and ``bs``), which the model keeps apart but a page's declaration need not.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scraper.extract.pagekind import text_units

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

    from scraper.article import Article

# Characters of the text read by the detector (see the module docstring for the measurement).
PREFIX_CHARS = 1000
# Letters and digits below which a text is too short to identify (about 15 words): on 100-character
# windows of the development sets' articles the model agreed with its whole-text label on 99.3 %.
MIN_UNITS = 100
# Below this probability the detection is dropped: the text mixes languages or the model cannot tell.
MIN_PROBABILITY = 0.5
# A declared language that the text contradicts at this probability or more is reported as a warning.
WARN_PROBABILITY = 0.9
# The model's label for text in no language.
NO_LANGUAGE = "zxx"

# Deprecated or alternative codes a page may declare, as the model names them.
_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro", "nb": "no", "fil": "tl", "sh": "hr"}
# A macrolanguage with the members the model labels apart (and the Serbo-Croatian standards):
# one language as far as a page's declaration or a filter is concerned.
_GROUPS = (
    frozenset({"no", "nn"}),
    frozenset({"zh", "yue", "wuu"}),
    frozenset({"ar", "ary", "arz"}),
    frozenset({"ms", "id"}),
    frozenset({"hr", "sr", "bs"}),
    frozenset({"uz", "uzs"}),
    frozenset({"ku", "sdh"}),
    frozenset({"lv", "ltg"}),
    frozenset({"ff", "fuv"}),
)
_CODE = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True, slots=True)
class Detection:
    """The likeliest language of a text (an ISO 639 code) and the model's probability for it."""

    language: str
    probability: float


@functools.cache
def load_model() -> LanguageIdentifier | None:
    """The shipped py3langid model with probabilities normalised, read once per process; ``None``
    when it cannot be read (no writable temporary folder): then no language is detected, and
    every page is still cleaned.

    Callers with a per-page time limit call it before the page's clock starts: reading the model
    is not the page's fault.
    """
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    try:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    except OSError as exc:
        warnings.warn(f"language detection is off: its model could not be read ({exc})", stacklevel=2)
        return None


def detect_language(text: str) -> Detection | None:
    """The language of ``text`` read from its first ``PREFIX_CHARS`` characters, or ``None`` when
    the text is too short to tell, mixes languages, or is in no language."""
    prefix = text[:PREFIX_CHARS]
    if text_units(prefix) < MIN_UNITS:
        return None
    model = load_model()
    if model is None:
        return None
    language, probability = model.classify(prefix)
    if language == NO_LANGUAGE or probability < MIN_PROBABILITY:
        return None
    return Detection(language, round(probability, 4))


def same_language(one: str, other: str) -> bool:
    """Whether two codes name one language (after aliases, a macrolanguage with its members)."""
    one, other = _canonical(one), _canonical(other)
    return one == other or any(one in group and other in group for group in _GROUPS)


def _canonical(code: str) -> str:
    code = code.lower()
    return _ALIASES.get(code, code)


def disagreement(declared: str | None, detection: Detection | None) -> str | None:
    """A warning when the page declares one language and its text reads, with high confidence,
    as another (a template's default ``lang``, or a page translated without updating it)."""
    if declared is None or detection is None or detection.probability < WARN_PROBABILITY:
        return None
    if same_language(declared, detection.language):
        return None
    return (
        f"the page declares language {declared!r} but its text reads as {detection.language!r}"
        f" (p={detection.probability:.2f})"
    )


def article_language(article: Article) -> str | None:
    """The article's language: the detected one, else the declared one, else ``None`` (unknown)."""
    return article.detected_language or article.language


def parse_languages(values: str | Iterable[str]) -> tuple[str, ...]:
    """Language codes from ``"de,fr"`` or ``["de", "fr"]``, lower-cased, each once, in order.

    Raises ``ValueError`` naming a code that is not a primary subtag (``de``, ``fr``, ``yue``):
    the articles record primary subtags, so ``pt-BR`` could never match as written.
    """
    items = [values] if isinstance(values, str) else list(values)
    codes: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"a language must be a code such as 'de', not {item!r}")
        for part in item.split(","):
            code = part.strip().lower()
            if not code:
                continue
            if not _CODE.fullmatch(code):
                raise ValueError(
                    f"{part.strip()!r} is not a language code: give ISO 639 primary subtags such as de or fr"
                )
            if code not in codes:
                codes.append(code)
    return tuple(codes)


def language_skip(article: Article, languages: Iterable[str]) -> str | None:
    """Why ``article`` is left out by a filter keeping only ``languages``, or ``None`` if it stays.

    An article whose language is unknown (neither detected nor declared) stays: nothing is lost on
    a guess.
    """
    wanted = tuple(languages)
    found = article_language(article)
    if not wanted or found is None or any(same_language(found, code) for code in wanted):
        return None
    how = "detected" if article.detected_language else "declared"
    return f"its language is {found!r} ({how}), not one of {', '.join(wanted)}"
