"""The fast pass / full pass policy of the one trafilatura call (scraper.extract)."""

from __future__ import annotations

import pytest

from scraper.extract import maintext as extract


def _passes(monkeypatch: pytest.MonkeyPatch, fast: str, full: str) -> list[bool]:
    calls: list[bool] = []

    def fake(document: object, url: str | None, *, fast: bool, **_: bool) -> extract.MainText:
        calls.append(fast)
        return extract.MainText(fast_text if fast else full_text)

    fast_text, full_text = fast, full
    monkeypatch.setattr(extract, "_trafilatura", fake)
    return calls


def test_a_fast_pass_that_covers_the_prose_is_kept_without_the_full_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _passes(monkeypatch, "a" * 900, "b" * 2000)
    text = extract.extract_text("<p>x</p>", None, [], expected_chars=1000)[0].text
    assert text == "a" * 900 and calls == [True]


def test_the_full_pass_wins_when_it_keeps_paragraphs_the_fast_pass_lost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _passes(monkeypatch, "a" * 500, "b" * 1000)
    text = extract.extract_text("<p>x</p>", None, [], expected_chars=1000)[0].text
    assert text == "b" * 1000 and calls == [True, False]


def test_a_fast_pass_that_misses_a_quarter_of_the_prose_is_checked_by_the_full_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 70 % of the page's prose: a whole section (a price table, the second half) can be missing.
    calls = _passes(monkeypatch, "a" * 700, "b" * 1300)
    text = extract.extract_text("<p>x</p>", None, [], expected_chars=1000)[0].text
    assert text == "b" * 1300 and calls == [True, False]


def test_the_fast_pass_stands_when_the_full_pass_agrees_on_its_extent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _passes(monkeypatch, "a" * 500, "b" * 520)
    text = extract.extract_text("<p>x</p>", None, [], expected_chars=1000)[0].text
    assert text == "a" * 500 and calls == [True, False]


# trafilatura's dump of the page: one paragraph holding the whole <article>, boilerplate and all.
DUMP = " ".join(["The article's sentence goes on."] * 60) + " Leave a Comment More to Discover"
PARAGRAPHS = "\n\n".join([" ".join(["The article's sentence goes on."] * 10)] * 6)


def test_a_dump_of_the_page_gives_way_to_the_full_pass_paragraphs(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _passes(monkeypatch, DUMP, PARAGRAPHS)
    text = extract.extract_text("<p>x</p>", None, [], expected_chars=1000)[0].text
    assert text == PARAGRAPHS and calls == [True, False]


def test_a_dump_stays_when_the_full_pass_finds_much_less(monkeypatch: pytest.MonkeyPatch) -> None:
    shorter = PARAGRAPHS[: len(DUMP) // 4]
    calls = _passes(monkeypatch, DUMP, shorter)
    text = extract.extract_text("<p>x</p>", None, [], expected_chars=1000)[0].text
    assert text == DUMP and calls == [True, False]


def test_a_long_single_paragraph_both_passes_agree_on_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _passes(monkeypatch, DUMP, DUMP.replace("goes", "went"))
    text = extract.extract_text("<p>x</p>", None, [], expected_chars=1000)[0].text
    assert text == DUMP and calls == [True, False]
