"""``benchmarks/heldout.py`` reads trafilatura's evaluation layout (``evaldata.json`` beside ``eval/``
and ``cache/``), scores ``with`` and ``without`` snippets for every extractor and lists losses.
The pages here are written for the test, in that layout."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "heldout.py"

PARAGRAPHS = "".join(
    f"<p>Paragraph {n} of the report on the harbour works says the new quay opens in spring and the"
    f" ferries move there once the cranes are tested by the port authority.</p>"
    for n in range(6)
)
PAGE = f"""<html><head><title>Harbour works</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article><h1>Harbour works</h1>{PARAGRAPHS}</article>
<footer><p>Imprint and privacy statement of the Harbour Gazette</p></footer>
</body></html>"""


@pytest.fixture(scope="module")
def heldout():
    spec = importlib.util.spec_from_file_location("benchmarks_heldout", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    saved = list(sys.path)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved
    return module


def _layout(root: Path) -> Path:
    (root / "eval").mkdir(parents=True)
    (root / "cache").mkdir()
    (root / "eval" / "harbour.html").write_text(PAGE, encoding="utf-8")
    (root / "cache" / "quay.html").write_text(PAGE.replace("Harbour works", "Quay works"), encoding="utf-8")
    entries = {
        "https://gazette.example/harbour": {
            "file": "harbour.html",
            "with": ["Paragraph 3 of the report", "cranes are tested"],
            "without": ["Imprint and privacy statement"],
        },
        "https://quay.example/quay": {"file": "quay.html", "with": ["Paragraph 0"], "without": []},
        "https://gone.example/missing": {"file": "missing.html", "with": ["x"], "without": []},
    }
    (root / "evaldata.json").write_text(json.dumps(entries), encoding="utf-8")
    return root


def test_reads_both_folders_scores_snippets_and_skips_missing_files(
    heldout, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.setattr(heldout, "development_sites", lambda: set())
    assert heldout.main([str(_layout(tmp_path)), "--losses"]) == 0
    out = capsys.readouterr().out
    assert "trafilatura-eval: 2 pages from 2 sites" in out
    rows = {line.split(" with-found")[0].strip(): line for line in out.splitlines() if "with-found" in line}
    assert set(rows) == {"bare", "models off", "ours"}
    for row in rows.values():
        assert "with-found 1.0000 (3/3)" in row
        assert "leak 0.00% (0/1)" in row


def test_pages_of_development_sites_are_left_out(heldout, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(heldout, "development_sites", lambda: {"gazette.example"})
    assert heldout.main([str(_layout(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "1 pages from 1 sites (1 pages of development-set sites left out)" in out
    assert "with-found 1.0000 (1/1)" in out


def test_a_folder_without_the_evaluation_data_is_named_and_refused(heldout, tmp_path, capsys) -> None:
    assert heldout.main([str(tmp_path)]) == 2
    assert str(tmp_path) in capsys.readouterr().out
