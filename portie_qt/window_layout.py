"""Where things sit in the main window, and remembering it: size, docks, splitter, table
columns. View → Reset Layout puts everything back as on the first run. The docks may
be added after the rest is restored (they are built after the first rows are shown):
they then go where the saved layout, or the first run, puts them."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter

from portie_qt.settings import read_bytes

DEFAULT_SIZE = (1280, 720)
DOCK_SHARE = 0.26  # of the window's height, for the bottom docks with something to show
DOCK_COLLAPSED = 96  # the docks while both only say how to start: a tab row and a line
SIDE_PANE_MIN, SIDE_PANE_MAX = 270, 420  # the answer card and details beside the table
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
        self._restored = False  # a saved layout was put back
        self._empty = False
        # The side pane's width follows the window's until the user drags the splitter.
        self._side_fitted = False
        splitter.splitterMoved.connect(self._on_splitter_moved)

    @property
    def notice(self) -> str:
        """Why the saved layout was not used ('' when it was, or there was none)."""
        return self._notice

    def add_docks(self, panels, empty: bool = False) -> list[QDockWidget]:
        """One dock per ``(title, object name, widget)``, tabbed together along the bottom;
        ``empty``: they have nothing to show yet (collapsed on the first run)."""
        self._empty = empty
        for title, name, widget in panels:
            dock = QDockWidget(title, self._window, objectName=name)
            dock.setWidget(widget)
            self._window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            if self.docks:
                self._window.tabifyDockWidget(self.docks[0], dock)
            self.docks.append(dock)
        if self.docks:
            self.docks[0].raise_()
        state = read_bytes(self._settings, "window/state")
        if state is not None and self._restored:
            self._window.restoreState(state)  # again, now that the docks it places exist
        else:
            self._size_docks_twice()
        return self.docks

    def restore(self, docks_empty: bool = False) -> None:
        self._empty = docks_empty
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
        self._restored = True
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

    def set_docks_empty(self, empty: bool) -> None:
        """Collapse the bottom docks while they have nothing to show; open them when they
        do (an event, a watched port)."""
        self._empty = empty
        self._size_docks()

    def _size_docks_twice(self) -> None:
        """Now, and again once laid out and shown: Qt sizes docks itself then."""
        self._size_docks()
        QTimer.singleShot(0, self._size_docks)

    def _size_docks(self) -> None:
        if not self.docks:
            return
        height = DOCK_COLLAPSED if self._empty else int(self._window.height() * DOCK_SHARE)
        self._window.resizeDocks(self.docks[:1], [height], Qt.Orientation.Vertical)

    def _first_run_layout(self) -> None:
        self._window.resize(*DEFAULT_SIZE)
        self._size_docks_twice()
        self._default_splitter()

    def window_resized(self) -> None:
        """The window's new size (its resizeEvent): a smaller screen or window leaves the
        table its share while the user has not placed the splitter."""
        if self._side_fitted:
            self._default_splitter()

    def _on_splitter_moved(self, _pos: int, _index: int) -> None:
        self._side_fitted = False  # the user placed it: keep it there

    def _default_splitter(self) -> None:
        # The table takes the extra room when the window grows; the side pane (answer card
        # and details) keeps enough to read a sentence and two columns of buttons.
        self._splitter.setStretchFactor(0, 1)
        self._splitter.setStretchFactor(1, 0)
        width = max(self._window.width(), 800)
        side = max(SIDE_PANE_MIN, min(SIDE_PANE_MAX, width * 27 // 100))
        self._splitter.setSizes([width - side, side])
        self._side_fitted = True
