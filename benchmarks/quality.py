#!/usr/bin/env python
"""Quality and speed of ``scraper.clean`` against bare trafilatura on the development datasets.

    python benchmarks/quality.py                       # both sets, ours and bare trafilatura
    python benchmarks/quality.py --limit 50 --ours-only  # quick iteration on the engine
    python benchmarks/quality.py ../shared/datasets/fundus-news --worst 20 --json /tmp/q.json
    python benchmarks/quality.py --others              # also readability-lxml / newspaper4k if importable
    python benchmarks/quality.py --models-off          # also ours without the learned models, interleaved

Datasets default to ``../shared/datasets/wcxb-dev`` and ``../shared/datasets/fundus-news`` beside the
repo; positional paths (recognised by their layout) or ``--wcxb`` / ``--fundus`` choose others, and
positional paths run only those sets. A set whose path is missing is skipped with a message.

Figures (definitions in ``benchmarks/metrics.py``): word F1 / P / R over lowercase ``\\w+`` bags,
macro-averaged over pages; the share of ``without`` snippets found in the output (all, and promo-like
ones); the share of ``with`` snippets found; metadata match rates; docs/s of the extraction call alone.
Ours and bare trafilatura are timed interleaved, page by page, in this one process, alternating which goes
first; only the ratio ours/bare is meaningful on a noisy machine. Bare trafilatura's metadata comes from a
separate ``bare_extraction`` pass that is not timed. An exception of either extractor on a page scores
that page as empty output and is listed; it never stops the run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# Benchmark the working tree's engine, whatever is installed; import the helpers beside this file.
sys.path[:0] = [str(REPO), str(HERE)]

import corpora  # noqa: E402
import extractors  # noqa: E402
import metrics  # noqa: E402

import scraper  # noqa: E402

DEFAULT_WCXB = REPO.parent / "shared" / "datasets" / "wcxb-dev"
DEFAULT_FUNDUS = REPO.parent / "shared" / "datasets" / "fundus-news"
SLOW_SECONDS = 5.0

# ---------------------------------------------------------------------------------------------------------
# Running one extractor on one page


@dataclass(slots=True)
class Output:
    """What one extractor gave for one page, and how long the call took."""

    text: str = ""
    seconds: float = 0.0
    error: str | None = None  # "ExceptionClass: message" when the call raised
    error_kind: str | None = None  # "no-article", "scraper-error", "crash", "timeout"
    reason: str | None = None  # NoArticleError.reason
    title: str | None = None
    authors: tuple[str, ...] = ()
    date: str | None = None
    removed: tuple[Any, ...] = ()
    warnings: tuple[str, ...] = ()


def _describe(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message[:200]}" if message else type(exc).__name__


def _timed(call: Callable[[], Any], hard_limit: float) -> tuple[Any, float, BaseException | None]:
    """Run ``call``; the clock covers the call alone (no I/O, no decompression, no bookkeeping)."""
    value, error = None, None
    with extractors.hard_limit(hard_limit):
        start = time.perf_counter()
        try:
            value = call()
        except (Exception, extractors.HardTimeout) as exc:  # a broken page must not stop the run
            error = exc
        seconds = time.perf_counter() - start
    return value, seconds, error


def run_ours(html: bytes, url: str | None, hard_limit: float, *, model: bool = True) -> Output:
    article, seconds, error = _timed(lambda: scraper.clean(html, url=url, model=model), hard_limit)
    if error is not None:
        out = Output(seconds=seconds, error=_describe(error))
        if isinstance(error, scraper.NoArticleError):
            out.error_kind, out.reason = "no-article", getattr(error, "reason", None)
        elif isinstance(error, scraper.ScraperError):
            out.error_kind = "scraper-error"
        elif isinstance(error, extractors.HardTimeout):
            out.error_kind = "timeout"
        else:
            out.error_kind = "crash"
            out.error += " @ " + _where(error)
        return out
    return Output(
        text=article.text or "",
        seconds=seconds,
        title=article.title,
        authors=tuple(article.authors or ()),
        date=article.published_date,
        removed=tuple(article.removed or ()),
        warnings=tuple(article.warnings or ()),
    )


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno}"


def run_text(
    extract: Callable[[bytes, str | None], str], html: bytes, url: str | None, limit: float
) -> Output:
    text, seconds, error = _timed(lambda: extract(html, url), limit)
    if error is not None:
        kind = "timeout" if isinstance(error, extractors.HardTimeout) else "crash"
        return Output(seconds=seconds, error=_describe(error), error_kind=kind)
    return Output(text=text or "", seconds=seconds)


def add_bare_metadata(out: Output, html: bytes, url: str | None, limit: float) -> None:
    meta, _, error = _timed(lambda: extractors.bare_metadata(html, url), limit)
    if error is None and meta is not None:
        out.title, out.authors, out.date = meta.title, meta.authors, meta.date


# ---------------------------------------------------------------------------------------------------------
# Scoring one output


def score(sample: corpora.Sample, out: Output) -> dict[str, Any]:
    """Every per-page figure of one extractor's output (JSON-ready)."""
    words = metrics.overlap(out.text, sample.reference)
    leaked = metrics.found(sample.without_snippets, out.text)
    leaked_raw = metrics.found(sample.without_snippets, out.text, normalise_space=False)
    promo = [metrics.is_promo(snippet) for snippet in sample.without_snippets]
    hits = metrics.found(sample.with_snippets, out.text)
    record: dict[str, Any] = {
        "f1": round(words.f1, 5),
        "p": round(words.precision, 5),
        "r": round(words.recall, 5),
        "words": len(metrics.tokens(out.text)),
        "seconds": round(out.seconds, 5),
        "without": len(leaked),
        "leaked": [s for s, hit in zip(sample.without_snippets, leaked, strict=True) if hit],
        "leaked_raw": sum(leaked_raw),
        "promo": sum(promo),
        "promo_leaked": sum(hit and is_promo for hit, is_promo in zip(leaked, promo, strict=True)),
        "with": len(hits),
        "with_hit": sum(hits),
    }
    if sample.title is not None:
        record["title_ok"] = metrics.title_match(sample.title, out.title)
        record["title_ci_ok"] = metrics.title_match(sample.title, out.title, ignore_case=True)
    if sample.date is not None:
        record["date_ok"] = metrics.same_day(sample.date, out.date)
    if sample.authors is not None:
        record["authors_ok"] = metrics.authors_match(sample.authors, out.authors)
    if out.error:
        record["error"] = out.error
        record["error_kind"] = out.error_kind
        if out.reason:
            record["reason"] = out.reason
    return record


