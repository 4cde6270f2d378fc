"""WARC and ARC input: `read_warc` and `scraper clean *.warc.gz`, on archives the tests write with warcio."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_article_html
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import scraper
from scraper.cli import main
from scraper.io.warc import WarcPage, WarcSkip, read_warc

PAGE = make_article_html("harbour", "Harbour works resume").encode()
OTHER = make_article_html("orchard", "Orchard fair opens").encode()


def response(writer: WARCWriter, uri: str, body: bytes, ctype: str = "text/html; charset=utf-8", **kw):
    status = kw.pop("status", "200 OK")
    headers = StatusAndHeaders(status, [("Content-Type", ctype), *kw.pop("extra", [])], protocol="HTTP/1.1")
    return writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers)


def chunked(body: bytes) -> bytes:
    half = len(body) // 2
    parts = [body[:half], body[half:]]
    return b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts) + b"0\r\n\r\n"


def write_archive(path: Path, *, gzip: bool) -> list[int]:
    """An archive of every kind of record; returns each record's offset, in order."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        writer.write_record(response(writer, "https://news.example/harbour.html", PAGE))
        writer.write_record(response(writer, "https://news.example/logo.png", b"\x89PNG\r\n", "image/png"))
        writer.write_record(response(writer, "https://news.example/orchard", OTHER, "text/plain"))
        writer.write_record(
            response(
                writer,
                "https://news.example/chunked.html",
                chunked(PAGE.replace(b"harbour", b"chunky")),
                extra=[("Transfer-Encoding", "chunked")],
            )
        )
        writer.write_record(
            writer.create_revisit_record(
                "https://news.example/harbour.html",
                "sha1:AAAA",
                "https://news.example/harbour.html",
                "2026-01-01T00:00:00Z",
            )
        )
        writer.write_record(response(writer, "https://news.example/gone", PAGE, status="404 Not Found"))
    with path.open("rb") as handle:
        records = ArchiveIterator(handle)
        return [records.get_record_offset() for _ in records]


def kinds(path: Path) -> list[tuple[str, int, str]]:
    return [
        ("page", item.offset, item.page.url or "")
        if isinstance(item, WarcPage)
        else ("skip", item.offset, item.reason)
        for item in read_warc(path)
    ]


@pytest.mark.parametrize("gzip", [True, False])
def test_read_warc_takes_html_responses_and_says_why_it_skips_the_rest(tmp_path: Path, gzip: bool) -> None:
    path = tmp_path / ("crawl.warc.gz" if gzip else "crawl.warc")
    offsets = write_archive(path, gzip=gzip)
    assert kinds(path) == [
        ("skip", offsets[0], "not-a-response"),
        ("page", offsets[1], "https://news.example/harbour.html"),
        ("skip", offsets[2], "not-html"),
        ("page", offsets[3], "https://news.example/orchard"),  # text/plain, but its bytes are HTML
        ("page", offsets[4], "https://news.example/chunked.html"),
        ("skip", offsets[5], "revisit"),
        ("skip", offsets[6], "http-error"),
    ]
    pages = [item for item in read_warc(path) if isinstance(item, WarcPage)]
    assert pages[0].page.body == PAGE and pages[0].page.status == 200
    assert pages[0].page.header("content-type") == "text/html; charset=utf-8"
    assert pages[0].record_id.startswith("<urn:uuid:") and pages[0].warc_file == str(path)
    assert pages[2].page.body == PAGE.replace(b"harbour", b"chunky")  # de-chunked


def test_a_broken_gzip_member_is_reported_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    offsets = write_archive(path, gzip=True)
    data = bytearray(path.read_bytes())
    data[offsets[2] + 20 : offsets[2] + 60] = bytes(40)  # inside the third member's deflate stream
    path.write_bytes(bytes(data))
    found = kinds(path)
    assert ("skip", offsets[2], "broken-gzip") in found
    assert [url for kind, _, url in found if kind == "page"] == [
        "https://news.example/harbour.html",
        "https://news.example/orchard",
        "https://news.example/chunked.html",
    ]


