"""A per-page time limit, so one pathological page cannot hang a batch.

CPU-bound parsing cannot be cancelled cooperatively, so a watchdog thread (one per process) raises
an exception asynchronously in the thread that set the limit (``PyThreadState_SetAsyncExc``). This
works in any thread (the CLI's worker processes, a caller's thread pool) and leaves signal handlers
and interval timers alone.

How it stays safe: the limited thread takes no lock (deadlines reach the watchdog through a
queue), so an exception cannot arrive while it holds one; the watchdog raises only after checking,
with no bytecode checkpoint in between, that the ``with`` block is still open, and the block's exit
closes it first thing and withdraws an exception raised but not yet delivered.

Known limits: the exception arrives at a bytecode boundary of the limited thread, so a long single
C call (lxml parsing a huge document) is interrupted only when it returns; SIGALRM had the same
limit. A limit that expires at the very instant its block finishes is ignored or raised as
``error``; on Python 3.11 only, under heavy thread contention, it can very rarely escape as the
private exception instead. On Python 3.13 an exception raised while a ``while`` loop tests its
condition can skip the loop's handlers (CPython gh-130279; Ctrl-C alike). A process forked inside
a limit does not inherit it.
"""

from __future__ import annotations

import ctypes
import heapq
import itertools
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType, TracebackType

from scraper.errors import ExtractionTimeout

# How long the watchdog waits before trying again when the limited thread is leaving a limit:
# an exception raised at that instant would escape the ``with`` statement.
_RETRY = 0.001
# The watchdog drops the deadlines of finished blocks once its heap holds this many (or, after a
# pruning, twice as many as were left).
_PRUNE_AT = 256

_raise_async = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.py_object)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi)
)
_withdraw_async = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi)
)


class _Expired(BaseException):
    """Raised by the watchdog. A BaseException, so that libraries' ``except Exception`` blocks
    (trafilatura has several) cannot swallow it; turned into ``error`` where the limit was set.
    Each limit raises its own subclass, so that nested limits tell theirs apart."""

    limit: _TimeLimit

    def __new__(cls, *args: object) -> BaseException:
        # Python 3.12+ makes the exception where it is delivered, and 3.13+ delivers it one
        # checkpoint late: possibly on entering this limit's own __exit__, just after the block
        # ended, where nothing can catch it. There, raise ``error`` itself.
        caller = sys._getframe(1)
        if caller.f_code is _EXIT and caller.f_locals.get("self") is cls.limit:
            return cls.limit._close_late()
        return super().__new__(cls, *args)


class _ThreadLimits:
    """The limits of one thread: the innermost open one, and whose exception was raised last."""

    __slots__ = ("ident", "last", "top")

    def __init__(self, ident: int) -> None:
        self.ident = ident
        self.top: _Deadline | None = None
        self.last: _Deadline | None = None


class _Deadline:
    """One open limit. ``live`` turns False when its block ends; ``parent`` is the enclosing one."""

    __slots__ = ("at", "expired", "limits", "live", "parent")

    def __init__(self, at: float, expired: type[_Expired], limits: _ThreadLimits) -> None:
        self.at = at
        self.expired = expired
        self.limits = limits
        self.parent = limits.top
        self.live = True

    def close(self) -> None:
        """End this limit and any inner one whose exit was skipped."""
        self.live = False
        self.limits.top = self.parent


_local = threading.local()


def _thread_limits() -> _ThreadLimits:
    try:
        return _local.limits
    except AttributeError:
        _local.limits = limits = _ThreadLimits(threading.get_ident())
        return limits


class _Watchdog:
    """The thread that raises expired limits, fed through a queue."""

    def __init__(self) -> None:
        self._inbox: queue.SimpleQueue[_Deadline] = queue.SimpleQueue()
        threading.Thread(target=self._run, name="scraper-time-limit", daemon=True).start()

    def arm(self, deadline: _Deadline) -> None:
        self._inbox.put(deadline)

    def _run(self) -> None:
        heap: list[tuple[float, int, _Deadline]] = []
        order = itertools.count()
        prune_at = _PRUNE_AT
        while True:
            wait = heap[0][0] - time.monotonic() if heap else None
            if wait is None or wait > 0:
                try:
                    deadline = self._inbox.get(timeout=wait)
                except queue.Empty:
                    continue
                heapq.heappush(heap, (deadline.at, next(order), deadline))
                if len(heap) >= prune_at:
                    heap = [entry for entry in heap if entry[2].live]
                    heapq.heapify(heap)
                    prune_at = max(_PRUNE_AT, 2 * len(heap))
                continue
            _, _, deadline = heapq.heappop(heap)
            if not _fire(deadline):
                heapq.heappush(heap, (time.monotonic() + _RETRY, next(order), deadline))


