"""Metric functions for ``benchmarks/quality.py``: word overlap, snippet leaks, metadata matches.

Definitions, checked against the bare-trafilatura baselines quoted in ``../shared/datasets/README.md``:

- words: lowercase ``\\w+`` tokens (Unicode); precision / recall / F1 over their *bag* (multiset), one
  figure per page, macro-averaged over pages by the caller. An empty output scores 0 unless the reference
  is empty too (then 1). Reproduces the README exactly (wcxb-dev articles F1 0.937 P 0.940 R 0.954;
  fundus-news F1 0.952 P 0.938 R 0.977); the *set* of tokens does not (wcxb F1 0.951).
- snippets: a ``with`` / ``without`` snippet is *found* when its lowercased text is a substring of the
  lowercased output, both whitespace-normalised. The README's 4.9 % leak is the same match without the
  whitespace normalisation (154 of 3,132 snippets); normalised, three more snippets that span a line break
  count as leaked (157, 5.0 %). ``found(..., normalise_space=False)`` gives the README's figure.
- promo-like snippet: its text matches :data:`PROMO` (the README's keyword list; see there).
- title: equal after whitespace normalisation (exact, and case-insensitive as a second figure).
- date: same day, comparing the ``YYYY-MM-DD`` prefixes.
- authors: equal sets of names after case/whitespace normalisation; a string of names is split on
  ``,``, ``;``, ``&`` and `` and ``.

``python benchmarks/metrics.py`` runs the self-check at the bottom.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+", re.UNICODE)
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b)\s*", re.IGNORECASE)

# What makes a ``without`` snippet "promo-like": the README's own list (newsletter / sign up / subscribe /
# related / share / more from), matched anywhere, case-insensitively. This is the definition that reproduces
# the README's "9 % of the promo-like ones" for bare trafilatura (25 of 290 snippets, 8.6 %); the longer
# list of the brief (adding most read, cookie, latest, popular ...) gives 7.6 % on the same output.
PROMO_WORDS = ("newsletter", "sign up", "subscribe", "related", "share", "more from")
PROMO = re.compile("|".join(re.escape(word) for word in PROMO_WORDS), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Overlap:
    """Word-level precision, recall and F1 of one output against its reference."""

    precision: float
    recall: float
    f1: float


def tokens(text: str | None) -> list[str]:
    """Lowercase ``\\w+`` tokens of ``text`` (``None`` → no tokens)."""
    return WORD.findall(text.lower()) if text else []


def overlap(output: str | None, reference: str | None, *, bag: bool = True) -> Overlap:
    """Word precision / recall / F1 over the bag (``bag=True``) or the set of tokens."""
    out_tokens, ref_tokens = tokens(output), tokens(reference)
    if not out_tokens or not ref_tokens:
        same = not out_tokens and not ref_tokens
        return Overlap(float(same), float(same), float(same))
    if bag:
        out_bag, ref_bag = Counter(out_tokens), Counter(ref_tokens)
        common = sum((out_bag & ref_bag).values())
        n_out, n_ref = len(out_tokens), len(ref_tokens)
    else:
        out_set, ref_set = set(out_tokens), set(ref_tokens)
        common = len(out_set & ref_set)
        n_out, n_ref = len(out_set), len(ref_set)
    if common == 0:
        return Overlap(0.0, 0.0, 0.0)
    precision, recall = common / n_out, common / n_ref
    return Overlap(precision, recall, 2 * precision * recall / (precision + recall))


def normalise(text: str | None) -> str:
    """Lowercased text with every run of whitespace made one space, stripped."""
    return _SPACE.sub(" ", text or "").strip().lower()


def found(snippets: Iterable[str], output: str | None, *, normalise_space: bool = True) -> list[bool]:
    """For each snippet, whether it appears in ``output`` (case-insensitive substring match, on
    whitespace-normalised text unless ``normalise_space=False``).

    Empty snippets are never found (they would match anything).
    """
    prepare = normalise if normalise_space else (lambda text: (text or "").lower())
    haystack = prepare(output)
    return [bool(needle.strip()) and needle in haystack for needle in map(prepare, snippets)]


def is_promo(snippet: str) -> bool:
    """Whether a ``without`` snippet reads like a promo, related list, share bar or cookie notice."""
    return PROMO.search(snippet) is not None


def title_match(truth: str | None, output: str | None, *, ignore_case: bool = False) -> bool:
    """Equal titles after whitespace normalisation (and case folding with ``ignore_case``)."""
    a, b = _SPACE.sub(" ", truth or "").strip(), _SPACE.sub(" ", output or "").strip()
    if ignore_case:
        a, b = a.casefold(), b.casefold()
    return bool(a) and a == b


def day(value: str | None) -> str | None:
    """The ``YYYY-MM-DD`` a date string starts with, else ``None``."""
    if not value:
        return None
    match = _DAY.match(value.strip())
    return "-".join(match.groups()) if match else None


def same_day(truth: str | None, output: str | None) -> bool:
    """Whether both dates name the same calendar day (by their ``YYYY-MM-DD`` prefix)."""
    expected = day(truth)
    return expected is not None and expected == day(output)


def author_names(value: str | Iterable[str] | None) -> frozenset[str]:
    """Normalised author names: a string is split on ``,`` ``;`` ``&`` `` and ``; a list is taken
    item by item (each item split the same way)."""
    if not value:
        return frozenset()
    items = [value] if isinstance(value, str) else list(value)
    names = set()
    for item in items:
        for part in _NAME_SPLIT.split(item or ""):
            name = _SPACE.sub(" ", part).strip(" .").casefold()
            if name:
                names.add(name)
    return frozenset(names)


def authors_match(truth: str | Iterable[str] | None, output: str | Iterable[str] | None) -> bool:
    """Whether the output names exactly the ground truth's set of authors."""
    expected = author_names(truth)
    return bool(expected) and expected == author_names(output)


