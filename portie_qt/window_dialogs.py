"""The window's secondary windows, made on first use: Port Reference, Scan, About,
Keyboard Shortcuts. Their modules load only when the user first asks for them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from portie_qt.core.endpoints import Endpoint
from portie_qt.entitlements import Entitlements


class WindowDialogs(QObject):
    """Opens (and reuses) the dialogs of ``window``."""

    def __init__(self, window: QWidget, settings: QSettings, entitlements: Entitlements,
                 rows: Callable[[], list[Endpoint]]) -> None:  # fmt: skip
        super().__init__(window)
        self._window, self._settings, self._entitlements = window, settings, entitlements
        self._rows = rows
        self.reference = None
        self.scan = None

    def open_reference(self, text: str = "") -> None:
        from portie_qt.reference_window import ReferenceDialog

        if self.reference is None:
            self.reference = ReferenceDialog(self._rows, self._window)
        if isinstance(text, str) and text:
            self.reference.search(text)
        _raise(self.reference)

    def open_scan(self) -> None:
        from portie_qt.scan_dialog import ScanDialog

        if self.scan is None:
            self.scan = ScanDialog(self._settings, self._entitlements, self._window)
        _raise(self.scan)

    def show_about(self) -> None:
        from portie_qt.about import show_about

        show_about(self._window, self._entitlements.licensee)

    def show_shortcuts(self, actions: list[QAction]) -> None:
        from portie_qt.about import ShortcutsDialog

        ShortcutsDialog(actions, self._window).exec()


def _raise(dialog: QWidget) -> None:
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