def _fire(deadline: _Deadline) -> bool:
    """Raise ``deadline``'s exception in its thread if its block is still open; False to try again."""
    limits = deadline.limits
    top = limits.top
    scope = top
    while scope is not None and scope is not deadline:
        scope = scope.parent
    if scope is None or not deadline.live:
        return True  # its block (or an enclosing one) has ended
    frames = sys._current_frames()
    if limits.ident not in frames:
        return True  # the thread has gone
    frame = frames[limits.ident]
    if frame.f_code is _EXIT or (frame.f_back is not None and frame.f_back.f_code is _EXIT):
        return False  # leaving a limit: raised now, the exception would escape the ``with``
    # From this test to the call there is no bytecode checkpoint, so the limited thread cannot run
    # in between: it runs only when this thread reaches a checkpoint and yields the GIL.
    if deadline.live and limits.top is top:
        limits.last = deadline
        _raise_async(limits.ident, deadline.expired)
        return True
    return False


_watchdog: _Watchdog | None = None
_watchdog_lock = threading.Lock()


def _get_watchdog() -> _Watchdog:
    global _watchdog
    if _watchdog is None:
        with _watchdog_lock:
            if _watchdog is None:
                _watchdog = _Watchdog()
    return _watchdog


def _forget_watchdog() -> None:
    """In a forked child: the parent's watchdog thread did not come along, and its lock may be held."""
    global _watchdog, _watchdog_lock
    _watchdog = None
    _watchdog_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_watchdog)


class _TimeLimit:
    """The context manager :func:`time_limit` returns; single use, like a ``contextmanager``."""

    def __init__(self, seconds: float | None, what: str, error: Callable[[str], BaseException]) -> None:
        self._seconds = seconds
        self._what = what
        self._error = error
        self._deadline: _Deadline | None = None
        self._entered = False
        self._alarm: type[_Expired] | None = None
        self._late = False  # the alarm went off during __exit__

    def _expired_error(self) -> BaseException:
        return self._error(f"{self._what} took longer than {self._seconds:g} s; the page was given up")

    def _close_late(self) -> BaseException:
        """Close the limit whose exception arrived as its ``__exit__`` began; the error to raise."""
        assert self._deadline is not None
        self._deadline.close()
        self._deadline.limits.last = None
        return self._expired_error()

    def __enter__(self) -> None:
        if self._entered:
            raise RuntimeError("a time_limit() can be entered only once; make a new one")
        self._entered = True
        if not self._seconds:
            return
        expired = type("_Expired", (_Expired,), {"__module__": __name__, "limit": self})
        if _alarm_is_free():
            if self._seconds < _MIN_ALARM:
                # Shorter than entering and leaving the block take: the alarm would go off before
                # the block could run, where no handler of the block could see it.
                raise self._expired_error()
            self._alarm = expired

            def on_alarm(_signum: int, frame: FrameType | None) -> None:
                # Raised only inside the block: an alarm that lands in __enter__ (a limit so short
                # it expired on the way in) fires again at once, inside it; one that lands in
                # __exit__ is recorded there, as the block did run over.
                code = frame.f_code if frame is not None else None
                if code is _ENTER:
                    signal.setitimer(signal.ITIMER_REAL, _REFIRE)
                    return
                if code is _EXIT:
                    self._late = True
                    return
                raise expired

            signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self._seconds)
            return
        limits = _thread_limits()
        deadline = self._deadline = _Deadline(time.monotonic() + self._seconds, expired, limits)
        limits.top = deadline
        try:
            _get_watchdog().arm(deadline)
        except expired:  # a limit so short that it expired on the way in
            deadline.close()
            raise self._expired_error() from None
        except BaseException:  # an enclosing limit expired on the way in: this block will not run
            deadline.close()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._alarm is not None:
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
            except self._alarm:  # it fired just as the block ended: the block did run over
                exc_type = self._alarm
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            if exc_type is self._alarm or self._late:
                raise self._expired_error() from None
            return
        deadline = self._deadline
        if deadline is None:
            return
        # First, with no checkpoint before the withdrawal (so inline, not deadline.close(): a call
        # is one): close this block and any inner one whose exit was skipped, then withdraw an
        # exception raised just as the block ended (delivery can lag on some Python versions).
        deadline.live = False
        limits = deadline.limits
        limits.top = deadline.parent
        if limits.last is deadline:
            _withdraw_async(limits.ident, None)
            limits.last = None
        if exc_type is deadline.expired:
            raise self._expired_error() from None


_EXIT = _TimeLimit.__exit__.__code__
_ENTER = _TimeLimit.__enter__.__code__
# The shortest limit the alarm is set for, and the delay after which an alarm that went off inside
# __enter__ goes off again, inside the block: far longer than __enter__'s last steps take.
_MIN_ALARM = 1e-3
_REFIRE = _MIN_ALARM


def _alarm_is_free() -> bool:
    """Whether this thread may use SIGALRM: the main thread, and no one (a host, or an enclosing
    limit) holds the signal or runs an interval timer."""
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) is signal.SIG_DFL
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )


def time_limit(
    seconds: float | None,
    what: str = "cleaning the page",
    *,
    error: Callable[[str], BaseException] = ExtractionTimeout,
) -> _TimeLimit:
    """Raise ``error`` (:class:`ExtractionTimeout`) if the ``with`` block runs longer than ``seconds``.

    ``None`` or 0 means no limit. Works in any thread. Limits nest: each is enforced, and the one
    that expires first ends the block it was set on, with its own message.
    """
    return _TimeLimit(seconds, what, error)
