"""Pages kept as fetched, so they can be cleaned again without a refetch.

``DIR/<stem>.html.gz`` holds the body and ``DIR/<stem>.page.json`` how it was fetched (URL,
final URL, status, headers); :class:`scraper.io.sources.InputItem` reads the pair back, so
``scraper clean`` after a rule change gives what the crawl would have.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from scraper.article import Page
from scraper.io.atomic import atomic_open, atomic_write_json


def keep_raw(raw_dir: Path, stem: str, page: Page) -> None:
    """The page as fetched (gzipped) and how it was fetched, so that ``scraper clean`` can
    clean it again after a rule change without a refetch (it reads the ``.page.json``)."""
    base = raw_dir / stem
    with atomic_open(base.parent / (base.name + ".html.gz"), "wb") as handle:
        handle.write(gzip.compress(page.body, compresslevel=6, mtime=0))
    atomic_write_json(
        base.parent / (base.name + ".page.json"),
        {
            "url": page.url,
            "final_url": page.final_url,
            "status": page.status,
            "fetched_at": page.fetched_at,
            "headers": page.headers,
        },
    )
