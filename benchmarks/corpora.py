"""Readers for the development datasets in ``../shared/datasets`` (never copied into the repo).

Each reader yields :class:`Sample` values in a fixed order (sorted by page id), reading one page's HTML
only when :meth:`Sample.html` is called, so a full run never holds every page in memory.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# Values the ground truth uses for "not known".
_MISSING = {"", "none", "null", "n/a", "unknown"}


def _known(value: object) -> object:
    """``value``, or ``None`` when the ground truth marks it as unknown ("None", "", [])."""
    if value is None:
        return None
    if isinstance(value, str):
        return None if value.strip().casefold() in _MISSING else value
    if isinstance(value, list | tuple):
        items = [item for item in value if isinstance(item, str) and item.strip().casefold() not in _MISSING]
        return items or None
    return value


@dataclass(frozen=True, slots=True)
class Sample:
    """One page of a dataset and what a good extraction of it holds."""

    dataset: str
    id: str
    path: Path
    url: str | None
    is_article: bool
    page_type: str
    reference: str
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()
    title: str | None = None
    authors: str | tuple[str, ...] | None = None
    date: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def html(self) -> bytes:
        """The page's raw bytes, as fetched (gunzipped when stored gzipped)."""
        raw = self.path.read_bytes()
        return gzip.decompress(raw) if self.path.suffix == ".gz" else raw


def site_of(url: str | None, fallback: str) -> str:
    """The page's site: its host without ``www.`` (``fallback`` when it has no URL), the unit the
    development sets are told apart by and cross-validated over."""
    host = urlsplit(url or "").netloc.lower().removeprefix("www.")
    return host or fallback


def wcxb(root: Path, limit: int | None = None) -> Iterator[Sample]:
    """WCXB dev split: ``html/NNNN.html.gz`` + ``ground-truth/NNNN.json``, every page type."""
    files = sorted((root / "ground-truth").glob("*.json"))
    if limit is not None:
        files = files[:limit]
    for gt_path in files:
        page_id = gt_path.stem
        data = json.loads(gt_path.read_text(encoding="utf-8"))
        truth = data.get("ground_truth", {})
        page_type = (data.get("_internal", {}).get("page_type") or {}).get("primary", "unknown")
        yield Sample(
            dataset="wcxb-dev",
            id=page_id,
            path=root / "html" / f"{page_id}.html.gz",
            url=data.get("url") or truth.get("url"),
            is_article=page_type == "article",
            page_type=page_type,
            reference=truth.get("main_content") or "",
            with_snippets=tuple(truth.get("with") or ()),
            without_snippets=tuple(truth.get("without") or ()),
            title=_known(truth.get("title")),  # type: ignore[arg-type]
            authors=_known(truth.get("author")),  # type: ignore[arg-type]
            date=_known(truth.get("publish_date")),  # type: ignore[arg-type]
        )


def fundus(root: Path, limit: int | None = None) -> Iterator[Sample]:
    """Fundus news: ``html/<stem>.html.gz`` + one ``ground-truth.json`` keyed by stem; all articles."""
    truth_by_stem = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    stems = sorted(truth_by_stem)
    if limit is not None:
        stems = stems[:limit]
    for stem in stems:
        truth = truth_by_stem[stem]
        parts = [
            *(truth.get("summary") or ()),
            *(truth.get("headlines") or ()),
            *(truth.get("paragraphs") or ()),
        ]
        authors = _known(truth.get("authors"))
        yield Sample(
            dataset="fundus-news",
            id=stem,
            path=root / "html" / f"{stem}.html.gz",
            url=truth.get("url"),
            is_article=True,
            page_type="article",
            reference="\n\n".join(parts),
            title=_known(truth.get("title")),  # type: ignore[arg-type]
            authors=tuple(authors) if authors else None,  # type: ignore[arg-type]
            date=_known(truth.get("date")),  # type: ignore[arg-type]
            extra={"publisher": truth.get("publisher", ""), "country": truth.get("country", "")},
        )


def trafilatura_eval(root: Path, limit: int | None = None) -> Iterator[Sample]:
    """trafilatura's own evaluation set: ``root`` is the ``tests`` folder of a checkout of
    github.com/adbar/trafilatura (``evaldata.json``, pages in ``eval/`` or ``cache/``). Each page has
    only ``with`` snippets (must be in the output) and ``without`` snippets (must not), no full
    reference. Its ~900 sites are nearly all outside the development sets, which makes it the
    stand-in for "sites nobody tuned for"; trafilatura itself was tuned on it, so bare trafilatura's
    figures on it are in-sample. Pages whose file is missing are skipped."""
    entries = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    urls = sorted(entries)
    if limit is not None:
        urls = urls[:limit]
    for url in urls:
        entry = entries[url]
        found = [root / folder / entry["file"] for folder in ("eval", "cache")]
        path = next((candidate for candidate in found if candidate.exists()), None)
        if path is None:
            continue
        yield Sample(
            dataset="trafilatura-eval",
            id=entry["file"],
            path=path,
            url=None if url.startswith("hard::") else url,
            is_article=True,
            page_type="unknown",
            reference="",
            with_snippets=tuple(entry.get("with") or ()),
            without_snippets=tuple(entry.get("without") or ()),
        )
