"""The page-type model (:mod:`scraper.extract.model.pages`): shipped, reproduced by numpy, wired in."""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

import scraper
from scraper.article import Article
from scraper.extract.model import pages
from scraper.extract.model.trees import TreeEnsemble

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SECTION_PAGE = Path(__file__).resolve().parent / "pages" / "page_kind" / "local-news-section.html"
SECTION_URL = "https://www.harbourledger.com/news/local/"


def _sample(path: str) -> tuple[bytes, str]:
    html = SAMPLES / path
    spec = tomllib.loads(html.with_suffix(".toml").read_text(encoding="utf-8"))
    return html.read_bytes(), spec["url"]


def test_shipped_model_loads_and_is_small() -> None:
    assert pages.MODEL_PATH.stat().st_size < 2 * 1024 * 1024
    model = pages.load_model()
    assert model.features == pages.FEATURES
    assert set(model.classes) == set(pages.LABELS)
    assert pages.load_model() is model  # read once per process
    meta = model.meta
    assert 0.0 < meta["threshold"] < 0.5
    assert meta["cv"]["article_refusals_by_model"] == 0
    assert set(meta["datasets"]) == {"wcxb-dev/ground-truth", "fundus-news/ground-truth.json"}


def test_numpy_evaluator_reproduces_the_stored_check_probabilities() -> None:
    check = json.loads(pages.MODEL_PATH.read_text(encoding="utf-8"))["check"]
    rows = np.asarray([[math.nan if v is None else v for v in row] for row in check["rows"]])
    found = TreeEnsemble.load(pages.MODEL_PATH).probabilities(rows)
    assert found.shape == (len(check["rows"]), len(pages.LABELS))
    np.testing.assert_allclose(found, np.asarray(check["probabilities"]), rtol=0, atol=1e-9)


def test_feature_names_match_the_row() -> None:
    assert len(set(pages.FEATURES)) == len(pages.FEATURES)
    assert "link_density" in pages.FEATURES and "says_article" in pages.FEATURES


@pytest.mark.parametrize(
    "path", ["nytimes.com/maine-seaweed-farmers.html", "northfieldpost.com/library-roof-repairs.html"]
)
def test_an_article_is_labelled_article(path: str) -> None:
    html, url = _sample(path)
    article = scraper.clean(html, url)
    assert article.page_kind == "article"
    assert article.page_kind_probability is not None and 0.5 < article.page_kind_probability <= 1.0


def test_an_index_page_refused_today_is_labelled_listing() -> None:
    html, url = _sample("bbc.com/world-news-index.html")
    with pytest.raises(scraper.NoArticleError) as caught:
        scraper.clean(html, url)
    assert caught.value.article is not None
    assert caught.value.article.page_kind == "listing"


def test_a_section_front_is_read_as_a_listing() -> None:
    # Refused as not an article when the model is sure enough, else kept and flagged: either way
    # the kind is recorded and the page's text is there to see.
    try:
        article = scraper.clean(SECTION_PAGE.read_bytes(), SECTION_URL)
    except scraper.NoArticleError as refused:
        assert refused.reason == "not-an-article"
        assert refused.article is not None
        article = refused.article
    assert article.page_kind == "listing"
    assert article.page_kind_probability is not None and article.page_kind_probability > 0.5
    assert "Council approves harbour wall budget" in article.text


def test_a_confident_listing_is_refused_as_not_an_article(monkeypatch: pytest.MonkeyPatch) -> None:
    # Stands in for a page the model is very sure of: only the threshold moves, the wiring is real.
    monkeypatch.setattr(pages, "refusal_threshold", lambda: 0.5)
    with pytest.raises(scraper.NoArticleError) as caught:
        scraper.clean(SECTION_PAGE.read_bytes(), SECTION_URL)
    assert caught.value.reason == "not-an-article"
    assert "listing" in str(caught.value)
    assert caught.value.article is not None and caught.value.article.page_kind == "listing"
    assert "Council approves harbour wall budget" in caught.value.article.text


def _row(**values: float) -> list[float]:
    row = dict.fromkeys(pages.FEATURES, 0.0) | {"lines": 20.0, "sentence_line_share": 0.5} | values
    return [row[name] for name in pages.FEATURES]


def test_what_the_model_never_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "refusal_threshold", lambda: 1.0)
    html, url = _sample("nytimes.com/maine-seaweed-farmers.html")
    assert scraper.clean(html, url).page_kind == "article"
    listing = pages.PageKind("listing", 0.99, 0.001)
    assert pages.verdict(listing, _row()) is not None
    assert pages.verdict(listing, _row(says_article=1.0)) is None  # the metadata calls it an article
    assert pages.verdict(listing, _row(lines=3.0)) is None  # a brief: a few paragraphs
    assert pages.verdict(listing, _row(sentence_line_share=1.0)) is None  # all prose, no list of items
    assert pages.verdict(pages.PageKind("forum", 0.99, 0.001), _row()) is None
    assert pages.verdict(pages.PageKind("product", 0.99, 0.001), _row()) is None


def test_a_short_article_beside_a_long_sidebar_is_kept() -> None:
    sidebar = "".join(
        f'<li><a href="/news/{i}">Other headline number {i} about the city</a></li>' for i in range(14)
    )
    body = (
        "<p>The city council approved a new budget on Monday after a long debate about school funding and road repairs.</p>"
        "<p>The mayor said the plan would raise spending on schools by eight percent and keep property taxes level.</p>"
    )
    html = f"<html><head><title>Budget</title></head><body><article><h1>Budget</h1>{body}</article><aside><ul>{sidebar}</ul></aside></body></html>"
    article = scraper.clean(html, "https://gazette.example/news/")
    assert "approved a new budget" in article.text


def test_model_off_gives_no_page_kind_and_todays_verdict() -> None:
    article = scraper.clean(SECTION_PAGE.read_bytes(), SECTION_URL, model=False)
    assert article.page_kind is None and article.page_kind_probability is None
    html, url = _sample("bbc.com/world-news-index.html")
    with pytest.raises(scraper.NoArticleError) as caught:
        scraper.clean(html, url, model=False)
    assert caught.value.article is not None and caught.value.article.page_kind is None


def test_page_kind_round_trips_through_dict() -> None:
    article = Article(text="x", page_kind="listing", page_kind_probability=0.875)
    data = json.loads(json.dumps(article.to_dict()))
    assert Article.from_dict(data) == article
    assert Article.from_dict(Article(text="x").to_dict()).page_kind is None
