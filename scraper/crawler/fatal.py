"""Errors that end a whole crawl run, and the one-line messages that say what to do about them.

Most failures belong to one URL: it is recorded, retried by a later run, and the run goes on.
Some cannot be: the state file is damaged, read-only or on a full disk, or the output folder
cannot be written at all. Going on would fail every URL the same way (and count attempts
against each until they are given up), so the run stops at once with :class:`CrawlAborted`,
whose message names the file and what to do; the command exits with status 2. What the run
had written before stays recorded, and what it had not done stays due.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from scraper.crawler.config import OWNER_NAME, WORK_SUFFIX
from scraper.errors import ScraperError

# Errors of the disk or its permissions, not of one article: every later write would fail too.
FATAL_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


class CrawlAborted(ScraperError):
    """The run cannot go on (the state or the output folder is unusable); the message says why
    and what to do. Nothing is half-written: unfinished URLs stay due for the next run."""


def sidecars(path: Path) -> list[Path]:
    """The files SQLite keeps beside a state in WAL mode (they belong with it when it is moved)."""
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def _sqlite_code(exc: sqlite3.Error) -> str:
    return str(getattr(exc, "sqlite_errorname", "") or "")


def state_problem(path: Path, exc: sqlite3.Error) -> str:
    """One line naming the state file, what SQLite said, and what to do about it."""
    code, said = _sqlite_code(exc), str(exc)
    aside = (
        f"move it aside (with its -wal and -shm files) and remove the output folder's {OWNER_NAME} "
        f"(in the crawl's work folder beside it, OUT{WORK_SUFFIX}/): the next run rebuilds the state "
        "from the output folder"
    )
    if code.startswith("SQLITE_NOTADB") or "not a database" in said:
        return f"{path}: not a crawl state database ({said}); check --state, or if it is the state: {aside}"
    if code.startswith("SQLITE_CORRUPT") or "malformed" in said:
        return f"{path}: the crawl state is damaged ({said}); {aside}"
    if code.startswith("SQLITE_READONLY") or "readonly" in said:
        return (
            f"{path}: the crawl state cannot be written ({said}); make it and its folder writable "
            "for the user running the crawl, or give another --state"
        )
    if code.startswith("SQLITE_FULL") or "disk is full" in said:
        return f"{path}: the disk is full ({said}); free space and run again (unfinished URLs stay due)"
    if code.startswith("SQLITE_CANTOPEN") or "unable to open" in said:
        return f"{path}: cannot open the crawl state ({said}); check that its folder exists and is writable"
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in said:
        return f"{path}: the crawl state is locked by another program ({said}); close it and run again"
    if code.startswith("SQLITE_IOERR") or "I/O error" in said:
        return f"{path}: the disk failed under the crawl state ({said}); check the disk, then run again"
    return f"{path}: the crawl state failed ({said}); run again, or move it aside to start a new state"


def write_problem(path: Path | str, exc: OSError, what: str = "cannot write") -> str:
    """One line naming the file that could not be written, the system's reason, and what to do."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "free space on that disk and run again (unfinished articles stay due, nothing is lost)"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        advice = "make it writable for the user running the crawl, or give another --out"
    else:
        advice = "fix it and run again (unfinished articles stay due)"
    return f"{path}: {what} ({reason}); {advice}"


def is_fatal_write(exc: OSError) -> bool:
    """A write error no other article would escape (full disk, read-only or forbidden folder)."""
    return exc.errno in FATAL_WRITE_ERRNOS
