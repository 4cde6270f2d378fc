"""The per-page time limit: a page that takes too long fails with ExtractionTimeout; the next is fine."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

import scraper
from scraper.cli.main import main

# Sixty thousand paragraphs: seconds of work, hundreds of times a normal page.
HUGE = (
    "<html><body><article>"
    + "<p>A sentence of filler text for a very long page.</p>" * 60000
    + "</article></body></html>"
)
NORMAL = (
    "<html><body><article>"
    + "".join(f"<p>The ferry timetable changes on Monday, bringing sailing number {i} forward.</p>" for i in range(8))
    + "</article></body></html>"
)


def test_a_page_over_the_limit_raises_and_the_next_page_is_cleaned() -> None:
    before = signal.getsignal(signal.SIGALRM)
    with pytest.raises(scraper.ExtractionTimeout, match=r"longer than 0\.001 s"):
        scraper.clean(HUGE, timeout=0.001)
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert "ferry timetable" in scraper.clean(NORMAL, timeout=5).text


def test_no_limit_by_default() -> None:
    assert scraper.clean(NORMAL).word_count > 0


def test_off_the_main_thread_the_limit_is_not_enforced() -> None:
    results: list[object] = []
    worker = threading.Thread(target=lambda: results.append(scraper.clean(NORMAL, timeout=0.000001)))
    worker.start()
    worker.join()
    assert isinstance(results[0], scraper.Article)


def test_cli_reports_a_timeout_as_a_failure_and_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a-huge.html").write_text(HUGE, encoding="utf-8")
    (folder / "b-normal.html").write_text(NORMAL, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["clean", str(folder), "-o", str(out), "-j", "1", "--timeout", "0.5"])
    assert result.exit_code == 1
    assert "a-huge.html" in result.stderr and "longer than 0.5 s" in result.stderr
    assert (out / "b-normal.txt").read_text(encoding="utf-8").startswith("The ferry timetable")
    assert not (out / "a-huge.txt").exists()


def test_a_library_catching_exception_cannot_swallow_the_limit() -> None:
    from scraper.extract.timelimit import time_limit

    with pytest.raises(scraper.ExtractionTimeout), time_limit(0.05):
        while True:  # like a parser that retries inside `except Exception`
            try:
                sum(range(10_000))
            except Exception:
                continue
