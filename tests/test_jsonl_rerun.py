"""``articles.jsonl`` holds one record per id, whichever command writes it and however often.

The rule (scraper.io.records): a record whose id the file holds replaces it in place, a new id
goes at the end, every other line stays. ``scraper clean`` keys a record by the input's path
under its folder argument, ``scraper fetch`` and ``scraper crawl`` by the article's canonical URL
on the same site (scraper.io.naming); for an AMP copy and its canonical page, the canonical wins.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result
from conftest import crawl_config, make_article_html
from httpserver import LocalServer, respond
from newssite import FEED_TYPE, HTML, article_path, publish, rss

from scraper.cli.main import main
from scraper.crawler.run import crawl
from scraper.crawler.state import CrawlState
from scraper.io.records import merge_records

JSONL = "articles.jsonl"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def records(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / JSONL).read_text(encoding="utf-8").splitlines()]


def clean_jsonl(inputs: Path, out: Path) -> Result:
    result = run("clean", str(inputs), "-o", str(out), "--format", "jsonl", "-j", "1", "--no-learn")
    assert result.exit_code == 0, result.stderr
    return result


# -- scraper clean --------------------------------------------------------------------------------


def test_cleaning_the_same_inputs_again_gives_the_same_records_once(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    clean_jsonl(saved, out)
    first = records(out)
    clean_jsonl(saved, out)
    again = records(out)
    assert (
        [r["id"] for r in again]
        == [r["id"] for r in first]
        == [
            "blog.example.org/2024/gamma.html.gz",
            "news.example.com/alpha.html",
            "news.example.com/beta.htm",
        ]
    )
    assert [r["text"] for r in again] == [r["text"] for r in first]


def test_cleaning_a_subset_replaces_its_records_in_place_and_keeps_the_others(
    saved: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    clean_jsonl(saved, out)
    before = (out / JSONL).read_bytes().splitlines()
    alpha = saved / "news.example.com" / "alpha.html"
    alpha.write_text(
        make_article_html("alpha", "Alpha bridge reopens", url="https://news.example.com/alpha", words=400),
        encoding="utf-8",
    )
    # The subset as the same folder argument would name it: a folder with alpha alone.
    subset = tmp_path / "subset" / "news.example.com"
    subset.mkdir(parents=True)
    (subset / "alpha.html").write_bytes(alpha.read_bytes())
    clean_jsonl(tmp_path / "subset", out)
    after = (out / JSONL).read_bytes().splitlines()
    assert len(after) == 3
    assert after[0] == before[0] and after[2] == before[2]  # not re-cleaned: kept, byte for byte
    replaced = json.loads(after[1])
    assert replaced["id"] == "news.example.com/alpha.html"
    assert len(replaced["text"]) > len(json.loads(before[1])["text"])  # the new text, in its old place


def test_another_folder_adds_its_records_after_the_others(
    saved: Path, tmp_path: Path, article_html: Callable[..., str]
) -> None:
    out = tmp_path / "out"
    clean_jsonl(saved, out)
    more = tmp_path / "more"
    more.mkdir()
    (more / "delta.html").write_text(article_html("delta", "Delta ferry returns"), encoding="utf-8")
    clean_jsonl(more, out)
    assert [r["id"] for r in records(out)][-1] == "delta.html"
    assert len(records(out)) == 4


def test_lines_without_an_id_are_kept_and_older_duplicates_fold(tmp_path: Path) -> None:
    target = tmp_path / JSONL
    target.write_bytes(b'{"id":"a","v":1}\nnot json\n{"id":"b","v":1}\n{"id":"a","v":2}\n[1]\n')
    assert merge_records(target) is True
    assert target.read_bytes() == b'{"id":"a","v":2}\nnot json\n{"id":"b","v":1}\n[1]\n'
    assert merge_records(target) is False  # nothing to fold: the file is not touched


# -- scraper fetch ---------------------------------------------------------------------------------


def fetch(out: Path, *urls: str, fmt: str = "jsonl") -> Result:
    args = ["fetch", "--allow-private-networks", "--delay", "0", *urls, "-o", str(out), "--format", fmt]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    return result


def test_fetch_adds_records_and_a_url_fetched_again_replaces_its_own(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with LocalServer() as server:
        publish(server, 3)
        urls = [server.url(article_path(i)) for i in range(3)]
        fetch(out, urls[0], urls[1])
        fetch(out, urls[2])
        assert [r["id"] for r in records(out)] == urls  # added after the others
        first = (out / JSONL).read_bytes().splitlines()
        fetch(out, urls[1])
        again = (out / JSONL).read_bytes().splitlines()
        assert [json.loads(line)["id"] for line in again] == urls  # replaced in place, never twice
        assert again[0] == first[0] and again[2] == first[2]


def amp_pair(server: LocalServer) -> tuple[str, str]:
    """An article at /news/storm and its AMP copy at /amp/storm (which names it canonical)."""
    canonical, copy = server.url("/news/storm"), server.url("/amp/storm")
    page = make_article_html("storm", "Storm reaches the coast", url=canonical)
    server.add("/robots.txt", respond("User-agent: *\nAllow: /\n", content_type="text/plain"))
    server.add("/news/storm", respond(page, content_type=HTML))
    server.add("/amp/storm", respond(page.replace("<html ", "<html amp ", 1), content_type=HTML))
    return canonical, copy


def test_fetch_names_an_amp_copy_after_its_canonical_and_the_canonical_wins(tmp_path: Path) -> None:
    with LocalServer() as server:
        canonical, copy = amp_pair(server)
        for order in ([copy, canonical], [canonical, copy]):
            out = tmp_path / f"out-{order[0] == copy}"
            result = fetch(out, *order)
            [record] = records(out)
            assert record["id"] == canonical and record["source"] == canonical
            if order[0] == canonical:  # the copy came second: it is not written over the canonical page
                assert f"skipped: {copy}: same article as {canonical}" in result.stderr
            txt = tmp_path / f"txt-{order[0] == copy}"
            fetch(txt, *order, fmt="json")
            [written] = list(txt.rglob("*.json"))
            assert json.loads(written.read_text(encoding="utf-8"))["source"] == canonical


def test_a_canonical_url_on_another_site_does_not_name_the_copy(tmp_path: Path) -> None:
    with LocalServer() as server:
        elsewhere = "https://publisher.example.org/news/storm"
        server.add(
            "/syndicated", respond(make_article_html("storm", "Storm", url=elsewhere), content_type=HTML)
        )
        out = tmp_path / "out"
        fetch(out, server.url("/syndicated"))
        [record] = records(out)
        assert record["id"] == server.url("/syndicated")
        assert record["metadata"]["canonical_url"] == elsewhere  # kept, but not the name


def test_articles_whose_canonical_is_the_home_page_keep_their_own_names(tmp_path: Path) -> None:
    # Many sites point every page's canonical link at their home page: named after it, each
    # article fetched would replace the one before.
    with LocalServer() as server:
        home = server.url("/")
        for slug in ("tides", "ferry"):
            html = make_article_html(slug, slug.title(), url=home)
            server.add(f"/news/{slug}", respond(html, content_type=HTML))
        out = tmp_path / "out"
        fetch(out, server.url("/news/tides"), server.url("/news/ferry"))
        ids = sorted(str(record["id"]) for record in records(out))
        assert ids == [server.url("/news/ferry"), server.url("/news/tides")]


# -- scraper crawl ---------------------------------------------------------------------------------


def test_a_crawl_replaces_an_updated_article_in_place(tmp_path: Path) -> None:
    with LocalServer() as server:
        paths = publish(server, 3)
        cfg = crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), format="jsonl", revisit_hours=0.00001)
        assert crawl(cfg).totals.new == 3
        before = (cfg.out / JSONL).read_bytes().splitlines()
        changed = make_article_html("changed", "Story number 1, updated", url=server.url(paths[1]), words=260)
        server.add(paths[1], respond(changed, content_type=HTML))
        time.sleep(0.1)
        report = crawl(cfg)
        assert report.totals.updated == 1
        after = (cfg.out / JSONL).read_bytes().splitlines()
        ids = [json.loads(line)["id"] for line in before]
        assert [json.loads(line)["id"] for line in after] == ids  # same records, same order
        place = ids.index(server.url(paths[1]))
        assert [line for i, line in enumerate(after) if i != place] == [
            line for i, line in enumerate(before) if i != place
        ]
        assert "changed residents" in json.loads(after[place])["text"]


def test_a_canonical_page_takes_the_place_of_its_amp_copy_written_before_it(tmp_path: Path) -> None:
    with LocalServer() as server:
        canonical, copy = amp_pair(server)
        page = make_article_html("storm", "Storm reaches the coast", url=canonical)
        server.add("/news/storm", respond("down", status=503))
        server.add("/feed.xml", respond(rss(server, ["/amp/storm"]), content_type=FEED_TYPE))
        for fmt in ("jsonl", "txt"):
            cfg = crawl_config(
                tmp_path / fmt, feeds=(server.url("/feed.xml"),), format=fmt, retry_minutes=0.001
            )
            server.add("/news/storm", respond("down", status=503))
            assert crawl(cfg).totals.deferred == 1  # the copy waits for its canonical page once
            time.sleep(0.2)
            assert crawl(cfg).totals.new == 1  # the canonical page failed again: the copy is written
            server.add("/news/storm", respond(page, content_type=HTML))
            time.sleep(0.2)
            assert crawl(cfg).totals.new == 1  # the canonical page, in the copy's place
            with CrawlState.open(cfg.state_path) as state:
                held, gave_way = state.get(canonical), state.get(copy)
                assert held is not None and held.status == "written"
                assert gave_way is not None and gave_way.status == "duplicate"
            if fmt == "jsonl":
                [record] = records(cfg.out)
                assert record["id"] == canonical and record["source"] == canonical
            else:
                [meta] = [p for p in cfg.out.rglob("*.json")]
                assert json.loads(meta.read_text(encoding="utf-8"))["source"] == canonical


def test_a_run_after_one_that_stopped_short_folds_the_records_it_appended_again(tmp_path: Path) -> None:
    with LocalServer() as server:
        publish(server, 2)
        cfg = crawl_config(tmp_path, feeds=(server.url("/feed.xml"),), format="jsonl")
        crawl(cfg)
        # What a run killed between appending an update and folding the file leaves behind.
        lines = (cfg.out / JSONL).read_bytes().splitlines(keepends=True)
        newer = json.loads(lines[0])
        newer["text"] += " An update."
        with (cfg.out / JSONL).open("ab") as handle:
            handle.write(json.dumps(newer, separators=(",", ":")).encode() + b"\n")
        with CrawlState.open(cfg.state_path) as state:
            state.start_run(time.time())  # never finished
        crawl(cfg)
        folded = records(cfg.out)
        assert [r["id"] for r in folded] == [json.loads(line)["id"] for line in lines]
        assert folded[0]["text"].endswith(" An update.")  # the newest, in the place of the first
