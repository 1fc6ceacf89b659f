"""Where things sit in the main window, and remembering it: size, docks, splitter, table
columns. View → Reset Layout puts everything back as on the first run."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter

from portie_qt.settings import read_bytes

DEFAULT_SIZE = (1280, 720)
DOCK_HEIGHT = 190  # the bottom docks on the first run
_KEYS = ("window/geometry", "window/state", "window/splitter")


class WindowLayout(QObject):
    """Builds the bottom docks (one tabbed area) and saves and restores the layout."""

    def __init__(self, window: QMainWindow, splitter: QSplitter, settings: QSettings) -> None:
        super().__init__(window)
        self._window = window
        self._splitter = splitter
        self._settings = settings
        self.docks: list[QDockWidget] = []
        self._notice = ""

    @property
    def notice(self) -> str:
        """Why the saved layout was not used ('' when it was, or there was none)."""
        return self._notice

    def add_docks(self, panels) -> list[QDockWidget]:
        """One dock per ``(title, object name, widget)``, tabbed together along the bottom."""
        for title, name, widget in panels:
            dock = QDockWidget(title, self._window, objectName=name)
            dock.setWidget(widget)
            self._window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            if self.docks:
                self._window.tabifyDockWidget(self.docks[0], dock)
            self.docks.append(dock)
        if self.docks:
            self.docks[0].raise_()
        return self.docks

    def restore(self) -> None:
        s, window = self._settings, self._window
        geometry = read_bytes(s, "window/geometry")
        if geometry is None or not window.restoreGeometry(geometry):
            self._first_run_layout()
            if geometry is not None:
                self._notice = "The saved window position was unreadable; using the default."
            return
        state = read_bytes(s, "window/state")
        if state is not None:
            window.restoreState(state)
        splitter = read_bytes(s, "window/splitter")
        if splitter is None or not self._splitter.restoreState(splitter):
            self._default_splitter()

    def save(self) -> None:
        s = self._settings
        s.setValue("window/geometry", self._window.saveGeometry())
        s.setValue("window/state", self._window.saveState())
        s.setValue("window/splitter", self._splitter.saveState())

    def reset(self) -> None:
        """View → Reset Layout: the first run's size, docks and splitter."""
        for key in _KEYS:
            self._settings.remove(key)
        for dock in self.docks:
            dock.setFloating(False)
            dock.show()
            self._window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        for dock in self.docks[1:]:
            self._window.tabifyDockWidget(self.docks[0], dock)
        if self.docks:
            self.docks[0].raise_()
        self._window.showNormal()
        self._first_run_layout()

    def _first_run_layout(self) -> None:
        self._window.resize(*DEFAULT_SIZE)
        if self.docks:
            self._window.resizeDocks(self.docks[:1], [DOCK_HEIGHT], Qt.Orientation.Vertical)
        self._default_splitter()

    def _default_splitter(self) -> None:
        self._splitter.setStretchFactor(0, 4)
        self._splitter.setStretchFactor(1, 1)
        self._splitter.setSizes([900, 280])
