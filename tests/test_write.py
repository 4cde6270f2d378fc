"""Output writers and the atomic write helper, on Article values built here (no engine)."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest

from scraper.article import Article, Removal
from scraper.io.atomic import (
    atomic_open,
    atomic_write_files,
    atomic_write_json,
    atomic_write_text,
    sweep_stale_temps,
)
from scraper.io.formats import (
    FRONT_MATTER_KEYS,
    OutputFormat,
    Written,
    get_format,
    jsonl_line,
    jsonl_record,
    register,
    render_markdown,
    yaml_scalar,
)
from scraper.io.sink import ArticleSink


def write_article(article: Article, out: Path, stem: str, fmt: str, *, source: str) -> list[Path]:
    with ArticleSink(fmt, out) as sink:
        return sink.write(article, stem=stem, source=source)


def render(article: Article, fmt: str, *, source: str, relpath: str, added: str) -> str:
    return get_format(fmt).render(article, Written(source=source, relpath=relpath, added=added))


ARTICLE = Article(
    text='First paragraph.\n\nSecond "quoted" paragraph: with a colon.',
    title='Storm "Isolde": live \u2013 updates\u2028and a line separator',
    authors=("Ada Writer", "B. O'Neill"),
    published="2024-03-05T09:30:00+01:00",
    url="https://news.example.com/storm?x=1#top",
    canonical_url="https://news.example.com/storm",
    language="en",
    description="Line one\nline two: # not a comment",
    tags=("weather", "yes", "null", "- dash"),
    word_count=9,
    text_sha256="abc",
    removed=(Removal(by="rule:generic", what="aside", text="Sign up"),),
)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# -- atomic writes ---------------------------------------------------------------------------------------


def test_atomic_open_replaces_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "x.txt"
    with atomic_open(target) as handle:
        handle.write("one")
    with atomic_open(target) as handle:
        handle.write("two")
    assert target.read_text(encoding="utf-8") == "two"
    assert leftovers(target.parent) == []
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.txt"]


def test_failure_mid_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(TypeError), atomic_open(target) as handle:
        # json.dump streams into the file and fails halfway, on the set
        json.dump({"fine": "a" * 10_000, "bad": {1, 2}}, handle)
    assert target.read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path) == []


def test_failed_serialisation_does_not_clobber(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(TypeError):
        atomic_write_json(target, {"bad": object()})
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(target, "lone surrogate \udc80")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]


def test_failure_on_a_new_path_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), atomic_open(tmp_path / "new.txt") as handle:
        handle.write("partial")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_new_files_get_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    atomic_write_text(tmp_path / "x.txt", "hi")
    # mkstemp makes 0600 files; the result must be readable like any file open() makes
    assert stat.S_IMODE((tmp_path / "x.txt").stat().st_mode) == 0o666 & ~umask


def test_write_article_pair_is_all_or_nothing(tmp_path: Path) -> None:
    write_article(ARTICLE, tmp_path, "site/x", "txt", source="in/x.html")
    before = {p.name: p.read_bytes() for p in (tmp_path / "site").iterdir()}
    bad = Article(text="text with a lone surrogate \udc80", title="t")
    with pytest.raises(UnicodeEncodeError):
        write_article(bad, tmp_path, "site/x", "txt", source="in/x.html")
    assert {p.name: p.read_bytes() for p in (tmp_path / "site").iterdir()} == before


def test_a_stream_format_merges_into_its_file_on_success_and_keeps_the_old_on_abort(tmp_path: Path) -> None:
    target = tmp_path / "articles.jsonl"
    for _ in range(2):
        with ArticleSink("jsonl", tmp_path) as sink:
            assert sink.write(ARTICLE, stem="x", source="in/x.html") == [target]
            sink.write(ARTICLE, stem="y", source="in/y.html")
    assert len(target.read_bytes().splitlines()) == 2
    before = target.read_bytes()
    with pytest.raises(KeyboardInterrupt), ArticleSink("jsonl", tmp_path) as sink:
        sink.write(ARTICLE, stem="x", source="in/x.html")
        raise KeyboardInterrupt
    assert target.read_bytes() == before
    bad = Article(text="text with a lone surrogate \udc80", title="t")
    with ArticleSink("jsonl", tmp_path) as sink, pytest.raises(UnicodeEncodeError):
        sink.write(bad, stem="x", source="in/x.html")  # nothing of a bad record reaches the file
    assert target.read_bytes() == before  # records not written again are kept (scraper.io.records)
    assert leftovers(tmp_path) == []


def test_appending_sink_adds_lines_run_after_run_and_repairs_a_torn_tail(tmp_path: Path) -> None:
    target = tmp_path / "articles.jsonl"
    for _ in range(2):
        ArticleSink("jsonl", tmp_path, append=True).write(ARTICLE, stem="x", source="in/x.html")
    assert len(target.read_bytes().splitlines()) == 2
    with target.open("ab") as handle:
        handle.write(b'{"id": "torn')
    sink = ArticleSink("jsonl", tmp_path, append=True)
    assert sink.repair() is True
    assert len(target.read_bytes().splitlines()) == 2 and target.read_bytes().endswith(b"\n")


def test_a_registered_format_is_written_like_the_shipped_ones(tmp_path: Path) -> None:
    register(
        OutputFormat(
            "title-only",
            "the title alone",
            render=lambda article, origin: f"{article.title}\n",
            suffixes=(".title",),
            files=lambda article, origin: (f"{article.title}\n",),
        )
    )
    assert write_article(ARTICLE, tmp_path, "site/x", "title-only", source="s") == [tmp_path / "site/x.title"]
    assert (tmp_path / "site/x.title").read_text(encoding="utf-8") == f"{ARTICLE.title}\n"
    with pytest.raises(ValueError, match="either suffixes and files, or a stream_name"):
        register(OutputFormat("broken", "neither", render=lambda article, origin: ""))


# -- formats ---------------------------------------------------------------------------------------------


def test_output_paths_keep_dots_in_folder_and_file_names(tmp_path: Path) -> None:
    assert ArticleSink("txt", tmp_path).paths("theweek.com/x.v2") == [
        tmp_path / "theweek.com" / "x.v2.txt",
        tmp_path / "theweek.com" / "x.v2.json",
    ]
    assert ArticleSink("md", tmp_path).paths("x") == [tmp_path / "x.md"]
    assert ArticleSink("jsonl", tmp_path).paths("x") == [tmp_path / "articles.jsonl"]
    assert ArticleSink("md", None).paths("x") == []
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        ArticleSink("xml", tmp_path)


def test_txt_and_json_contents(tmp_path: Path) -> None:
    write_article(ARTICLE, tmp_path, "x", "txt", source="in/x.html")
    assert (tmp_path / "x.txt").read_text(encoding="utf-8") == ARTICLE.text + "\n"
    sidecar = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    assert "text" not in sidecar
    assert sidecar["source"] == "in/x.html"
    assert sidecar["removed"] == [
        {"by": "rule:generic", "what": "aside", "text": "Sign up", "kind": "element", "probability": None}
    ]

    write_article(ARTICLE, tmp_path, "y", "json", source="in/y.html")
    full = json.loads((tmp_path / "y.json").read_text(encoding="utf-8"))
    assert full.pop("source") == "in/y.html"
    assert Article.from_dict(full) == ARTICLE


@pytest.mark.parametrize(
    "value",
    [
        'He said "no": # really',
        "line\nbreak\tand tab",
        "null",
        "yes",
        "- dash",
        "[brackets] {braces} & *star !bang %pct @at `tick`",
        "café \u2013 “quotes” 日本語 😀",
        "separators \u2028 \u2029 \x85 del \x7f bom \ufeff",
        "back\\slash",
        "",
    ],
)
def test_yaml_scalars_read_back_as_the_same_string(value: str) -> None:
    written = yaml_scalar(value)
    assert "\n" not in written
    assert json.loads(written) == value
    yaml = pytest.importorskip("yaml")
    assert yaml.safe_load(f"key: {written}") == {"key": value}


def test_yaml_scalars_of_other_types() -> None:
    assert yaml_scalar(None) == "null"
    assert yaml_scalar(12) == "12"
    assert yaml_scalar([]) == "[]"
    assert yaml_scalar(["a", 'b"']) == '["a", "b\\""]'
    assert yaml_scalar("café") == '"café"'  # non-ASCII stays readable


def test_markdown_front_matter_round_trips() -> None:
    content = render_markdown(ARTICLE, "in/x.html")
    head, _, body = content.partition("\n---\n\n")
    assert head.startswith("---\n")
    assert body == ARTICLE.text + "\n"
    front = head.removeprefix("---\n")
    assert [line.split(":", 1)[0] for line in front.splitlines()] == list(FRONT_MATTER_KEYS)
    want = {**ARTICLE.to_dict(), "source": "in/x.html"}
    want = {key: want[key] for key in FRONT_MATTER_KEYS}
    assert {line.split(": ", 1)[0]: json.loads(line.split(": ", 1)[1]) for line in front.splitlines()} == want
    yaml = pytest.importorskip("yaml")
    assert yaml.safe_load(front) == want


def test_jsonl_record_shape_and_fallbacks() -> None:
    record = jsonl_record(
        ARTICLE, relpath="site/x.html", source="in/site/x.html", added="2026-01-01T00:00:00Z"
    )
    assert record["id"] == "https://news.example.com/storm"
    assert record["source"] == "https://news.example.com/storm?x=1#top"
    assert record["created"] == "2024-03-05T09:30:00+01:00"
    assert record["text"] == ARTICLE.text
    assert record["metadata"]["title"] == ARTICLE.title
    assert record["metadata"]["input"] == "in/site/x.html"
    assert "text" not in record["metadata"]

    bare = Article(text="Just text.")
    record = jsonl_record(bare, relpath="site/x.html", source="in/site/x.html", added="t")
    assert (record["id"], record["source"], record["created"]) == ("site/x.html", "in/site/x.html", None)


def test_jsonl_line_is_one_line_whatever_the_text() -> None:
    record = jsonl_record(ARTICLE, relpath="x.html", source="x.html", added="t")
    record["text"] += "\u2028\u2029\x85\r\n"
    line = jsonl_line(record)
    assert line.endswith(b"\n")
    decoded = line.decode("utf-8")
    assert decoded.splitlines() == [decoded.rstrip("\n")]  # str.splitlines splits on U+2028 too
    assert json.loads(decoded) == record


def test_render_for_stdout() -> None:
    assert render(ARTICLE, "txt", source="s", relpath="r", added="t") == ARTICLE.text + "\n"
    assert json.loads(render(ARTICLE, "json", source="s", relpath="r", added="t"))["source"] == "s"
    assert json.loads(render(ARTICLE, "jsonl", source="s", relpath="r", added="t"))["added"] == "t"
    assert render(ARTICLE, "md", source="s", relpath="r", added="t").startswith("---\ntitle: ")
    with pytest.raises(ValueError):
        render(ARTICLE, "xml", source="s", relpath="r", added="t")


# -- an article's files change together; leftovers of a kill are swept -----------------------------------


def fail_second_file_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the second fsync of a regular file fail as a full disk does (folder fsyncs pass)."""
    real_fsync = os.fsync
    synced: list[int] = []

    def fsync(fd: int) -> None:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            synced.append(fd)
            if len(synced) == 2:
                raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_failed_write_of_the_second_file_leaves_the_old_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    old = write_article(ARTICLE, out, "story", "txt", source="a.html")
    before = {path.name: path.read_bytes() for path in old}
    fail_second_file_fsync(monkeypatch)
    changed = Article(text="Entirely new text.", title="New title", word_count=3)
    with pytest.raises(OSError, match="No space left"):
        write_article(changed, out, "story", "txt", source="a.html")
    assert {path.name: path.read_bytes() for path in old} == before  # both old, not one new
    assert leftovers(out) == []


