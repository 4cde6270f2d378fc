#!/usr/bin/env python
"""htmldate and courlan (installed with trafilatura, unused by the package) against our own code.

    python benchmarks/metadata_libs.py              # both development sets
    python benchmarks/metadata_libs.py --limit 100  # the first 100 pages of each, for a quick look

Publish dates, on the articles whose ground truth names one (wcxb-dev ``ground_truth.publish_date`` of
``page_type.primary == "article"`` pages, fundus-news ``date``): ours is what ``scraper.clean`` returns as
``Article.published_date``, i.e. ``extract_metadata`` on the Lexbor tree, timed with the parse (which the
engine does anyway for the text); htmldate is ``find_date(html, url=..., original_date=True)`` in its fast
and its extensive mode, each parsing the page itself. A date is right when its ``YYYY-MM-DD`` is the truth's
(``metrics.same_day``), missing when there is none, wrong otherwise. The three run interleaved page by page
(order rotated), on the already decoded page; "ours, else htmldate" counts htmldate only where ours is None.

URLs: ``scraper.web.urls.normalize_url`` against ``courlan.normalize_url`` and ``courlan.clean_url`` on the
dataset URLs and on every page's ``<link rel=canonical>`` and ``og:url`` (resolved against the page URL):
how often they disagree, on which part of the URL, with examples; which query parameters one drops and the
other keeps; how often the page URL and its canonical get the same key; ``is_valid_url`` / ``check_url``
against ours saying None; microseconds per URL. Never used by the tests.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE)]

import corpora  # noqa: E402
import courlan  # noqa: E402
import htmldate  # noqa: E402
import metrics  # noqa: E402
from selectolax.lexbor import LexborHTMLParser  # noqa: E402

from scraper.errors import NoArticleError  # noqa: E402
from scraper.extract.decode import decode_html  # noqa: E402
from scraper.extract.metadata import extract_metadata  # noqa: E402
from scraper.extract.metadata.scan import Scan, first_meta  # noqa: E402
from scraper.web.urls import normalize_url  # noqa: E402

DEFAULT_ROOT = REPO.parent / "shared" / "datasets"
COMBINED = "ours, else htmldate fast"
EXAMPLES = 3
MAX_SHOWN = 110  # characters of a URL shown in an example


@dataclass
class Tally:
    """Dates found by one method on the pages with a true date."""

    right: int = 0
    missing: int = 0
    wrong: int = 0
    errors: int = 0
    seconds: float = 0.0

    def add(self, truth: str, found: str | None, seconds: float) -> None:
        self.seconds += seconds
        if found is None:
            self.missing += 1
        elif metrics.same_day(truth, found):
            self.right += 1
        else:
            self.wrong += 1

    def line(self, name: str, pages: int) -> str:
        errors = f"  errors {self.errors}" if self.errors else ""
        return (
            f"  {name:<26} right {_pct(self.right, pages)}  missing {_pct(self.missing, pages)}  "
            f"wrong {_pct(self.wrong, pages)}  {1000 * self.seconds / max(pages, 1):6.2f} ms/page{errors}"
        )


def _pct(count: int, total: int) -> str:
    return f"{100 * count / max(total, 1):5.1f} %"


def _ours(text: str, url: str | None) -> str | None:
    return extract_metadata(LexborHTMLParser(text), url).published_date


def _htmldate(extensive: bool) -> Callable[[str, str | None], str | None]:
    def find(text: str, url: str | None) -> str | None:
        return htmldate.find_date(text, url=url, original_date=True, extensive_search=extensive)

    return find


METHODS: dict[str, Callable[[str, str | None], str | None]] = {
    "ours": _ours,
    "htmldate fast": _htmldate(False),
    "htmldate extensive": _htmldate(True),
}
ALL_DATE_METHODS = (*METHODS, COMBINED)


@dataclass
class DateRun:
    """The date tallies of one dataset (or of both), and the pages where only one method is right."""

    pages: int = 0
    tallies: dict[str, Tally] = field(default_factory=lambda: {name: Tally() for name in ALL_DATE_METHODS})
    parse_seconds: float = 0.0
    only_htmldate_right: list[str] = field(default_factory=list)
    only_ours_right: list[str] = field(default_factory=list)


def pages(root: Path, limit: int | None) -> Iterator[tuple[corpora.Sample, str]]:
    """Every page of both sets with its decoded HTML (pages that do not decode are skipped)."""
    for reader, folder in ((corpora.wcxb, root / "wcxb-dev"), (corpora.fundus, root / "fundus-news")):
        if not folder.is_dir():
            print(f"{folder}: missing, skipped")
            continue
        for sample in reader(folder, limit):
            try:
                text, _ = decode_html(sample.html())
            except NoArticleError:
                continue
            yield sample, text


def measure_dates(sample: corpora.Sample, text: str, runs: list[DateRun], turn: int) -> None:
    """All date methods on one page, in an order that rotates from page to page."""
    truth = sample.date
    assert truth is not None
    found: dict[str, str | None] = {}
    seconds: dict[str, float] = {}
    failed: set[str] = set()
    names = list(METHODS)
    names = names[turn % len(names) :] + names[: turn % len(names)]
    for name in names:
        start = time.perf_counter()
        try:
            found[name] = METHODS[name](text, sample.url)
        except Exception:
            found[name] = None
            failed.add(name)
        seconds[name] = time.perf_counter() - start
    # The combination the metadata docstring weighs: htmldate (fast) only where ours finds nothing.
    combined = COMBINED
    found[combined] = found["ours"] or found["htmldate fast"]
    seconds[combined] = seconds["ours"] + (seconds["htmldate fast"] if found["ours"] is None else 0.0)
    ours_right = metrics.same_day(truth, found["ours"])
    fast_right = metrics.same_day(truth, found["htmldate fast"])
    example = (
        f"{sample.dataset}/{sample.id}: truth {truth[:10]}, ours {found['ours']}, "
        f"htmldate {found['htmldate fast']}"
    )
    start = time.perf_counter()
    LexborHTMLParser(text)
    parse_seconds = time.perf_counter() - start
    for run in runs:
        run.pages += 1
        run.parse_seconds += parse_seconds
        for name, date in found.items():
            tally = run.tallies[name]
            tally.add(truth, date, seconds[name])
            tally.errors += name in failed
        if fast_right and not ours_right:
            run.only_htmldate_right.append(example)
        if ours_right and not fast_right:
            run.only_ours_right.append(example)


def print_dates(label: str, run: DateRun) -> None:
    print(f"publish date, {label}: {run.pages} articles with a true date")
    for name, tally in run.tallies.items():
        print(tally.line(name, run.pages))
    parse = 1000 * run.parse_seconds / max(run.pages, 1)
    print(f"  of ours' time, the Lexbor parse (which the engine does anyway): {parse:.2f} ms/page")
    print(
        f"  htmldate fast right where ours is not: {len(run.only_htmldate_right)}; "
        f"ours right where htmldate fast is not: {len(run.only_ours_right)}"
    )


# ---------------------------------------------------------------------------------------------------------
# URLs


def link_urls(sample: corpora.Sample, text: str) -> list[str]:
    """The page's canonical and og:url links, made absolute against the page URL."""
    scan = Scan(LexborHTMLParser(text))
    found = []
    for href in (scan.canonical, first_meta(scan.metas, ("og:url",))):
        if not href or not href.strip():
            continue
        try:
            found.append(urljoin(sample.url or "", href.strip()))
        except ValueError:
            found.append(href.strip())
    return found


