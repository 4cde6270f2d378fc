"""`scraper rules learn` and `scraper rules import-ftr`, end to end on bundled samples and written files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from scraper.cli.main import main
from scraper.rules.book import parse_rule_file

SITE = Path(__file__).resolve().parent.parent / "samples" / "northfieldpost.com"
PLUG = "Listen to The Northfield Morning"
NOTE = "The Northfield Post corrects errors of fact promptly"


def run(*args: str):  # click's Result
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cleaning_the_bundled_site_folder_learns_its_repeated_blocks(tmp_path: Path) -> None:
    result = run("clean", str(SITE), "-o", str(tmp_path), "-j", "1")
    assert result.exit_code == 0 and "pages of northfieldpost.com" in result.stderr
    for text_file in tmp_path.glob("*.txt"):
        text = text_file.read_text(encoding="utf-8")
        assert PLUG not in text and NOTE not in text
        meta = json.loads(text_file.with_suffix(".json").read_text(encoding="utf-8"))
        assert any(r["by"] == "detector:site-memory" for r in meta["removed"])


def test_rules_learn_drafts_a_rule_that_checks_and_cleans(tmp_path: Path) -> None:
    target = tmp_path / "rules" / "northfieldpost.com.toml"
    result = run("rules", "learn", str(SITE), "-o", str(target))
    assert result.exit_code == 0, result.stderr
    rule = parse_rule_file(target)
    assert rule.tests and (rule.strip or rule.drop_lines)
    check = run("rules", "check", "--no-shipped", str(tmp_path / "rules"))
    assert check.exit_code == 0, check.output
    page = SITE / "library-roof-repairs.html"
    cleaned = run("clean", str(page), "--rules", str(tmp_path / "rules"))
    assert PLUG not in cleaned.stdout and NOTE not in cleaned.stdout
    assert "Board chair Alan Whitcombe" in cleaned.stdout
    again = run("rules", "learn", str(SITE), "-o", str(target))
    assert again.exit_code == 2 and "exists" in again.stderr  # never replaced without --force
    too_few = run("rules", "learn", str(page), "-o", str(tmp_path / "x.toml"))
    assert too_few.exit_code == 2 and "at least 3 pages" in too_few.stderr


def test_rules_learn_on_a_folder_of_many_sites_drafts_from_the_one_asked_for(tmp_path: Path) -> None:
    samples = SITE.parent
    target = tmp_path / "northfieldpost.com.toml"
    result = run("rules", "learn", str(samples), "--site", "northfieldpost.com", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert "a page of theweek.com, not of --site northfieldpost.com" in result.stderr
    samples_named = [line for line in target.read_text(encoding="utf-8").splitlines() if "sample" in line]
    assert samples_named and all("northfieldpost.com" in line for line in samples_named)


def test_clean_jobs_0_cleans_in_this_process_as_crawl_does(tmp_path: Path) -> None:
    result = run("clean", str(SITE), "-o", str(tmp_path), "-j", "0")
    assert result.exit_code == 0, result.stderr
    assert len(list(tmp_path.glob("*.txt"))) == len(list(SITE.glob("*.html")))


def test_rules_import_ftr_converts_and_reports(tmp_path: Path) -> None:
    src = tmp_path / "ftr"
    src.mkdir()
    (src / "northfieldpost.com.txt").write_text(
        "# Northfield Post\n"
        "body: //div[contains(@class, 'story-body')]\n"
        "strip: //div[@class='newsletter-box']\n"
        "strip: //p[last()]\n"
        "strip_id_or_class: related\n"
        "single_page_link: //a[@rel='single']\n"
        "test_url: https://www.northfieldpost.com/news/2025/library-roof-repairs/\n",
        encoding="utf-8",
    )
    dest = tmp_path / "rules"
    result = run("rules", "import-ftr", str(src), str(dest))
    assert result.exit_code == 0, result.stderr
    assert "imported 1 of 1 files" in result.stderr and "single_page_link" in result.stderr
    rule = parse_rule_file(dest / "northfieldpost.com.toml")
    assert 'div[class="newsletter-box"]' in rule.strip and rule.strip_xpath


def test_an_ftr_file_of_which_nothing_converts_counts_as_an_error(tmp_path: Path) -> None:
    src = tmp_path / "ftr"
    src.mkdir()
    (src / "example.com.txt").write_text("title: //h1\ntest_url: https://example.com/a\n", encoding="utf-8")
    result = run("rules", "import-ftr", str(src), str(tmp_path / "rules"))
    assert result.exit_code == 1
    assert "error: " in result.stderr and "no body or strip line could be converted" in result.stderr
    assert "imported 0 of 1 files" in result.stderr and "; 1 errors" in result.stderr