# ---------------------------------------------------------------------------------------------------------
# Aggregates


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Macro-averaged word figures, pooled snippet rates, metadata rates and speed of one extractor."""
    seconds = sum(r["seconds"] for r in records)
    summary: dict[str, Any] = {
        "pages": len(records),
        "f1": _mean(r["f1"] for r in records),
        "p": _mean(r["p"] for r in records),
        "r": _mean(r["r"] for r in records),
        "without": sum(r["without"] for r in records),
        "all_leak": _share(sum(len(r["leaked"]) for r in records), sum(r["without"] for r in records)),
        "all_leak_raw": _share(sum(r["leaked_raw"] for r in records), sum(r["without"] for r in records)),
        "promo": sum(r["promo"] for r in records),
        "promo_leak": _share(sum(r["promo_leaked"] for r in records), sum(r["promo"] for r in records)),
        "with": sum(r["with"] for r in records),
        "with_hit": _share(sum(r["with_hit"] for r in records), sum(r["with"] for r in records)),
        "seconds": seconds,
        "docs_per_s": len(records) / seconds if seconds else None,
        "errors": sum(1 for r in records if "error" in r),
    }
    for key in ("title_ok", "title_ci_ok", "date_ok", "authors_ok"):
        judged = [r[key] for r in records if key in r]
        summary[key] = _share(sum(judged), len(judged))
        summary[key.replace("_ok", "_n")] = len(judged)
    return summary


def summarise_non_articles(records: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = sum(r["seconds"] for r in records)
    kinds = Counter(r.get("error_kind") for r in records)
    reasons = Counter(r["reason"] for r in records if r.get("error_kind") == "no-article")
    by_type: dict[str, Counter[str]] = {}
    for r in records:
        verdict = r.get("reason") or ("text" if not r.get("error_kind") else r["error_kind"])
        by_type.setdefault(r.get("type") or "?", Counter())[verdict] += 1
    return {
        "by_type": {kind: dict(sorted(counts.items())) for kind, counts in sorted(by_type.items())},
        "pages": len(records),
        "crashes": kinds["crash"] + kinds["timeout"],
        "no_article": kinds["no-article"],
        "no_article_reasons": dict(sorted(reasons.items())),
        "other_scraper_errors": kinds["scraper-error"],
        "returned_text": kinds[None],
        "slow": [(r["id"], round(r["seconds"], 2)) for r in records if r["seconds"] > SLOW_SECONDS],
        "crashed": [(r["id"], r["error"]) for r in records if r.get("error_kind") in ("crash", "timeout")],
        "seconds": seconds,
        "docs_per_s": len(records) / seconds if seconds else None,
    }


@dataclass(slots=True)
class DetectorTally:
    fired: Counter[str] = field(default_factory=Counter)
    pages: Counter[str] = field(default_factory=Counter)

    def add(self, removed: Iterable[Any]) -> None:
        names = [str(getattr(removal, "by", "?")) for removal in removed]
        self.fired.update(names)
        self.pages.update(set(names))

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {name: {"fired": n, "pages": self.pages[name]} for name, n in self.fired.most_common()}


# ---------------------------------------------------------------------------------------------------------
# One dataset


@dataclass(slots=True)
class DatasetRun:
    name: str
    path: Path
    extractor_names: list[str]
    articles: list[dict[str, Any]] = field(default_factory=list)
    non_articles: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    detectors: DetectorTally = field(default_factory=DetectorTally)
    detectors_non_articles: DetectorTally = field(default_factory=DetectorTally)
    wall_seconds: float = 0.0
    empty_truth: set[str] = field(default_factory=set)  # article pages whose reference has no words


def run_dataset(
    name: str,
    path: Path,
    samples: Iterator[corpora.Sample],
    *,
    baseline: bool,
    others: dict[str, Callable[[bytes, str | None], str]],
    hard_limit: float,
    progress: bool,
    models_off: bool = False,
) -> DatasetRun:
    names = ["ours", *(["no-model"] if models_off else []), *(["bare"] if baseline else []), *others]
    run = DatasetRun(name, path, names)
    started = time.perf_counter()
    article_index = 0
    for count, sample in enumerate(samples, 1):
        if progress and count % 100 == 0:
            print(
                f"  {name}: {count} pages, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True
            )
        try:
            html = sample.html()
        except OSError as exc:
            run.missing.append(f"{sample.id}: {_describe(exc)}")
            continue
        base = {"id": sample.id, "url": sample.url, "type": sample.page_type}

        if not sample.is_article:
            out = run_ours(html, sample.url, hard_limit)
            run.detectors_non_articles.add(out.removed)
            record = {**base, "seconds": round(out.seconds, 5), "words": len(metrics.tokens(out.text))}
            if out.error:
                record.update(error=out.error, error_kind=out.error_kind)
                if out.reason:
                    record["reason"] = out.reason
            if models_off:
                off = run_ours(html, sample.url, hard_limit, model=False)
                record["no_model_reason"] = off.reason if off.error_kind == "no-article" else None
            run.non_articles.append(record)
            continue

        if not metrics.tokens(sample.reference):
            run.empty_truth.add(sample.id)
        outputs: dict[str, Output] = {}
        # Interleave ours and bare trafilatura, alternating which goes first, so drifts in machine load
        # and cache warmth fall on both alike.
        pair = ["ours", *(["no-model"] if models_off else []), *(["bare"] if baseline else [])]
        shift = article_index % len(pair)
        pair = pair[shift:] + pair[:shift]
        article_index += 1
        for which in pair:
            if which == "ours":
                outputs["ours"] = run_ours(html, sample.url, hard_limit)
            elif which == "no-model":
                outputs["no-model"] = run_ours(html, sample.url, hard_limit, model=False)
            else:
                outputs["bare"] = run_text(extractors.bare_text, html, sample.url, hard_limit)
        for other, extract in others.items():
            outputs[other] = run_text(extract, html, sample.url, hard_limit)
        if baseline:
            add_bare_metadata(outputs["bare"], html, sample.url, hard_limit)

        run.detectors.add(outputs["ours"].removed)
        record = dict(base)
        for which, out in outputs.items():
            record[which] = score(sample, out)
        if outputs["ours"].removed:
            record["ours"]["removed"] = dict(Counter(str(r.by) for r in outputs["ours"].removed))
        if outputs["ours"].warnings:
            record["ours"]["warnings"] = list(outputs["ours"].warnings)
        run.articles.append(record)
    run.wall_seconds = time.perf_counter() - started
    return run


# ---------------------------------------------------------------------------------------------------------
# Report


def _pct(value: float | None) -> str:
    return "  -  " if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def figure_line(label: str, who: str, s: dict[str, Any], *, snippets: bool, width: int) -> str:
    parts = [f"{label}  {who + ':':<{width}}", f"F1 {s['f1']:.3f}", f"P {s['p']:.3f}", f"R {s['r']:.3f}"]
    if snippets:
        parts += [
            f"promo-leak {_pct(s['promo_leak'])}",
            f"all-leak {_pct(s['all_leak'])}",
            f"with-hit {_pct(s['with_hit'])}",
        ]
    parts.append(f"docs/s {_num(s['docs_per_s'], 1)}")
    if s["errors"]:
        parts.append(f"errors {s['errors']}")
    return "  ".join(parts)


def metadata_line(who: str, s: dict[str, Any], width: int) -> str:
    return "  ".join(
        [
            f"metadata {who + ':':<{width}}",
            f"title {_pct(s['title_ok'])} (ci {_pct(s['title_ci_ok'])}, n {s['title_n']})",
            f"date {_pct(s['date_ok'])} (n {s['date_n']})",
            f"authors {_pct(s['authors_ok'])} (n {s['authors_n']})",
        ]
    )


def report(run: DatasetRun, worst: int) -> dict[str, Any]:
    """Print the dataset's figures; return them (and the per-page results) for ``--json``."""
    print(f"\n== {run.name}  ({run.path})  {run.wall_seconds:.0f} s")
    if run.missing:
        print(f"   {len(run.missing)} pages unreadable: " + "; ".join(run.missing[:5]))
    summaries = {which: summarise([a[which] for a in run.articles]) for which in run.extractor_names}
    width = max(len(name) for name in run.extractor_names) + 1
    label = f"{run.name} articles ({len(run.articles)})"
    snippets = any(a["ours"]["without"] or a["ours"]["with"] for a in run.articles)
    result: dict[str, Any] = {"path": str(run.path), "summary": summaries}
    if not run.articles:
        print("   no article pages")
    else:
        for which in run.extractor_names:
            print(figure_line(label, which, summaries[which], snippets=snippets, width=width))
        if "bare" in summaries:
            ours, bare = summaries["ours"], summaries["bare"]
            ratio = {key: _ratio(ours[key], bare[key]) for key in ("f1", "p", "r", "docs_per_s")}
            result["ratio_ours_bare"] = ratio
            print(
                f"ratio ours/bare: F1 {_num(ratio['f1'])}  P {_num(ratio['p'])}  R {_num(ratio['r'])}  "
                f"docs/s {_num(ratio['docs_per_s'], 2)}"
            )
        if "no-model" in summaries:
            ours, off = summaries["ours"], summaries["no-model"]
            cost = 1000 * (ours["seconds"] - off["seconds"]) / max(ours["pages"], 1)
            result["models_cost_ms_per_page"] = cost
            print(
                f"models (ours) vs models off (no-model), same run: F1 {ours['f1'] - off['f1']:+.4f}"
                f"  P {ours['p'] - off['p']:+.4f}  R {ours['r'] - off['r']:+.4f}  time {cost:+.2f} ms/page"
            )
        for which in run.extractor_names:
            if which in ("ours", "bare"):
                print(metadata_line(which, summaries[which], width))
        if snippets:
            raw = "  ".join(
                f"{which} {_pct(summaries[which]['all_leak_raw'])}" for which in run.extractor_names
            )
            print(f"all-leak without whitespace normalisation (the README's definition): {raw}")

        result["refusals"] = report_refusals(run, run.empty_truth)
        report_errors(run)
        report_detectors(run)
        if worst > 0:
            report_worst(run, worst, snippets)

    if run.non_articles:
        non = summarise_non_articles(run.non_articles)
        result["non_articles"] = non
        reasons = ", ".join(f"{k} {v}" for k, v in non["no_article_reasons"].items())
        print(
            f"{run.name} non-articles ({non['pages']})  ours:  crashes {non['crashes']}  "
            f"NoArticleError {non['no_article']}"
            + (f" ({reasons})" if reasons else "")
            + f"  other ScraperError {non['other_scraper_errors']}  text {non['returned_text']}"
            f"  >{SLOW_SECONDS:g} s {len(non['slow'])}  docs/s {_num(non['docs_per_s'], 1)}"
        )
        if any("no_model_reason" in r for r in run.non_articles):
            off = Counter(r["no_model_reason"] for r in run.non_articles if r.get("no_model_reason"))
            print(
                f"   with the models off: NoArticleError {sum(off.values())} ("
                + ", ".join(f"{k} {v}" for k, v in sorted(off.items()))
                + ")"
            )
        for kind, verdicts in non["by_type"].items():
            shown = ", ".join(f"{verdict} {n}" for verdict, n in verdicts.items())
            print(f"   {kind} ({sum(verdicts.values())}): {shown}")
        for page_id, error in non["crashed"]:
            print(f"   crash {page_id}: {error}")
        for page_id, seconds in non["slow"]:
            print(f"   slow  {page_id}: {seconds} s")
    result["detectors"] = run.detectors.as_dict()
    result["detectors_non_articles"] = run.detectors_non_articles.as_dict()
    result["pages"] = run.articles
    result["non_article_pages"] = run.non_articles
    result["unreadable"] = run.missing
    return result