def _courlan_normalize(url: str) -> str | None:
    try:
        return courlan.normalize_url(url)
    except ValueError:
        return None


URL_METHODS: dict[str, Callable[[str], object]] = {
    "ours normalize_url": normalize_url,
    "courlan normalize_url": _courlan_normalize,
    "courlan clean_url": courlan.clean_url,
    "courlan is_valid_url": courlan.is_valid_url,
    "courlan check_url": courlan.check_url,
}


def _parts_differ(ours: str, theirs: str) -> list[str]:
    """Which parts of two spellings of a URL differ (the root's "/" apart from the rest of the path)."""
    a, b = urlsplit(ours), urlsplit(theirs)
    parts = [
        name
        for name, x, y in (
            ("scheme", a.scheme, b.scheme),
            ("host", a.netloc, b.netloc),
            ("path (root slash)" if {a.path, b.path} == {"", "/"} else "path", a.path, b.path),
            ("fragment", a.fragment, b.fragment),
        )
        if x != y
    ]
    if a.query != b.query:
        same_pairs = sorted(parse_qsl(a.query, keep_blank_values=True)) == sorted(
            parse_qsl(b.query, keep_blank_values=True)
        )
        parts.append("query order/escapes" if same_pairs else "query params")
    return parts


def _short(url: object) -> str:
    text = str(url)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def compare_urls(label: str, urls: list[str]) -> None:
    print(f"URLs, {label}: {len(urls)} ({len(set(urls))} distinct)")
    ours = {url: normalize_url(url) for url in urls}
    for name in ("courlan normalize_url", "courlan clean_url"):
        theirs = {url: URL_METHODS[name](url) for url in urls}
        kinds: Counter[str] = Counter()
        examples: dict[str, list[str]] = {}
        for url in dict.fromkeys(urls):
            a, b = ours[url], theirs[url]
            if a == b:
                continue
            if a is None or b is None:
                kind = ["only ours rejects" if a is None else "only courlan rejects"]
            else:
                kind = _parts_differ(a, str(b))
            for one in kind:
                kinds[one] += 1
                shown = (_short(url), _short(a), _short(b))
                examples.setdefault(one, []).append("\n        ".join(shown))
        distinct = len(set(urls))
        differ = sum(1 for url in dict.fromkeys(urls) if ours[url] != theirs[url])
        print(f"  ours vs {name}: differ on {differ} of {distinct} ({_pct(differ, distinct)})")
        for kind, count in kinds.most_common():
            print(f"    {kind}: {count}")
            for example in examples[kind][:EXAMPLES]:
                print(f"      {example}")
    ours_rejects = {url for url in urls if ours[url] is None}
    for name in ("courlan is_valid_url", "courlan check_url"):
        rejects = {url for url in urls if not URL_METHODS[name](url)}
        print(
            f"  rejected: ours {len(ours_rejects)}, {name} {len(rejects)} "
            f"(only ours {len(ours_rejects - rejects)}, only courlan {len(rejects - ours_rejects)})"
        )
        for url in sorted(rejects - ours_rejects)[:EXAMPLES]:
            print(f"      only {name} rejects: {_short(url)}")


