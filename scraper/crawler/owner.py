"""Which crawl state an output folder belongs to, and a state rebuilt from its folder.

A state and its output folder are one whole: the state remembers what the folder holds. A state
file that was emptied, replaced, or pointed at another state's folder would take every article
there for new and write it again (each twice in ``articles.jsonl``). So the folder records the
identity of the state that writes it (``owner.json`` in its work folder ``OUT.scraper/``, written
atomically), and a run whose state is another one stops, saying what to do (exit status 2).

A folder without the record (written before records existed, or whose record was removed on
purpose because its state was lost or damaged) is taken over by the run's state, which is
rebuilt from it first: the articles of ``articles.jsonl`` are recorded as written, so none is
fetched as new or written again. Other formats need no rebuild to stay whole: an article's
files are named after its URL, so writing it again replaces them rather than adding a copy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scraper.crawler.config import OUTPUT_LOCK_NAME, OWNER_NAME, CrawlConfig, work_dir
from scraper.crawler.discover import lastmod_epoch
from scraper.crawler.fatal import CrawlAborted
from scraper.crawler.state import CrawlState, WrittenArticle
from scraper.io.atomic import atomic_write_json
from scraper.io.formats import get_format, utc_now
from scraper.web.urls import normalize_url

REBUILT_SOURCE = "rebuilt-from-output"


class OutputMismatch(CrawlAborted):
    """The output folder was written with another crawl state than this run's."""


def output_lock_path(out: Path) -> Path:
    """The lock that keeps two runs (whatever their states) from writing one folder at once."""
    return work_dir(out) / OUTPUT_LOCK_NAME


def claim_output(config: CrawlConfig, state: CrawlState, *, now: float) -> int:
    """Make sure ``config.out`` is ``state``'s folder, or make it so; return how many articles
    already there were recorded in the state (a rebuild). Raises :class:`OutputMismatch`."""
    marker = work_dir(config.out) / OWNER_NAME
    owner = _read_marker(marker)
    if owner is not None and owner.get("state_id") == state.identity:
        return 0
    if owner is not None:
        raise OutputMismatch(_mismatch(config.out, marker, state, owner))
    adopted = _adopt(config, state, now)
    atomic_write_json(
        marker, {"state_id": state.identity, "state": str(state.path.absolute()), "claimed_at": utc_now()}
    )
    return adopted


def _read_marker(marker: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(marker.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise OutputMismatch(
            f"{marker}: unreadable ({exc}); remove it to let this state take the folder over "
            "(what the folder holds is read first, nothing is written twice)"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("state_id"), str):
        raise OutputMismatch(
            f"{marker}: not a scraper owner record; remove it to let this state take the folder over"
        )
    return data


def _mismatch(out: Path, marker: Path, state: CrawlState, owner: dict[str, Any]) -> str:
    other = f"crawl state {str(owner['state_id'])[:12]} (last at {owner.get('state', '?')})"
    if state.created:
        return (
            f"{state.path} is a new (or emptied) crawl state, but {out} was written with {other}: "
            f"this run would write every article again. Give --state that state; or, if it is lost, "
            f"remove {marker} and the next run rebuilds the state from {out} (nothing is written twice)"
        )
    return (
        f"{out} was written with {other}, not with {state.path}: this run would write its articles "
        f"again. Give --state that state, or another --out; or remove {marker} to let {state.path} "
        "take the folder over (what it holds is read first, nothing is written twice)"
    )


def _adopt(config: CrawlConfig, state: CrawlState, now: float) -> int:
    """Record the articles of the folder's JSONL file as written (other formats need not be)."""
    name = get_format(config.format).stream_name
    stream = config.out / name if name else None
    if stream is None or not stream.is_file():
        return 0
    hours = config.revisit_hours
    revisit = now + hours * 3600 if hours else None
    return state.adopt(articles_in(stream), now, next_fetch_at=revisit)


def articles_in(stream: Path) -> Iterator[WrittenArticle]:
    """The crawled articles of a JSONL output file, one per line, in file order. A line that is
    torn (a killed append) or was not written by a crawl (no URL) is passed over."""
    with stream.open("rb") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and (article := _written(record, stream)) is not None:
                yield article


def _written(record: dict[str, Any], stream: Path) -> WrittenArticle | None:
    meta = record.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    address = meta.get("input") or record.get("source")
    url = normalize_url(address) if isinstance(address, str) else None
    text, text_hash = record.get("text"), meta.get("text_sha256")
    if not isinstance(text_hash, str) or not text_hash:
        text_hash = (
            hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
            if isinstance(text, str)
            else None
        )
    if url is None or text_hash is None:
        return None
    canonical = meta.get("canonical_url")
    canonical = normalize_url(canonical) if isinstance(canonical, str) and canonical else None
    return WrittenArticle(
        url,
        text_hash,
        canonical,
        (str(stream),),
        REBUILT_SOURCE,
        lastmod_epoch(added if isinstance(added := record.get("added"), str) else None),
    )