def report_refusals(run: DatasetRun, samples_empty: set[str]) -> dict[str, Any]:
    """Ground-truth articles that ours refused (NoArticleError): the figure that must be 0.

    A page whose ground truth holds no text at all has nothing to give; it is listed apart."""
    refused = [a for a in run.articles if a["ours"].get("error_kind") == "no-article"]
    real = [a for a in refused if a["id"] not in samples_empty]
    empty = [a for a in refused if a["id"] in samples_empty]
    line = f"refusals of ground-truth articles: {len(real)} of {len(run.articles)}"
    if real:
        line += " (" + ", ".join(f"{a['id']} {a['ours'].get('reason')}" for a in real[:10]) + ")"
    if empty:
        line += f"; plus {len(empty)} whose ground truth is empty too: " + ", ".join(
            f"{a['id']} {a['ours'].get('reason')}" for a in empty
        )
    print(line)
    if "bare" in run.extractor_names:
        ours = _mean(a["ours"]["r"] for a in run.articles)
        bare = _mean(a["bare"]["r"] for a in run.articles)
        lower = sum(1 for a in run.articles if a["ours"]["r"] < a["bare"]["r"] - 0.05)
        print(f"recall ours {ours:.4f} vs bare {bare:.4f}; pages where ours is 0.05+ below bare: {lower}")
    return {"refused": [a["id"] for a in real], "refused_empty_truth": [a["id"] for a in empty]}


