"""Every bundled sample page, cleaned with the shipped rules, meets its sidecar expectations."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import scraper
from scraper.rules.book import load_rules

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SIDECARS = sorted(SAMPLES.rglob("*.toml"))
SEED_SAMPLE = SAMPLES / "theweek.com" / "russian-generals.html"


def _expectations(sidecar: Path) -> dict:
    return tomllib.loads(sidecar.read_text(encoding="utf-8"))


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_there_are_enough_samples() -> None:
    assert len(SIDECARS) >= 10


@pytest.mark.parametrize("sidecar", SIDECARS, ids=lambda p: str(p.relative_to(SAMPLES)))
def test_sample(sidecar: Path) -> None:
    spec = _expectations(sidecar)
    html = sidecar.with_suffix(".html").read_bytes()
    if not spec.get("article", True):
        with pytest.raises(scraper.NoArticleError):
            scraper.clean(html, url=spec.get("url"))
        return
    article = scraper.clean(html, url=spec.get("url"))
    expect = spec.get("expect", {})
    for snippet in expect.get("contains", []):
        assert snippet in article.text, f"missing: {snippet!r}"
    for snippet in expect.get("not_contains", []):
        assert snippet not in article.text, f"leaked: {snippet!r}"
    if "text" in expect:
        assert _lines(article.text) == _lines(expect["text"])
    if "title" in expect:
        assert article.title == expect["title"]
    if "authors" in expect:
        assert list(article.authors) == expect["authors"]
    if "published" in expect:
        assert article.published_date == expect["published"]
    if "language" in expect:
        assert article.language == expect["language"]


def test_seed_page_is_exact_with_no_site_rule() -> None:
    """The acceptance case: generic detection alone leaves exactly the ten paragraphs."""
    spec = _expectations(SEED_SAMPLE.with_suffix(".toml"))
    generic_only = load_rules(sites=False)
    assert "theweek.com" not in generic_only.sites
    article = scraper.clean(SEED_SAMPLE.read_bytes(), url=spec["url"], rules=generic_only)
    paragraphs = _lines(article.text)
    assert paragraphs == _lines(spec["expect"]["text"])
    assert len(paragraphs) == 10
    assert not any(r.by.startswith("rule:theweek") for r in article.removed)


def test_seed_page_with_site_rule_is_exact_and_attributed() -> None:
    spec = _expectations(SEED_SAMPLE.with_suffix(".toml"))
    article = scraper.clean(SEED_SAMPLE.read_bytes(), url=spec["url"])
    assert _lines(article.text) == _lines(spec["expect"]["text"])
    assert any(r.by == "rule:theweek.com" for r in article.removed)
