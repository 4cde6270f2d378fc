"""The cron run lock: exclusive, non-blocking, released on exit and when the holder is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import scraper.crawler.lock
from scraper.crawler.lock import LockHeld, RunLock
from scraper.errors import ScraperError

_HOLDER = (
    "import sys, time\n"
    "from scraper.crawler.lock import RunLock\n"
    "lock = RunLock(sys.argv[1]).__enter__()\n"
    "print('locked', flush=True)\n"
    "time.sleep(60)\n"
)


def test_lock_writes_the_holders_pid_and_is_released_after_the_block(tmp_path: Path) -> None:
    path = tmp_path / "run" / "state.sqlite.lock"
    with RunLock(path):
        pid_line, started = path.read_text().splitlines()
        assert pid_line == str(os.getpid())
        assert started.endswith("Z")
        with pytest.raises(LockHeld) as caught, RunLock(path):
            pass
        assert caught.value.pid == os.getpid()
        assert str(path) in str(caught.value)
        assert str(os.getpid()) in str(caught.value)
    with RunLock(path):  # released: taken again at once
        assert path.read_text().splitlines()[0] == str(os.getpid())
    assert path.exists()  # never deleted, see RunLock's docstring


def test_lock_is_released_when_the_block_raises(tmp_path: Path) -> None:
    path = tmp_path / "state.lock"
    with pytest.raises(RuntimeError, match="crawl failed"), RunLock(path):
        raise RuntimeError("crawl failed")
    with RunLock(path):
        pass


def test_another_process_fails_at_once_and_succeeds_after_the_holder_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "state.lock"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        started = time.monotonic()
        with pytest.raises(LockHeld) as caught, RunLock(path):
            pass
        assert time.monotonic() - started < 5  # no waiting for the holder (60 s)
        assert caught.value.pid == holder.pid
        assert f"process {holder.pid}" in str(caught.value)
        assert str(path) in str(caught.value)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    assert holder.returncode == -signal.SIGKILL
    assert path.read_text().splitlines()[0] == str(holder.pid)  # the stale file stays ...
    with RunLock(path):  # ... and does not block the next run
        assert path.read_text().splitlines()[0] == str(os.getpid())


def test_holder_without_a_pid_yet_is_reported_as_another_process(tmp_path: Path) -> None:
    path = tmp_path / "state.lock"
    with RunLock(path):
        path.write_text("")  # as if the holder had not written its PID yet
        with pytest.raises(LockHeld, match="another process") as caught, RunLock(path):
            pass
    assert caught.value.pid is None


def test_without_fcntl_the_error_says_posix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scraper.crawler.lock, "_fcntl", None)
    with pytest.raises(ScraperError, match="POSIX"), RunLock(tmp_path / "state.lock"):
        pass


def test_one_runlock_cannot_be_entered_twice(tmp_path: Path) -> None:
    lock = RunLock(tmp_path / "state.lock")
    with lock, pytest.raises(RuntimeError, match="already held"), lock:
        pass
    with RunLock(tmp_path / "state.lock"):
        pass
