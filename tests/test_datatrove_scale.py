"""Scale-out on datatrove: the pipeline steps, and `scraper warc` on the local executor.

The WARC files are written here with warcio's writer: article pages built by the tests, a page
that holds no article, an image response and a request record. A run is killed for real (SIGKILL
of a `scraper warc` process between tasks) and restarted: every article comes out exactly once.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import STUB_HTML, make_article_html

pytest.importorskip("datatrove")
warcio = pytest.importorskip("warcio")

from datatrove.data import Document  # noqa: E402
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from scraper.cli.main import main  # noqa: E402
from scraper.integrations import scale  # noqa: E402
from scraper.integrations.datatrove import CleanArticles, WarcReader  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)


def _response(writer: WARCWriter, url: str, body: bytes, content_type: str) -> str:
    http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
    record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
    writer.write_record(record)
    return record.rec_headers.get_header("WARC-Record-ID")


def write_warc(path: Path, name: str, articles: int) -> list[str]:
    """A gzipped WARC: ``articles`` article pages, a stub page, a PNG and a request record.

    Returns the record ids of the article pages.
    """
    ids = []
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        request = StatusAndHeaders("GET /a HTTP/1.1", [("Host", "news.example.com")], is_http_request=True)
        writer.write_record(
            writer.create_warc_record("https://news.example.com/a", "request", http_headers=request)
        )
        for i in range(articles):
            url = f"https://news.example.com/{name}/story-{i}"
            html = make_article_html(f"{name}x{i}", f"Story {i} of {name}", url=url, words=160)
            ids.append(_response(writer, url, html.encode(), "text/html; charset=utf-8"))
        _response(writer, f"https://news.example.com/{name}/missing", STUB_HTML.encode(), "text/html")
        _response(writer, f"https://news.example.com/{name}/logo.png", PNG, "image/png")
    return ids


def write_archives(folder: Path, files: int, articles: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    ids: list[str] = []
    for n in range(files):
        ids += write_warc(folder / f"crawl-{n}.warc.gz", f"site{n}", articles)
    return ids


def output_records(out: Path) -> list[dict]:
    records = []
    for file in sorted(out.glob("*.jsonl.gz")):
        with gzip.open(file, "rt", encoding="utf-8") as handle:
            records += [json.loads(line) for line in handle]
    return records


def stats_of(step: object) -> dict[str, int]:
    return {label: value.total for label, value in step.stats.stats.items()}  # type: ignore[attr-defined]


# -- the steps, in anyone's pipeline ---------------------------------------------------------------


def test_steps_turn_warc_records_into_article_documents(tmp_path: Path) -> None:
    ids = write_archives(tmp_path / "warc", files=1, articles=2)
    reader, cleaner = WarcReader([tmp_path / "warc" / "crawl-0.warc.gz"]), CleanArticles()
    documents = list(cleaner(reader()))
    assert [doc.id for doc in documents] == ids  # the WARC record id, stable across runs
    first = documents[0]
    assert "site0x0 residents" in first.text and "Copyright Example News" not in first.text
    assert "text" not in first.metadata and first.media == []
    assert first.metadata["title"] == "Story 0 of site0"
    assert first.metadata["url"] == "https://news.example.com/site0/story-0"
    assert first.metadata["warc_file"].endswith("crawl-0.warc.gz")
    assert first.metadata["warc_record_id"] == ids[0] and first.metadata["warc_offset"] > 0
    assert first.metadata["source_sha256"]  # hashed from the archived bytes
    read, cleaned = stats_of(reader), stats_of(cleaner)
    assert read["pages"] == 3  # two articles and the stub
    assert read["skipped:not-html"] == 1 and read["skipped:not-a-response"] == 2  # warcinfo, request
    assert cleaned["articles"] == 2 and cleaned["skipped"] == 1
    assert sum(v for k, v in cleaned.items() if k.startswith("skipped:")) == 1


def test_clean_articles_cleans_other_readers_documents_and_counts_a_failure() -> None:
    url = "https://blog.example.org/2024/ferry"
    good = Document(
        text=make_article_html("ferry", "The ferry returns", words=160), id="a", metadata={"url": url}
    )
    broken = Document(text=12345, id="b")  # type: ignore[arg-type]  # not a page: it fails, the task goes on
    stub = Document(text=STUB_HTML, id="c")
    cleaner = CleanArticles(model=False)
    documents = list(cleaner([broken, good, stub]))
    assert [doc.id for doc in documents] == ["a"]
    assert "ferry residents" in documents[0].text and documents[0].metadata["url"] == url
    assert documents[0].metadata["page_kind"] is None  # the learned models were off
    stats = stats_of(cleaner)
    assert stats["documents"] == 3 and stats["articles"] == 1 and stats["skipped"] == 1
    assert stats["failed"] == 1 and stats["failed:InputError"] == 1


# -- scraper warc ----------------------------------------------------------------------------------


def test_local_executor_with_two_workers_writes_every_article_once(tmp_path: Path) -> None:
    ids = write_archives(tmp_path / "warc", files=3, articles=3)
    out = tmp_path / "out"
    args = ["warc", str(tmp_path / "warc" / "*.warc.gz"), "-o", str(out), "--workers", "2"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    records = output_records(out)
    assert sorted(r["id"] for r in records) == sorted(ids)
    assert sorted(p.name for p in out.glob("*.jsonl.gz")) == [f"0000{i}.jsonl.gz" for i in range(3)]
    assert not list((out / ".partial").glob("*"))
    record = records[0]
    assert set(record) == {"id", "text", "source", "added", "created", "metadata"}
    assert record["source"].startswith("https://news.example.com/")
    assert record["metadata"]["warc_record_id"] == record["id"]
    assert "tasks 3/3 done: pages 12, articles 9, skipped 12 (" in result.output
    assert "not-html 3" in result.output and "failed 0" in result.output

    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.jsonl.gz")}
    again = CliRunner().invoke(main, args)  # everything done: nothing is redone
    assert again.exit_code == 0, again.output
    assert "(3 done before)" in again.output
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.jsonl.gz")} == before
    assert sorted(r["id"] for r in output_records(out)) == sorted(ids)


def test_killed_run_restarts_only_unfinished_tasks_and_writes_nothing_twice(tmp_path: Path) -> None:
    ids = write_archives(tmp_path / "warc", files=4, articles=25)  # a task takes ~0.1 s: time to kill
    out = tmp_path / "out"
    completions = tmp_path / "out.scraper" / "datatrove" / "completions"
    command = [sys.executable, "-m", "scraper", "warc", str(tmp_path / "warc"), "-o", str(out)]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        partial = out / ".partial" / "00001.jsonl.gz"
        while not (completions.exists() and any(completions.iterdir()) and partial.exists()):
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.002)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finished = sorted(p.name for p in completions.iterdir())
    assert 1 <= len(finished) < 4
    assert partial.exists() and not (out / "00001.jsonl.gz").exists()  # killed inside task 1
    kept = {name: (out / f"{name}.jsonl.gz").stat().st_mtime_ns for name in finished}

    result = CliRunner().invoke(main, ["warc", str(tmp_path / "warc"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"({len(finished)} done before)" in result.output
    assert {name: (out / f"{name}.jsonl.gz").stat().st_mtime_ns for name in finished} == kept
    assert sorted(r["id"] for r in output_records(out)) == sorted(ids)  # each exactly once
    assert "tasks 4/4 done: pages 104, articles 100," in result.output
    assert not list((out / ".partial").glob("*"))  # the killed task was done again, from the start


def test_a_restart_with_other_inputs_is_refused(tmp_path: Path) -> None:
    write_archives(tmp_path / "warc", files=2, articles=1)
    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["warc", str(tmp_path / "warc" / "crawl-0.warc.gz"), "-o", str(out)])
    assert first.exit_code == 0, first.output
    other = CliRunner().invoke(main, ["warc", str(tmp_path / "warc"), "-o", str(out)])
    assert other.exit_code == 2
    assert "other input files" in other.output


def test_a_restart_with_another_task_count_is_refused(tmp_path: Path) -> None:
    # Task i reads every N-th file from i on: another N would give finished markers to other files.
    write_archives(tmp_path / "warc", files=3, articles=1)
    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["warc", str(tmp_path / "warc"), "-o", str(out), "--tasks", "2"])
    assert first.exit_code == 0, first.output
    other = CliRunner().invoke(main, ["warc", str(tmp_path / "warc"), "-o", str(out)])
    assert other.exit_code == 2
    assert "a run of 2 tasks, not 3" in other.output


def test_no_input_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["warc", str(tmp_path / "*.warc.gz"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "no WARC or ARC file" in result.output


def test_without_datatrove_the_command_names_the_extra(tmp_path: Path, monkeypatch) -> None:
    write_archives(tmp_path / "warc", files=1, articles=1)
    monkeypatch.setitem(sys.modules, "datatrove", None)  # as if it were not installed
    result = CliRunner().invoke(main, ["warc", str(tmp_path / "warc"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "pip install 'scraper[scale]'" in result.output


def test_slurm_and_ray_say_what_they_need(tmp_path: Path, monkeypatch) -> None:
    write_archives(tmp_path / "warc", files=1, articles=1)
    base = ["warc", str(tmp_path / "warc"), "-o", str(tmp_path / "out")]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no sbatch here
    slurm = CliRunner().invoke(main, [*base, "--executor", "slurm", "--partition", "cpu"])
    assert slurm.exit_code == 2 and "sbatch" in slurm.output
    monkeypatch.setitem(sys.modules, "ray", None)
    ray = CliRunner().invoke(main, [*base, "--executor", "ray"])
    assert ray.exit_code == 2 and "pip install 'ray[default]'" in ray.output


def test_the_slurm_executor_is_built_from_the_options(tmp_path: Path) -> None:
    sbatch = tmp_path / "bin" / "sbatch"
    sbatch.parent.mkdir()
    sbatch.write_text("#!/bin/sh\nexit 1\n")
    sbatch.chmod(0o755)
    settings = scale.ScaleSettings(
        executor="slurm", workers=50, partition="cpu", time="2:00:00", cpus_per_task=2
    )
    pipeline = scale.warc_pipeline(["a.warc.gz", "b.warc.gz"], tmp_path / "out", settings)
    old_path = os.environ["PATH"]
    os.environ["PATH"] = f"{sbatch.parent}{os.pathsep}{old_path}"
    try:
        runner = scale.build_executor(pipeline, 2, tmp_path / "logs", settings)
    finally:
        os.environ["PATH"] = old_path
    assert type(runner).__name__ == "SlurmPipelineExecutor"
    assert (runner.tasks, runner.workers, runner.partition, runner.time) == (2, 50, "cpu", "2:00:00")
    assert runner.cpus_per_task == 2 and runner.world_size == 2
