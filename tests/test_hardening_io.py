"""Inputs and outputs under hostile conditions: FIFOs and devices among the inputs, oversized
files, file names that are not UTF-8, and a full disk under a batch's JSONL file."""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner, Result

from scraper.cli.main import main
from scraper.errors import InputError
from scraper.io import sources
from scraper.io.formats import JSONL_NAME
from scraper.io.sources import InputItem, expand_inputs, read_regular_file, readable_name

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["clean", *args], catch_exceptions=False)


def within(seconds: float, work: Callable[[], object]) -> object:
    """``work()``'s result, or a test failure (not a hung test run) if it takes longer."""
    result: list[object] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(work())
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"still blocked after {seconds} s")
    if errors:
        raise errors[0]
    return result[0]


# -- non-regular files and sizes -------------------------------------------------------------------------


@needs_fifo
def test_a_fifo_input_fails_at_once_naming_what_it_is(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    item = InputItem(label=str(fifo), relpath="pipe.html", stem="pipe", path=str(fifo))
    with pytest.raises(InputError, match="FIFO, not a regular file"):
        within(10, item.read_page)


@needs_fifo
def test_a_fifo_in_an_input_folder_fails_alone_and_the_batch_goes_on(
    tmp_path: Path, article_html: Callable[..., str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.html").write_text(article_html("a", "A story that is read"), encoding="utf-8")
    os.mkfifo(folder / "b.html")
    out = tmp_path / "out"
    result = within(60, lambda: run(str(folder), "-o", str(out), "-j", "1", "--no-learn"))
    assert isinstance(result, Result)
    assert result.exit_code == 1
    assert f"error: {folder / 'b.html'}: is a FIFO, not a regular file" in result.stderr
    assert "done 1, skipped 0, failed 1" in result.stderr
    assert (out / "a.txt").exists()


def test_a_device_is_not_read(tmp_path: Path) -> None:
    if not Path(os.devnull).exists() or sys.platform == "win32":
        pytest.skip("no character device to point at")
    with pytest.raises(InputError, match="character device"):
        InputItem(label="null", relpath="null", stem="null", path=os.devnull).read()


def test_a_file_over_the_cap_fails_naming_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_PAGE_BYTES", 1000)
    big = tmp_path / "big.html"
    big.write_bytes(b"<p>" + b"x" * 2000 + b"</p>")
    item = expand_inputs([str(big)]).items[0]
    with pytest.raises(InputError, match="larger than 1000 bytes"):
        item.read_page()
    exact = tmp_path / "exact.html"
    exact.write_bytes(b"y" * 1000)
    assert expand_inputs([str(exact)]).items[0].read_page().body == b"y" * 1000


def test_reading_stops_one_byte_past_the_cap(tmp_path: Path) -> None:
    class Counting(io.BytesIO):
        asked: ClassVar[list[int]] = []

        def read(self, size: int | None = -1) -> bytes:
            self.asked.append(-1 if size is None else size)
            return super().read(size)

    stdin = Counting(b"z" * 50)
    sources_items = expand_inputs(["-"], stdin).items  # type: ignore[arg-type]
    assert stdin.asked == [sources.MAX_PAGE_BYTES + 1]
    assert sources_items[0].read_page().body == b"z" * 50
    path = tmp_path / "p.html"
    path.write_bytes(b"q" * 5000)
    with pytest.raises(InputError):
        read_regular_file(path, 4999)
    assert read_regular_file(path, 5000) == b"q" * 5000


def test_stdin_over_the_cap_fails_as_an_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_PAGE_BYTES", 100)
    item = expand_inputs(["-"], io.BytesIO(b"s" * 500)).items[0]
    with pytest.raises(InputError, match="larger than 100 bytes"):
        item.read_page()


@needs_fifo
def test_a_fifo_as_the_fetch_record_is_ignored(tmp_path: Path) -> None:
    page = tmp_path / "story.html"
    page.write_bytes(b"<p>hello</p>")
    os.mkfifo(tmp_path / "story.page.json")
    item = expand_inputs([str(page)]).items[0]
    read = within(10, item.read_page)
    assert getattr(read, "body", None) == b"<p>hello</p>"


# -- file names that are not UTF-8 ----------------------------------------------------------------------


def test_readable_name_escapes_undecodable_bytes() -> None:
    assert readable_name(os.fsdecode(b"caf\xe9.html")) == "caf\\xe9.html"
    assert readable_name("café.html") == "café.html"
    assert readable_name("x\ud800") == "x\\ud800"


@pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that takes any bytes as a name")
@pytest.mark.parametrize("fmt", ["txt", "jsonl"])
def test_a_page_whose_name_is_not_utf8_is_cleaned_and_written(
    tmp_path: Path, article_html: Callable[..., str], fmt: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    raw_name = os.path.join(os.fsencode(folder), b"caf\xe9.html")
    with open(raw_name, "wb") as handle:
        handle.write(article_html("cafe", "The cafe reopens").encode("utf-8"))
    out = tmp_path / "out"
    result = run(str(folder), "-o", str(out), "--format", fmt, "-j", "1")
    assert result.exit_code == 0, result.output
    assert "done 1, skipped 0, failed 0" in result.stderr
    if fmt == "txt":
        assert sorted(p.name for p in out.iterdir()) == ["caf\\xe9.json", "caf\\xe9.txt"]
        record = json.loads((out / "caf\\xe9.json").read_text(encoding="utf-8"))
        assert record["source"] == str(folder / "caf\\xe9.html")
    else:
        record = json.loads((out / JSONL_NAME).read_text(encoding="utf-8"))
        assert record["id"] == "caf\\xe9.html"
        assert record["metadata"]["input"] == str(folder / "caf\\xe9.html")


# -- a full disk under the batch's JSONL file -----------------------------------------------------------


def test_a_jsonl_file_that_cannot_be_saved_counts_its_articles_failed(
    tmp_path: Path, article_html: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for slug in ("one", "two"):
        (folder / f"{slug}.html").write_text(article_html(slug, f"Story {slug}"), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / JSONL_NAME).write_bytes(b'{"old": true}\n')

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = run(str(folder), "-o", str(out), "--format", "jsonl", "-j", "1", "--no-learn")
    assert result.exit_code == 1
    assert "done 0, skipped 0, failed 2" in result.stderr
    assert f"error: {out / JSONL_NAME}: cannot write it" in result.stderr
    assert "the 2 articles for it are not written" in result.stderr
    assert (out / JSONL_NAME).read_bytes() == b'{"old": true}\n'
    assert [p.name for p in out.iterdir()] == [JSONL_NAME]