def report_errors(run: DatasetRun) -> None:
    failed = [a for a in run.articles if "error" in a["ours"]]
    if failed:
        kinds = Counter(a["ours"]["error_kind"] for a in failed)
        print(
            f"ours failed on {len(failed)} article pages (scored 0): "
            + ", ".join(f"{k} {n}" for k, n in kinds.items())
        )
        for a in failed:
            print(f"   {a['id']}  {a['ours']['error']}  {a['url'] or ''}")
    for which in run.extractor_names[1:]:
        failed = [a for a in run.articles if "error" in a[which]]
        if failed:
            listed = ", ".join(f"{a['id']} ({a[which]['error'][:60]})" for a in failed[:10])
            print(f"{which} failed on {len(failed)} article pages: {listed}")
    slow = [(a["id"], a["ours"]["seconds"]) for a in run.articles if a["ours"]["seconds"] > SLOW_SECONDS]
    if slow:
        print(
            f"ours took >{SLOW_SECONDS:g} s on {len(slow)} article pages: "
            + ", ".join(f"{i} ({s:.1f} s)" for i, s in slow)
        )


def report_detectors(run: DatasetRun) -> None:
    tally = run.detectors
    if not tally.fired:
        print("removals (ours): none")
        return
    print(f"removals by detector/rule (ours, {len(run.articles)} articles): fired / pages")
    width = max(len(name) for name in tally.fired)
    for name, n in tally.fired.most_common():
        print(f"   {name:<{width}}  {n:>6}  {tally.pages[name]:>5}")


