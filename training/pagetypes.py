#!/usr/bin/env python
"""Train and measure the page-type model (:mod:`scraper.extract.model.pages`) on the development sets.

    python training/pagetypes.py             # build the table, cross-validate by site, print figures
    python training/pagetypes.py --write     # ... then train on everything and ship the model

1. **Table.** Every page of ``../shared/datasets`` (wcxb-dev, every page type; fundus-news, all
   articles) goes through ``scraper.clean`` as at run time; the feature row the engine computes is
   recorded (the classifier itself is stubbed so it neither labels nor refuses), with today's verdict
   (the hand-written refusal policy's reason, or none). Labels: wcxb's ``collection`` and ``listing``
   are *listing*; ``service`` and ``documentation`` are *other* (both are pages of prose about a
   product or a tool: too few and too alike to tell apart reliably, and nothing the policy treats
   differently); ``article``, ``forum``, ``product`` as they are.
2. **Cross-validation grouped by site** (host without ``www.``): stratified group k-fold, so no site is
   on both sides; every probability reported is from a model that never saw the page's site.
3. **Threshold.** The model refuses a page only when its likeliest kind is *listing*, today's policy
   kept it, :func:`pages.may_refuse` allows it (the metadata does not call it an article; its
   extracted text has at least six lines and not nine in ten of them sentences: a brief or a short
   article beside a long sidebar is never refused on the model's word), and its article probability
   is below a threshold. The threshold is half the lowest out-of-fold article probability of any
   development article the rule could reach, over three repeats of the cross-validation with
   different fold seeds (one split's lowest value depends on which sites happen to share a fold). No
   development article comes within a factor of two of it: the room left for the articles of sites
   the model has not seen.
4. **Shipping** (``--write``): the same settings trained on all pages (fixed seed), exported to
   ``scraper/extract/model/page-kind.json`` with the command, versions, the datasets' checksums, the
   threshold and the cross-validated figures.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import pickle
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# One OpenMP thread: the trees are small, and on a busy machine spinning threads cost minutes.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(REPO / "benchmarks"), str(HERE)]

import corpora  # noqa: E402
from devsets import DATASETS, all_samples, checksums, site_of  # noqa: E402
from export import export  # noqa: E402

import scraper  # noqa: E402
from scraper.errors import NoArticleError  # noqa: E402
from scraper.extract.model import pages  # noqa: E402

SEED = 7
FOLDS = 5
# Fold seeds of the repeated cross-validation; the first one's figures are the ones reported in full.
CV_SEEDS = (SEED, SEED + 1, SEED + 2)
PARAMS = {
    "max_iter": 120,
    "learning_rate": 0.06,
    "max_leaf_nodes": 8,
    "max_depth": 4,
    "min_samples_leaf": 12,
    "l2_regularization": 1.0,
    "class_weight": "balanced",
}
THRESHOLD_MARGIN = 0.5
TIMED_PAGES = 200
LABEL_OF = {
    "article": "article",
    "collection": "listing",
    "listing": "listing",
    "forum": "forum",
    "product": "product",
    "service": "other",
    "documentation": "other",
}


@dataclass(frozen=True, slots=True)
class PageRow:
    """One development page: its site, label, feature row (None when refused before the verdict
    stage, e.g. empty) and today's refusal reason (None: kept)."""

    dataset: str
    id: str
    site: str
    label: str
    row: tuple[float, ...] | None
    today: str | None
    feature_ms: float


_recorded: list[tuple[float, ...]] = []
_feature_seconds: list[float] = []
_page_features = pages.page_features
_read_markup = pages.read_markup


def _timed_features(**kwargs: object) -> list[float]:
    start = time.perf_counter()
    row = _page_features(**kwargs)  # type: ignore[arg-type]
    _feature_seconds.append(time.perf_counter() - start)
    return row


def _timed_markup(tree: object) -> pages.Markup:
    start = time.perf_counter()
    markup = _read_markup(tree)  # type: ignore[arg-type]
    _feature_seconds.append(time.perf_counter() - start)
    return markup


def _record(row: list[float]) -> pages.PageKind:
    """Stands in for the classifier while the table is built: keeps the row, labels nothing."""
    _recorded.append(tuple(row))
    return pages.PageKind("article", 1.0, 1.0)


def build_page(sample: corpora.Sample) -> PageRow:
    _recorded.clear()
    _feature_seconds.clear()
    today: str | None = None
    try:
        scraper.clean(sample.html(), sample.url)
    except NoArticleError as error:
        today = error.reason
    return PageRow(
        sample.dataset,
        sample.id,
        site_of(sample.url, f"{sample.dataset}:{sample.id}"),
        LABEL_OF[sample.page_type],
        _recorded[-1] if _recorded else None,
        today,
        1000.0 * sum(_feature_seconds),
    )


