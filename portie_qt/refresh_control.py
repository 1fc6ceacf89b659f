"""The refresh loop's controls: Refresh Now, Pause, the interval, and the workers behind them.

This computer's worker lives as long as the window. Showing a remote host starts a
worker of its own for that host (and pauses this computer's), so a host that is slow or
gone never holds up the local loop; going back stops the host's worker without waiting
for it and wakes the local one at once.

While the window is hidden (closed to the tray) or minimized, nobody looks at the table:
the loop refreshes every `HIDDEN_INTERVAL_MS` instead, which keeps the tray's watched
ports and new-listener notifications current at a fraction of the CPU, and refreshes at
once when the window is shown again.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QSettings, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from portie_qt import style
from portie_qt.core.endpoints import Diff, Snapshot
from portie_qt.core.filtering import FilterCriteria, band_counts
from portie_qt.refresh_worker import CONNECTING, DEFAULT_INTERVAL_MS, Refresh, RefreshWorker
from portie_qt.settings import read_int

INTERVAL_KEY = "refresh/interval_ms"
INTERVALS_MS = (1000, 3000, 5000, 10000, 30000)
HIDDEN_INTERVAL_MS = 15_000
_VISIBILITY_EVENTS = (QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.WindowStateChange)


class RefreshControl(QObject):
    """Owns the `RefreshWorker`s (this computer's, and the shown host's) and the actions
    that steer them. ``worker`` is always this computer's."""

    refreshed = Signal(object)  # Refresh of the host shown, straight from its worker
    paused_changed = Signal(bool)

    def __init__(self, settings: QSettings, parent=None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.interval_ms = read_int(settings, INTERVAL_KEY, DEFAULT_INTERVAL_MS, 500, 600000)
        self.worker = RefreshWorker(self.interval_ms)
        self.worker.refreshed.connect(self._on_worker_refreshed)
        self.current = self.worker  # the worker of the host shown
        self._epoch = 0  # refreshes of an older epoch describe a host no longer shown
        self._paused = False
        self._criteria = FilterCriteria()
        self._shown: Snapshot | None = None  # what the table holds now
        self._ending: set[RefreshWorker] = set()  # remote workers on their way out
        self._window: QWidget | None = None
        self.refresh_action = QAction("&Refresh Now", self, objectName="actionRefresh")
        self.refresh_action.setShortcuts([QKeySequence("F5"), QKeySequence("Ctrl+R")])
        self.refresh_action.triggered.connect(self.refresh_now)
        self.pause_action = QAction("&Pause Updates", self, objectName="actionPause")
        self.pause_action.setCheckable(True)
        self.pause_action.setShortcut(QKeySequence("Ctrl+P"))
        self.pause_action.toggled.connect(self.set_paused)
        style.set_action_icon(self.refresh_action, "refresh")
        style.set_action_icon(self.pause_action, "pause")
        self.interval_actions: dict[int, QAction] = {}
        self.hidden = False

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def host(self) -> str:
        """The remote host shown ("" for this computer)."""
        return self.current.host

    def interval_menu(self, parent) -> QMenu:
        """View → Refresh Interval: one checkable entry per interval."""
        menu = QMenu("Refresh &Interval", parent, objectName="intervalMenu")
        for ms in INTERVALS_MS:
            act = menu.addAction(f"Every {ms // 1000} s")
            act.setCheckable(True)
            act.setChecked(ms == self.interval_ms)
            act.triggered.connect(lambda _=False, ms=ms: self.set_interval(ms))
            self.interval_actions[ms] = act
        return menu

    def start(self) -> None:
        """Start the loop (first refresh at once)."""
        if not self.current.isRunning():
            self.current.start()

    def stop(self) -> None:
        """Stop every worker (window closing); each waits at most a few seconds."""
        workers = [self.worker, self.current, *self._ending]
        for worker in workers:
            worker.request_stop()
        for worker in dict.fromkeys(workers):
            worker.wait(5000)
        close = getattr(self.current.collector, "close", None)
        if close is not None:  # the shown host's shared SSH connection (others time out)
            close()

    def set_host(self, host) -> None:
        """Show ``host`` (a `RemoteHost`) or, for None, this computer.

        The table is emptied at once (one refresh saying "Connecting…"), then filled by
        the new worker's first refresh. Never waits for the worker that is let go.
        """
        name = "" if host is None else host.name
        if name == self.current.host:
            return
        self._epoch += 1
        old = self.current
        if old is self.worker:
            old.set_paused(True)
        else:
            self._let_go(old)
        if host is None:
            new = self.worker
        else:
            new = RefreshWorker(self._running_interval(), collector=host.collector)
            new.setObjectName(f"RefreshWorker {name}")
            new.refreshed.connect(self._on_worker_refreshed)
        self.current = new
        new.set_criteria(self._criteria)
        new.restart(self._epoch)
        self._clear_table(name)
        new.set_paused(self._paused)
        if new.isRunning():
            new.refresh_now()  # its first refresh even while paused, as at start-up
        elif old.isRunning() or old is not self.worker:
            new.start()

    def _let_go(self, worker: RefreshWorker) -> None:
        worker.refreshed.disconnect(self._on_worker_refreshed)
        self._ending.add(worker)
        worker.finished.connect(lambda: self._ending.discard(worker))
        # Ends its ssh command at once; the host's shared connection stays up for a minute
        # (ControlPersist), so coming back to the host is quick.
        worker.request_stop()

    def _clear_table(self, name: str) -> None:
        shown = self._shown
        removed = dict(shown.keyed()) if shown is not None else {}
        empty = Snapshot(endpoints=(), taken_at=time.time(), host=name)
        self._shown = empty
        what = f"Connecting to {name}…" if name else "Reading this computer's ports…"
        self.refreshed.emit(Refresh(empty, Diff({}, removed, {}), self._criteria,
                                    band_counts((), self._criteria), 0, what, True, self._epoch,
                                    CONNECTING if name else ""))  # fmt: skip

    @Slot(object)
    def _on_worker_refreshed(self, refresh: Refresh) -> None:
        if refresh.epoch != self._epoch:
            return  # collected for a host (or a table) that is no longer shown
        self._shown = refresh.snapshot
        self.refreshed.emit(refresh)

    @Slot()
    def refresh_now(self) -> None:
        self.current.refresh_now()

    @Slot()
    def want_labels(self) -> None:
        """The table shows its first rows: their service labels may follow."""
        self.current.want_labels()

    def set_criteria(self, criteria: FilterCriteria) -> None:
        self._criteria = criteria
        self.current.set_criteria(criteria)

    @Slot(bool)
    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        self.current.set_paused(paused)
        self.pause_action.setChecked(paused)
        self.pause_action.setText("&Resume Updates" if paused else "&Pause Updates")
        style.set_action_icon(self.pause_action, "resume" if paused else "pause")
        self.paused_changed.emit(paused)

    def set_interval(self, interval_ms: int) -> None:
        self.interval_ms = interval_ms
        self.worker.set_interval_ms(self._running_interval())
        if self.current is not self.worker:
            self.current.set_interval_ms(self._running_interval())
        for ms, act in self.interval_actions.items():
            act.setChecked(ms == interval_ms)

    def follow(self, window: QWidget) -> None:
        """Refresh less often while ``window`` is hidden or minimized."""
        self._window = window
        window.installEventFilter(self)

    def set_hidden(self, hidden: bool) -> None:
        if hidden != self.hidden:
            self.hidden = hidden
            # Shown again: refresh at once, the table has been waiting.
            self.current.set_interval_ms(self._running_interval(), refresh=not hidden)
            if self.current is not self.worker:  # paused meanwhile; in step for coming back
                self.worker.set_interval_ms(self._running_interval(), refresh=False)

    def eventFilter(self, watched, event) -> bool:  # Qt override
        if event.type() in _VISIBILITY_EVENTS and watched is self._window:
            self.set_hidden(not watched.isVisible() or watched.isMinimized())
        return False

    def _running_interval(self) -> int:
        return max(self.interval_ms, HIDDEN_INTERVAL_MS) if self.hidden else self.interval_ms

    def save(self) -> None:
        self._settings.setValue(INTERVAL_KEY, self.interval_ms)
