"""Where a crawl keeps its own files: in a work folder beside the articles, never among them.

The output folder holds the articles alone, so the tools that read a folder of articles take it
as it is (datatrove's ``JsonlReader(out)``, duckdb's ``read_json_auto('out/*.jsonl')``). The
crawl's bookkeeping lives in the work folder beside it (:func:`scraper.crawler.config.work_dir`)::

    news/                      the articles (articles.jsonl, or <host>/<name>.txt + .json ...)
    news.scraper/
        state.sqlite           the state (with -wal and -shm while a run goes), state.sqlite.lock
        owner.json             which state writes news/ (scraper.crawler.owner)
        output.lock            the lock of news/'s writers
        crawl-report.json      the last run's report
        raw/                   the raw pages (<host>/<name>.html.gz + .page.json)

Not a dot-folder inside ``news/``: datatrove lists every file under the folder, hidden ones
too, and reads each as JSONL (a lock file whose first line is a process id reads as a JSON
number and stops it).

A folder of the old layout (``.scraper-state.sqlite``, ``.scraper-owner.json``,
``.scraper-output.lock``, ``crawl-report.json`` and ``raw/`` inside the output folder) is moved
over at the start of the next run, holding the old locks (an older run still going makes this
one stop, as any overlap does): the state is checkpointed first, so its write-ahead log is in
the file, then moved with its ``-wal`` and ``-shm`` files; each file is renamed (or, across
file systems, copied, synced and renamed before the old one goes), so a run killed mid-way
leaves every file whole at one of its two places, and the next run goes on moving. Nothing is
overwritten: a file whose new place is taken stays where it was (the state alone makes that an
error, since two states for one folder would write articles twice). A dry run
(:func:`find_state`) reads an old state where it is and moves nothing.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from scraper.crawler.config import OWNER_NAME, RAW_FOLDER, REPORT_NAME, CrawlConfig, work_dir
from scraper.crawler.fatal import CrawlAborted, sidecars
from scraper.crawler.lock import RunLock
from scraper.io.atomic import fsync_dir

# The old layout's names, inside the output folder.
LEGACY_STATE_NAME = ".scraper-state.sqlite"
LEGACY_OWNER_NAME = ".scraper-owner.json"
LEGACY_OUTPUT_LOCK_NAME = ".scraper-output.lock"


def find_state(config: CrawlConfig) -> Path:
    """The state a run of ``config`` would use, without moving anything (the dry run's): an old
    layout's state inside the output folder while it has not been moved yet."""
    legacy = config.out / LEGACY_STATE_NAME
    if config.state is None and not config.state_path.exists() and legacy.exists():
        return legacy
    return config.state_path


def migrate_layout(config: CrawlConfig) -> list[tuple[Path, Path]]:
    """Move an old layout's files out of the output folder into the work folder (see the module
    docstring); return the moves made, (from, to). Raises :class:`LockHeld` when an older run
    holds the old locks, :class:`CrawlAborted` when both places hold a state."""
    out = config.out
    old_state, old_owner = out / LEGACY_STATE_NAME, out / LEGACY_OWNER_NAME
    if not (old_state.exists() or old_owner.exists()):
        return []  # not a crawl folder of the old layout (an OUT/raw of the user's own stays)
    old_lock = old_state.with_name(old_state.name + ".lock")
    old_output_lock = out / LEGACY_OUTPUT_LOCK_NAME
    work = work_dir(out)
    moves: list[tuple[Path, Path]] = []
    with RunLock(old_lock), RunLock(old_output_lock):
        if config.state is None and old_state.exists():
            moves += _move_state(old_state, config.state_path)
        moves += _move_if_free(old_owner, work / OWNER_NAME)
        if config.report is None:
            moves += _move_if_free(out / REPORT_NAME, work / REPORT_NAME)
        if config.raw_dir is None and (out / RAW_FOLDER).is_dir():
            moves += _move_if_free(out / RAW_FOLDER, work / RAW_FOLDER)
        if not old_state.exists():  # nobody uses the old locks any more: readers must not meet them
            for lock in (old_lock, old_output_lock):
                lock.unlink(missing_ok=True)
    for folder in (out, work):
        fsync_dir(folder)
    return moves


def _move_state(old: Path, new: Path) -> list[tuple[Path, Path]]:
    """The old state, its log checkpointed into it, to its new place with its sidecar files."""
    if new.exists():
        raise CrawlAborted(
            f"{old} and {new} are both crawl states of {old.parent}: a run would not know which "
            f"remembers the folder. Keep the one you want: move the other aside (with its -wal and "
            f"-shm files), or name it with --state"
        )
    _checkpoint(old)
    new.parent.mkdir(parents=True, exist_ok=True)
    pairs = zip(sidecars(old), sidecars(new), strict=True)
    moves = [(side, target) for side, target in pairs if side.exists()]
    for side, target in moves:
        _move_file(side, target)
    _move_file(old, new)
    return [(old, new), *moves]


def _checkpoint(path: Path) -> None:
    """Fold the state's write-ahead log into the file (a killed run may have left one); a state
    SQLite cannot read is moved as it is, and its run says what is wrong with it."""
    with contextlib.suppress(sqlite3.Error), _connection(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


@contextlib.contextmanager
def _connection(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        yield db
    finally:
        db.close()


def _move_if_free(old: Path, new: Path) -> list[tuple[Path, Path]]:
    if not old.exists() or new.exists():
        return []
    new.parent.mkdir(parents=True, exist_ok=True)
    if old.is_dir():
        shutil.move(old, new)  # a rename; across file systems a copy, then the old one removed
    else:
        _move_file(old, new)
    return [(old, new)]


def _move_file(old: Path, new: Path) -> None:
    """Rename ``old`` to ``new``; across file systems, copy to a temporary file beside ``new``,
    sync it, rename it into place, then remove ``old``: one whole copy at every moment."""
    try:
        os.replace(old, new)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    temp = new.with_name(f".{new.name}.moving")
    shutil.copyfile(old, temp)
    with temp.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temp, new)
    fsync_dir(new.parent)
    old.unlink()
