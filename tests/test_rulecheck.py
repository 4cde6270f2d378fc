"""`scraper rules check` / `show` and the library behind them; the worked example of docs/rules.md."""

from __future__ import annotations

import gzip
import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from httpserver import LocalServer

from scraper.authoring.check import check_rules, explain
from scraper.cli.rules import rules_group
from scraper.errors import RuleError

ROOT = Path(__file__).resolve().parent.parent
THEWEEK = ROOT / "samples" / "theweek.com" / "russian-generals.html"
THEWEEK_URL = (
    "https://theweek.com/russo-ukrainian-war/956787/russian-generals-turning-on-one-another-to-avoid-purge"
)
DOC = ROOT / "docs" / "rules.md"

STORY_URL = "https://news.example.com/2024/harbour"
STORY = """<!doctype html><html lang="en"><head><title>Harbour reopens</title></head>
<body><article><h1>Harbour reopens</h1><div class="css-9x8y7z">
<p>The harbour reopened on Monday after three weeks of repairs to the sea wall, officials said.</p>
<p class="promo">PROMO-MARKER Buy our mugs today.</p>
<p>Fishing boats were the first to return, followed by the ferry that links the island to the mainland.</p>
<p>Engineers said the new wall should withstand storms of the strength that damaged the old one in March.</p>
<p>Traders welcomed the news, saying the closure had cost them the busiest weeks of the season.</p>
<p>LINE-MARKER to be dropped by a line rule</p>
<p>The council will publish a report on the cost of the repairs next month.</p>
</div></article></body></html>"""

TEST_BLOCK = f"""
[[test]]
sample = "saved/story.html"
url = "{STORY_URL}"
contains = ["The harbour reopened on Monday"]
not_contains = ["PROMO-MARKER", "LINE-MARKER"]
"""


@pytest.fixture(autouse=True)
def _no_rules_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCRAPER_RULES_DIR", raising=False)


def _project(tmp_path: Path, rules: dict[str, str]) -> Path:
    """``tmp_path/rules/<name>`` for each rule, and the page they test at ``tmp_path/saved/story.html``."""
    (tmp_path / "saved").mkdir(exist_ok=True)
    (tmp_path / "saved" / "story.html").write_text(STORY, encoding="utf-8")
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    for name, body in rules.items():
        (folder / name).write_text(body, encoding="utf-8")
    return folder


def _invoke(*args: str, color: bool = False) -> Result:
    return CliRunner().invoke(rules_group, list(args), color=color)


# -- check ----------------------------------------------------------------------------------------


def test_shipped_rules_pass() -> None:
    report = check_rules()
    assert report.worst == "ok"
    sites = [file for file in report.files if file.path.name != "generic.toml"]
    assert len(sites) >= 5
    assert all(file.status == "ok" and file.tests for file in sites)
    assert report.tests_run >= len(sites)
    result = _invoke("check")
    assert result.exit_code == 0, result.output
    assert re.search(r"theweek\.com\.toml \(\d+ tests?\)$", result.output, re.M)
    assert re.search(r"^\d+ files: \d+ ok, 0 failed, 0 invalid; \d+ tests, 0 failed", result.output, re.M)


def test_broken_files_are_all_reported_invalid_with_file_and_line(tmp_path: Path) -> None:
    folder = _project(
        tmp_path,
        {
            "bad-toml.example.toml": 'strip = ["aside"\n',
            "bad-css.example.toml": '# comment\nbody = ["article"]\nstrip = ["div["]\n',
            "news.example.com.toml": 'strip = ["p.promo"]\ndrop_lines = ["^LINE-MARKER"]\n' + TEST_BLOCK,
        },
    )
    report = check_rules([folder], shipped=False)
    by_name = {file.path.name: file for file in report.files}
    assert by_name["bad-toml.example.toml"].status == "invalid"
    assert "invalid TOML" in by_name["bad-toml.example.toml"].error
    bad_css = by_name["bad-css.example.toml"]
    assert (bad_css.status, bad_css.line) == ("invalid", 3)
    assert f"{folder / 'bad-css.example.toml'}:3: bad CSS selector in 'strip': 'div['" == bad_css.error
    assert by_name["news.example.com.toml"].status == "ok"  # checked despite its broken neighbours
    assert report.worst == "invalid"

    result = _invoke("check", "--no-shipped", str(folder))
    assert result.exit_code == 2, result.output
    assert re.search(r"^INVALID .*bad-css\.example\.toml$", result.output, re.M)
    assert "bad-css.example.toml:3: bad CSS selector" in result.output
    assert "3 files: 1 ok, 0 failed, 2 invalid" in result.output


