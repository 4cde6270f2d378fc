"""``scraper fetch -i FILE``: URL lists as trafilatura's ``-i/--input-file`` reads them, ``-``
for stdin, through the command line against a real server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from httpserver import LocalServer
from newssite import article_path, publish

from scraper.cli.main import main


def run(*args: str, stdin: str | bytes | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def fetch_args(*extra: str) -> list[str]:
    return ["fetch", "--allow-private-networks", "--delay", "0", *extra]


def test_a_url_list_skips_comments_and_blank_lines_and_names_a_bad_line(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 3)
        listing = tmp_path / "urls.txt"
        listing.write_text(
            "\ufeff# today's stories\n"
            f"{server.url(article_path(0))}\n"
            "\n"
            f"   {server.url(article_path(1))}   \n"
            "ftp://example.com/story\n"
            "  # indented comment\n"
            f"{server.url(article_path(0))}\n",  # given twice: fetched once
            encoding="utf-8",
        )
        out = tmp_path / "out"
        result = run(*fetch_args(server.url(article_path(2)), "-i", str(listing), "-o", str(out)))
        assert result.exit_code == 1  # one line failed; the others were fetched and written
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert errors == [f"error: {listing}:5: not an http(s) URL: 'ftp://example.com/story'"]
        assert "done 3, skipped 0, failed 1" in result.stderr
        assert len(list(out.rglob("*.txt"))) == 3
        assert [server.count(article_path(i)) for i in range(3)] == [1, 1, 1]


def test_the_list_comes_from_stdin_with_a_dash(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 2)
        urls = "".join(f"{server.url(article_path(i))}\n" for i in range(2))
        result = run(*fetch_args("-i", "-", "--format", "jsonl"), stdin=urls)
        assert result.exit_code == 0, result.stderr
        records = [json.loads(line) for line in result.stdout.splitlines()]
        assert [record["source"] for record in records] == [server.url(article_path(i)) for i in range(2)]


def test_one_url_in_a_list_prints_its_text(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 1)
        listing = tmp_path / "one.txt"
        listing.write_text(f"# one\n{server.url(article_path(0))}\n", encoding="utf-8")
        result = run(*fetch_args("--input-file", str(listing)))
        assert result.exit_code == 0 and "residents" in result.stdout


def test_a_list_that_cannot_be_used_is_a_usage_error(tmp_path: Path) -> None:
    missing = run("fetch", "-i", str(tmp_path / "missing.txt"))
    assert missing.exit_code == 2 and "missing.txt" in missing.stderr
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n\n", encoding="utf-8")
    nothing = run("fetch", "-i", str(empty))
    assert nothing.exit_code == 2 and "no URLs" in nothing.stderr
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"https://example.com/\n\xff\xfe\x00")
    undecodable = run("fetch", "-i", str(binary))
    assert undecodable.exit_code == 2 and f"{binary}: the URL list is not UTF-8 text" in undecodable.stderr
    assert run("fetch").exit_code == 2  # no URL and no list


def test_several_urls_from_a_list_need_a_folder_or_a_stream(tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text("https://example.com/a\nhttps://example.com/b\nnot a url\n", encoding="utf-8")
    result = run("fetch", "-i", str(listing))
    assert result.exit_code == 2 and "2 URLs: give -o/--out DIR" in result.stderr
