"""Worker processes for the batch pools: they die with their parent, and a page stuck in C code is
ended from outside, by killing its worker.

Two gaps a bare :class:`~concurrent.futures.ProcessPoolExecutor` leaves:

- Killed with SIGKILL, a parent runs no cleanup: its workers, blocked on their call queue, were
  re-parented to init and held the killed job's stdout and stderr open forever (and, for spawned
  pools, kept the multiprocessing resource tracker alive). Each worker now asks Linux to kill it
  when its parent dies (``PR_SET_PDEATHSIG``) and, on every platform, watches its parent from a
  thread and exits when it is gone.
- The per-page time limit (:mod:`scraper.extract.timelimit`) acts only between bytecodes, so a
  page stuck inside the C parser overran it without bound. Each worker now notes in shared memory
  which page it is on, since when, and under what limit; the pool's watchdog thread kills a worker
  still on one page :data:`GRACE` seconds past its limit. The pool breaks as for a crash, and
  :attr:`WorkerPool.timed_out` says which page was to blame.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from multiprocessing.context import BaseContext
from typing import Any, ParamSpec, TypeVar

from scraper.errors import ExtractionTimeout

GRACE = 2.0  # seconds past a page's own limit before its worker is killed from outside
PARENT_POLL = 0.5  # how often a worker checks that its parent is still alive
WATCH_EVERY = 0.25  # how often the pool's watchdog looks at what its workers are doing
_FIELDS = 4  # per worker slot: pid, page token, start (time.monotonic, 0 when idle), limit
_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)
_PR_SET_PDEATHSIG = 1

P = ParamSpec("P")
R = TypeVar("R")

# In a worker process: its slot in the shared array, once the initializer has run.
_slot: tuple[Any, int] | None = None


def timeout_error(limit: float) -> ExtractionTimeout:
    """The error of a page whose worker was killed because it overran ``limit`` seconds."""
    return ExtractionTimeout(
        f"cleaning the page took longer than {limit:g} s and it could not be stopped (stuck in the"
        f" HTML parser?): its worker process was killed after {limit + GRACE:g} s"
    )


class WorkerPool:
    """A process pool whose workers die with this process, and, with ``watch``, whose workers are
    killed when one page runs :data:`GRACE` seconds past its limit (see :func:`watched`)."""

    def __init__(self, jobs: int, *, context: BaseContext | None = None, watch: bool = False) -> None:
        context = context or multiprocessing.get_context()
        self._slots = context.RawArray(ctypes.c_double, jobs * _FIELDS)
        counter = context.Value(ctypes.c_int, 0)
        # Linux sends the death signal when the *thread* that started a worker ends: only the main
        # thread is sure to live as long as the pool (elsewhere the parent watch alone serves).
        deathsig = threading.current_thread() is threading.main_thread()
        self.executor = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self._slots, counter, os.getpid(), deathsig),
        )
        self.timed_out: dict[int, float] = {}  # page token -> the limit it overran
        self._watch = watch
        self._stop = threading.Event()
        self._watchdog: threading.Thread | None = None

    def submit(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        future = self.executor.submit(fn, *args, **kwargs)
        if self._watch and self._watchdog is None:
            # Started after the first submit, which forks the workers of a fork pool: forking
            # while a thread of ours runs is what Python 3.12+ warns about.
            self._watchdog = threading.Thread(target=self._run_watchdog, name="scraper-watch", daemon=True)
            self._watchdog.start()
        return future

    def map(self, fn: Callable[..., R], *iterables: Any, chunksize: int = 1) -> Iterator[R]:
        return self.executor.map(fn, *iterables, chunksize=chunksize)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = True) -> None:
        """Stop the workers; the watchdog stays on until they have stopped (one may be stuck)."""
        try:
            self.executor.shutdown(wait=wait, cancel_futures=cancel_futures)
        finally:
            self._stop.set()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    def _run_watchdog(self) -> None:
        while not self._stop.wait(WATCH_EVERY):
            self.kill_overdue()

    def kill_overdue(self) -> list[int]:
        """Kill every worker that is past its page's limit plus :data:`GRACE`; their page tokens."""
        slots = self._slots
        now = time.monotonic()
        killed = []
        for base in range(0, len(slots), _FIELDS):
            started = slots[base + 2]
            if not started:
                continue
            pid, token, limit = int(slots[base]), int(slots[base + 1]), slots[base + 3]
            if slots[base + 2] != started or now - started <= limit + GRACE:
                continue  # the worker moved on to another page while we read, or is in time
            ours = getattr(self.executor, "_processes", None)  # pid -> process, while the pool runs
            if ours is not None and pid not in ours:
                continue  # it died on its own (its pid may be someone else's by now)
            self.timed_out[token] = limit
            slots[base + 2] = 0.0  # once is enough
            killed.append(token)
            with suppress(ProcessLookupError):
                os.kill(pid, _KILL)
        return killed


@contextmanager
def watched(token: int, limit: float | None) -> Iterator[None]:
    """In a worker of a :class:`WorkerPool`: the page ``token`` is being cleaned under ``limit``
    seconds (a no-op elsewhere, or without a limit)."""
    if _slot is None or not limit:
        yield
        return
    slots, base = _slot
    slots[base + 2] = 0.0  # the pool's watchdog never reads a half-written slot as busy
    slots[base + 1] = float(token)
    slots[base + 3] = float(limit)
    slots[base + 2] = time.monotonic()
    try:
        yield
    finally:
        slots[base + 2] = 0.0


def _init_worker(slots: Any, counter: Any, owner: int, deathsig: bool) -> None:
    """Runs first in every worker: die with the parent, and take a slot to report pages in."""
    global _slot
    parent = os.getppid()
    if deathsig and sys.platform == "linux":
        _die_with_parent()
    if not _alive(owner):  # the parent died before the death signal was asked for
        os._exit(1)
    watch = threading.Thread(target=_watch_parent, args=(owner, parent), name="scraper-orphan", daemon=True)
    watch.start()
    with counter.get_lock():
        index = counter.value
        counter.value += 1
    if index < len(slots) // _FIELDS:
        base = index * _FIELDS
        slots[base] = float(os.getpid())
        _slot = (slots, base)


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies: it works even while this process
    is stuck in C code holding the GIL, where the watching thread cannot run."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # no prctl: the watching thread still ends an orphan


def _watch_parent(owner: int, parent: int) -> None:
    """Exit once the pool's owner is gone or this process was re-parented (macOS, other Unixes)."""
    while True:
        time.sleep(PARENT_POLL)
        if os.getppid() != parent or not _alive(owner):
            os._exit(1)


def _alive(pid: int) -> bool:
    if os.name == "nt":
        return True  # signal 0 would be CTRL_C_EVENT there; the parent's pid is watched instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, but belongs to someone else
        return True
    return True
