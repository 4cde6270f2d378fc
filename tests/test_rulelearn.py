"""Drafting a site rule from saved pages of one site (`scraper rules learn`'s library side)."""

from __future__ import annotations

from pathlib import Path

from test_learn import PLUG, STANDARDS, harbour_page

import scraper
from scraper.authoring.draft import SavedPage, draft_rule, site_of_pages
from scraper.rules.book import load_rules, parse_rule_file

BOX = "Harbour Post Extra: our members' evening is on the first Friday of every month at the quay."


def page_with_box(index: int) -> str:
    box = f'<aside class="member-box css-{index}k"><p>{BOX}</p></aside>'
    return harbour_page(index).replace("</article>", f"{box}</article>")


def test_a_draft_rule_strips_what_repeats_and_tests_itself(tmp_path: Path) -> None:
    saved = tmp_path / "samples" / "harbourpost.example"
    saved.mkdir(parents=True)
    pages = []
    for i in range(5):
        path = saved / f"story-{i}.html"
        path.write_text(page_with_box(i), encoding="utf-8")
        pages.append(SavedPage(path, scraper.Page(url=None, body=path.read_bytes())))
    assert site_of_pages(pages) == "harbourpost.example"
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    target = rules_dir / "harbourpost.example.toml"
    draft = draft_rule(pages, "harbourpost.example", rule_path=target)
    target.write_text(draft.toml, encoding="utf-8")

    rule = parse_rule_file(target)  # the strict parser accepts the draft
    assert "aside.member-box" in rule.strip  # a stable selector, not the generated css-* class
    assert any(PLUG[:30] in p.pattern.replace("\\", "") for p in rule.drop_lines)
    assert rule.tests and all(test.sample.exists() for test in rule.tests)

    book = load_rules([rules_dir])
    for test in rule.tests:
        article = scraper.clean(test.sample.read_bytes(), url=test.url, rules=book)
        assert all(text in article.text for text in test.contains)
        assert not any(text in article.text for text in test.not_contains)
    article = scraper.clean(page_with_box(9), url="https://harbourpost.example/news/x-9", rules=book)
    assert BOX not in article.text and PLUG not in article.text and STANDARDS not in article.text
    assert "project number 9" in article.text
