"""Progress during the site memory's pre-pass: ``scraper clean`` with several inputs reads them all
before it cleans any, and shows a bar for that pass on a terminal, nothing otherwise."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper.batch import learn_sites
from scraper.cli.main import main
from scraper.io.sources import expand_inputs

SITE = Path(__file__).resolve().parent.parent / "samples" / "northfieldpost.com"  # 4 pages, one site


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_pre_pass_reports_each_page_it_reads(jobs: int) -> None:
    items = expand_inputs([str(SITE)], None).items
    calls: list[int] = []
    tagged, learned = learn_sites(items, jobs, progress=calls.append)
    assert calls == [1] * len(items) and len(items) == 4
    assert [item.label for item in tagged] == [item.label for item in items]
    assert learned == learn_sites(items, jobs)[1]  # reporting changes nothing learned


def test_piped_stderr_shows_no_bar(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["clean", str(SITE), "-o", str(tmp_path), "-j", "1"])
    assert result.exit_code == 0, result.output
    # What it always said: what was learned, and the summary; no bar, no carriage return.
    assert "\r" not in result.stderr and "learning" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1] == "done 4, skipped 0, failed 0"
    assert all(line.startswith("learned: ") for line in lines[:-1]) and len(lines) == 2


def on_a_terminal(tmp_path: Path, *args: str) -> str:
    """What ``scraper clean SITE -o DIR ARGS`` writes to stderr when stderr is a terminal (a pty)."""
    main_fd, terminal = pty.openpty()
    # A terminal 100 columns wide (a fresh pty has none, and tqdm draws nothing in no columns).
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    command = [sys.executable, "-m", "scraper", "clean", str(SITE), "-o", str(tmp_path), "-j", "1", *args]
    with subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=terminal
    ) as proc:
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait(timeout=120) == 0
    os.close(main_fd)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_shows_the_pre_pass_bar(tmp_path: Path) -> None:
    shown = on_a_terminal(tmp_path)
    assert "learning:" in shown and "/4 [" in shown
    assert shown.index("learning:") < shown.index("learned: ")


def test_quiet_shows_no_pre_pass_bar_even_on_a_terminal(tmp_path: Path) -> None:
    assert "learning" not in on_a_terminal(tmp_path, "--quiet")
