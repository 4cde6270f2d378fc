"""Site memory: blocks repeated across pages of one site are removed; article text never is."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import scraper
from scraper.cli.main import main
from scraper.extract.sitememory import BlockMemory, SiteMemory, block_key, read_page

PLUG = (
    "Listen to The Harbour Hour, our weekday programme on coastal life, wherever you find "
    "your favourite shows."
)
STANDARDS = "The Harbour Post follows the editorial code of the Coastal Press Council."
QUOTE = "“We will not let the harbour close while I am mayor,” the mayor said in March."
TOPICS = ["ferry", "lighthouse", "fishing fleet", "sea wall", "marina", "tide gauge", "boatyard"]


def harbour_page(index: int, *, quote: bool = False) -> str:
    topic = TOPICS[index % len(TOPICS)]
    paragraphs = [
        f"The {topic} project number {index} was approved by the harbour board on a wet Tuesday evening.",
        f"Residents had argued about the {topic} for {index + 3} years before the plans were redrawn.",
        f"Engineers said the {topic} work would begin in spring and take about {index + 2} months.",
        f"Business owners near the {topic} welcomed the decision but asked for quieter construction hours.",
    ]
    if quote:
        paragraphs.insert(2, QUOTE)
    html = [f'<p class="css-{index}a{n}">{text}</p>' for n, text in enumerate(paragraphs)]
    head, tail = "".join(html[:2]), "".join(html[2:])
    url = f"https://harbourpost.example/news/{topic.replace(' ', '-')}-{index}"
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>The {topic} story {index}</title>'
        f'<link rel="canonical" href="{url}"></head><body><div class="css-1x2y3z">'
        f'<article class="css-9q8w7e"><h1>The {topic} story {index}</h1>{head}'
        f'<div class="css-p{index}"><p class="css-z{index}">{PLUG}</p></div>{tail}'
        f'<div class="css-s{index}">{STANDARDS}</div></article></div></body></html>'
    )


def test_a_block_needs_several_pages_and_most_of_them() -> None:
    memory = SiteMemory()
    for keys in ({"a", "b"}, {"a", "c"}):
        memory.add_page(keys)
    assert not memory.learned()  # two pages are not evidence
    memory.add_page({"a", "d"})
    assert set(memory.learned().pages_on) == {"a"}
    for keys in ({"e"}, {"f"}, {"g"}, {"h"}):
        memory.add_page(keys)
    assert not memory.learned()  # 3 of 7 pages: not most of them


def test_clean_reads_the_same_block_keys_as_the_learning_pass_from_its_own_parse() -> None:
    for index in range(3):
        html = harbour_page(index, quote=index == 1)
        keys: set[str] = set()
        scraper.clean(html, url="https://harbourpost.example/news/x", block_keys=keys)
        assert keys == read_page(html)[1] and block_key(PLUG) in keys


def test_learned_blocks_are_removed_with_the_evidence() -> None:
    memory = BlockMemory()
    pages = [harbour_page(i) for i in range(5)]
    for html in pages:
        memory.add_page("harbourpost.example", read_page(html)[1])
    learned = memory.learned("harbourpost.example")
    assert learned is not None and block_key(PLUG) in learned.pages_on
    without = scraper.clean(pages[0], url="https://harbourpost.example/news/ferry-0")
    assert PLUG in without.text  # no generic detector knows this block
    article = scraper.clean(pages[0], url="https://harbourpost.example/news/ferry-0", site_blocks=learned)
    assert PLUG not in article.text and STANDARDS not in article.text
    assert len(article.text.split("\n\n")) == 4
    reasons = [r.what for r in article.removed if r.by == "detector:site-memory"]
    assert "block seen on 5 of 5 pages of this site" in reasons


def test_scraper_clean_on_a_folder_learns_from_the_whole_folder(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    for i in range(6):
        (saved / f"story-{i}.html").write_text(harbour_page(i, quote=i in (1, 4)), encoding="utf-8")
    result = CliRunner().invoke(main, ["clean", str(saved), "-o", str(tmp_path / "out"), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "learned: 2 repeated blocks from 6 pages of harbourpost.example" in result.stderr
    texts = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out").glob("*.txt")}
    assert len(texts) == 6 and not any(PLUG in text for text in texts.values())
    assert QUOTE in texts["story-1.txt"] and QUOTE in texts["story-4.txt"]  # quoted twice: kept
    meta = json.loads((tmp_path / "out" / "story-0.json").read_text(encoding="utf-8"))
    assert any(r["by"] == "detector:site-memory" for r in meta["removed"])

    plain = CliRunner().invoke(main, ["clean", str(saved), "-o", str(tmp_path / "plain"), "--no-learn"])
    assert plain.exit_code == 0 and "learned:" not in plain.stderr
    assert PLUG in (tmp_path / "plain" / "story-0.txt").read_text(encoding="utf-8")


def test_a_crawl_keeps_its_site_memory_and_raw_pages_re_clean_with_all_of_it(tmp_path: Path) -> None:
    from httpserver import LocalServer, respond
    from newssite import rss

    from scraper.crawler.config import CrawlConfig
    from scraper.crawler.run import crawl
    from scraper.web.session import Politeness
    from scraper.web.settings import FetchSettings

    with LocalServer() as server:
        paths = [f"/news/story-{i}.html" for i in range(6)]
        server.add("/robots.txt", respond("User-agent: *\nAllow: /\n", content_type="text/plain"))
        server.add("/feed.xml", respond(rss(server, paths), content_type="application/rss+xml"))
        for i, path in enumerate(paths):
            server.add(
                path, respond(harbour_page(i).replace("https://harbourpost.example", server.url("")[:-1]))
            )
        out = tmp_path / "out"
        config = CrawlConfig(
            feeds=(server.url("/feed.xml"),),
            out=out,
            jobs=0,
            fetch=FetchSettings(allow_private_networks=True),
            politeness=Politeness(concurrency=1, delay=0.0),
        )
        assert crawl(config).totals.new == 6
    texts = [p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.txt"))]
    with_plug = sum(PLUG in text for text in texts)
    assert 0 < with_plug < 6  # the first pages taught the memory; later ones were cleaned with it
    raw = config.raw_path  # out.scraper/raw: beside the articles
    result = CliRunner().invoke(main, ["clean", str(raw), "-o", str(tmp_path / "again"), "-j", "1"])
    assert result.exit_code == 0, result.stderr
    again = [p.read_text(encoding="utf-8") for p in (tmp_path / "again").rglob("*.txt")]
    assert len(again) == 6 and not any(PLUG in text for text in again)
