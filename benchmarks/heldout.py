#!/usr/bin/env python
"""Generalisation check: ``scraper.clean`` on pages from sites outside the development sets.

    python benchmarks/heldout.py PATH                 # PATH: the tests/ folder of a trafilatura checkout
    python benchmarks/heldout.py PATH --losses        # ... and list every snippet one side lost

The development sets (``../shared/datasets``) tuned the detectors, the phrase rules and the models, so
figures on them are partly memory. This script reads a set nobody here tuned for: trafilatura's own
evaluation pages (``git clone https://github.com/adbar/trafilatura`` and pass its ``tests`` folder;
never copied into this repo), about 990 pages from 930 sites, mostly German and English, news, blogs
and some shop and reference pages. Sites that are also in the development sets are left out, so
every page is from a site that neither the rules nor the models saw. Each page has a few ``with``
snippets (must be in the text) and ``without`` snippets (must not).

Printed, for bare trafilatura, ours with the models off and ours with them on (interleaved page by
page, in one process): the share of ``with`` snippets found (nothing lost), the share of ``without``
snippets found (leak; promo-like ones apart), pages given no text, and docs/s as a ratio to bare
trafilatura. trafilatura was developed against these pages, so its own figures here are in-sample;
ours are not. Matching is ``metrics.found`` (case-insensitive, whitespace-normalised substrings).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE)]

import corpora  # noqa: E402
import extractors  # noqa: E402
import metrics  # noqa: E402

import scraper  # noqa: E402

DATASETS = REPO.parent / "shared" / "datasets"


def development_sites() -> set[str]:
    """The sites of both development sets (empty when they are not beside the repo)."""
    sites: set[str] = set()
    if (DATASETS / "wcxb-dev").exists():
        sites |= {corpora.site_of(sample.url, "") for sample in corpora.wcxb(DATASETS / "wcxb-dev")}
    if (DATASETS / "fundus-news").exists():
        sites |= {corpora.site_of(sample.url, "") for sample in corpora.fundus(DATASETS / "fundus-news")}
    return sites - {""}


def ours(model: bool) -> Callable[[bytes, str | None], str]:
    """``scraper.clean``'s text, with the learned models on or off (a refusal gives no text)."""

    def run(html: bytes, url: str | None) -> str:
        try:
            return scraper.clean(html, url=url, model=model).text
        except scraper.NoArticleError:
            return ""

    return run


@dataclass(slots=True)
class Tally:
    """One extractor's counts over the pages."""

    with_found: int = 0
    with_total: int = 0
    leaked: int = 0
    without_total: int = 0
    promo_leaked: int = 0
    promo_total: int = 0
    empty: int = 0
    errors: int = 0
    seconds: float = 0.0
    texts: dict[str, str] = field(default_factory=dict)

    def add(self, sample: corpora.Sample, text: str) -> None:
        self.texts[sample.id] = text
        found = metrics.found(sample.with_snippets, text)
        self.with_found += sum(found)
        self.with_total += len(found)
        leaked = metrics.found(sample.without_snippets, text)
        self.leaked += sum(leaked)
        self.without_total += len(leaked)
        for snippet, hit in zip(sample.without_snippets, leaked, strict=True):
            if metrics.is_promo(snippet):
                self.promo_total += 1
                self.promo_leaked += hit
        self.empty += not text.strip()


Extractor = Callable[[bytes, str | None], str]


def run(samples: list[corpora.Sample], names: dict[str, Extractor]) -> dict[str, Tally]:
    """Every extractor on every page, the order rotating from page to page (the machine is noisy)."""
    tallies = {name: Tally() for name in names}
    order = list(names)
    for number, sample in enumerate(samples):
        html = sample.html()
        for name in order[number % len(order) :] + order[: number % len(order)]:
            start = time.perf_counter()
            try:
                text = names[name](html, sample.url) or ""
            except Exception as exc:  # a crash is scored as no text and counted, never ends the run
                print(f"{name} failed on {sample.id}: {type(exc).__name__}: {exc}", file=sys.stderr)
                text, tallies[name].errors = "", tallies[name].errors + 1
            tallies[name].seconds += time.perf_counter() - start
            tallies[name].add(sample, text)
    return tallies


def losses(samples: list[corpora.Sample], have: Tally, lack: Tally) -> list[str]:
    """``with`` snippets ``have`` found and ``lack`` did not, one line per page."""
    rows = []
    for sample in samples:
        kept = metrics.found(sample.with_snippets, have.texts[sample.id])
        missed = metrics.found(sample.with_snippets, lack.texts[sample.id])
        lost = [s for s, k, m in zip(sample.with_snippets, kept, missed, strict=True) if k and not m]
        if lost:
            rows.append(f"  {sample.url or sample.id}: " + " || ".join(snippet[:80] for snippet in lost))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests", type=Path, help="the tests/ folder of a trafilatura checkout")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--losses", action="store_true", help="list snippets lost, side by side")
    args = parser.parse_args(argv)
    if not (args.tests / "evaldata.json").exists():
        print(f"{args.tests}: no evaldata.json here (pass the tests/ folder of a trafilatura checkout)")
        return 2
    seen = development_sites()
    everything = list(corpora.trafilatura_eval(args.tests, args.limit))
    samples = [sample for sample in everything if corpora.site_of(sample.url, "") not in seen]
    sites = {corpora.site_of(sample.url, sample.id) for sample in samples}
    print(
        f"trafilatura-eval: {len(samples)} pages from {len(sites)} sites"
        f" ({len(everything) - len(samples)} pages of development-set sites left out)"
    )
    names = {"bare": extractors.bare_text, "models off": ours(False), "ours": ours(True)}
    tallies = run(samples, names)
    bare_seconds = tallies["bare"].seconds
    for name, tally in tallies.items():
        print(
            f"{name:<11} with-found {tally.with_found / max(tally.with_total, 1):.4f}"
            f" ({tally.with_found}/{tally.with_total})"
            f" leak {tally.leaked / max(tally.without_total, 1):.2%} ({tally.leaked}/{tally.without_total})"
            f" promo-leak {tally.promo_leaked / max(tally.promo_total, 1):.2%}"
            f" ({tally.promo_leaked}/{tally.promo_total})"
            f" no-text {tally.empty} errors {tally.errors}"
            f" speed {bare_seconds / max(tally.seconds, 1e-9):.3f}x bare"
        )
    if args.losses:
        for have, lack in (("bare", "models off"), ("models off", "ours")):
            rows = losses(samples, tallies[have], tallies[lack])
            print(f"with snippets {have} found and {lack} lost: {len(rows)} pages")
            print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
