"""What kind of page this is (article, listing, forum, product, other), learned from the development sets.

The refusal policy in :mod:`scraper.extract.pagekind` is hand-written and cautious: it refuses an index
page only when its extracted text is plainly link texts and fragments. Many section fronts, tag pages
and collections pass it with a few teaser sentences. A small gradient-boosted tree model, trained on
wcxb-dev's page types and fundus-news (``training/pagetypes.py``, cross-validated by site), reads
what the engine has already measured (link density, text units, sentence and link-line shares, what
the metadata says, the URL's shape, a few markup counts) and names the page's kind with a probability.

Every page gets the label (:attr:`Article.page_kind`); only a listing the model is very sure of, whose
article probability is below the threshold chosen so that no development article would be refused
(stored with the model), and whose text is a list rather than a few paragraphs of prose
(:func:`may_refuse`), is refused. Forum threads and product pages are labelled, never refused: they
carry text a user may want. Features are structural and language-neutral (no per-site phrases), so
they carry over to sites the model never saw.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from selectolax.lexbor import LexborHTMLParser

from scraper.extract.metadata import Metadata
from scraper.extract.model.trees import TreeEnsemble
from scraper.extract.pagekind import LIST_MARK, Links, Signals, Verdict, line_measure, squash, text_units

MODEL_PATH = Path(__file__).with_name("page-kind.json")
LABELS = ("article", "listing", "forum", "product", "other")
# Kinds the model may refuse. Forums and product pages hold text a user may want: labelled only.
REFUSABLE = frozenset({"listing"})
# ... and only pages whose extracted text has this many lines, at most this share of them sentences
# (see :func:`may_refuse`).
REFUSE_MIN_LINES = 6
REFUSE_MAX_SENTENCE_LINE_SHARE = 0.9

# Tags counted in the page as served (before noise is dropped): forms and controls mark shops and
# service pages, many <article> / <h2> / <li> / <time> elements mark lists of teasers or posts.
_COUNTED_TAGS = ("form", "input", "button", "select", "textarea", "article", "h1", "h2", "h3", "li", "time")
_MARKUP_SELECTOR = ", ".join(_COUNTED_TAGS)

_ARTICLE_TYPE = re.compile(r"article|posting|report|blog|news", re.IGNORECASE)
_PRODUCT_TYPES = frozenset({"product", "offer", "aggregateoffer", "productgroup", "individualproduct"})
_FORUM_TYPES = frozenset({"discussionforumposting", "qapage", "question", "answer", "comment"})
_LIST_TYPES = frozenset({"itemlist", "collectionpage", "searchresultspage", "sitenavigationelement"})
_SERVICE_TYPES = frozenset(
    {"service", "localbusiness", "organization", "corporation", "faqpage", "contactpage", "aboutpage"}
)
_DOC_TYPES = frozenset({"techarticle", "softwareapplication", "softwaresourcecode", "apireference"})

# Lists of posts and teasers carry many dates and clock times, shops many prices. Each pattern begins
# with a literal (or is a plain count), so a page's text is scanned in microseconds, not milliseconds.
_CURRENCY = "$€£¥₹"
_YEAR = re.compile(r"20[0-3]\d\b")
_CLOCK = re.compile(r":[0-5]\d\b")
_URL_DATE = re.compile(r"(?:^|/)(?:19|20)\d{2}(?:/|-)\d{1,2}(?:/|-|$)|(?:19|20)\d{2}[01]\d[0-3]\d")
_DIGITS = re.compile(r"\d+")
_LIST_START = frozenset("-*•0123456789")
_LONG_LINE_UNITS = 200


@dataclass(frozen=True, slots=True)
class Markup:
    """Counts of a few tags in the page as served (one selector query: a fraction of a millisecond)."""

    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class PageKind:
    """The model's answer: the likeliest ``label``, its ``probability``, and the article's probability."""

    label: str
    probability: float
    article_probability: float


def read_markup(tree: LexborHTMLParser) -> Markup:
    """The tag counts the features need, read before :func:`drop_noise` removes forms and asides."""
    counts = Counter(node.tag for node in tree.css(_MARKUP_SELECTOR))
    return Markup({tag: counts.get(tag, 0) for tag in _COUNTED_TAGS})


def _log(value: float) -> float:
    return math.log1p(max(value, 0.0))


_URL_FEATURES = (
    "url_known",
    "url_depth",
    "url_path_len",
    "url_last_len",
    "url_last_hyphens",
    "url_last_digits",
    "url_date",
    "url_trailing_slash",
    "url_query",
    "url_extension",
    "url_max_digits",
)


def _url_features(url: str | None) -> dict[str, float]:
    """The shape of the address: articles live at deep, long, slugged or dated paths; lists at short ones."""
    if not url:
        return dict.fromkeys(_URL_FEATURES, math.nan) | {"url_known": 0.0}
    parts = urlsplit(url)
    path = parts.path or "/"
    segments = [segment for segment in path.split("/") if segment]
    last = segments[-1] if segments else ""
    stem = last.rsplit(".", 1)[0] if "." in last else last
    digit_runs = [len(run) for run in _DIGITS.findall(path)]
    return {
        "url_known": 1.0,
        "url_depth": float(len(segments)),
        "url_path_len": float(len(path)),
        "url_last_len": float(len(stem)),
        "url_last_hyphens": float(stem.count("-") + stem.count("_")),
        "url_last_digits": float(sum(ch.isdigit() for ch in stem)),
        "url_date": float(_URL_DATE.search(path) is not None),
        "url_trailing_slash": float(path.endswith("/")),
        "url_query": float(bool(parts.query)),
        "url_extension": float("." in last),
        "url_max_digits": float(max(digit_runs, default=0)),
    }


def _meta_features(meta: Metadata, says_article: bool, paywalled: bool) -> dict[str, float]:
    """What the page says of itself: schema.org and OpenGraph types, bylines, dates."""
    types = set(meta.json_ld_types)
    og = (meta.page_type or "").lower()
    return {
        "says_article": float(says_article),
        "type_article": float(any(_ARTICLE_TYPE.search(name) for name in types)),
        "type_product": float(bool(types & _PRODUCT_TYPES) or "product" in og),
        "type_forum": float(bool(types & _FORUM_TYPES)),
        "type_list": float(bool(types & _LIST_TYPES)),
        "type_service": float(bool(types & _SERVICE_TYPES)),
        "type_doc": float(bool(types & _DOC_TYPES)),
        "type_breadcrumb": float("breadcrumblist" in types),
        "types": float(len(types)),
        "og_website": float(og == "website"),
        "og_article": float(og == "article"),
        "authors": float(len(meta.authors)),
        # Any date, a day or a timestamp (the features the shipped model was trained on).
        "published": float(meta.published_date is not None),
        "modified": float(meta.modified_date is not None),
        "tags": float(len(meta.tags)),
        "description_len": float(len(meta.description or "")),
        "json_ld_body": float(meta.json_ld_body is not None),
        "paywalled": float(paywalled),
    }


def _line_features(lines: Sequence[str], links: Links, units: int) -> dict[str, float]:
    """The extracted text's shape: prose in sentences, or headlines and link texts one per line."""
    sizes: list[int] = []
    sentence_units = link_units = link_lines = sentence_lines = long_lines = 0
    # A line far longer than every link text is none of them: it need not be folded and looked up.
    longest_link = 2 * max(map(len, links.texts), default=0)
    for line in lines:
        size, sentence = line_measure(line)
        sizes.append(size)
        bare = LIST_MARK.sub("", line) if line[:1] in _LIST_START else line
        if len(bare) <= longest_link and squash(bare) in links.texts:
            link_units += size
            link_lines += 1
        elif sentence:
            sentence_units += size
            sentence_lines += 1
        long_lines += size >= _LONG_LINE_UNITS
    total = sum(sizes) or 1
    count = len(sizes) or 1
    ordered = sorted(sizes)
    return {
        "lines": float(len(sizes)),
        "units": _log(units),
        "line_mean": sum(sizes) / count,
        "line_median": float(ordered[len(ordered) // 2]) if ordered else 0.0,
        "line_max": float(ordered[-1]) if ordered else 0.0,
        "long_lines": float(long_lines),
        "sentence_units": _log(sentence_units),
        "sentence_share": sentence_units / total,
        "sentence_line_share": sentence_lines / count,
        "link_line_units": link_units / total,
        "link_line_share": link_lines / count,
    }


def _page_features(
    page_text: str, links: Links, units: int, markup: Markup, titles: Sequence[str]
) -> dict[str, float]:
    """The whole page's text and markup: how much of it is links, prices, dates, forms, teasers."""
    page_units = len(page_text)  # characters, not units: counting units would cost 0.3 ms a page
    years = len(_YEAR.findall(page_text))
    counts = markup.counts
    controls = counts["input"] + counts["button"] + counts["select"] + counts["textarea"]
    per_k = 1000.0 / max(page_units, 1)
    return {
        "page_units": _log(page_units),
        "extracted_share": units / max(page_units, 1),
        "link_density": links.density,
        "link_texts": _log(len(links.texts)),
        "link_texts_per_k": len(links.texts) * per_k,
        "prices": _log(sum(page_text.count(sign) for sign in _CURRENCY)),
        "years": _log(years),
        "years_per_k": years * per_k,
        "clocks": _log(len(_CLOCK.findall(page_text))),
        "forms": float(counts["form"]),
        "controls": _log(controls),
        "textareas": float(counts["textarea"]),
        "selects": float(counts["select"]),
        "articles": _log(counts["article"]),
        "h1": float(counts["h1"]),
        "h2": _log(counts["h2"]),
        "h3": _log(counts["h3"]),
        "list_items": _log(counts["li"]),
        "times": _log(counts["time"]),
        "title_units": float(text_units(titles[0])) if titles else 0.0,
    }


def page_features(
    *,
    url: str | None,
    meta: Metadata,
    signals: Signals,
    markup: Markup,
    page_text: str,
    links: Links,
    lines: Sequence[str],
    units: int,
    says_article: bool,
    paywalled: bool,
) -> list[float]:
    """One feature row (in :data:`FEATURES` order) from what the engine has already read of the page."""
    row = (
        _url_features(url or meta.canonical_url)
        | _meta_features(meta, says_article, paywalled)
        | _line_features(lines, links, units)
        | _page_features(page_text, links, units, markup, signals.titles)
    )
    return [row[name] for name in FEATURES]


def _feature_names() -> tuple[str, ...]:
    """The names in row order, read off the feature functions themselves (so they cannot drift)."""
    empty_links = Links(frozenset(), 0.0)
    markup = Markup(dict.fromkeys(_COUNTED_TAGS, 0))
    names = (
        _url_features(None)
        | _meta_features(Metadata(), False, False)
        | _line_features((), empty_links, 0)
        | _page_features("", empty_links, 0, markup, ())
    )
    return tuple(names)


FEATURES = _feature_names()
_SAYS_ARTICLE = FEATURES.index("says_article")
_LINES = FEATURES.index("lines")
_SENTENCE_LINE_SHARE = FEATURES.index("sentence_line_share")


@functools.cache
def load_model(path: Path = MODEL_PATH) -> TreeEnsemble:
    """The shipped page-kind model, read once per process."""
    model = TreeEnsemble.load(path)
    if model.features != FEATURES:
        raise ValueError(f"{path}: trained on other features than this code computes; retrain it")
    return model


def classify_page(row: Sequence[float]) -> PageKind:
    """The page's likeliest kind, with its probability and the probability that it is an article."""
    model = load_model()
    probabilities = model.probabilities(np.asarray([row], dtype=np.float64))[0]
    best = int(np.argmax(probabilities))
    article = model.classes.index("article")
    return PageKind(model.classes[best], float(probabilities[best]), float(probabilities[article]))


def refusal_threshold() -> float:
    """Refuse a listing only below this article probability (chosen in training; see the model's meta)."""
    return float(load_model().meta["threshold"])


def may_refuse(row: Sequence[float]) -> bool:
    """Whether the page is one the model may refuse at all, whatever its probabilities.

    Never when the metadata calls the page an article, nor when its extracted text is a few lines
    (a brief, a short article beside a long sidebar: something to give), nor when nearly every line
    is a sentence: a listing lists its items by their headlines and link texts.
    """
    return (
        row[_SAYS_ARTICLE] == 0.0
        and row[_LINES] >= REFUSE_MIN_LINES
        and row[_SENTENCE_LINE_SHARE] <= REFUSE_MAX_SENTENCE_LINE_SHARE
    )


def verdict(kind: PageKind, row: Sequence[float]) -> Verdict | None:
    """A refusal when the model is very sure the page is a listing and no article; else ``None``."""
    if kind.label not in REFUSABLE or not may_refuse(row) or kind.article_probability >= refusal_threshold():
        return None
    return Verdict(
        "not-an-article",
        f"the page-type model reads it as a {kind.label} page, not an article"
        f" (p={kind.probability:.2f}; article p={kind.article_probability:.4f})",
    )