def test_atomic_write_files_writes_every_file(tmp_path: Path) -> None:
    atomic_write_files([(tmp_path / "a" / "x.txt", b"one"), (tmp_path / "b" / "x.json", b"two")])
    assert (tmp_path / "a" / "x.txt").read_bytes() == b"one"
    assert (tmp_path / "b" / "x.json").read_bytes() == b"two"
    assert leftovers(tmp_path / "a") == leftovers(tmp_path / "b") == []


def test_stale_temp_files_are_swept_when_the_output_folder_is_opened_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "news.example").mkdir(parents=True)
    hour_ago = time.time() - 2 * 3600
    stale = [out / ".story.txt.k2j3h4g5.tmp", out / "news.example" / ".x.json.ab_cd123.tmp"]
    young = out / ".fresh.txt.zz99yy88.tmp"  # a run still writing it
    not_ours = [out / ".notes.tmp", out / "draft.tmp", out / "story.txt"]
    for path in [*stale, young, *not_ours]:
        path.write_bytes(b"partial")
    for path in [*stale, *not_ours]:
        os.utime(path, (hour_ago, hour_ago))
    with ArticleSink("txt", out):
        pass
    assert not any(path.exists() for path in stale)
    assert young.exists()
    assert all(path.exists() for path in not_ours)
    assert sweep_stale_temps(out, max_age=0) == 1  # the young one, when asked to