@pytest.mark.parametrize("gzip", [True, False])
def test_a_record_cut_short_is_truncated(tmp_path: Path, gzip: bool) -> None:
    path = tmp_path / ("cut.warc.gz" if gzip else "cut.warc")
    offsets = write_archive(path, gzip=gzip)
    path.write_bytes(path.read_bytes()[: offsets[6] + 300])
    assert kinds(path)[-1] == ("skip", offsets[6], "truncated")


def test_a_record_marked_truncated_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "marked.warc.gz"
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        record = response(writer, "https://news.example/long.html", PAGE)
        record.rec_headers.add_header("WARC-Truncated", "length")
        writer.write_record(record)
    assert kinds(path) == [("skip", 0, "truncated")]


def test_arc_files_are_read(tmp_path: Path) -> None:
    body = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + PAGE
    header = f"http://news.example/old.html 192.0.2.1 20010101000000 text/html {len(body)}\n".encode()
    version = b"1 0 tests\nURL IP-address Archive-date Content-type Archive-length\n"
    filedesc = f"filedesc://old.arc 0.0.0.0 20010101000000 text/plain {len(version)}\n".encode()
    path = tmp_path / "old.arc"
    path.write_bytes(filedesc + version + b"\n" + header + body + b"\n")
    pages = [item for item in read_warc(path) if isinstance(item, WarcPage)]
    assert [p.page.url for p in pages] == ["http://news.example/old.html"] and pages[0].page.body == PAGE


def test_a_missing_file_is_one_skip(tmp_path: Path) -> None:
    [item] = read_warc(tmp_path / "nope.warc.gz")
    assert isinstance(item, WarcSkip) and item.offset == 0 and item.reason.startswith("unreadable")


def test_clean_writes_traceable_jsonl_and_reports_every_record_not_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "crawl-001.warc.gz"
    offsets = write_archive(path, gzip=True)
    data = bytearray(path.read_bytes())
    data[offsets[2] + 20 : offsets[2] + 60] = bytes(40)
    path.write_bytes(bytes(data))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["clean", str(path), "-o", str(out), "--format", "jsonl", "-j", "1"], catch_exceptions=False
    )
    assert result.exit_code == 1  # the broken member failed; everything else was done
    assert f"error: {path}@{offsets[2]}: " in result.output and "broken-gzip" in result.output
    assert f"skipped: {path}@{offsets[5]}: " in result.output and "(revisit)" in result.output
    assert f"skipped: {path}@{offsets[6]}: " in result.output and "(http-error)" in result.output
    records = [json.loads(line) for line in (out / "articles.jsonl").read_text().splitlines()]
    by_url = {r["metadata"]["url"]: r for r in records}
    assert set(by_url) == {
        "https://news.example/harbour.html",
        "https://news.example/orchard",
        "https://news.example/chunked.html",
    }
    harbour = by_url["https://news.example/harbour.html"]
    meta = harbour["metadata"]
    assert meta["warc_file"] == str(path) and meta["warc_offset"] == offsets[1]
    assert meta["warc_record_id"].startswith("<urn:uuid:")
    assert harbour["id"].startswith("crawl-001/news.example/harbour-")  # <archive>/<url stem>
    expected = scraper.clean(PAGE, url="https://news.example/harbour.html")
    assert harbour["text"] == expected.text and expected.warc_file is None
    with path.open("rb") as handle:  # the offset leads back to the record
        handle.seek(meta["warc_offset"])
        record = next(iter(ArchiveIterator(handle)))
        assert record.rec_headers.get_header("WARC-Record-ID") == meta["warc_record_id"]


def test_clean_names_are_stable_across_runs(tmp_path: Path) -> None:
    path = tmp_path / "a.warc"
    write_archive(path, gzip=False)
    ids = []
    for run in ("one", "two"):
        out = tmp_path / run
        CliRunner().invoke(main, ["clean", str(path), "-o", str(out), "--format", "jsonl", "-j", "1"])
        ids.append(
            sorted(json.loads(line)["id"] for line in (out / "articles.jsonl").read_text().splitlines())
        )
    assert ids[0] == ids[1] and len(set(ids[0])) == 3
