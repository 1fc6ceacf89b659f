"""The activity log panel: what happened, newest on top, filterable and clearable.

A view: `add_events` and `show_history` put events on screen; the user's filter and
Clear go up as ``history_wanted`` and ``clear_requested`` to the watch controller, which
reads and clears the stored log off the UI thread.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QWidget,
)

from portie_qt import style
from portie_qt.core.activity import (
    CONNECTIONS_CLOSED,
    CONNECTIONS_OPENED,
    LISTEN_STARTED,
    LISTEN_STOPPED,
    OWNER_CHANGED,
    Event,
)
from portie_qt.forms import child, embed_form

MAX_ROWS = 5000  # rows kept on screen; older ones stay in the store
SEARCH_DELAY_MS = 250  # pause in typing before the stored log is searched
EMPTY_TEXT = (
    "Nothing has happened yet. New listeners, owner changes and bursts of "
    "connections will appear here."
)

_KIND_TITLES = {
    LISTEN_STARTED: "Started listening",
    LISTEN_STOPPED: "Stopped listening",
    OWNER_CHANGED: "Owner changed",
    CONNECTIONS_OPENED: "Connections opened",
    CONNECTIONS_CLOSED: "Connections closed",
}
_CONNECTION_KINDS = frozenset({CONNECTIONS_OPENED, CONNECTIONS_CLOSED})
EventRole = Qt.ItemDataRole.UserRole + 1


def format_time(timestamp: float, now: float | None = None) -> str:
    """``14:03:12`` for today, ``Tue 24 Nov 14:03`` for earlier days."""
    when = time.localtime(timestamp)
    today = time.localtime(time.time() if now is None else now)
    if when[:3] == today[:3]:
        return time.strftime("%H:%M:%S", when)
    return time.strftime("%a %d %b %H:%M", when)


class ActivityModel(QAbstractTableModel):
    """Events, newest first, as two columns: time and what happened."""

    TIME, EVENT = range(2)
    _HEADERS = ("Time", "Event")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._events: list[Event] = []

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        event = self._events[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return format_time(event.timestamp) if column == self.TIME else event.message
        if role == Qt.ItemDataRole.DecorationRole and column == self.EVENT:
            return style.current().kind_dots.get(event.kind)
        if role == Qt.ItemDataRole.ToolTipRole:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(event.timestamp))
            kind = _KIND_TITLES.get(event.kind, event.kind)
            return style.plain_tip(f"{stamp} · {kind}\n{event.message}")
        if role == EventRole:
            return event
        return None

    def prepend(self, events: list[Event]) -> None:
        """Put ``events`` on top (in the order given) and drop rows past MAX_ROWS."""
        if not events:
            return
        self.beginInsertRows(QModelIndex(), 0, len(events) - 1)
        self._events[:0] = events
        self.endInsertRows()
        if len(self._events) > MAX_ROWS:
            self.beginRemoveRows(QModelIndex(), MAX_ROWS, len(self._events) - 1)
            del self._events[MAX_ROWS:]
            self.endRemoveRows()

    def restyle(self) -> None:
        if self._events:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._events) - 1, 1))

    def reset(self, events: list[Event]) -> None:
        self.beginResetModel()
        self._events = list(events[:MAX_ROWS])
        self.endResetModel()

    def events(self) -> list[Event]:
        return list(self._events)


class ActivityFilter(QSortFilterProxyModel):
    """Rows whose message contains the filter text; connection churn can be hidden."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._needle = ""
        self.show_connections = True

    def set_text(self, text: str) -> None:
        self._refilter(lambda: setattr(self, "_needle", text.strip().casefold()))

    @Slot(bool)
    def set_show_connections(self, shown: bool) -> None:
        self._refilter(lambda: setattr(self, "show_connections", shown))

    def _refilter(self, change) -> None:
        self.beginFilterChange()
        change()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        if self.show_connections and not self._needle:
            return True  # no filter: every refresh's events go in without a look
        model = self.sourceModel()
        event = model.data(model.index(source_row, ActivityModel.EVENT, source_parent), EventRole)
        if event is None:
            return False
        if not self.show_connections and event.kind in _CONNECTION_KINDS:
            return False
        return not self._needle or self._needle in event.message.casefold()


