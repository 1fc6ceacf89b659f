"""The refresh loop: a QThread that collects a snapshot every few seconds.

Results leave the thread only through one signal carrying one frozen `Refresh`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from PySide6.QtCore import QThread, Signal

from portie_qt.core.collector import Collector
from portie_qt.core.endpoints import Diff, Snapshot, diff
from portie_qt.core.filtering import FilterCriteria, band_counts
from portie_qt.core.ranges import Band

DEFAULT_INTERVAL_MS = 3000


@dataclass(frozen=True)
class Refresh:
    """One refresh's result, ready for the UI thread to apply."""

    snapshot: Snapshot
    diff: Diff
    criteria: FilterCriteria  # the criteria `counts` were computed with
    counts: dict[Band, int]
    listening: int  # listening sockets (TCP LISTEN and bound UDP) among all endpoints
    error: str = ""
    requested: bool = False  # asked for (first refresh, Refresh Now), not the timer


class RefreshWorker(QThread):
    """Collects a snapshot every `interval_ms` and emits `refreshed(Refresh)`.

    Stopping is a flag plus a wake-up, then `wait()` (the Qt mandelbrot example's
    shape), so closing the window never waits for a full interval.
    """

    refreshed = Signal(object)

    def __init__(self, interval_ms: int = DEFAULT_INTERVAL_MS, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("RefreshWorker")
        self._interval = interval_ms / 1000
        self._wake = threading.Event()
        self._stopping = False
        self._paused = False
        self._lock = threading.Lock()
        self._criteria = FilterCriteria()
        self._previous: Snapshot | None = None
        self.collector = Collector()

    # -- called from the UI thread ----------------------------------------------------
    def set_interval_ms(self, interval_ms: int) -> None:
        self._interval = max(0.2, interval_ms / 1000)
        self._wake.set()

    def set_criteria(self, criteria: FilterCriteria) -> None:
        with self._lock:
            self._criteria = criteria

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        if not paused:
            self._wake.set()

    @property
    def paused(self) -> bool:
        return self._paused

    def refresh_now(self) -> None:
        self._wake.set()

    def stop(self, timeout_ms: int = 5000) -> bool:
        """Ask the loop to end and wait for it; True when the thread has finished."""
        self._stopping = True
        self._wake.set()
        return self.wait(timeout_ms)

    # -- the thread ---------------------------------------------------------------------
    def run(self) -> None:
        forced = True  # the first refresh happens at once
        # A wake-up asked for before the loop started (a new interval, Refresh Now) is
        # served by that first refresh, not by a second one straight after it.
        self._wake.clear()
        while not self._stopping:
            if forced or not self._paused:
                self._refresh_once(requested=forced)
            forced = False
            woken = self._wake.wait(self._interval)
            self._wake.clear()
            forced = woken and not self._stopping

    def _refresh_once(self, requested: bool) -> None:
        try:
            snapshot = self.collector.collect()
        except Exception as exc:
            # Keep the last good rows on screen and say what went wrong.
            previous = self._previous
            if previous is None:
                return
            empty = Diff({}, {}, {})
            with self._lock:
                criteria = self._criteria
            counts = band_counts(previous.endpoints, criteria)
            message = f"Refresh failed: {exc}. Showing the last good data."
            listening = sum(1 for e in previous.endpoints if e.listening)
            self.refreshed.emit(
                Refresh(previous, empty, criteria, counts, listening, message, requested)
            )
            return
        change = diff(self._previous, snapshot)
        for endpoint in change.added.values():
            # Look the service labels up here (the first one loads the port data), so the
            # UI thread's paint only meets warm caches.
            endpoint.service  # noqa: B018
        self._previous = snapshot
        with self._lock:
            criteria = self._criteria
        counts = band_counts(snapshot.endpoints, criteria)
        listening = sum(1 for e in snapshot.endpoints if e.listening)
        if not self._stopping:
            self.refreshed.emit(
                Refresh(snapshot, change, criteria, counts, listening, requested=requested)
            )