def test_a_stream_write_that_fails_part_way_keeps_the_old_stream_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with ArticleSink("jsonl", out) as sink:
        sink.write(ARTICLE, stem="old", source="old.html")
    before = (out / "articles.jsonl").read_bytes()

    class TornHandle:
        """Writes half of the second line, then fails as a full disk does."""

        def __init__(self, handle: Any) -> None:
            self.handle, self.calls = handle, 0

        def write(self, data: bytes) -> int:
            self.calls += 1
            if self.calls == 2:
                self.handle.write(data[: len(data) // 2])
                raise OSError(28, "No space left on device")
            return self.handle.write(data)

    with pytest.raises(OSError, match="earlier write failed"), ArticleSink("jsonl", out) as sink:
        sink._handle = TornHandle(sink._handle)  # type: ignore[assignment]
        sink.write(ARTICLE, stem="a", source="a.html")
        with pytest.raises(OSError):
            sink.write(ARTICLE, stem="b", source="b.html")
        with pytest.raises(OSError, match="not saved"):
            sink.write(ARTICLE, stem="c", source="c.html")
    assert (out / "articles.jsonl").read_bytes() == before
    assert leftovers(out) == []


def test_a_name_that_is_not_utf8_is_recorded_escaped(tmp_path: Path) -> None:
    out = tmp_path / "out"
    paths = write_article(ARTICLE, out, "caf\udce9", "txt", source="in/caf\udce9.html")
    record = json.loads(paths[1].read_text(encoding="utf-8"))
    assert record["source"] == "in/caf\\xe9.html"


def test_an_append_that_fails_part_way_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scraper.io import atomic

    target = tmp_path / "articles.jsonl"
    atomic.append_line(target, b'{"id": 1}\n')
    before = target.read_bytes()
    real_write = os.write
    calls = []

    def short_then_full_disk(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[:5]))  # a short write, as on a nearly full disk
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "write", short_then_full_disk)
    with pytest.raises(OSError, match="No space"):
        atomic.append_line(target, b'{"id": 2, "text": "a longer line"}\n')
    monkeypatch.undo()
    assert target.read_bytes() == before  # no torn line for the next append to run into
    atomic.append_line(target, b'{"id": 3}\n')
    assert target.read_bytes().splitlines() == [b'{"id": 1}', b'{"id": 3}']


def test_a_short_append_is_completed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scraper.io import atomic

    target = tmp_path / "articles.jsonl"
    real_write = os.write
    monkeypatch.setattr(atomic.os, "write", lambda fd, data: real_write(fd, bytes(data[:3])))
    atomic.append_line(target, b'{"id": 1}\n')
    monkeypatch.undo()
    assert target.read_bytes() == b'{"id": 1}\n'
