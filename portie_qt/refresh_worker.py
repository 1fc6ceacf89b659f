"""The refresh loop: a QThread that collects a snapshot every few seconds.

Results leave the thread only through one signal carrying one frozen `Refresh`. The
collector is this computer's `Collector` or a remote host's `RemoteCollector`: one
worker per host shown, so a slow or dead host never holds up this computer's loop. The
worker also makes what the table shows for new and changed rows (`core.display`) and
the activity events, so the UI thread only applies them.

Python's cycle collector, when it runs a full pass, walks every tracked object with the
GIL held: at 10,000 sockets (endpoints are tuple subclasses, always tracked) that was a
20-60 ms stall of the window every minute or so. What a refresh leaves alive lives until
the next one, and holds no reference cycles, so the worker freezes it (`gc.freeze`):
collections then walk only what is new since the last refresh.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Mapping
from typing import NamedTuple

from PySide6.QtCore import QThread, Signal

from portie_qt.core.collector import Collector
from portie_qt.core.confirm import Confirmer
from portie_qt.core.display import Row, display_rows, labelled_rows
from portie_qt.core.endpoints import Diff, Snapshot, diff
from portie_qt.core.filtering import FilterCriteria, band_counts
from portie_qt.core.ranges import Band

DEFAULT_INTERVAL_MS = 3000
LABELS_AT_THE_LATEST_S = 2.0  # the first rows' service labels, if the window never asks


class Refresh(NamedTuple):
    """One refresh's result, ready for the UI thread to apply (a named tuple: see
    `FilterCriteria`)."""

    snapshot: Snapshot
    diff: Diff
    criteria: FilterCriteria  # the criteria `counts` were computed with
    counts: dict[Band, int]
    listening: int  # listening sockets (TCP LISTEN and bound UDP) among all endpoints
    error: str = ""
    requested: bool = False  # asked for (first refresh, Refresh Now), not the timer
    epoch: int = 0  # the worker's epoch when it collected (see `RefreshWorker.restart`)
    connection: str = ""  # remote hosts: CONNECTING, CONNECTED or DISCONNECTED
    containers_notice: str = ""  # why container owners cannot be shown ('' says nothing)
    # The table's rows for every added and changed endpoint, made here so the UI thread
    # only looks them up (None: the table makes them itself).
    rows: Mapping[tuple, Row] | None = None
    # The activity events of this refresh (none for the first), made here too.
    events: list | None = None  # of core.activity.Event
    made_at: float = 0.0  # time.perf_counter() when it left the worker
    # Only `rows`, for endpoints already shown: the port data arrived after the first
    # refresh, and these rows' Service cells now say what their port is.
    relabel: bool = False


CONNECTING, CONNECTED, DISCONNECTED = "connecting", "connected", "disconnected"


class RefreshWorker(QThread):
    """Collects a snapshot every `interval_ms` and emits `refreshed(Refresh)`.

    Stopping is a flag plus a wake-up, then `wait()` (the Qt mandelbrot example's
    shape), so closing the window never waits for a full interval.
    """

    refreshed = Signal(object)

    def __init__(self, interval_ms: int = DEFAULT_INTERVAL_MS, parent=None,
                 collector=None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("RefreshWorker")
        self._interval = interval_ms / 1000
        self._wake = threading.Event()
        self._stopping = False
        self._paused = False
        self._refresh_asked = False
        self._labelled = False  # the port data is loaded: rows carry their service label
        self._labels_wanted = threading.Event()  # the window has painted the first rows
        self._lock = threading.Lock()
        self._criteria = FilterCriteria()
        self._previous: Snapshot | None = None
        self._epoch = 0
        self.collector = collector if collector is not None else Collector()
        self.host = getattr(self.collector, "host_name", "")  # "" for this computer
        # This computer's container engine names the owners of its published ports (made
        # by the first refresh, in this thread: it loads the engine's HTTP client).
        self.containers = None
        # Every absence and owner change is confirmed before it reaches the table, the
        # activity log, notifications and watched ports.
        self.confirmer = Confirmer(self.collector)

    # -- called from the UI thread ----------------------------------------------------
    def set_interval_ms(self, interval_ms: int, refresh: bool = True) -> None:
        """Refresh every ``interval_ms`` from now on; with ``refresh``, once at once too."""
        self._interval = max(0.2, interval_ms / 1000)
        self._wake_up(refresh)

    def set_criteria(self, criteria: FilterCriteria) -> None:
        with self._lock:
            self._criteria = criteria

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        if not paused:
            self._wake_up(refresh=True)

    @property
    def paused(self) -> bool:
        return self._paused

    def refresh_now(self) -> None:
        retry_now = getattr(self.collector, "retry_now", None)
        if retry_now is not None:  # a disconnected host: try again now, not after back-off
            retry_now()
        self._wake_up(refresh=True)

    def restart(self, epoch: int) -> None:
        """Forget the last snapshot: the next refresh lists every endpoint as added, and
        carries ``epoch``. A refresh collected before this call is never emitted."""
        with self._lock:
            self._epoch = epoch
            self._previous = None
            self.confirmer = Confirmer(self.collector)  # a new baseline, nothing held over
        retry_now = getattr(self.collector, "retry_now", None)
        if retry_now is not None:  # shown again: no back-off left over from last time
            retry_now()
        self._wake_up(refresh=True)

    def want_labels(self) -> None:
        """The first rows are on screen: their service labels may come now."""
        self._labels_wanted.set()

    def request_stop(self) -> None:
        """Ask the loop to end without waiting (a remote command in flight is cut short)."""
        self._stopping = True
        self._labels_wanted.set()
        cancel = getattr(self.collector, "cancel", None)
        if cancel is not None:
            cancel()
        self._wake.set()

    def stop(self, timeout_ms: int = 5000) -> bool:
        """Ask the loop to end and wait for it; True when the thread has finished."""
        self.request_stop()
        return self.wait(timeout_ms)

    def _wake_up(self, refresh: bool) -> None:
        if refresh:
            self._refresh_asked = True
        self._wake.set()

    # -- the thread ---------------------------------------------------------------------
    def run(self) -> None:
        forced = True  # the first refresh happens at once
        # A wake-up asked for before the loop started (a new interval, Refresh Now) is
        # served by that first refresh, not by a second one straight after it.
        self._wake.clear()
        self._refresh_asked = False
        gc.freeze()  # the modules and the window: long-lived, never garbage
        while not self._stopping:
            if forced or not self._paused:
                self._refresh_once(requested=forced)
                gc.freeze()  # what the refresh left alive is long-lived too
            forced = self._sleep()

    def _sleep(self) -> bool:
        """Wait one interval; True when a refresh was asked for meanwhile. A new interval
        alone starts the wait again, with that interval."""
        while True:
            woken = self._wake.wait(self._interval)
            self._wake.clear()
            if not woken or self._stopping:
                return False
            if self._refresh_asked:
                self._refresh_asked = False
                return True

    def _refresh_once(self, requested: bool) -> None:
        with self._lock:
            epoch, previous, confirmer = self._epoch, self._previous, self.confirmer
        try:
            snapshot = confirmer.collect()
            if self.containers is None and not self.host and _engine_here():
                from portie_qt.core.containers import ContainerOwners

                self.containers = ContainerOwners()
            if self.containers is not None:  # asked here, once per refresh, off the UI thread
                snapshot = self.containers.annotate(snapshot)
        except Exception as exc:
            # Keep the last good rows on screen and say what went wrong.
            from portie_qt.core.remote import RemoteError

            if isinstance(exc, RemoteError):
                message = str(exc)
            else:
                message = f"Refresh failed: {exc}. Showing the last good data."
            shown = previous or Snapshot(endpoints=(), taken_at=time.time(), host=self.host)
            self._emit(epoch, shown, Diff({}, {}, {}), requested, message, DISCONNECTED)
            return
        change = diff(previous, snapshot)
        # Everything the table shows for new and changed rows, made here so the UI thread
        # only looks it up. The first refresh goes out without service labels: the rows
        # need not wait for the port data, which is loaded right after (`relabel`).
        unlabelled = not self._labelled
        rows = display_rows(change, labelled=not unlabelled)
        events = []
        if previous is not None:  # the first snapshot is the baseline, not news
            from portie_qt.core.activity import events_from_diff  # not needed before

            events = events_from_diff(change, snapshot.taken_at)
        with self._lock:
            if epoch != self._epoch:
                return  # restarted meanwhile: this diff is against a forgotten snapshot
            self._previous = snapshot
        self._emit(epoch, snapshot, change, requested, "", CONNECTED, rows, events)
        if unlabelled:
            self._labelled = True
            # The window says when its table is filled and painted: this thread's Python
            # work meanwhile would slow every Python call of that paint (one GIL).
            self._labels_wanted.wait(LABELS_AT_THE_LATEST_S)
            if self._stopping:
                return
            labelled = labelled_rows(snapshot)
            with self._lock:
                current = epoch == self._epoch
            if current:  # sent even when empty: the window builds its other parts next
                self._emit(epoch, snapshot, Diff({}, {}, {}), False, "", CONNECTED, labelled,
                           [], relabel=True)  # fmt: skip

    def _emit(self, epoch, snapshot, change, requested, error, connection, rows=None,
              events=None, relabel=False) -> None:  # fmt: skip
        with self._lock:
            criteria = self._criteria
        counts = band_counts(snapshot.endpoints, criteria)
        listening = sum(1 for e in snapshot.endpoints if e.listening)
        if self._stopping:
            return
        notice = self.containers.notice if self.containers is not None else ""
        self.refreshed.emit(Refresh(snapshot, change, criteria, counts, listening, error,
                                    requested, epoch, connection if self.host else "",
                                    notice, rows, events, time.perf_counter(),
                                    relabel))  # fmt: skip


def _engine_here() -> bool:
    """A container engine is configured or its socket exists (checked each refresh until
    one is: an engine started later is found). Until then the container code, 8 ms to
    import, stays unloaded: it is in the first refresh's way to the first rows."""
    from portie_qt.core import engine

    return engine.discover() is not None
