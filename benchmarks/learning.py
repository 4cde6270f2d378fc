#!/usr/bin/env python
"""Site memory (``scraper.extract.sitememory``): leak rate and F1 with and without it, by site.

    python benchmarks/learning.py                 # both kinds of groups below
    python benchmarks/learning.py --sites 8 --pages 12

Two kinds of groups:

- **real sites**: every publisher with several pages in fundus-news, and every host with several
  pages in wcxb-dev (the datasets are read in place, never copied). Learning runs per group exactly
  as ``scraper clean`` on a folder does (every page read first, then every page cleaned with what
  the whole group taught). Ground truth gives F1; ``without`` snippets (wcxb) give the leak rate.
- **built sites**: ``--sites`` sites of ``--pages`` pages, generated at run time. Each page's article
  is a fundus-news article's own paragraphs (ground truth), wrapped in one site's template with
  generated class names (``css-1x2y3z``) and that site's own boilerplate blocks, which no generic
  detector knows: a programme plug in the middle of the article, a standards note and a
  membership pitch at its end, written differently per site. The leak rate is the share of those
  planted blocks found in the output; F1 is against the article's paragraphs.

Prints, per kind of group: pages, F1 without and with learning, leak rate without and with, and how
many blocks the memory removed.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpora import Sample, fundus, wcxb  # noqa: E402
from metrics import found, overlap  # noqa: E402

import scraper  # noqa: E402
from scraper.extract.sitememory import BlockMemory, learn_page  # noqa: E402

DATASETS = HERE.parent.parent / "shared" / "datasets"

TOWNS = ["Harbour", "Valley", "Moor", "Forge", "Lantern", "Quarry", "Orchard", "Ridge"]
PLUGS = [
    "Listen to {name} Daily, our weekday programme on the stories behind the news, "
    "wherever you find your shows.",
    "{name} Live returns to the town hall this autumn: an evening of conversation with "
    "our reporters and guests.",
    "Our puzzles team publishes a new crossword every morning at seven; the archive goes back ten years.",
]
STANDARDS = [
    "{name} follows the editorial code of the regional press council and corrects errors promptly.",
    "This newsroom is a member of the independent press standards network; complaints go to our editor.",
]
PITCHES = [
    "Members of {name} get early access to our investigations and an invitation to the annual readers' day.",
    "{name} is owned by a charitable trust, so every surplus goes back into local reporting "
    "across the county.",
]


@dataclass(frozen=True, slots=True)
class Case:
    """One page to clean: its group (site), URL, bytes, the reference text, snippets that must go."""

    site: str
    url: str | None
    html: bytes
    reference: str
    without: tuple[str, ...]


def _groups(cases: Iterable[Case]) -> dict[str, list[Case]]:
    groups: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        groups[case.site].append(case)
    return {site: group for site, group in groups.items() if len(group) >= 2}


def real_cases() -> list[Case]:
    cases: list[Case] = []
    sample: Sample
    for sample in fundus(DATASETS / "fundus-news"):
        publisher = sample.extra.get("publisher") or sample.id.rsplit("_", 3)[0]
        cases.append(Case(f"fundus:{publisher}", sample.url, sample.html(), sample.reference, ()))
    for sample in wcxb(DATASETS / "wcxb-dev"):
        if sample.is_article and sample.url:
            host = urlsplit(sample.url).hostname or ""
            without = sample.without_snippets
            cases.append(Case(f"wcxb:{host}", sample.url, sample.html(), sample.reference, without))
    return cases


def _class(rng: random.Random) -> str:
    return "css-" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6))


def built_cases(sites: int, pages: int, seed: int = 7) -> list[Case]:
    """Pages of made-up sites carrying real article paragraphs and planted site boilerplate."""
    rng = random.Random(seed)
    articles = [s for s in fundus(DATASETS / "fundus-news") if len(s.reference.split("\n\n")) >= 4]
    rng.shuffle(articles)
    cases = []
    for site_index in range(sites):
        name = f"The {TOWNS[site_index % len(TOWNS)]} Post"
        host = f"site{site_index}.example"
        blocks = [
            rng.choice(PLUGS).format(name=name),
            rng.choice(STANDARDS).format(name=name),
            rng.choice(PITCHES).format(name=name),
        ]
        for page_index in range(pages):
            sample = articles[(site_index * pages + page_index) % len(articles)]
            paragraphs = sample.reference.split("\n\n")
            middle = len(paragraphs) // 2
            paras = [f'<p class="{_class(rng)}">{text}</p>' for text in paragraphs]
            plug = f'<div class="{_class(rng)}"><p class="{_class(rng)}">{blocks[0]}</p></div>'
            tail = "".join(f'<div class="{_class(rng)}">{block}</div>' for block in blocks[1:])
            url = f"https://{host}/news/story-{page_index}"
            html = (
                f'<!doctype html><html><head><meta charset="utf-8"><title>{sample.title or "Story"}</title>'
                f'<link rel="canonical" href="{url}"></head><body><div class="{_class(rng)}">'
                f'<article class="{_class(rng)}"><h1>{sample.title or "Story"}</h1>'
                f"{''.join(paras[:middle])}{plug}{''.join(paras[middle:])}{tail}</article></div></body></html>"
            )
            cases.append(Case(f"built:{host}", url, html.encode("utf-8"), sample.reference, tuple(blocks)))
    return cases


@dataclass(slots=True)
class Tally:
    pages: int = 0
    f1_plain: float = 0.0
    f1_learned: float = 0.0
    snippets: int = 0
    leaked_plain: int = 0
    leaked_learned: int = 0
    removed: int = 0
    learning_groups: int = 0

    def line(self, label: str) -> str:
        n = self.pages or 1
        leak = ""
        if self.snippets:
            leak = (
                f"  leak {self.leaked_plain / self.snippets:.1%} -> {self.leaked_learned / self.snippets:.1%}"
                f" ({self.snippets} snippets)"
            )
        return (
            f"{label}: {self.pages} pages in {self.learning_groups} groups that taught something;"
            f"  F1 {self.f1_plain / n:.4f} -> {self.f1_learned / n:.4f}{leak}"
            f"  site-memory removals {self.removed}"
        )


def _text(html: bytes, url: str | None, **kwargs: object) -> scraper.Article | None:
    try:
        return scraper.clean(html, url, **kwargs)  # type: ignore[arg-type]
    except scraper.ScraperError:
        return None


def measure(groups: dict[str, list[Case]]) -> Tally:
    tally = Tally()
    for site, group in groups.items():
        memory = BlockMemory()
        for case in group:
            _, blocks = learn_page(scraper.Page(url=case.url, body=case.html), site)
            memory.add_page(site, blocks)  # one group is one site, whatever the hosts say
        learned = memory.learned(site)
        tally.learning_groups += learned is not None
        for case in group:
            plain = _text(case.html, case.url)
            taught = _text(case.html, case.url, site_blocks=learned) if learned else plain
            plain_text = plain.text if plain else ""
            taught_text = taught.text if taught else ""
            tally.pages += 1
            tally.f1_plain += overlap(plain_text, case.reference).f1
            tally.f1_learned += overlap(taught_text, case.reference).f1
            tally.snippets += len(case.without)
            tally.leaked_plain += sum(found(case.without, plain_text))
            tally.leaked_learned += sum(found(case.without, taught_text))
            if taught is not None:
                tally.removed += sum(r.by == "detector:site-memory" for r in taught.removed)
    return tally


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=8, help="built sites")
    parser.add_argument("--pages", type=int, default=10, help="pages per built site")
    args = parser.parse_args(argv)
    real = _groups(real_cases())
    fundus_groups = {k: v for k, v in real.items() if k.startswith("fundus:")}
    wcxb_groups = {k: v for k, v in real.items() if k.startswith("wcxb:")}
    print(measure(fundus_groups).line("fundus-news publishers with 2-3 pages"))
    print(measure(wcxb_groups).line("wcxb-dev hosts with 2-3 pages"))
    built = _groups(built_cases(args.sites, args.pages))
    print(measure(built).line(f"built sites ({args.sites} x {args.pages} pages)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