def test_failed_test_names_the_leaked_and_missing_strings(tmp_path: Path) -> None:
    failing = TEST_BLOCK.replace('contains = ["The harbour', 'contains = ["Not in the page", "The harbour')
    folder = _project(tmp_path, {"news.example.com.toml": 'strip = ["p.promo"]\n' + failing})
    report = check_rules([folder], shipped=False)
    (file,) = report.files
    assert file.status == "failed"
    (test,) = file.tests
    assert test.leaked == ("LINE-MARKER",)
    assert test.missing == ("Not in the page",)
    assert not test.passed

    result = _invoke("check", "--no-shipped", str(folder))
    assert result.exit_code == 1, result.output
    assert re.search(r"^FAILED +\S*news\.example\.com\.toml \(1 test, 1 failed\)$", result.output, re.M)
    assert "test 1 (" in result.output
    assert "leaked 'LINE-MARKER'" in result.output
    assert "missing 'Not in the page'" in result.output


def test_a_missing_sample_fails_its_test_by_name(tmp_path: Path) -> None:
    block = TEST_BLOCK.replace("saved/story.html", "saved/gone.html")
    folder = _project(tmp_path, {"news.example.com.toml": 'strip = ["p.promo"]\n' + block})
    (file,) = check_rules([folder], shipped=False).files
    assert file.status == "failed"
    assert file.tests[0].sample.name == "gone.html"
    assert file.tests[0].error.startswith("cannot read the sample: ")
    result = _invoke("check", "--no-shipped", str(folder))
    assert result.exit_code == 1
    assert "test 1 (" in result.output and "gone.html): cannot read the sample: " in result.output


def test_warnings_for_untested_and_unexercised_rules(tmp_path: Path) -> None:
    idle_block = TEST_BLOCK.replace('not_contains = ["PROMO-MARKER", "LINE-MARKER"]', "")
    folder = _project(
        tmp_path,
        {
            "untested.example.toml": 'strip = ["aside"]\n',
            "news.example.com.toml": 'strip = ["p.no-such-class"]\n' + idle_block,
        },
    )
    report = check_rules([folder], shipped=False)
    by_name = {file.path.name: file for file in report.files}
    assert by_name["untested.example.toml"].warnings == ("no [[test]] entries",)
    assert by_name["news.example.com.toml"].status == "ok"
    (warning,) = by_name["news.example.com.toml"].warnings
    assert "never exercise" in warning
    assert report.worst == "ok"

    result = _invoke("check", "--no-shipped", str(folder))
    assert result.exit_code == 0, result.output
    assert "    warning: no [[test]] entries" in result.output
    assert "2 warnings" in result.output


def test_a_body_selector_that_matches_counts_as_exercised(tmp_path: Path) -> None:
    folder = _project(tmp_path, {"news.example.com.toml": 'body = ["div.css-9x8y7z"]\n' + TEST_BLOCK})
    checked = check_rules([folder], shipped=False).files[0]
    assert checked.status == "failed"  # the promo stays, but the rule did act on the page
    assert not any("never exercise" in warning for warning in checked.warnings)


def test_overriding_and_host_clashes_are_warned(tmp_path: Path) -> None:
    folder = _project(
        tmp_path,
        {
            "theweek.com.toml": 'strip = ["p.nothing"]\n',
            "a.example.toml": 'hosts = ["b.example"]\nstrip = ["aside"]\n',
            "b.example.toml": 'strip = ["aside"]\n',
        },
    )
    report = check_rules([folder])
    by_path = {file.path: file for file in report.files}
    shipped_theweek = next(
        f for p, f in by_path.items() if p.name == "theweek.com.toml" and p.parent != folder
    )
    assert shipped_theweek.status == "ok"  # tested as itself, not as the file that replaces it
    assert any(w.startswith("replaced by") and str(folder) in w for w in shipped_theweek.warnings)
    clash = by_path[folder / "a.example.toml"]
    assert any("host b.example is also claimed by" in w for w in clash.warnings)