class ActivityPanel(QWidget):
    """Timestamped activity log with a filter field and a Clear button."""

    history_wanted = Signal(str, bool)  # (filter text, connections shown): load from the log
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activityLog")
        form = embed_form("activity_panel", self, (0, 0, 0, 0))
        self.filter_edit: QLineEdit = child(form, QLineEdit, "activityFilter")
        self.connections_box: QCheckBox = child(form, QCheckBox, "activityConnections")
        self.clear_button: QPushButton = child(form, QPushButton, "activityClear")
        self.notice_label: QLabel = child(form, QLabel, "activityNotice")
        # A table, not a tree: a tree lays out every row again on each insert, which at
        # 5,000 logged events cost 20-40 ms per refresh.
        self.view: QTableView = child(form, QTableView, "activityView")
        self.placeholder: QLabel = child(form, QLabel, "activityPlaceholder")
        self._stack: QStackedWidget = child(form, QStackedWidget, "activityStack")
        self.view.setMinimumHeight(24)  # the docks may collapse to one line when empty
        self._stack.setMinimumHeight(24)
        self.model = ActivityModel(self)
        self.proxy = ActivityFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view.setModel(self.proxy)
        header = self.view.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        # A fixed width from the widest time format: ResizeToContents would measure every
        # row of a 50,000-event log on each insert.
        header.setSectionResizeMode(ActivityModel.TIME, QHeaderView.ResizeMode.Fixed)
        metrics = self.view.fontMetrics()
        widest = metrics.horizontalAdvance("Wed 30 Sep 00:00  ")
        header.resizeSection(ActivityModel.TIME, widest + 12)
        rows = self.view.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(metrics.height() + 6)
        self.placeholder.setText(EMPTY_TEXT)

        # Typing filters the rows on screen at once; a moment later the whole stored
        # log is searched too, so "5432" finds last Tuesday's line, not just today's.
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.connections_box.toggled.connect(self._on_connections_box_toggled)
        self.clear_button.clicked.connect(self.clear_requested)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved):
            signal.connect(self._sync_placeholder)
        self.proxy.modelReset.connect(self._sync_placeholder)
        self.proxy.layoutChanged.connect(self._sync_placeholder)
        self._sync_placeholder()

    def add_events(self, events: Iterable[Event]) -> None:
        """Show ``events`` on top of the log (the order given is kept)."""
        self.model.prepend(list(events))

    def show_history(self, events: list[Event]) -> None:
        """Replace what is shown with ``events`` from the stored log (newest first)."""
        self.model.reset(events)

    def events(self) -> list[Event]:
        """Every event shown (before filtering), newest first."""
        return self.model.events()

    def set_notice(self, text: str) -> None:
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    def restyle(self) -> None:
        self.model.restyle()

    def wanted(self) -> tuple[str, bool]:
        """What the user asked to see: (filter text, connections shown)."""
        return self.filter_edit.text().strip(), self.proxy.show_connections

    @Slot(str)
    def _on_filter_edit_text_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._search_timer.start()

    @Slot(bool)
    def _on_connections_box_toggled(self, shown: bool) -> None:
        self.proxy.set_show_connections(shown)
        self._search_timer.start()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self.history_wanted.emit(*self.wanted())

    @Slot()
    def _sync_placeholder(self) -> None:
        if self.proxy.rowCount():
            self._stack.setCurrentWidget(self.view)
            return
        if self.model.rowCount() or self.filter_edit.text().strip():
            self.placeholder.setText("No events match this filter.")
        else:
            self.placeholder.setText(EMPTY_TEXT)
        self._stack.setCurrentWidget(self.placeholder)
