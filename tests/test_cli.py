"""`scraper clean` end to end through click's CliRunner, on pages written by the tests."""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import scraper
from scraper import batch
from scraper.cli.main import main
from scraper.extract import engine
from scraper.io.formats import FRONT_MATTER_KEYS, JSONL_NAME
from scraper.io.sources import expand_inputs, page_stem


def run(*args: str, input: bytes | str | None = None) -> Result:
    return CliRunner().invoke(main, ["clean", *args], input=input, catch_exceptions=False)


def expected(path: Path, url: str | None = None) -> scraper.Article:
    """What the library makes of the page: the CLI must write exactly this."""
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return scraper.clean(raw, url)


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in sorted(files_under(folder))}


# -- stdout and stdin -------------------------------------------------------------------------------


def test_one_file_prints_only_its_text_to_stdout(saved: Path) -> None:
    page = saved / "news.example.com" / "alpha.html"
    result = run(str(page), "-j", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout == expected(page).text + "\n"
    assert "done 1, skipped 0, failed 0" in result.stderr
    assert "done" not in result.stdout


def test_stdin_to_stdout_and_to_a_file(tmp_path: Path, article_html) -> None:
    page = article_html("stdin", "Read from stdin", url="https://news.example.com/stdin")
    result = run("-", input=page.encode("utf-8"))
    assert result.exit_code == 0, result.output
    assert result.stdout == scraper.clean(page.encode("utf-8")).text + "\n"

    out = tmp_path / "out"
    result = run("-", "-o", str(out), "--format", "json", input=gzip.compress(page.encode("utf-8")))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert files_under(out) == {"stdin.json"}
    data = json.loads((out / "stdin.json").read_text(encoding="utf-8"))
    assert data["source"] == "<stdin>"
    assert data["canonical_url"] == "https://news.example.com/stdin"


def test_stdout_honours_format(saved: Path) -> None:
    page = saved / "news.example.com" / "alpha.html"
    result = run(str(page), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["text"] == expected(page).text
    assert data["source"] == str(page)


def test_several_inputs_need_an_out_folder_unless_jsonl(saved: Path) -> None:
    result = run(str(saved))
    assert result.exit_code == 2
    assert "-o/--out" in result.stderr
    assert result.stdout == ""

    result = run(str(saved), "--format", "jsonl", "-j", "1")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [json.loads(line)["metadata"]["input"] for line in lines] == [
        str(saved / "blog.example.org/2024/gamma.html.gz"),
        str(saved / "news.example.com/alpha.html"),
        str(saved / "news.example.com/beta.htm"),
    ]


# -- formats and naming -------------------------------------------------------------------------------


def test_folder_to_txt_names_outputs_after_relative_paths(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(str(saved), "-o", str(out), "-j", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "done 3, skipped 0, failed 0" in result.stderr
    # hidden files and folders and non-page files are not picked up
    assert files_under(out) == {
        "blog.example.org/2024/gamma.txt",
        "blog.example.org/2024/gamma.json",
        "news.example.com/alpha.txt",
        "news.example.com/alpha.json",
        "news.example.com/beta.txt",
        "news.example.com/beta.json",
    }
    page = saved / "news.example.com" / "beta.htm"
    article = expected(page)
    assert (out / "news.example.com/beta.txt").read_text(encoding="utf-8") == article.text + "\n"
    sidecar = json.loads((out / "news.example.com/beta.json").read_text(encoding="utf-8"))
    want = article.to_dict()
    del want["text"]
    assert sidecar == {**want, "source": str(page)}
    assert "beta residents" in (out / "news.example.com/beta.txt").read_text(encoding="utf-8")


def test_gz_input_is_decompressed(saved: Path, tmp_path: Path) -> None:
    page = saved / "blog.example.org" / "2024" / "gamma.html.gz"
    out = tmp_path / "out"
    result = run(str(page), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert files_under(out) == {"gamma.txt", "gamma.json"}
    text = (out / "gamma.txt").read_text(encoding="utf-8")
    assert text == expected(page).text + "\n"
    assert "gamma residents" in text


def test_single_file_argument_is_named_by_its_file_name(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(str(saved / "news.example.com" / "alpha.html"), "-o", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    assert files_under(out) == {"alpha.json"}


def test_same_names_from_two_arguments_do_not_overwrite_each_other(tmp_path: Path, article_html) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.html").write_text(article_html(folder, f"Story {folder}"), encoding="utf-8")
    out = tmp_path / "out"
    result = run(str(tmp_path / "a" / "x.html"), str(tmp_path / "b" / "x.html"), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert files_under(out) == {"x.txt", "x.json", "x-2.txt", "x-2.json"}
    assert "a residents" in (out / "x.txt").read_text(encoding="utf-8")
    assert "b residents" in (out / "x-2.txt").read_text(encoding="utf-8")


def test_md_front_matter_parses_back(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    page = saved / "news.example.com" / "beta.htm"
    result = run(str(saved), "-o", str(out), "--format", "md", "-j", "1")
    assert result.exit_code == 0, result.output
    assert {p for p in files_under(out)} == {
        "blog.example.org/2024/gamma.md",
        "news.example.com/alpha.md",
        "news.example.com/beta.md",
    }
    content = (out / "news.example.com/beta.md").read_text(encoding="utf-8")
    match = re.fullmatch(r"---\n(.*?)\n---\n\n(.*)", content, re.DOTALL)
    assert match, content[:300]
    front, body = match.groups()
    article = expected(page)
    assert body == article.text + "\n"
    # every value is JSON, which is also YAML: parse it back without a YAML library
    parsed = {}
    for line in front.splitlines():
        key, _, value = line.partition(": ")
        parsed[key] = json.loads(value)
    assert list(parsed) == list(FRONT_MATTER_KEYS)
    want = {**article.to_dict(), "source": str(page)}
    assert parsed == {key: want[key] for key in FRONT_MATTER_KEYS}
    assert parsed["title"] == "Beta “harbour” plan"
    assert parsed["canonical_url"] == "https://news.example.com/beta"
    yaml = pytest.importorskip("yaml")
    assert yaml.safe_load(front) == parsed


def test_json_holds_the_whole_article_and_its_source(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(str(saved), "-o", str(out), "--format", "json", "-j", "1")
    assert result.exit_code == 0, result.output
    page = saved / "news.example.com" / "alpha.html"
    data = json.loads((out / "news.example.com/alpha.json").read_text(encoding="utf-8"))
    assert data == {**expected(page).to_dict(), "source": str(page)}
    assert scraper.Article.from_dict({k: v for k, v in data.items() if k != "source"}) == expected(page)


def test_jsonl_records_in_input_order_and_rerun_replaces(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for _ in range(2):
        result = run(str(saved), "-o", str(out), "--format", "jsonl", "-j", "1")
        assert result.exit_code == 0, result.output
        assert files_under(out) == {JSONL_NAME}
        lines = (out / JSONL_NAME).read_text(encoding="utf-8").splitlines()
        assert len(lines) == 3  # a re-run replaces its records (by id), it never appends
    records = [json.loads(line) for line in lines]
    for record in records:
        assert set(record) == {"id", "text", "source", "added", "created", "metadata"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["added"])
        assert "text" not in record["metadata"]
    assert len({r["added"] for r in records}) == 1  # one run, one time

    gamma, alpha, beta = records
    alpha_page = saved / "news.example.com" / "alpha.html"
    article = expected(alpha_page)
    assert alpha["id"] == "news.example.com/alpha.html"  # a saved page's id: its path under the folder
    assert alpha["source"] == "https://news.example.com/alpha"
    assert alpha["text"] == article.text
    assert alpha["created"] == article.published
    want = article.to_dict()
    del want["text"]
    assert alpha["metadata"] == {**want, "input": str(alpha_page)}
    assert beta["id"] == "news.example.com/beta.htm"
    # no URL known: the source is the input path
    gamma_page = saved / "blog.example.org" / "2024" / "gamma.html.gz"
    assert gamma["id"] == "blog.example.org/2024/gamma.html.gz"
    assert gamma["source"] == str(gamma_page)
    assert "gamma residents" in gamma["text"]


def test_url_option_sets_the_url(saved: Path, tmp_path: Path) -> None:
    page = saved / "blog.example.org" / "2024" / "gamma.html.gz"
    result = run(str(page), "--url", "https://blog.example.org/gamma", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["url"] == "https://blog.example.org/gamma"


# -- failures, skips, usage errors ---------------------------------------------------------------------


def test_bad_inputs_are_reported_by_name_and_the_batch_goes_on(saved: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.html"
    broken = tmp_path / "broken.html.gz"
    broken.write_bytes(b"\x1f\x8b this is not gzip at all")
    out = tmp_path / "out"
    result = run(str(missing), str(saved), str(broken), "-o", str(out), "-j", "1")
    assert result.exit_code == 1
    assert f"error: {missing}: No such file or directory" in result.stderr
    assert f"error: {broken}: not valid gzip data" in result.stderr
    assert "done 3, skipped 0, failed 2" in result.stderr
    assert "news.example.com/alpha.txt" in files_under(out)
    assert "news.example.com/beta.txt" in files_under(out)


def test_fail_fast_stops_at_the_first_failure(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(str(tmp_path / "missing.html"), str(saved), "-o", str(out), "--fail-fast", "-j", "1")
    assert result.exit_code == 1
    assert "missing.html" in result.stderr
    assert "done 0, skipped 0, failed 1" in result.stderr
    assert not out.exists() or files_under(out) == set()


def test_fail_fast_leaves_the_previous_jsonl_whole(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(str(saved), "-o", str(out), "--format", "jsonl", "-j", "1").exit_code == 0
    before = (out / JSONL_NAME).read_bytes()
    result = run(
        str(saved), str(tmp_path / "missing.html"), "-o", str(out), "--format", "jsonl", "--fail-fast"
    )
    assert result.exit_code == 1
    assert (out / JSONL_NAME).read_bytes() == before
    assert files_under(out) == {JSONL_NAME}  # no temporary file left behind


def test_a_page_without_an_article_is_skipped_not_failed(stub_html: str, saved: Path, tmp_path: Path) -> None:
    stub = tmp_path / "not-found.html"
    stub.write_text(stub_html, encoding="utf-8")
    out = tmp_path / "out"
    result = run(str(stub), str(saved), "-o", str(out), "-j", "1")
    assert result.exit_code == 0, result.output
    assert f"skipped: {stub}: " in result.stderr
    assert "done 3, skipped 1, failed 0" in result.stderr
    assert not any(name.startswith("not-found") for name in files_under(out))

    alone = run(str(stub))  # stdout mode: nothing on stdout, still not a failure
    assert (alone.exit_code, alone.stdout) == (0, "")
    assert "skipped 1" in alone.stderr

    quiet = run(str(stub), str(saved), "-o", str(out), "-j", "1", "--quiet")
    assert quiet.exit_code == 0
    assert quiet.stderr == ""


def test_url_with_several_inputs_is_a_usage_error(saved: Path, tmp_path: Path) -> None:
    alpha = str(saved / "news.example.com" / "alpha.html")
    out = tmp_path / "out"
    result = run(alpha, alpha, "--url", "https://x.example/", "-o", str(out))
    assert result.exit_code == 2
    assert "--url" in result.stderr
    result = run(str(saved), "--url", "https://x.example/", "-o", str(out))  # a folder of three pages
    assert result.exit_code == 2
    assert not out.exists()


def test_bad_rule_file_is_a_config_error_before_any_input(saved: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "news.example.com.toml").write_text('strip = ["aside"]\ntitl = "typo"\n', encoding="utf-8")
    out = tmp_path / "out"
    result = run(str(saved), "-o", str(out), "--rules", str(rules))
    assert result.exit_code == 2
    assert "news.example.com.toml" in result.stderr
    assert "titl" in result.stderr
    assert not out.exists()

    result = run(str(saved), "-o", str(out), "--rules", str(tmp_path / "no-such-folder"))
    assert result.exit_code == 2
    assert not out.exists()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_rules_folder_is_applied(saved: Path, tmp_path: Path, jobs: str) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "news.example.com.toml").write_text(
        "drop_lines = ['^In part 2 of the story']\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    result = run(str(saved), "-o", str(out), "--rules", str(rules), "-j", jobs)
    assert result.exit_code == 0, result.output
    alpha = (out / "news.example.com/alpha.txt").read_text(encoding="utf-8")
    gamma = (out / "blog.example.org/2024/gamma.txt").read_text(encoding="utf-8")
    assert "In part 1 of the story" in alpha
    assert "In part 2 of the story" not in alpha
    assert "In part 2 of the story" in gamma  # another host: the site rule does not apply


def test_empty_folder_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run(str(tmp_path / "empty"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert "no .html" in result.stderr
    assert "done 0, skipped 0, failed 0" in result.stderr


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("scraper, version ")


def test_help_shows_an_example() -> None:
    result = CliRunner().invoke(main, ["clean", "--help"])
    assert result.exit_code == 0
    assert "scraper clean saved/ -o clean/" in result.stdout


# -- parallel ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["txt", "md", "json"])
def test_two_jobs_write_the_same_as_one(stub_html: str, saved: Path, tmp_path: Path, fmt: str) -> None:
    stub = saved / "stub.html"
    stub.write_text(stub_html, encoding="utf-8")
    one, two = tmp_path / "one", tmp_path / "two"
    first = run(str(saved), "-o", str(one), "--format", fmt, "-j", "1")
    second = run(str(saved), "-o", str(two), "--format", fmt, "-j", "2")
    assert first.exit_code == second.exit_code == 0
    assert first.stderr == second.stderr
    assert tree_bytes(one) == tree_bytes(two)
    assert len(tree_bytes(one)) == 3 * (2 if fmt == "txt" else 1)


def test_two_jobs_keep_jsonl_in_input_order(saved: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert run(str(saved), "-o", str(one), "--format", "jsonl", "-j", "1").exit_code == 0
    assert run(str(saved), "-o", str(two), "--format", "jsonl", "-j", "2").exit_code == 0

    def without_added(folder: Path) -> list[dict]:
        records = [
            json.loads(line) for line in (folder / JSONL_NAME).read_text(encoding="utf-8").splitlines()
        ]
        return [{k: v for k, v in record.items() if k != "added"} for record in records]

    assert without_added(one) == without_added(two)


def _crashing_clean(html, url=None, **options):
    if b"CRASH" in html.body:
        os._exit(13)  # a worker dying the way a segfault or the OOM killer would end it
    return _real_clean(html, url, **options)


_real_clean = scraper.clean


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="needs fork to patch the workers")
@pytest.mark.parametrize("chunk", [1, 3])
def test_a_crashing_worker_fails_only_its_own_input(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    (saved / "crash.html").write_text("<html><body><p>CRASH</p></body></html>", encoding="utf-8")
    monkeypatch.setattr(engine, "clean", _crashing_clean)
    monkeypatch.setattr(batch, "chunk_size", lambda count, jobs: chunk)
    out = tmp_path / "out"
    result = run(str(saved), "-o", str(out), "-j", "2")
    assert result.exit_code == 1
    assert f"error: {saved / 'crash.html'}: the worker process died" in result.stderr
    assert "done 3, skipped 0, failed 1" in result.stderr
    assert {p for p in files_under(out) if p.endswith(".txt")} == {
        "blog.example.org/2024/gamma.txt",
        "news.example.com/alpha.txt",
        "news.example.com/beta.txt",
    }


# -- inputs ---------------------------------------------------------------------------------------------


def test_page_stem() -> None:
    assert page_stem("x.html") == "x"
    assert page_stem("x.HTM") == "x"
    assert page_stem("x.html.gz") == "x"
    assert page_stem("story.2024.htm.gz") == "story.2024"
    assert page_stem("x.php") == "x.php"
    assert page_stem(".html") == ".html"


def test_expand_inputs_reads_stdin_once(tmp_path: Path) -> None:
    import io

    expansion = expand_inputs(["-"], io.BytesIO(b"<p>hi</p>"))
    [item] = expansion.items
    assert (item.label, item.stem, item.read()) == ("<stdin>", "stdin", b"<p>hi</p>")
    with pytest.raises(scraper.InputError):
        expand_inputs(["-", "-"], io.BytesIO(b""))


def test_outcome_survives_the_process_boundary(stub_html: str, tmp_path: Path) -> None:
    """A page with no article comes back from a worker as a value holding its NoArticleError."""
    import pickle

    stub = tmp_path / "stub.html"
    stub.write_text(stub_html, encoding="utf-8")
    [item] = expand_inputs([str(stub)]).items
    outcome = batch.clean_page(item, batch.CleanSettings())
    assert outcome.article is None and outcome.skipped is not None and not outcome.failed
    copy = pickle.loads(pickle.dumps(outcome))
    assert type(copy.error) is type(outcome.error) and copy.why() == outcome.why()
    assert copy.skipped.reason == outcome.skipped.reason


# -- archives ---------------------------------------------------------------------------------------


def test_a_zip_of_pages_is_cleaned_page_by_page_like_the_folder_it_holds(saved: Path, tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "pages.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(saved.rglob("*")):
            if path.is_file():
                bundle.write(path, path.relative_to(saved).as_posix())
        bundle.writestr("broken.html.gz", b"\x1f\x8b not really gzip")
    from_folder, from_zip = tmp_path / "from-folder", tmp_path / "from-zip"
    assert run(str(saved), "-o", str(from_folder), "-j", "1").exit_code == 0
    result = run(str(archive), "-o", str(from_zip), "-j", "1")
    assert result.exit_code == 1  # the broken member fails, named; the others are written
    assert f"error: {archive}/broken.html.gz: not valid gzip data" in result.stderr
    assert "done 3, skipped 0, failed 1" in result.stderr
    written = {name.removeprefix("pages/"): data for name, data in tree_bytes(from_zip).items()}
    folder_texts = {k: v for k, v in tree_bytes(from_folder).items() if k.endswith(".txt")}
    assert {k: v for k, v in written.items() if k.endswith(".txt")} == folder_texts


def test_zip_member_names_cannot_write_outside_the_output_folder(tmp_path: Path, article_html) -> None:
    import zipfile

    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(str(tmp_path / "abs.html"), article_html("abs", "An absolute name"))
        bundle.writestr("../../up.html", article_html("up", "A climbing name"))
        bundle.writestr("a\\b.html", article_html("back", "A backslash name"))
    out = tmp_path / "out"
    result = run(str(archive), "-o", str(out), "-j", "1", "--no-learn")
    assert result.exit_code == 0, result.stderr
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.txt")}
    assert written and all(name.startswith("out/evil/") for name in written), written
    assert "out/evil/up.txt" in written and "out/evil/a/b.txt" in written


def test_an_unreadable_zip_fails_by_name(tmp_path: Path) -> None:
    archive = tmp_path / "bad.zip"
    archive.write_bytes(b"PK not a zip")
    result = run(str(archive), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert f"error: {archive}: not a readable zip archive" in result.stderr


def test_options_come_from_the_environment_under_their_flag_names(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {"SCRAPER_CLEAN_FORMAT": "md", "SCRAPER_CLEAN_OUT": str(out), "SCRAPER_VERSION": "1"}
    result = CliRunner().invoke(main, ["clean", str(saved), "-j", "1"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr  # SCRAPER_VERSION does not turn the command into --version
    assert len(list(out.rglob("*.md"))) == 3 and not list(out.rglob("*.txt"))


def test_a_closed_stdout_ends_the_batch_at_once(saved: Path) -> None:
    """`scraper clean DIR --format jsonl | head -c 10`: once the reader is gone, no page is cleaned for nothing."""
    script = (
        "import sys; from scraper.cli.main import main; "
        f"sys.argv = ['scraper', 'clean', {str(saved)!r}, '--format', 'jsonl', '-j', '1', '--no-learn']; main()"
    )
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.read(10)
    proc.stdout.close()  # the reader goes away after ten bytes
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert err.decode().count("cannot write its output") <= 1  # not one error line per remaining page