def test_check_pages_reports_a_rule_that_fails_on_saved_pages(tmp_path: Path) -> None:
    """A redesign shows on saved pages: the shipped theguardian.com rule's body selectors hit an
    empty skip-link target on the 2019 layout; the page is named, the check fails (exit 1)."""
    pages = Path(__file__).resolve().parent / "pages" / "nothing_lost"
    saved = tmp_path / "saved"
    saved.mkdir()
    for name in ("guardian_2019_layout.html", "quoted_tweets.html"):
        (saved / name).write_bytes((pages / name).read_bytes())
    result = _invoke("check", "--pages", str(saved))
    assert result.exit_code == 1, result.output
    assert "rule:theguardian.com: body selectors failed on 1 of 1 pages it applies to" in result.output
    assert "guardian_2019_layout.html: site rule rule:theguardian.com failed" in result.output
    assert "pages: 2 cleaned, 1 rule failure, 0 unreadable" in result.output
    ok = _invoke("check", "--pages", str(saved / "quoted_tweets.html"))
    assert ok.exit_code == 0, ok.output
    assert "pages: 1 cleaned, 0 rule failures" in ok.output


def test_no_shipped_needs_a_folder_and_folders_must_exist(tmp_path: Path) -> None:
    assert _invoke("check", "--no-shipped").exit_code == 2
    assert _invoke("check", str(tmp_path / "nope")).exit_code == 2
    with pytest.raises(RuleError, match="nope: rules folder does not exist"):
        check_rules([tmp_path / "nope"], shipped=False)


# -- show -----------------------------------------------------------------------------------------


def test_show_a_bundled_sample() -> None:
    result = _invoke("show", str(THEWEEK), "--url", THEWEEK_URL)
    assert result.exit_code == 0, result.output
    out = result.output
    applying = out.split("rule files that apply:\n", 1)[1].split("removed (", 1)[0]
    assert "generic.toml" in applying
    assert "theweek.com.toml" in applying
    assert re.search(r"^  rule:theweek\.com \(\d+\)$", out, re.M)
    assert "    element [data-nl-id]: 'The Week Escape your echo chamber." in out
    assert re.search(r"^  detector:share-bar \(1\)$", out, re.M)
    assert "--- before: trafilatura alone on the page (no rules, no detectors)" in out
    assert "\n-Sign up for The Week's Free Newsletters\n" in out
    assert "\n Wallace said Gerasimov is" in out  # context lines are kept


def test_show_colours_the_diff_only_when_asked() -> None:
    coloured = _invoke("show", str(THEWEEK), "--url", THEWEEK_URL, color=True)
    assert "\x1b[31m-Sign up for The Week's Free Newsletters\x1b[0m" in coloured.output
    assert "\x1b[" not in _invoke("show", str(THEWEEK), "--url", THEWEEK_URL).output


def test_show_without_diff_and_idle_entries(tmp_path: Path) -> None:
    folder = _project(tmp_path, {"news.example.com.toml": 'strip = ["p.promo", "p.gone"]\n'})
    page = tmp_path / "saved" / "story.html"
    result = _invoke("show", str(page), "--url", STORY_URL, "--rules", str(folder), "--no-diff")
    assert result.exit_code == 0, result.output
    assert "--- before" not in result.output
    assert "    element p.promo: 'PROMO-MARKER Buy our mugs today.'" in result.output
    assert "removed nothing on this page:\n  rule:news.example.com strip 'p.gone'\n" in result.output


def test_show_reads_gzip_and_its_page_json_sidecar(tmp_path: Path) -> None:
    folder = _project(tmp_path, {"news.example.com.toml": 'strip = ["p.promo"]\n'})
    saved = tmp_path / "raw"
    saved.mkdir()
    (saved / "story.html.gz").write_bytes(gzip.compress(STORY.encode("utf-8")))
    (saved / "story.page.json").write_text(json.dumps({"url": STORY_URL, "headers": {}}), encoding="utf-8")
    result = _invoke("show", str(saved / "story.html.gz"), "--rules", str(folder))
    assert result.exit_code == 0, result.output
    assert f"url:  {STORY_URL}" in result.output
    assert "rule:news.example.com (1)" in result.output
    assert "\n-PROMO-MARKER Buy our mugs today.\n" in result.output


