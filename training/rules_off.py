#!/usr/bin/env python
"""How much of the cleaning holds where the generic rule's phrases do not occur.

    python training/rules_off.py [--table FILE]

The generic rule's ``drop_lines`` (``rules/generic.toml``) were written looking at the development
pages, so the leak they remove there is an in-sample figure. A site that words its boilerplate
differently gets none of it. This script cleans both development sets twice with the models off,
with the shipped rules and with the generic ``drop_lines`` switched off (a stand-in for such a
site), and cross-validates the line judge by site (as ``training/lines.py`` does) on the second
texts: what the structure and the learned judge give without the phrases.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import multiprocessing
import pickle
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

import lines as judge_training  # noqa: E402
from devsets import all_samples  # noqa: E402

import scraper  # noqa: E402
from scraper.rules.book import RuleBook, load_rules  # noqa: E402

THRESHOLDS = (0.5, 0.7)


@functools.cache
def without_phrases() -> RuleBook:
    """The shipped rules with the generic rule's ``drop_lines`` removed (its selectors stay); read
    once per process, not once per page."""
    book = load_rules()
    generic = dataclasses.replace(book.generic, drop_lines=(), drop_lines_any=None)
    return dataclasses.replace(book, generic=generic)


_CLEAN = scraper.clean


def _build_without_phrases(sample):
    scraper.clean = functools.partial(_CLEAN, rules=without_phrases())
    try:
        return judge_training.build_page(sample)
    finally:
        scraper.clean = _CLEAN


def build_tables(workers: int) -> tuple[list, list]:
    samples = all_samples()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        shipped = pool.map(judge_training.build_page, samples, chunksize=8)
        phrases_off = pool.map(_build_without_phrases, samples, chunksize=8)
    return shipped, phrases_off


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=Path, help="cache both tables in this file (pickle)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.table and args.table.exists():
        shipped, phrases_off = pickle.loads(args.table.read_bytes())
    else:
        shipped, phrases_off = build_tables(args.workers)
        if args.table:
            args.table.write_bytes(pickle.dumps((shipped, phrases_off)))
    keeps = judge_training.out_of_fold(phrases_off)
    describe = judge_training.describe
    print("line judge cross-validated by site on the texts without the phrases:")
    print(describe("rules on,  model off", judge_training.score(shipped, keeps, None)))
    print(describe("rules off, model off", judge_training.score(phrases_off, keeps, None)))
    for threshold in THRESHOLDS:
        figures = judge_training.score(phrases_off, keeps, threshold)
        print(describe(f"rules off, < {threshold}", figures))


if __name__ == "__main__":
    main()