def report_worst(run: DatasetRun, k: int, snippets: bool) -> None:
    has_bare = "bare" in run.extractor_names
    print(f"worst {k} pages by F1 (ours):")
    for a in sorted(run.articles, key=lambda a: (a["ours"]["f1"], a["id"]))[:k]:
        o = a["ours"]
        vs = f" vs bare {a['bare']['f1']:.3f}" if has_bare else ""
        why = f"  [{o['error']}]" if "error" in o else ""
        print(f"   {a['id']}  F1 {o['f1']:.3f}{vs}  P {o['p']:.3f}  R {o['r']:.3f}{why}  {a['url'] or ''}")
    if not snippets:
        return
    leaky = [a for a in run.articles if a["ours"]["leaked"]]
    print(f"most leaked 'without' snippets (ours; {len(leaky)} pages leak any):")
    for a in sorted(leaky, key=lambda a: (-len(a["ours"]["leaked"]), a["id"]))[:k]:
        o = a["ours"]
        vs = f"  bare {len(a['bare']['leaked'])}/{a['bare']['without']}" if has_bare else ""
        shown = " | ".join(s if len(s) <= 50 else s[:47] + "..." for s in o["leaked"][:3])
        print(
            f"   {a['id']}  {len(o['leaked'])}/{o['without']} leaked ({o['promo_leaked']} promo){vs}  {shown}"
        )


