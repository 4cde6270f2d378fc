"""The per-page time limit: a page that takes too long fails with ExtractionTimeout; the next is fine."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType

import pytest
from click.testing import CliRunner

import scraper
from scraper.cli.main import main
from scraper.extract.timelimit import time_limit

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


def test_a_page_over_the_limit_raises_in_a_worker_thread_too() -> None:
    results: list[object] = []

    def clean_huge() -> None:
        try:
            scraper.clean(HUGE, timeout=0.001)
        except scraper.ExtractionTimeout as exc:
            results.append(exc)

    worker = threading.Thread(target=clean_huge)
    worker.start()
    worker.join()
    assert len(results) == 1 and "longer than 0.001 s" in str(results[0])


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
    with pytest.raises(scraper.ExtractionTimeout), time_limit(0.05):
        while True:  # like a parser that retries inside `except Exception`
            try:
                sum(range(10_000))
            except Exception:
                continue


# -- the limit itself ----------------------------------------------------------------------------------------


def spin() -> None:
    """An endless pure-Python loop (``while True``: see gh-130279 for loops that test a condition)."""
    while True:
        pass


def spin_limited(seconds: float, what: str = "cleaning the page") -> str:
    """Spin under a limit; the message of the ExtractionTimeout that must end it."""
    with pytest.raises(scraper.ExtractionTimeout) as raised, time_limit(seconds, what):
        spin()
    return str(raised.value)


def test_the_limit_interrupts_an_endless_loop_in_the_main_thread() -> None:
    assert threading.current_thread() is threading.main_thread()
    assert spin_limited(0.2) == "cleaning the page took longer than 0.2 s; the page was given up"


def test_the_limit_interrupts_an_endless_loop_in_a_thread() -> None:
    messages: list[str] = []
    worker = threading.Thread(target=lambda: messages.append(spin_limited(0.2, "the worker")))
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert messages == ["the worker took longer than 0.2 s; the page was given up"]


def test_the_limit_interrupts_endless_loops_in_a_thread_pool() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        messages = list(pool.map(lambda n: spin_limited(0.2, f"job {n}"), range(8)))
    assert messages == [f"job {n} took longer than 0.2 s; the page was given up" for n in range(8)]


@pytest.fixture
def alarm_handler() -> Iterator[object]:
    """A SIGALRM handler and a running interval timer, as a host application might have."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise AssertionError("the host's timer must not fire during the test")

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 600)
    try:
        yield handler
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_the_host_applications_alarm_handler_and_timer_are_left_alone(alarm_handler: object) -> None:
    spin_limited(0.05)
    with time_limit(5):
        sum(range(1000))
    assert signal.getsignal(signal.SIGALRM) is alarm_handler
    remaining, interval = signal.getitimer(signal.ITIMER_REAL)
    assert 500 < remaining <= 600 and interval == 0


def test_no_limit_for_none_or_zero() -> None:
    for seconds in (None, 0):
        with time_limit(seconds):
            time.sleep(0.01)


def test_a_limit_is_entered_once() -> None:
    limit = time_limit(1)
    with limit:
        pass
    with pytest.raises(RuntimeError), limit:
        pass


def test_nested_limits_each_end_their_own_block() -> None:
    with time_limit(30, "outer"):
        assert spin_limited(0.05, "inner") == "inner took longer than 0.05 s; the page was given up"
        time.sleep(0.1)  # the inner limit, ended, does not fire again
    with (
        pytest.raises(scraper.ExtractionTimeout, match=r"^outer took longer than 0\.1 s"),
        time_limit(0.1, "outer"),
        time_limit(30, "inner"),
    ):
        spin()


def test_nested_limits_in_threads() -> None:
    def nested(n: int) -> str:
        with pytest.raises(scraper.ExtractionTimeout) as raised, time_limit(0.3, f"outer {n}"):
            spin_limited(0.05, f"inner {n}")
            spin()
        return str(raised.value)

    with ThreadPoolExecutor(max_workers=3) as pool:
        messages = list(pool.map(nested, range(3)))
    assert messages == [f"outer {n} took longer than 0.3 s; the page was given up" for n in range(3)]


@pytest.fixture
def quick_thread_switches() -> Iterator[None]:
    """Let the watchdog thread in often, so that limits fire at every point of a block, its end too."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def test_a_block_that_ends_at_the_limit_leaves_no_stray_exception(quick_thread_switches: None) -> None:
    limit = 0.001
    outcomes = {"in time": 0, "timed out": 0}
    for run in range(1500):
        started = time.perf_counter()
        end = started + limit * (0.5 + (run % 11) / 10)  # from half the limit to one and a half
        finished = None
        try:
            with time_limit(limit):
                while True:
                    if time.perf_counter() >= end:
                        break
                finished = time.perf_counter() - started
        except scraper.ExtractionTimeout:
            assert finished is None or finished > 0.9 * limit, "a block that ended in time raised"
            outcomes["timed out"] += 1
        else:
            outcomes["in time"] += 1
        for _ in range(200):  # a stray exception would surface here, after the block
            pass
    assert outcomes["timed out"] > 0 and outcomes["in time"] > 0


def test_in_the_main_thread_the_limit_stops_a_backtracking_regex_and_puts_the_default_back() -> None:
    """An asynchronous exception cannot stop a regex matching in C; the alarm can, where it is free."""
    import re

    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL
    with pytest.raises(scraper.ExtractionTimeout), time_limit(0.3):
        re.match(r"^(a+)+$", "a" * 40 + "b")  # hours of backtracking without the alarm
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.parametrize("limit", [1e-9, 1e-7, 1e-6, 2e-6, 5e-6])
def test_a_limit_that_expires_on_the_way_in_or_out_raises_only_the_timeout(limit: float) -> None:
    # The alarm may go off inside time_limit's own __enter__ or __exit__, not in the block: that
    # must still end as ExtractionTimeout (or the block's own result), never a stray internal exception.
    outcomes = {"in time": 0, "timed out": 0}
    for _ in range(300):
        try:
            with time_limit(limit):
                sum(range(50))
        except scraper.ExtractionTimeout:
            outcomes["timed out"] += 1
        else:
            outcomes["in time"] += 1
        for _ in range(200):  # a stray exception would surface here, after the block
            pass
        assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL
    assert sum(outcomes.values()) == 300


def test_clean_with_a_limit_too_short_to_enter_raises_the_timeout() -> None:
    for _ in range(50):
        with pytest.raises(scraper.ExtractionTimeout):
            scraper.clean(NORMAL, timeout=1e-9)