def _self_check() -> None:
    # Word overlap over a bag of lowercase tokens.
    assert tokens("Hello, WORLD! Grüße 2024") == ["hello", "world", "grüße", "2024"]
    perfect = overlap("The cat sat.", "the CAT sat")
    assert perfect == Overlap(1.0, 1.0, 1.0)
    half = overlap("a b", "a c")
    assert (half.precision, half.recall, half.f1) == (0.5, 0.5, 0.5)
    # Multiset: a repeated word counts as often as it occurs in both.
    rep = overlap("a a a b", "a b")
    assert rep.precision == 0.5 and rep.recall == 1.0
    assert overlap("a a a b", "a b", bag=False).precision == 1.0
    assert overlap("", "a b") == Overlap(0.0, 0.0, 0.0)
    assert overlap(None, "a") == Overlap(0.0, 0.0, 0.0)
    assert overlap("a", "") == Overlap(0.0, 0.0, 0.0)
    assert overlap("", "") == Overlap(1.0, 1.0, 1.0)
    assert overlap("x y", "a b") == Overlap(0.0, 0.0, 0.0)
    # Snippets: case-insensitive, whitespace-normalised substring.
    text = "Body text.\n\nSign up  for our\nNewsletter today"
    snippets = ["sign up for our newsletter", "Body Text", "absent", ""]
    assert found(snippets, text) == [True, True, False, False]
    assert found(["sign up for our newsletter"], text, normalise_space=False) == [False]
    assert found(["Sign up  for"], text, normalise_space=False) == [True]
    assert is_promo("Sign up for The Week's free newsletters") and is_promo("Related stories")
    assert is_promo("Share this article") and not is_promo("Wallace said Gerasimov is")
    # Metadata.
    assert title_match("A  title\n", "A title") and not title_match("A Title", "a title")
    assert title_match("A Title", "a  title", ignore_case=True) and not title_match(None, None)
    assert same_day("2024-05-03 15:47:42.389000+00:00", "2024-05-03T09:00:00+02:00")
    assert not same_day("2024-05-03", "2024-05-04") and not same_day(None, None)
    assert not same_day("2024-05-03", None)
    assert author_names("Jane Doe, John Smith and Ann Lee") == {"jane doe", "john smith", "ann lee"}
    assert authors_match(["Jane  Doe", "JOHN SMITH"], "john smith; jane doe")
    assert authors_match("Manoj Jain and Jagpreet Chhatwal", ("Manoj Jain", "Jagpreet Chhatwal"))
    assert not authors_match("Jane Doe", ()) and not authors_match(None, None)
    assert author_names("Alexander Andersen") == {"alexander andersen"}  # "and" only as a word
    print("metrics self-check: all passed")


if __name__ == "__main__":
    _self_check()
