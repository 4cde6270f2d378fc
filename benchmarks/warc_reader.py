#!/usr/bin/env python
"""What reading a WARC costs per record: warcio and FastWARC bare, and ``scraper.io.warc.read_warc``
(warcio plus our checks: HTTP content type, sniffing, broken members), with peak memory.

    python benchmarks/warc_reader.py                 # every dataset page, gzipped records, 3 rounds
    python benchmarks/warc_reader.py --pages 300

The WARC file is built at run time in a temporary folder from the pages of ``../shared/datasets`` (read
in place, never copied into the repository). Each reader reads every record's payload to the end, as
cleaning does; rounds alternate the readers (machines are noisy) and the best round is reported.
FastWARC is optional (``pip install fastwarc``): it is measured when importable, never used by the
package.
"""

from __future__ import annotations

import argparse
import io
import itertools
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from corpora import fundus, wcxb  # noqa: E402

from scraper.io.warc import WarcPage, read_warc  # noqa: E402

DATASETS = HERE.parent.parent / "shared" / "datasets"


def build(path: Path, pages: int) -> int:
    """One gzipped WARC of ``pages`` dataset pages (all of them if fewer); the record count."""
    samples = itertools.chain(wcxb(DATASETS / "wcxb-dev"), fundus(DATASETS / "fundus-news"))
    written = 0
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for sample in itertools.islice(samples, pages):
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            url = sample.url or f"https://example.com/{sample.dataset}/{sample.id}"
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(sample.html()), http_headers=http
            )
            writer.write_record(record)
            written += 1
    return written


def with_warcio(path: Path) -> int:
    total = 0
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                total += len(record.content_stream().read())
    return total


def with_fastwarc(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator as FastIterator
    from fastwarc.warc import WarcRecordType

    total = 0
    with path.open("rb") as handle:
        for record in FastIterator(handle, record_types=WarcRecordType.response, parse_http=True):
            total += len(record.reader.read())
    return total


def with_read_warc(path: Path) -> int:
    return sum(len(item.page.body) for item in read_warc(path) if isinstance(item, WarcPage))


def measure(reader: Callable[[Path], int], path: Path) -> tuple[float, int, int]:
    """Seconds, payload bytes read, peak Python memory (bytes) of one full read."""
    tracemalloc.start()
    started = time.perf_counter()
    read = reader(path)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, read, peak


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pages", type=int, default=10_000, help="records in the WARC (at most every dataset page)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    readers: dict[str, Callable[[Path], int]] = {"warcio": with_warcio, "read_warc (ours)": with_read_warc}
    try:
        import fastwarc  # noqa: F401

        readers["fastwarc"] = with_fastwarc
    except ImportError:
        print("fastwarc not installed: measuring warcio and read_warc only", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="warc-reader-") as temporary:
        path = Path(temporary) / "bench.warc.gz"
        records = build(path, args.pages)
        size = path.stat().st_size
        best: dict[str, tuple[float, int, int]] = {}
        for round_number in range(args.rounds):
            names = list(readers)
            names = names[round_number % len(names) :] + names[: round_number % len(names)]
            for name in names:
                result = measure(readers[name], path)
                if name not in best or result[0] < best[name][0]:
                    best[name] = result
    print(f"{records} response records, {size / 1e6:.1f} MB gzipped; best of {args.rounds} rounds")
    for name, (seconds, read, peak) in best.items():
        print(
            f"  {name:<17} {1e6 * seconds / records:7.1f} us/record  {records / seconds:8.0f} records/s"
            f"  payload {read / 1e6:.1f} MB  peak {peak / 1e6:.1f} MB"
        )


if __name__ == "__main__":
    main()
