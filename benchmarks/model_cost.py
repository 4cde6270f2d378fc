#!/usr/bin/env python
"""What the learned models cost per page: ``scraper.clean`` with the models off, on, and with the page
kind only (the line judge replaced by a no-op), interleaved page by page in one process.

    python benchmarks/model_cost.py                 # 100 fundus-news + 150 wcxb-dev pages, twice
    python benchmarks/model_cost.py --pages 50

Only the differences are meaningful on a shared machine; ``benchmarks/quality.py --models-off`` gives
the same difference over whole sets, beside bare trafilatura.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import corpora  # noqa: E402

import scraper  # noqa: E402
import scraper.extract.engine as engine  # noqa: E402

DATASETS = HERE.parent.parent / "shared" / "datasets"


def _no_line_judge(lines: list[str], *_: object, **__: object) -> tuple[list[str], list]:
    return lines, []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=150, help="wcxb-dev pages (and 2/3 as many fundus-news)")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    samples = [
        *corpora.fundus(DATASETS / "fundus-news", 2 * args.pages // 3),
        *corpora.wcxb(DATASETS / "wcxb-dev", args.pages),
    ]
    pages = [(sample.html(), sample.url) for sample in samples]
    scraper.clean(pages[0][0], url=pages[0][1])  # loads the models once, as a long run would
    judge = engine.judge_lines
    variants = {
        "models off": (False, judge),
        "models on": (True, judge),
        "page kind only": (True, _no_line_judge),
    }
    seconds = dict.fromkeys(variants, 0.0)
    for repeat in range(args.repeats):
        for index, (html, url) in enumerate(pages):
            names = list(variants)
            shift = (index + repeat) % len(names)
            for name in names[shift:] + names[:shift]:
                model, line_judge = variants[name]
                engine.judge_lines = line_judge
                started = time.perf_counter()
                with contextlib.suppress(scraper.NoArticleError):
                    scraper.clean(html, url=url, model=model)
                seconds[name] += time.perf_counter() - started
    engine.judge_lines = judge
    runs = args.repeats * len(pages)
    ms = {name: 1000 * value / runs for name, value in seconds.items()}
    print(
        f"{len(pages)} pages x {args.repeats}: "
        + "  ".join(f"{name} {value:.2f} ms/page" for name, value in ms.items())
    )
    print(
        f"line judge {ms['models on'] - ms['page kind only']:+.2f} ms/page"
        f"  page kind {ms['page kind only'] - ms['models off']:+.2f} ms/page"
        f"  both {ms['models on'] - ms['models off']:+.2f} ms/page"
    )


if __name__ == "__main__":
    main()
