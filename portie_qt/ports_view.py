"""The ports table as a view: columns, selection, and keeping the user's place.

`PortsView` wraps the form's QTableView with the model (which filters and sorts itself):
it applies a refresh without moving the user's scroll position, and answers "what is
selected?".
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView

from portie_qt.core.endpoints import Diff, Endpoint
from portie_qt.core.filtering import FilterCriteria
from portie_qt.forms import viewport
from portie_qt.ports_columns import ColumnLayout
from portie_qt.ports_model import ENDPOINT_ROLE, PORT, PortRowDelegate, PortTableModel
from portie_qt.settings import read_bool, read_bytes, read_str_list

HEADER_KEY = "table/header"
FITTED_KEY = "table/columnsFitted"  # the user never sized a column: fit every window size
ASIDE_KEY = "table/columnsAside"  # columns the fit hid for room (shown again with room)


class PortsView(QObject):
    """The table and its model: every endpoint, showing what the filter lets through."""

    clear_requested = Signal()  # the "Clear filter" link in an empty result
    settled = Signal()  # every row of the refreshes applied so far is in the table

    def __init__(self, table: QTableView, parent=None) -> None:
        super().__init__(parent)
        self.table = table
        # An empty result says so, in the table, instead of showing an empty grid.
        self._viewport = viewport(table)  # fetched once (see `forms.viewport`)
        self._empty = QLabel(self._viewport)
        self._empty.setObjectName("emptyResult")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setTextFormat(Qt.TextFormat.RichText)
        self._empty.setWordWrap(True)
        self._empty.linkActivated.connect(lambda _link: self.clear_requested.emit())
        self._empty.hide()
        self._criteria = FilterCriteria()
        self._viewport.installEventFilter(self)
        self.model = PortTableModel(self)
        self.model.settled.connect(self.settled)
        table.setModel(self.model)
        table.setItemDelegate(PortRowDelegate(self.model, table))
        table.setAlternatingRowColors(False)  # the delegate sets a cell's features whole
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.columns = ColumnLayout(table, self)
        table.verticalHeader().setDefaultSectionSize(22)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.sortByColumn(PORT, Qt.SortOrder.AscendingOrder)
        self.model.settled.connect(self._sync_empty)  # the last rows of a big batch are in

    @property
    def rows(self) -> list[Endpoint]:
        """Every endpoint in the table, filtered or not."""
        return self.model.all_rows

    @property
    def busy(self) -> bool:
        """True while a big batch of rows is still going in (``settled`` follows)."""
        return self.model.busy

    def apply(self, change: Diff, rows=None) -> None:
        """Apply one refresh's diff (``rows``: its display rows), keeping the top visible
        row where it was."""
        anchor = self._scroll_anchor()
        self.model.apply(change, rows)
        self._restore_scroll(anchor)
        self._sync_empty()

    def update_rows(self, rows) -> None:
        """New display rows for endpoints already shown (their Service labels arrived)."""
        anchor = self._scroll_anchor()
        self.model.update_rows(rows)
        self._restore_scroll(anchor)

    def set_criteria(self, criteria: FilterCriteria) -> None:
        self._criteria = criteria
        anchor = self._scroll_anchor()
        self.model.set_criteria(criteria)
        self._restore_scroll(anchor)
        self._sync_empty()

    def empty_text(self) -> str:
        """What the table says when the filter hides every row ('' while rows show)."""
        if self.model.accepted or not self.model.total:
            return ""
        text = self._criteria.text.strip()
        if text:
            return f"Nothing matches '{text}'."
        return "No endpoints match these filters."

    def _sync_empty(self, *_args) -> None:
        message = self.empty_text()
        if message:
            import html  # only for an empty result: not before the first rows

            self._empty.setText(f"{html.escape(message)}<br><a href='clear'>Clear filter</a>")
            self._empty.resize(self._viewport.size())
        self._empty.setVisible(bool(message))

    def eventFilter(self, watched, event) -> bool:  # Qt override: keep the message centred
        if event.type() == QEvent.Type.Resize:
            self._empty.resize(self._viewport.size())
        return False

    def visible(self) -> list[Endpoint]:
        """The rows as shown: filtered and sorted."""
        return self.model.endpoints()

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
        if self.model.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def restore(self, settings: QSettings) -> None:
        state = read_bytes(settings, HEADER_KEY)
        header = self.table.horizontalHeader()
        if state is not None and header.restoreState(state):
            # The header remembers the sort indicator; the model must sort to match.
            self.table.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
            self.columns.keep_saved(read_bool(settings, FITTED_KEY, False),
                                    _columns(read_str_list(settings, ASIDE_KEY, 10)))  # fmt: skip
        else:
            self.columns.reset()

    def reset_columns(self) -> None:
        """View → Reset Layout: the default columns, fitted, sorted by port."""
        self.columns.reset()
        self.table.sortByColumn(PORT, Qt.SortOrder.AscendingOrder)

    def save(self, settings: QSettings) -> None:
        settings.setValue(HEADER_KEY, self.table.horizontalHeader().saveState())
        settings.setValue(FITTED_KEY, self.columns.auto_fit)
        settings.setValue(ASIDE_KEY, [str(c) for c in sorted(self.columns.stepped_aside)])

    def _scroll_anchor(self) -> tuple | None:
        """The identity of the row at the top of the view, so a refresh keeps the user's place."""
        if self.table.verticalScrollBar().value() == 0:
            return None
        index = self.table.indexAt(self._viewport.rect().topLeft())
        return self.model.key(index.row()) if index.isValid() else None

    def _restore_scroll(self, anchor: tuple | None) -> None:
        if anchor is None:
            return
        row = self.model.row_of(anchor)
        if row is not None:
            top = QAbstractItemView.ScrollHint.PositionAtTop
            self.table.scrollTo(self.model.index(row, 0), top)


def _columns(texts: list[str]) -> list[int]:
    """Column numbers saved as text; anything else is dropped."""
    return [int(t) for t in texts if t.isascii() and t.isdigit() and len(t) < 3]
