"""The one way to run work off the UI thread: ``run_in_pool(pool, fn, *args)``.

The returned `Job` emits ``finished(result)`` or ``failed(message)`` on the UI thread;
a failure is a sentence for the user, never an exception object to inspect. Two pools
serve the app: `background_pool()` for short reads and writes, and a one-thread
`serial_pool()` per owner for work that must stay in order (the activity log).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)
_BACKGROUND_THREADS = 4  # a terminate waits up to 3 s: keep room for details and exports
_running: set[Job] = set()  # keeps each Job alive until it has delivered


class Job(QObject):
    """One call running on a pool. Connect to its signals before the event loop runs again."""

    finished = Signal(object)  # the call's return value
    failed = Signal(str)  # a sentence saying what went wrong
    progressed = Signal(object)  # what a long call reports on the way (see run_in_pool)
    _delivered = Signal(bool, object)  # from the pool thread: (ok, result or sentence)

    def __init__(self) -> None:
        super().__init__()  # created on the UI thread, so _on_delivered runs there
        self._delivered.connect(self._on_delivered)

    @Slot(bool, object)
    def _on_delivered(self, ok: bool, payload: object) -> None:
        # The public signals are emitted here, on the UI thread, so every slot has run
        # before the last reference to this Job is dropped.
        try:
            if ok:
                self.finished.emit(payload)
            else:
                self.failed.emit(str(payload))
        finally:
            _running.discard(self)


class _Runnable(QRunnable):
    def __init__(self, job: Job, call: Callable[[], object]) -> None:
        super().__init__()
        self._job, self._call = job, call

    def run(self) -> None:
        try:
            result = self._call()
        except Exception as exc:  # reported as a sentence, and logged with its traceback
            log.exception("background job failed")
            self._job._delivered.emit(False, _sentence(exc))
            return
        self._job._delivered.emit(True, result)


def _sentence(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def run_in_pool(pool: QThreadPool, fn: Callable, *args, progress: bool = False) -> Job:
    """Run ``fn(*args)`` on ``pool``; the result arrives through the Job's signals.

    With ``progress=True`` the call is ``fn(report, *args)``: each ``report(value)`` reaches
    the UI thread as ``progressed(value)``, before ``finished``.
    """
    job = Job()
    _running.add(job)
    call = (lambda: fn(job.progressed.emit, *args)) if progress else (lambda: fn(*args))
    pool.start(_Runnable(job, call))
    return job


def background_pool() -> QThreadPool:
    """The shared pool for short jobs (process details, exports, licence reads)."""
    pool = QThreadPool.globalInstance()
    if pool.maxThreadCount() < _BACKGROUND_THREADS:
        pool.setMaxThreadCount(_BACKGROUND_THREADS)
    return pool


def serial_pool(parent: QObject) -> QThreadPool:
    """A one-thread pool owned by ``parent``: its jobs run one at a time, in order."""
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(1)
    return pool