# ---------------------------------------------------------------------------------------------------------
# Command line


def _revision() -> str:
    """The repo's commit (with ``+dirty`` for uncommitted changes), to tell runs apart."""
    import subprocess

    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "-C",
                str(REPO),
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "scraper",
                "rules",
            ],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head or "unknown") + ("+dirty" if dirty else "")


def _kind_of(path: Path) -> str | None:
    if (path / "ground-truth.json").is_file():
        return "fundus-news"
    if (path / "ground-truth").is_dir():
        return "wcxb-dev"
    return None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, help="dataset folders to run (only these); layout decides the kind"
    )
    parser.add_argument("--wcxb", type=Path, default=None, help=f"wcxb-dev folder (default {DEFAULT_WCXB})")
    parser.add_argument(
        "--fundus", type=Path, default=None, help=f"fundus-news folder (default {DEFAULT_FUNDUS})"
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="only the first N pages of each set (sorted by id)"
    )
    parser.add_argument("--ours-only", action="store_true", help="skip bare trafilatura (quick iteration)")
    parser.add_argument(
        "--others", action="store_true", help="also readability-lxml and newspaper4k, if importable"
    )
    parser.add_argument(
        "--worst", type=int, default=10, metavar="K", help="list K worst pages (default 10; 0: none)"
    )
    parser.add_argument(
        "--json", type=Path, default=None, metavar="OUT", help="write every figure and per-page result"
    )
    parser.add_argument(
        "--hard-timeout",
        type=float,
        default=120.0,
        metavar="S",
        help="abandon one extractor call after S seconds, counted as a crash (default 120; 0: never)",
    )
    parser.add_argument(
        "--models-off",
        action="store_true",
        help="also run ours with the learned models off (interleaved): what they add and cost, in-sample",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    readers = {"wcxb-dev": corpora.wcxb, "fundus-news": corpora.fundus}
    chosen: list[tuple[str, Path]] = []
    if args.paths:
        for path in args.paths:
            kind = _kind_of(path)
            if kind is None:
                print(f"skipping {path}: not a dataset folder (no ground-truth/ or ground-truth.json)")
            else:
                chosen.append((kind, path))
    else:
        chosen = [("wcxb-dev", args.wcxb or DEFAULT_WCXB), ("fundus-news", args.fundus or DEFAULT_FUNDUS)]

    others = extractors.available_others() if args.others else {}
    if args.others:
        missing = sorted({"readability", "newspaper4k"} - set(others))
        if missing:
            print(f"--others: not importable, skipped: {', '.join(missing)} (pip install -e '.[bench]')")

    from scraper.extract.engine import VERSIONS

    versions = dict(VERSIONS)
    revision = _revision()
    print(
        f"scraper {versions.get('scraper', '?')} @ {revision}  "
        f"trafilatura {versions.get('trafilatura', '?')}  "
        f"python {sys.version.split()[0]}  limit {args.limit or 'none'}"
    )
    results: dict[str, Any] = {}
    for kind, path in chosen:
        path = path.resolve()
        if _kind_of(path) != kind:
            print(f"\nskipping {kind}: {path} not found (or not a {kind} folder)")
            continue
        run = run_dataset(
            kind,
            path,
            readers[kind](path, args.limit),
            baseline=not args.ours_only,
            others=others,
            hard_limit=args.hard_timeout,
            progress=not args.quiet,
            models_off=args.models_off,
        )
        results[kind] = report(run, args.worst)

    if args.json:
        payload = {
            "argv": sys.argv[1:],
            "versions": versions,
            "revision": revision,
            "python": sys.version.split()[0],
            "limit": args.limit,
            "datasets": results,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
