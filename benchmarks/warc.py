#!/usr/bin/env python
"""WARC at scale: pages/s for WARC → jsonl with 1 and 2 local ``scraper warc`` workers (the scaling
ratio, ``[scale]`` extra), the peak memory of one process, and what reading a record costs
(warcio, FastWARC if installed, ``read_warc``: :mod:`warc_reader`).

    python benchmarks/warc.py                          # 8 WARC files of 60 pages, 2 rounds
    python benchmarks/warc.py --files 8 --pages 200    # 1,600 pages: start-up weighs less
    python benchmarks/warc.py --files 4 --pages 40 --rounds 1 --no-reader

The WARC files are built at run time in a temporary folder from the pages of ``../shared/datasets``
(wcxb-dev and fundus-news, read in place, never copied into the repository), each page a gzipped
``response`` record with its URL and an HTML ``Content-Type``. Each run is the command as a user runs
it (a fresh process, a fresh output folder: nothing resumed), timed from start to exit, so process and
pool start-up and model loading count. Runs alternate 1 worker / 2 workers, round after round, since
machines are noisy; the best of each is reported, with the ratio (ideal: the number of workers, when
there are as many cores).
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpora import fundus, wcxb  # noqa: E402

DATASETS = HERE.parent.parent / "shared" / "datasets"


def build_warcs(folder: Path, files: int, pages: int) -> int:
    """``files`` WARC files of ``pages`` dataset pages each (wcxb and fundus interleaved); the page count."""
    interleaved = itertools.zip_longest(wcxb(DATASETS / "wcxb-dev"), fundus(DATASETS / "fundus-news"))
    samples = (sample for sample in itertools.chain.from_iterable(interleaved) if sample is not None)
    written = 0
    for n in range(files):
        with (folder / f"bench-{n:03d}.warc.gz").open("wb") as handle:
            writer = WARCWriter(handle, gzip=True)
            for sample in itertools.islice(samples, pages):
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
                url = sample.url or f"https://example.com/{sample.dataset}/{sample.id}"
                body = io.BytesIO(sample.html())
                record = writer.create_warc_record(url, "response", payload=body, http_headers=http)
                writer.write_record(record)
                written += 1
    return written


def run(folder: Path, out: Path, workers: int) -> float:
    """Seconds for one `scraper warc` run with ``workers`` local workers."""
    command = [sys.executable, "-m", "scraper", "warc", str(folder), "-o", str(out)]
    command += ["--workers", str(workers)]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--files", type=int, default=8, help="WARC files (one task each)")
    parser.add_argument("--pages", type=int, default=60, help="pages per WARC file")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each worker count, alternated")
    parser.add_argument("--no-reader", action="store_true", help="skip the reader comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="warc-bench-") as temporary:
        root = Path(temporary)
        (root / "warc").mkdir()
        pages = build_warcs(root / "warc", args.files, args.pages)
        load = os.getloadavg()[0]
        best: dict[int, float] = {}
        for round_number in range(args.rounds):
            for workers in (1, 2):
                seconds = run(root / "warc", root / f"out-{workers}-{round_number}", workers)
                best[workers] = min(seconds, best.get(workers, seconds))
                print(f"round {round_number + 1}, {workers} worker(s): {seconds:.1f} s", file=sys.stderr)
    print(f"{pages} pages in {args.files} WARC files; {os.cpu_count()} cores; best of {args.rounds} runs")
    print(f"  (load average {load:.1f} before the runs: other work on the machine slows the 2-worker runs)")
    for workers, seconds in sorted(best.items()):
        print(f"  {workers} worker(s): {seconds:6.1f} s  {pages / seconds:6.1f} pages/s")
    print(f"  scaling, 2 workers / 1 worker: {best[1] / best[2]:.2f}x")
    # ru_maxrss: the largest resident set of any process these runs started (KiB on Linux).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  peak memory of one process (command or worker): {peak:.0f} MB")
    if not args.no_reader:
        import warc_reader

        warc_reader.main([])


if __name__ == "__main__":
    main()