def _worker_init() -> None:
    pages.page_features = _timed_features  # type: ignore[assignment]
    pages.read_markup = _timed_markup  # type: ignore[assignment]
    pages.classify_page = _record  # type: ignore[assignment]


def build_table(workers: int) -> list[PageRow]:
    samples = all_samples()
    with multiprocessing.Pool(workers, initializer=_worker_init) as pool:
        return pool.map(build_page, samples, chunksize=8)


def fit(features: np.ndarray, labels: np.ndarray):
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(**PARAMS, random_state=SEED, early_stopping=False)
    return model.fit(features, labels)


def out_of_fold(features: np.ndarray, labels: np.ndarray, sites: np.ndarray, seed: int) -> np.ndarray:
    """Each page's class probabilities (columns in :data:`pages.LABELS` order) from the fold
    model that never saw its site; ``seed`` deals the sites into folds."""
    from sklearn.model_selection import StratifiedGroupKFold

    folds = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    found = np.zeros((len(labels), len(pages.LABELS)))
    for train, test in folds.split(features, labels, sites):
        model = fit(features[train], labels[train])
        columns = [list(model.classes_).index(label) for label in pages.LABELS]
        found[test] = model.predict_proba(features[test])[:, columns]
    return found


def reachable(probabilities: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Which rows the refusal rule may reach at all: likeliest kind refusable, and
    :func:`pages.may_refuse` (metadata silent, enough lines, not all of them sentences)."""
    label = np.asarray(pages.LABELS)[probabilities.argmax(axis=1)]
    allowed = np.asarray([pages.may_refuse(row) for row in rows], dtype=bool)
    return np.isin(label, sorted(pages.REFUSABLE)) & allowed


def refused(probabilities: np.ndarray, rows: np.ndarray, threshold: float) -> np.ndarray:
    """Which rows the model's verdict refuses at ``threshold`` (mirrors :func:`pages.verdict`)."""
    article = probabilities[:, pages.LABELS.index("article")]
    return reachable(probabilities, rows) & (article < threshold)


def report(
    table: list[PageRow], probabilities: np.ndarray, threshold: float, *, quiet: bool = False
) -> dict[str, object]:
    """Print the cross-validated figures (unless ``quiet``) and return them for the model's meta."""
    say = (lambda *args: None) if quiet else print
    modelled = [page for page in table if page.row is not None]
    labels = np.asarray([page.label for page in modelled])
    predicted = np.asarray(pages.LABELS)[probabilities.argmax(axis=1)]
    say(f"\nOut-of-fold ({FOLDS} folds grouped by site, {len({p.site for p in modelled})} sites):")
    say("true \\ predicted " + "".join(f"{label:>9}" for label in pages.LABELS) + "   recall")
    recall: dict[str, float] = {}
    for label in pages.LABELS:
        mine = labels == label
        counts = Counter(predicted[mine])
        recall[label] = float((predicted[mine] == label).mean())
        cells = "".join(f"{counts.get(other, 0):>9}" for other in pages.LABELS)
        say(f"{label:<17}{cells}   {recall[label]:.3f} ({int(mine.sum())})")
    accuracy = float((predicted == labels).mean())
    is_article = labels == "article"
    said = predicted == "article"
    say(
        f"accuracy {accuracy:.3f}; article vs not: article recall {said[is_article].mean():.3f},"
        f" non-article recall {(~said[~is_article]).mean():.3f}"
    )
    rows = np.asarray([page.row for page in modelled], dtype=np.float64)
    kept_today = np.asarray([page.today is None for page in modelled])
    by_model = refused(probabilities, rows, threshold) & kept_today
    articles = sum(page.label == "article" for page in table)
    non_articles = len(table) - articles
    refused_articles_today = sum(page.today is not None for page in table if page.label == "article")
    refused_articles_model = int(by_model[is_article].sum())
    today = sum(page.today is not None for page in table if page.label != "article")
    added = int(by_model[~is_article].sum())
    feature_ms = float(np.mean([page.feature_ms for page in modelled]))
    say(f"threshold: refuse a likely listing below article probability {threshold:.4f}")
    say(
        f"article refusals: today {refused_articles_today} of {articles};"
        f" today + model {refused_articles_today + refused_articles_model} of {articles}"
    )
    say(
        f"non-articles recognised (refused): today {today} of {non_articles};"
        f" today + model {today + added} of {non_articles}"
    )
    refused_kinds = Counter(str(label) for label in labels[by_model & ~is_article])
    say(f"refusals the model adds, by true kind: {dict(refused_kinds)}; articles: {refused_articles_model}")
    return {
        "folds": FOLDS,
        "sites": len({p.site for p in modelled}),
        "recall": {label: round(value, 4) for label, value in recall.items()},
        "accuracy": round(accuracy, 4),
        "article_refusals": refused_articles_today + refused_articles_model,
        "article_refusals_by_model": refused_articles_model,
        "articles": articles,
        "non_articles_refused_today": today,
        "non_articles_refused_with_model": today + added,
        "non_articles": non_articles,
        "feature_ms_in_workers": round(feature_ms, 4),
    }


def at_risk_lowest(probabilities: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> float:
    """The lowest article probability of a development article the refusal rule could reach."""
    at_risk = (labels == "article") & reachable(probabilities, rows)
    article = probabilities[:, pages.LABELS.index("article")]
    return float(article[at_risk].min()) if at_risk.any() else 1.0


def added_ms(pages_to_time: int) -> tuple[float, float]:
    """Milliseconds per page the model adds, in this one process: (features, classification).

    The table's own timing runs in parallel workers beside the rest of the engine, so it is noisy;
    this pass cleans the first wcxb pages one after another and times only the model's steps: the
    markup counts, the feature row, and the shipped model's evaluation.
    """
    spent = {"features": 0.0, "classify": 0.0}
    real = (pages.read_markup, pages.page_features, pages.classify_page)

    def timed(name: str, function):
        def call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start

        return call

    pages.read_markup = timed("features", real[0])
    pages.page_features = timed("features", real[1])
    pages.classify_page = timed("classify", real[2])
    pages.load_model.cache_clear()
    pages.load_model()  # loading is once per process, not per page
    try:
        samples = list(corpora.wcxb(DATASETS / "wcxb-dev", limit=pages_to_time))
        for sample in samples:
            with contextlib.suppress(NoArticleError):
                scraper.clean(sample.html(), sample.url)
    finally:
        pages.read_markup, pages.page_features, pages.classify_page = real
    return 1000.0 * spent["features"] / len(samples), 1000.0 * spent["classify"] / len(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="train on all pages and ship the model")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the table (default 2)")
    parser.add_argument("--table", type=Path, default=None, help="cache the feature table in this file")
    args = parser.parse_args()

    if args.table is not None and args.table.exists():
        table = pickle.loads(args.table.read_bytes())
    else:
        started = time.perf_counter()
        table = build_table(args.jobs)
        print(f"table: {len(table)} pages in {time.perf_counter() - started:.0f} s")
        if args.table is not None:
            args.table.write_bytes(pickle.dumps(table))
    modelled = [page for page in table if page.row is not None]
    print(f"{len(modelled)} pages reach the verdict; labels {dict(Counter(p.label for p in modelled))}")
    features = np.asarray([page.row for page in modelled], dtype=np.float64)
    labels = np.asarray([page.label for page in modelled])
    sites = np.asarray([page.site for page in modelled])

    repeats = [out_of_fold(features, labels, sites, seed) for seed in CV_SEEDS]
    lowest = min(at_risk_lowest(found, labels, features) for found in repeats)
    threshold = THRESHOLD_MARGIN * lowest
    print(f"lowest out-of-fold article probability of an article the rule could refuse: {lowest:.5f}")
    figures = report(table, repeats[0], threshold)
    for seed, found in zip(CV_SEEDS[1:], repeats[1:], strict=True):
        again = report(table, found, threshold, quiet=True)
        print(
            f"fold seed {seed}: accuracy {again['accuracy']:.3f};"
            f" article refusals {again['article_refusals']} of {again['articles']};"
            f" non-articles refused {again['non_articles_refused_with_model']} of {again['non_articles']}"
        )
    if args.write:
        ship(features, labels, threshold, lowest, figures)
    if pages.MODEL_PATH.exists():
        try:
            features_ms, classify_ms = added_ms(TIMED_PAGES)
        except OSError as error:  # another model file of the engine is not there yet
            print(f"added time not measured: {error}")
            return
        print(
            f"added time ({TIMED_PAGES} wcxb pages, one process): {features_ms:.3f} ms/page for the features"
            f" (markup counts and row) + {classify_ms:.3f} ms/page to classify"
            f" = {features_ms + classify_ms:.3f} ms/page"
        )


def ship(
    features: np.ndarray, labels: np.ndarray, threshold: float, lowest: float, figures: dict[str, object]
) -> None:
    """Train on every page with the chosen settings and write the model with its provenance."""
    import sklearn

    model = fit(features, labels)
    meta = {
        "command": "python training/pagetypes.py --write",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "params": PARAMS,
        "seed": SEED,
        "labels": LABEL_OF,
        "datasets": checksums(),
        "threshold": threshold,
        "threshold_rule": (
            f"{THRESHOLD_MARGIN} x the lowest out-of-fold article probability ({lowest:.5f}) of a development"
            f" article the rule could refuse, over fold seeds {list(CV_SEEDS)}"
        ),
        "cv": figures,
    }
    export(model, list(pages.FEATURES), features, pages.MODEL_PATH, meta)
    size = pages.MODEL_PATH.stat().st_size
    print(f"wrote {pages.MODEL_PATH.relative_to(REPO)} ({size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
