"""``--format parquet``: one Parquet file per batch, the jsonl records as typed columns; an optional
extra (pyarrow), whose absence is one clear line naming it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import crawl_config
from httpserver import LocalServer
from newssite import article_path, publish

from scraper.cli.main import main
from scraper.errors import ConfigError


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def clean(saved: Path, out: Path, fmt: str) -> Result:
    result = run("clean", str(saved), "-o", str(out), "--format", fmt, "-j", "1", "--no-learn")
    assert result.exit_code == 0, result.stderr
    return result


def test_a_batch_is_one_parquet_file_holding_the_jsonl_records(saved: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "out"
    clean(saved, out, "parquet")
    [written] = list(out.iterdir())
    assert written.name.startswith("articles-") and written.suffix == ".parquet"
    table = pq.read_table(written)
    assert table.column_names == ["id", "text", "source", "added", "created", "metadata"]
    assert str(table.schema.field("added").type) == "timestamp[us, tz=UTC]"
    assert table.schema.field("metadata").type.get_field_index("title") >= 0
    clean(saved, tmp_path / "jsonl", "jsonl")
    lines = (tmp_path / "jsonl" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    expected = [json.loads(line) for line in lines]
    rows = table.to_pylist()
    assert [(r["id"], r["text"], r["source"]) for r in rows] == [
        (r["id"], r["text"], r["source"]) for r in expected
    ]
    assert [r["metadata"]["title"] for r in rows] == [r["metadata"]["title"] for r in expected]
    assert [r["metadata"]["authors"] for r in rows] == [r["metadata"]["authors"] for r in expected]
    removed = rows[0]["metadata"]["removed"]  # nested values are kept as JSON text
    assert json.loads(removed) == expected[0]["metadata"]["removed"]


def test_each_batch_adds_its_own_file(saved: Path, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    out = tmp_path / "out"
    clean(saved, out, "parquet")
    clean(saved, out, "parquet")
    files = sorted(out.glob("articles-*.parquet"))
    assert len(files) == 2 and not [p for p in out.iterdir() if p not in files]  # no temporary file left
    duckdb = pytest.importorskip("duckdb")
    newest = duckdb.sql(
        f"SELECT id FROM '{out}/*.parquet' QUALIFY row_number() OVER (PARTITION BY id ORDER BY added DESC) = 1"
    ).fetchall()
    assert len(newest) == 3  # the query the README gives: the newest record of each id


def test_fetch_writes_parquet_too(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    with LocalServer() as server:
        publish(server, 2)
        urls = [server.url(article_path(i)) for i in range(2)]
        out = tmp_path / "out"
        args = ["fetch", "--allow-private-networks", "--delay", "0", *urls, "-o", str(out)]
        result = run(*args, "--format", "parquet")
        assert result.exit_code == 0, result.stderr
        [written] = list(out.glob("*.parquet"))
        assert pq.read_table(written).column("id").to_pylist() == urls


def test_parquet_needs_a_folder(saved: Path) -> None:
    pytest.importorskip("pyarrow")
    result = CliRunner().invoke(
        main, ["clean", str(saved / "news.example.com" / "alpha.html"), "--format", "parquet"]
    )
    assert result.exit_code == 2 and "give -o/--out DIR" in result.stderr


def test_without_pyarrow_the_error_names_the_extra(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["clean", str(saved), "-o", str(out), "--format", "parquet"])
    assert result.exit_code == 2
    assert "pyarrow" in result.stderr and "pip install 'scraper[parquet]'" in result.stderr
    assert not out.exists()  # refused before anything was cleaned or written


def test_a_crawl_refuses_parquet_and_says_what_to_use(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="format jsonl"):
        crawl_config(tmp_path, feeds=("https://example.com/rss",), format="parquet")


def test_lists_of_objects_are_json_text_even_when_every_one_is_empty() -> None:
    # A batch where nothing was flagged (or removed) must give the column the type every other
    # batch gives it, or a query over all the files fails.
    pq = pytest.importorskip("pyarrow.parquet")
    import io

    from scraper.io.parquet import parquet_bytes

    record = {"id": "a", "text": "t", "metadata": {"removed": [], "flagged": [], "blocks": [], "tags": []}}
    table = pq.read_table(io.BytesIO(parquet_bytes([record])))
    metadata = table.schema.field("metadata").type
    for name in ("removed", "flagged", "blocks"):
        assert str(metadata.field(name).type) == "string", name
    assert str(metadata.field("tags").type).startswith("list<")  # lists of strings stay lists
    assert table.to_pylist()[0]["metadata"]["flagged"] == "[]"
