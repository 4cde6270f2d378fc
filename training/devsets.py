"""What both training scripts share: where the development sets are, their pages, the site a page
belongs to (the unit of cross-validation), and the checksums recorded next to a shipped model."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import corpora  # noqa: E402
from corpora import site_of  # noqa: E402, F401  (the training scripts import it from here)

DATASETS = REPO.parent / "shared" / "datasets"


def all_samples() -> list[corpora.Sample]:
    """Every page of both development sets, in a fixed order."""
    return [*corpora.wcxb(DATASETS / "wcxb-dev"), *corpora.fundus(DATASETS / "fundus-news")]


def checksums() -> dict[str, str]:
    """sha256 of each dataset's ground truth (wcxb: of every file's name and digest, in order)."""
    wcxb = hashlib.sha256()
    for path in sorted((DATASETS / "wcxb-dev" / "ground-truth").glob("*.json")):
        wcxb.update(f"{path.name} {hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    fundus = hashlib.sha256((DATASETS / "fundus-news" / "ground-truth.json").read_bytes())
    return {"wcxb-dev/ground-truth": wcxb.hexdigest(), "fundus-news/ground-truth.json": fundus.hexdigest()}
