"""The ports table as a view: columns, selection, and keeping the user's place.

`PortsView` wraps the form's QTableView with the model and proxy: it applies a refresh
without moving the user's scroll position, and answers "what is selected?".
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView

from portie_qt.core.endpoints import Diff, Endpoint
from portie_qt.core.filtering import FilterCriteria
from portie_qt.ports_columns import ColumnLayout
from portie_qt.ports_model import (
    ENDPOINT_ROLE,
    PORT,
    PortFilterProxy,
    PortTableModel,
)
from portie_qt.settings import read_bytes

HEADER_KEY = "table/header"


class PortsView(QObject):
    """The table, its model (every endpoint) and proxy (what the filter lets through)."""

    clear_requested = Signal()  # the "Clear filter" link in an empty result

    def __init__(self, table: QTableView, parent=None) -> None:
        super().__init__(parent)
        self.table = table
        # An empty result says so, in the table, instead of showing an empty grid.
        self._empty = QLabel(table.viewport())
        self._empty.setObjectName("emptyResult")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setTextFormat(Qt.TextFormat.RichText)
        self._empty.setWordWrap(True)
        self._empty.linkActivated.connect(lambda _link: self.clear_requested.emit())
        self._empty.hide()
        self._criteria = FilterCriteria()
        table.viewport().installEventFilter(self)
        self.model = PortTableModel(self)
        self.proxy = PortFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        table.setModel(self.proxy)
        header = table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.columns = ColumnLayout(table, self)
        table.verticalHeader().setDefaultSectionSize(22)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.sortByColumn(PORT, Qt.SortOrder.AscendingOrder)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset,
                       self.proxy.layoutChanged):  # fmt: skip
            signal.connect(self._sync_empty)

    @property
    def rows(self) -> list[Endpoint]:
        """Every endpoint in the table, filtered or not."""
        return self.model.rows

    def apply(self, change: Diff) -> None:
        """Apply one refresh's diff, keeping the top visible row where it was."""
        anchor = self._scroll_anchor()
        self.model.apply(change)
        self._restore_scroll(anchor)

    def set_criteria(self, criteria: FilterCriteria) -> None:
        self._criteria = criteria
        self.proxy.set_criteria(criteria)
        self._sync_empty()

    def empty_text(self) -> str:
        """What the table says when the filter hides every row ('' while rows show)."""
        if self.proxy.rowCount() or not self.model.rowCount():
            return ""
        text = self._criteria.text.strip()
        if text:
            return f"Nothing matches '{text}'."
        return "No endpoints match these filters."

    def _sync_empty(self, *_args) -> None:
        message = self.empty_text()
        if message:
            self._empty.setText(f"{html.escape(message)}<br><a href='clear'>Clear filter</a>")
            self._empty.resize(self.table.viewport().size())
        self._empty.setVisible(bool(message))

    def eventFilter(self, watched, event) -> bool:  # Qt override: keep the message centred
        if event.type() == QEvent.Type.Resize:
            self._empty.resize(self.table.viewport().size())
        return False

    def visible(self) -> list[Endpoint]:
        """The rows as shown: filtered and sorted."""
        proxy = self.proxy
        return [proxy.index(row, 0).data(ENDPOINT_ROLE) for row in range(proxy.rowCount())]

    def selected(self) -> list[Endpoint]:
        rows = self.table.selectionModel().selectedRows()
        return [index.data(ENDPOINT_ROLE) for index in sorted(rows, key=lambda i: i.row())]

    def current(self) -> Endpoint | None:
        """The row the user is on (the current index when selected, else the first selected)."""
        index = self.table.currentIndex()
        if index.isValid() and self.table.selectionModel().isRowSelected(index.row()):
            return index.data(ENDPOINT_ROLE)
        selected = self.selected()
        return selected[0] if selected else None

    def focus_first(self) -> None:
        """Move the keyboard to the table, on the first row shown (Enter in the filter)."""
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.proxy.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def restore(self, settings: QSettings) -> None:
        state = read_bytes(settings, HEADER_KEY)
        header = self.table.horizontalHeader()
        if state is not None and header.restoreState(state):
            # The header remembers the sort indicator; the proxy must sort to match.
            self.table.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
            self.columns.keep_saved()
        else:
            self.columns.reset()

    def reset_columns(self) -> None:
        """View → Reset Layout: the default columns, fitted, sorted by port."""
        self.columns.reset()
        self.table.sortByColumn(PORT, Qt.SortOrder.AscendingOrder)

    def save(self, settings: QSettings) -> None:
        settings.setValue(HEADER_KEY, self.table.horizontalHeader().saveState())

    def _scroll_anchor(self) -> Endpoint | None:
        """The endpoint at the top of the view, so a refresh does not move the user's place."""
        if self.table.verticalScrollBar().value() == 0:
            return None
        index = self.table.indexAt(self.table.viewport().rect().topLeft())
        return index.data(ENDPOINT_ROLE) if index.isValid() else None

    def _restore_scroll(self, anchor: Endpoint | None) -> None:
        if anchor is None:
            return
        row = self.model.row_of(anchor.key)
        if row is None:
            return
        proxy_index = self.proxy.mapFromSource(self.model.index(row, 0))
        if proxy_index.isValid():
            self.table.scrollTo(proxy_index, QAbstractItemView.ScrollHint.PositionAtTop)
