"""What both training scripts share: where the development sets are, their pages, the site a page
belongs to (the unit of cross-validation), and the checksums recorded next to a shipped model."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import corpora  # noqa: E402

DATASETS = REPO.parent / "shared" / "datasets"


def all_samples() -> list[corpora.Sample]:
    """Every page of both development sets, in a fixed order."""
    return [*corpora.wcxb(DATASETS / "wcxb-dev"), *corpora.fundus(DATASETS / "fundus-news")]


def site_of(url: str | None, fallback: str) -> str:
    """The page's site: its host without ``www.`` (``fallback`` when it has no URL)."""
    host = urlsplit(url or "").netloc.lower().removeprefix("www.")
    return host or fallback


def checksums() -> dict[str, str]:
    """sha256 of each dataset's ground truth (wcxb: of every file's name and digest, in order)."""
    wcxb = hashlib.sha256()
    for path in sorted((DATASETS / "wcxb-dev" / "ground-truth").glob("*.json")):
        wcxb.update(f"{path.name} {hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    fundus = hashlib.sha256((DATASETS / "fundus-news" / "ground-truth.json").read_bytes())
    return {"wcxb-dev/ground-truth": wcxb.hexdigest(), "fundus-news/ground-truth.json": fundus.hexdigest()}
