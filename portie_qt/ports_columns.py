"""The ports table's columns: which show, how wide, and the chooser on the header.

On the first run (and after View → Reset Layout) the columns fit the table: every
header reads whole, the rest of the room goes to the columns that need it (remote
address, process, service), and there is no horizontal scrollbar at 1280×720 or
1024×640. Where the window is too narrow for every column's usual contents, the Remote
column steps aside until there is room again (the fit, not the user, hid it). Once the
user drags a column, their widths are kept (saved with the header). Right-click the
header to choose columns; the choice is remembered too.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Slot
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView

from portie_qt.forms import viewport
from portie_qt.ports_model import (
    HEADERS,
    LOCAL,
    PID,
    PORT,
    PROCESS,
    PROTOCOL,
    RANGE,
    REMOTE,
    SERVICE,
    STATE,
    USER,
)

DEFAULT_HIDDEN = frozenset({USER})  # one login on most desktops: shown on request
# The narrowest a column should be for its usual contents (pixels), and how much of
# any room left over it takes.
_CONTENT_MIN = {PROTOCOL: 50, LOCAL: 96, PORT: 52, REMOTE: 120, STATE: 92, PID: 52,
                PROCESS: 140, USER: 64, SERVICE: 150, RANGE: 92}  # fmt: skip
_MAKES_ROOM = (REMOTE,)  # hidden by the fit while the others' contents do not fit
_SHARE = {LOCAL: 2, REMOTE: 2, PROCESS: 4, SERVICE: 3, USER: 1}
_HEADER_PADDING = 16  # the section's margins
_SORT_ARROW = 14  # the sorted column's header also holds the sort indicator
_PRIORITY = (PROCESS, STATE, RANGE, PORT, PID, PROTOCOL, LOCAL, SERVICE, REMOTE, USER)


class ColumnLayout(QObject):
    """Fits, hides and shows the table's columns; the header's right-click menu."""

    def __init__(self, table: QTableView, parent=None) -> None:
        super().__init__(parent)
        self.table = table
        self.header: QHeaderView = table.horizontalHeader()
        self.header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.header.customContextMenuRequested.connect(self._on_header_menu)
        self.header.sectionResized.connect(self._on_section_resized)
        self.header.sortIndicatorChanged.connect(self._on_sorted)
        self.header.setStretchLastSection(True)
        self._fitting = False  # a resize is ours, not the user's
        self._pressed = False  # the mouse is down on the header: a resize is the user's
        self.auto_fit = True  # until the user sizes a column (or a saved layout says so)
        self.stepped_aside: set[int] = set()  # columns the fit hid for room, not the user
        self._viewport = viewport(table)  # both fetched once (see `forms.viewport`)
        self._header_viewport = viewport(self.header)
        self._viewport.installEventFilter(self)
        self._header_viewport.installEventFilter(self)

    def reset(self) -> None:
        """The first run's columns: the default set, fitted to the table."""
        for column in range(len(HEADERS)):
            self.header.setSectionHidden(column, column in DEFAULT_HIDDEN)
            self.header.moveSection(self.header.visualIndex(column), column)
        self.auto_fit = True
        self.stepped_aside = set()
        self.fit()

    def keep_saved(self, fitted: bool, stepped_aside=()) -> None:
        """A saved header was restored: the user's widths stay as they were, unless they
        were still ``fitted`` to the window (the user never sized a column)."""
        self.auto_fit = fitted
        self.stepped_aside = {c for c in stepped_aside if c in _MAKES_ROOM} if fitted else set()
        if fitted:
            self.fit()

    def header_width(self, column: int) -> int:
        """The narrowest the column can be with its header still whole."""
        arrow = _SORT_ARROW if self.header.sortIndicatorSection() == column else 0
        text = self.header.fontMetrics().horizontalAdvance(HEADERS[column])
        return text + _HEADER_PADDING + arrow

    def fit(self) -> None:
        """Share the table's width among the visible columns (see the module doc)."""
        visible = [c for c in range(len(HEADERS))
                   if not self.header.isSectionHidden(c) or c in self.stepped_aside]  # fmt: skip
        if not visible:
            return
        room = self._viewport.width()
        floor = {c: self.header_width(c) for c in visible}
        wanted = {c: max(floor[c], _CONTENT_MIN.get(c, 0)) for c in visible}
        total = sum(wanted.values())
        for column in _MAKES_ROOM:
            aside = column in visible and total > room and len(visible) > 1
            if aside != (column in self.stepped_aside):
                self.stepped_aside ^= {column}
                self.header.setSectionHidden(column, aside)
            if aside:
                visible.remove(column)
                total -= wanted.pop(column)
                del floor[column]
        if total > room:  # too narrow for every column's usual contents
            # Every header stays whole; what room is left goes to the columns people read
            # first (who holds it, its state, what it is), in that order.
            widths = dict(floor)
            spare = max(0, room - sum(floor.values()))
            for column in [c for c in _PRIORITY if c in wanted]:
                give = min(spare, wanted[column] - floor[column])
                widths[column] += give
                spare -= give
        else:
            shares = sum(_SHARE.get(c, 0) for c in visible) or 1
            widths = {c: wanted[c] + (room - total) * _SHARE.get(c, 0) // shares for c in visible}
        self._fitting = True
        try:
            for column, width in widths.items():
                self.header.resizeSection(column, width)
        finally:
            self._fitting = False

    def eventFilter(self, watched, event) -> bool:  # Qt override
        # The event's type first: while the window is torn down the filtered widgets get
        # events from their destructors, and asking the header for its viewport then
        # raised inside Qt's teardown (a crash at exit).
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
            if watched is self._header_viewport:
                self._pressed = kind == QEvent.Type.MouseButtonPress
        elif kind == QEvent.Type.Resize and self.auto_fit:
            self.fit()  # the table resized: refit
        return False

    @Slot(int, int, int)
    def _on_section_resized(self, _column: int, _old: int, _new: int) -> None:
        if self._pressed and not self._fitting:
            self.auto_fit = False  # the user dragged a column edge: keep their widths

    @Slot(int, Qt.SortOrder)
    def _on_sorted(self, _column: int, _order: Qt.SortOrder) -> None:
        if self.auto_fit:
            self.fit()  # the sort arrow moved to another header

    @Slot(QPoint)
    def _on_header_menu(self, pos: QPoint) -> None:
        menu = QMenu(self.header)
        menu.setObjectName("columnMenu")
        shown = [c for c in range(len(HEADERS)) if not self.header.isSectionHidden(c)]
        for column, title in enumerate(HEADERS):
            action = menu.addAction(title)
            action.setCheckable(True)
            action.setChecked(column in shown)
            action.setEnabled(not (column in shown and len(shown) == 1))  # keep one column
            action.toggled.connect(lambda on, column=column: self.set_shown(column, on))
        menu.addSeparator()
        menu.addAction("Fit Columns to Window").triggered.connect(self._on_fit_requested)
        menu.addAction("Default Columns").triggered.connect(self.reset)
        menu.popup(self.header.mapToGlobal(pos))

    def set_shown(self, column: int, shown: bool) -> None:
        self.stepped_aside.discard(column)  # the user's choice now
        self.header.setSectionHidden(column, not shown)
        if self.auto_fit:
            self.fit()

    @Slot()
    def _on_fit_requested(self) -> None:
        self.auto_fit = True
        self.fit()
