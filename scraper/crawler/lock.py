"""One crawl at a time: an exclusive ``flock`` on a lock file, for runs started by cron.

When a run outlasts the cron interval, the next one must stop at once rather than crawl the
same URLs twice. The kernel holds the lock for the open file and drops it when the process
ends, however it ends (``kill -9`` included), so a lock file left behind never blocks the
next run and no PID-liveness guessing is needed. The PID and start time written into the file
only serve the error message.

POSIX only (Linux, macOS, the BSDs): it needs :mod:`fcntl`; elsewhere entering the lock
raises :class:`~scraper.errors.ScraperError` saying so.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType, TracebackType

from scraper.errors import LockHeld, ScraperError
from scraper.io.formats import utc_now

_fcntl: ModuleType | None
try:
    import fcntl as _fcntl
except ImportError:  # Windows
    _fcntl = None


class RunLock:
    """Hold ``path`` exclusively for the length of a ``with`` block, or fail at once::

        with RunLock(state_path.with_name(state_path.name + ".lock")):
            crawl()

    Entering raises :class:`LockHeld` if another process (or another ``RunLock`` on the same
    file in this process) holds it. The file is created with its folder and never deleted:
    removing it could let two runs lock two different files of the same name.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        if _fcntl is None:
            raise ScraperError(f"{self.path}: the run lock needs fcntl.flock, which only POSIX systems have")
        if self._fd is not None:
            raise RuntimeError(f"{self.path}: this RunLock is already held")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder_pid(fd)
            os.close(fd)
            holder = f"process {pid}" if pid is not None else "another process"
            raise LockHeld(
                f"{self.path}: held by {holder}; another crawl is still running",
                path=self.path,
                pid=pid,
            ) from None
        except BaseException:
            os.close(fd)
            raise
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n{utc_now()}\n".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    def release(self) -> None:
        """Give the lock up (closing the file drops the flock); harmless when not held."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def _holder_pid(fd: int) -> int | None:
    """The PID on the lock file's first line; None while the holder has not written it yet."""
    first_line = os.pread(fd, 64, 0).split(b"\n", 1)[0].strip()
    return int(first_line) if first_line.isdigit() else None