def _param_names(url: str) -> set[str]:
    return {name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}


def dropped_params(urls: list[str]) -> None:
    """Query parameter names one normaliser drops and the other keeps, most frequent first."""
    only_courlan: Counter[str] = Counter()
    only_ours: Counter[str] = Counter()
    for url in dict.fromkeys(urls):
        ours, theirs = normalize_url(url), _courlan_normalize(url)
        if ours is None or theirs is None:
            continue
        given = _param_names(url)
        dropped_ours, dropped_theirs = given - _param_names(ours), given - _param_names(theirs)
        only_courlan.update(dropped_theirs - dropped_ours)
        only_ours.update(dropped_ours - dropped_theirs)
    print(f"  params only courlan drops: {dict(only_courlan.most_common(12)) or 'none'}")
    print(f"  params only ours drops: {dict(only_ours.most_common(12)) or 'none'}")


def same_key_rate(pairs: list[tuple[str, str]]) -> None:
    """How often a page URL and its canonical get one key: more merged spellings, fewer refetches."""
    for name in ("ours normalize_url", "courlan normalize_url", "courlan clean_url"):
        method = URL_METHODS[name]
        same = sum(1 for url, canonical in pairs if (key := method(url)) and key == method(canonical))
        print(f"  page URL and canonical same key, {name}: {same} of {len(pairs)} ({_pct(same, len(pairs))})")


def url_speed(urls: list[str], rounds: int = 5) -> None:
    best = {name: float("inf") for name in URL_METHODS}
    names = list(URL_METHODS)
    for turn in range(rounds):
        for name in names[turn % len(names) :] + names[: turn % len(names)]:
            method = URL_METHODS[name]
            start = time.perf_counter()
            for url in urls:
                method(url)
            best[name] = min(best[name], time.perf_counter() - start)
    for name, seconds in best.items():
        print(f"  speed {name:<22} {1e6 * seconds / max(len(urls), 1):6.1f} µs/URL (best of {rounds})")


# ---------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help=f"datasets folder ({DEFAULT_ROOT})")
    parser.add_argument("--limit", type=int, default=None, help="at most this many pages of each set")
    parser.add_argument("--examples", type=int, default=0, help="list this many pages where one is right")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # htmldate and the extractor log about odd pages

    total = DateRun()
    by_set: dict[str, DateRun] = {}
    dataset_urls: list[str] = []
    links: list[str] = []
    pairs: list[tuple[str, str]] = []
    for turn, (sample, text) in enumerate(pages(args.root, args.limit)):
        if sample.url:
            dataset_urls.append(sample.url)
        page_links = link_urls(sample, text)
        links.extend(page_links)
        if sample.url and page_links:
            pairs.append((sample.url, page_links[0]))
        if sample.is_article and sample.date:
            measure_dates(sample, text, [total, by_set.setdefault(sample.dataset, DateRun())], turn)

    for label, run in (*by_set.items(), ("both sets", total)):
        print_dates(label, run)
    for title, examples in (
        ("htmldate right, ours not", total.only_htmldate_right),
        ("ours right, htmldate not", total.only_ours_right),
    ):
        for example in examples[: args.examples]:
            print(f"  {title}: {example}")

    compare_urls("dataset page URLs", dataset_urls)
    dropped_params(dataset_urls)
    compare_urls("canonical and og:url links", links)
    dropped_params(links)
    same_key_rate(pairs)
    url_speed(dataset_urls + links)
    return 0


if __name__ == "__main__":
    sys.exit(main())
