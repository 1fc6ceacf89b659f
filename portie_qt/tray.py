"""The system tray icon and its menu, and the app's one way to raise a notification.

`Tray` wraps `QSystemTrayIcon`: Show window, Pause/Resume, Recent listeners, Watched
ports (with their state) and Quit. Where the desktop has no tray, `Tray.start()`
returns a sentence saying so and the app carries on as a plain window.

`Notifier` is what the rest of the app calls to notify the user. It records every
request in ``sent`` (tests read that, not the screen) and shows it through the tray
when there is one.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from PySide6.QtCore import QObject, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from portie_qt.core.activity import LISTEN_STARTED, OWNER_CHANGED, Event, WatchStatus
from portie_qt.core.paths import ResourceError, resource_path

APP_ICON = "assets/icons/portie.svg"
RECENT_LISTENERS = 10  # lines in the "Recent listeners" submenu
NO_TRAY_NOTICE = (
    "This desktop has no system tray, so Portie runs as a normal window; "
    "notifications appear in the activity log."
)


def _drawn_icon() -> QIcon:
    """A plain round "P" badge, for builds that lack the SVG app icon."""
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#2f6fdf"))
        painter.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1))
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(8, int(size * 0.62)))
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "P")
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def app_icon() -> QIcon:
    """Portie's icon: the bundled SVG when present and readable, else a drawn badge."""
    try:
        icon = QIcon(str(resource_path(APP_ICON)))
    except ResourceError:
        return _drawn_icon()
    # An SVG Qt cannot render (no svg image plugin) loads as a null icon.
    if icon.isNull() or icon.pixmap(32).isNull():
        return _drawn_icon()
    return icon


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
            action = self.recent_menu.addAction(f"{stamp}  {event.message}")
            action.triggered.connect(self.show_requested)
        if not lines:
            self.recent_menu.addAction("Nothing new since Portie started").setEnabled(False)

    def set_watched(self, statuses: Mapping[int, WatchStatus]) -> None:
        """Fill "Watched ports" with one line per pinned port: ``3000 — free``."""
        self.watched_menu.clear()
        for port in sorted(statuses):
            action = self.watched_menu.addAction(f"{port} — {statuses[port].text}")
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

    def action_texts(self, menu: QMenu | None = None) -> list[str]:
        """The menu's visible texts (submenus by title): for tests and accessibility checks."""
        return [a.text() for a in (menu or self.menu).actions() if not a.isSeparator()]

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
    """The app's notification interface: records each request, shows it when it can."""

    notified = Signal(str, str)  # title, message: e.g. for a status bar when there is no tray

    def __init__(self, tray: Tray | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tray = tray
        self.sent: list[tuple[str, str]] = []

    def notify(self, title: str, message: str) -> None:
        self.sent.append((title, message))
        if self.tray is not None:
            self.tray.show_message(title, message)
        self.notified.emit(title, message)
