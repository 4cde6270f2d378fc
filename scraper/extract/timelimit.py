"""A per-page time limit, so one pathological page cannot hang a batch.

Uses a real-time interval timer (SIGALRM): the only way to interrupt CPU-bound parsing in-process.
Signals are delivered to the main thread only, so elsewhere (a worker thread of the caller's) the
limit is not enforced; the CLI runs pages in worker processes' main threads, where it is.
A long single C call (lxml parsing a huge document) is interrupted when it returns.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from scraper.errors import ExtractionTimeout


class _Expired(BaseException):
    """Raised by the alarm. A BaseException, so that libraries' ``except Exception`` blocks
    (trafilatura has several) cannot swallow it; turned into ``error`` where the limit was set."""


def can_enforce() -> bool:
    """True where a time limit can interrupt this thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(
    seconds: float | None,
    what: str = "cleaning the page",
    *,
    error: Callable[[str], BaseException] = ExtractionTimeout,
) -> Iterator[None]:
    """Raise ``error`` (:class:`ExtractionTimeout`) if the block runs longer than ``seconds``.

    ``None`` or 0 means no limit. Limits do not nest: an inner one replaces an outer one.
    """
    if not seconds or not can_enforce():
        yield
        return

    def on_alarm(_signum: int, _frame: FrameType | None) -> None:
        raise _Expired

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise error(f"{what} took longer than {seconds:g} s; the page was given up") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