def test_show_fetches_a_url() -> None:
    with LocalServer() as server:
        server.add("/2024/harbour", body=STORY)
        url = server.url("/2024/harbour")
        result = _invoke("show", url, "--allow-private-networks", "--no-diff")
        refused = _invoke("show", url)
    assert result.exit_code == 0, result.output
    assert f"url:  {url}" in result.output
    assert "detector:header-line" in result.output
    assert refused.exit_code == 1
    assert "cannot fetch http://127.0.0.1:" in refused.output
    assert "private" in refused.output


def test_show_errors_name_the_input(tmp_path: Path) -> None:
    missing = _invoke("show", str(tmp_path / "nope.html"))
    assert missing.exit_code == 1
    assert "nope.html" in missing.output
    stub = tmp_path / "stub.html"
    stub.write_text("<html><body><p>Page not found.</p></body></html>", encoding="utf-8")
    not_article = _invoke("show", str(stub))
    assert not_article.exit_code == 1
    assert f"{stub}: not an article:" in not_article.output
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.example.toml").write_text('strip = ["a[["]\n', encoding="utf-8")
    invalid = _invoke("show", str(THEWEEK), "--rules", str(bad))
    assert invalid.exit_code == 2
    assert "x.example.toml:1: bad CSS selector" in invalid.output


def test_explain_groups_removals_rules_first(tmp_path: Path) -> None:
    folder = _project(
        tmp_path, {"news.example.com.toml": 'strip = ["p.promo"]\ndrop_lines = ["^LINE-MARKER"]\n'}
    )
    found = explain(STORY.encode("utf-8"), STORY_URL, [folder])
    assert [rule.name for rule in found.rules] == ["generic", "news.example.com"]
    assert found.groups[0].by == "rule:news.example.com"
    assert [r.kind for r in found.groups[0].removals] == ["element", "line"]
    assert found.idle == ()
    assert "PROMO-MARKER Buy our mugs today." in found.before
    assert "PROMO-MARKER Buy our mugs today." not in found.after
    assert "-LINE-MARKER to be dropped by a line rule" in found.diff()


# -- the worked example of docs/rules.md ----------------------------------------------------------

_DOC_BLOCK = re.compile(
    r"<!-- (?:file: (?P<path>\S+)|run: exit (?P<exit>\d+)) -->\n```\w*\n(?P<body>.*?)^```", re.S | re.M
)
_PROMPT = "$ scraper rules "


def _expect_in_order(expected: list[str], output: str, command: str) -> None:
    """Every shown line (but ``...``) is in the real output, in the same order."""
    actual = [line.rstrip() for line in output.splitlines()]
    position = 0
    for line in expected:
        if line.strip() == "...":
            continue
        try:
            position = actual.index(line.rstrip(), position) + 1
        except ValueError:
            pytest.fail(f"docs/rules.md: {command!r} does not print {line!r}; it printed:\n{output}")


def _run_block(body: str, exit_code: int) -> int:
    commands = 0
    chunks = re.split(r"^(?=\$ )", body, flags=re.M)
    for chunk in filter(str.strip, chunks):
        command, *expected = chunk.splitlines()
        assert command.startswith(_PROMPT), f"docs/rules.md runs only `scraper rules` commands: {command}"
        result = _invoke(*shlex.split(command.removeprefix(_PROMPT)))
        assert result.exit_code == exit_code, f"{command}: exit {result.exit_code}\n{result.output}"
        _expect_in_order(expected, result.output, command)
        commands += 1
    return commands


def test_worked_example_in_the_docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    files = commands = 0
    for block in _DOC_BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        if block["path"]:
            target = tmp_path / block["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block["body"], encoding="utf-8")
            files += 1
        else:
            commands += _run_block(block["body"], int(block["exit"]))
    assert files >= 4
    assert commands >= 5


def test_rules_check_from_inside_the_rules_folder_finds_the_samples(monkeypatch) -> None:
    """`cd rules && scraper rules check --no-shipped .`: samples are named relative to the folder above."""
    from click.testing import CliRunner

    from scraper.cli.main import main

    monkeypatch.chdir(ROOT / "rules")
    result = CliRunner().invoke(main, ["rules", "check", "--no-shipped", "."], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "0 failed, 0 invalid" in result.output and "tests, 0 failed" in result.output
