"""The refresh loop's controls: Refresh Now, Pause, the interval, and the worker behind them."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from portie_qt import style
from portie_qt.core.filtering import FilterCriteria
from portie_qt.refresh_worker import DEFAULT_INTERVAL_MS, RefreshWorker
from portie_qt.settings import read_int

INTERVAL_KEY = "refresh/interval_ms"
INTERVALS_MS = (1000, 3000, 5000, 10000, 30000)


class RefreshControl(QObject):
    """Owns the `RefreshWorker` and the actions that steer it."""

    refreshed = Signal(object)  # Refresh, straight from the worker
    paused_changed = Signal(bool)

    def __init__(self, settings: QSettings, parent=None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.interval_ms = read_int(settings, INTERVAL_KEY, DEFAULT_INTERVAL_MS, 500, 600000)
        self.worker = RefreshWorker(self.interval_ms)
        self.worker.refreshed.connect(self.refreshed)
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

    @property
    def paused(self) -> bool:
        return self.worker.paused

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
        if not self.worker.isRunning():
            self.worker.start()

    def stop(self) -> None:
        self.worker.stop()

    @Slot()
    def refresh_now(self) -> None:
        self.worker.refresh_now()

    def set_criteria(self, criteria: FilterCriteria) -> None:
        self.worker.set_criteria(criteria)

    @Slot(bool)
    def set_paused(self, paused: bool) -> None:
        self.worker.set_paused(paused)
        self.pause_action.setChecked(paused)
        self.pause_action.setText("&Resume Updates" if paused else "&Pause Updates")
        style.set_action_icon(self.pause_action, "resume" if paused else "pause")
        self.paused_changed.emit(paused)

    def set_interval(self, interval_ms: int) -> None:
        self.interval_ms = interval_ms
        self.worker.set_interval_ms(interval_ms)
        for ms, act in self.interval_actions.items():
            act.setChecked(ms == interval_ms)

    def save(self) -> None:
        self._settings.setValue(INTERVAL_KEY, self.interval_ms)
