"""The system tray icon and its menu, and the app's one way to raise a notification.

`Tray` wraps `QSystemTrayIcon`: Show window, Pause/Resume, Recent listeners, Watched
ports (with their state) and Quit. Where the desktop has no tray, `Tray.start()`
returns a sentence saying so and the app carries on as a plain window.

`Notifier` is what the rest of the app calls to notify the user: it shows the
notification through the tray when there is one and always emits ``notified``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from portie_qt import style
from portie_qt.core.activity import LISTEN_STARTED, OWNER_CHANGED, Event, WatchStatus
from portie_qt.style import app_icon

RECENT_LISTENERS = 10  # lines in the "Recent listeners" submenu
NO_TRAY_NOTICE = (
    "This desktop has no system tray, so Portie runs as a normal window; "
    "notifications appear in the activity log."
)


class Tray(QObject):
    """Tray icon and menu; emits what the user picked, never acts on the window itself."""

    show_requested = Signal()
    pause_toggled = Signal(bool)  # True: paused
    quit_requested = Signal()

    def __init__(self, icon: QIcon | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icon = QSystemTrayIcon(icon or app_icon(), self)
        self._icon.setToolTip("Portie")
        self.menu = QMenu()
        self.menu.setObjectName("trayMenu")

        self.show_action = self.menu.addAction("Show Portie")
        self.show_action.triggered.connect(self.show_requested)
        self.pause_action = self.menu.addAction("Pause updates")
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(self._on_pause_action_toggled)
        self.menu.addSeparator()
        self.recent_menu = self.menu.addMenu("Recent listeners")
        self.watched_menu = self.menu.addMenu("Watched ports")
        self.menu.addSeparator()
        self.quit_action = self.menu.addAction("Quit Portie")
        self.quit_action.triggered.connect(self.quit_requested)

        self.set_recent_listeners([])
        self.set_watched({})
        self._icon.setContextMenu(self.menu)
        self._icon.activated.connect(self._on_icon_activated)

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def start(self) -> str:
        """Show the icon; returns a notice ("" when there is a tray) for the status bar."""
        if not self.available():
            return NO_TRAY_NOTICE
        self._icon.show()
        return ""

    @property
    def visible(self) -> bool:
        return self._icon.isVisible()

    def hide(self) -> None:
        self._icon.hide()

    def set_paused(self, paused: bool) -> None:
        """Reflect a pause started elsewhere (the window's own button) without re-emitting."""
        blocked = self.pause_action.blockSignals(True)
        self.pause_action.setChecked(paused)
        self.pause_action.blockSignals(blocked)
        self._sync_pause_text(paused)

    def set_recent_listeners(self, events: Iterable[Event]) -> None:
        """Fill "Recent listeners" with the newest starts and owner changes (newest first)."""
        self.recent_menu.clear()
        lines = [e for e in events if e.kind in (LISTEN_STARTED, OWNER_CHANGED)]
        lines = lines[:RECENT_LISTENERS]
        for event in lines:
            stamp = time.strftime("%H:%M", time.localtime(event.timestamp))
            action = self.recent_menu.addAction(style.menu_text(f"{stamp}  {event.message}"))
            action.triggered.connect(self.show_requested)
        if not lines:
            self.recent_menu.addAction("Nothing new since Portie started").setEnabled(False)

    def set_watched(self, statuses: Mapping[int, WatchStatus]) -> None:
        """Fill "Watched ports" with one line per pinned port: ``3000 — free``."""
        self.watched_menu.clear()
        for port in sorted(statuses):
            action = self.watched_menu.addAction(style.menu_text(f"{port} — {statuses[port].text}"))
            action.triggered.connect(self.show_requested)
        if not statuses:
            self.watched_menu.addAction("No watched ports").setEnabled(False)
        busy = sum(1 for status in statuses.values() if status.busy)
        tip = "Portie — paused" if self.pause_action.isChecked() else "Portie"
        if statuses:
            tip += f"\n{busy} of {len(statuses)} watched ports in use"
        self._icon.setToolTip(tip)

    def show_message(self, title: str, message: str) -> bool:
        """Pop a desktop notification; False when there is no tray to show it."""
        if not (self.available() and self._icon.isVisible()):
            return False
        self._icon.showMessage(title, message, self._icon.icon(), 8000)
        return True

    @Slot(bool)
    def _on_pause_action_toggled(self, paused: bool) -> None:
        self._sync_pause_text(paused)
        self.pause_toggled.emit(paused)

    def _sync_pause_text(self, paused: bool) -> None:
        self.pause_action.setText("Resume updates" if paused else "Pause updates")

    @Slot(QSystemTrayIcon.ActivationReason)
    def _on_icon_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # A left click (Trigger) or double click opens the window; right click is the menu.
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.show_requested.emit()


class Notifier(QObject):
    """The app's notification interface: shows each notification when it can, and says so."""

    notified = Signal(str, str)  # title, message: e.g. for a status bar when there is no tray

    def __init__(self, tray: Tray | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tray = tray

    def notify(self, title: str, message: str) -> None:
        if self.tray is not None:
            self.tray.show_message(title, message)
        self.notified.emit(title, message)
