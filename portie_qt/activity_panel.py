"""The activity log panel: what happened, newest on top, filterable and clearable.

`ActivityPanel.add_events(events)` shows events; keeping them on disk is the store's
job (`WatchController` does both). At creation the panel shows the newest rows of the
store's history; the store is bounded and reads are limited (about 15 ms for 1,000
rows of a full 50,000-event log), so they stay on the UI thread.
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
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedLayout,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from portie_qt.core.activity import (
    CONNECTIONS_CLOSED,
    CONNECTIONS_OPENED,
    LISTEN_STARTED,
    LISTEN_STOPPED,
    OWNER_CHANGED,
    Event,
)
from portie_qt.core.activity_store import LISTENER_KINDS, ActivityStore

HISTORY_ROWS = 1000  # rows read from the store when the panel opens
MAX_ROWS = 5000  # rows kept on screen; older ones stay in the store
SEARCH_DELAY_MS = 250  # pause in typing before the stored log is searched
EMPTY_TEXT = (
    "Nothing has happened yet. New listeners, owner changes and bursts of "
    "connections will appear here."
)

_KIND_COLOURS = {
    LISTEN_STARTED: "#2e9d4f",
    LISTEN_STOPPED: "#8a8f98",
    OWNER_CHANGED: "#e08a00",
    CONNECTIONS_OPENED: "#4a7fd6",
    CONNECTIONS_CLOSED: "#a9bde0",
}
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
        self._dots: dict[str, QIcon] = {}

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
            return self._dot(event.kind)
        if role == Qt.ItemDataRole.ToolTipRole:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(event.timestamp))
            return f"{stamp} · {_KIND_TITLES.get(event.kind, event.kind)}\n{event.message}"
        if role == EventRole:
            return event
        return None

    def _dot(self, kind: str) -> QIcon:
        """A small coloured dot per kind, so starts, stops and owner changes stand out."""
        icon = self._dots.get(kind)
        if icon is None:
            pixmap = QPixmap(12, 12)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(_KIND_COLOURS.get(kind, "#888888")))
            painter.drawEllipse(2, 2, 8, 8)
            painter.end()
            icon = self._dots[kind] = QIcon(pixmap)
        return icon

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
        # Qt 6.10 deprecates invalidateFilter() for begin/endFilterChange(); older Qt
        # (the project allows 6.6+) has only the former.
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        model = self.sourceModel()
        event = model.data(model.index(source_row, ActivityModel.EVENT, source_parent), EventRole)
        if event is None:
            return False
        if not self.show_connections and event.kind in _CONNECTION_KINDS:
            return False
        return not self._needle or self._needle in event.message.casefold()


class ActivityPanel(QWidget):
    """Timestamped activity log with a filter field and a Clear button."""

    cleared = Signal()

    def __init__(
        self,
        store: ActivityStore | None = None,
        parent: QWidget | None = None,
        *,
        history_rows: int = HISTORY_ROWS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("activityLog")
        self.store = store
        self.model = ActivityModel(self)
        self.proxy = ActivityFilter(self)
        self.proxy.setSourceModel(self.model)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("activityFilter")
        self.filter_edit.setPlaceholderText("Filter by port, process or word")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.connections_box = QCheckBox("Connections", self)
        self.connections_box.setObjectName("activityConnections")
        self.connections_box.setToolTip("Also show processes opening and closing connections")
        self.connections_box.setChecked(True)
        self.connections_box.toggled.connect(self._on_connections_box_toggled)
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.setObjectName("activityClear")
        self.clear_button.setToolTip("Forget all recorded activity")
        self.clear_button.clicked.connect(self.clear)

        self.notice_label = QLabel(self)
        self.notice_label.setObjectName("activityNotice")
        self.notice_label.setWordWrap(True)
        self.notice_label.setVisible(False)

        self.view = QTreeView(self)
        self.view.setObjectName("activityView")
        self.view.setModel(self.proxy)
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QTreeView.SelectionBehavior.SelectRows)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.view.header()
        header.setStretchLastSection(True)
        # A fixed width from the widest time format: ResizeToContents would measure every
        # row of a 50,000-event log on each insert.
        header.setSectionResizeMode(ActivityModel.TIME, QHeaderView.ResizeMode.Fixed)
        widest = self.view.fontMetrics().horizontalAdvance("Wed 30 Sep 00:00  ")
        header.resizeSection(ActivityModel.TIME, widest + 2 * self.view.indentation())

        self.placeholder = QLabel(EMPTY_TEXT, self)
        self.placeholder.setObjectName("activityPlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)  # drawn in the muted text colour

        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.connections_box)
        bar.addWidget(self.clear_button)
        self._stack = QStackedLayout()
        self._stack.addWidget(self.view)
        self._stack.addWidget(self.placeholder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.notice_label)
        layout.addLayout(self._stack, 1)

        # Typing filters the rows on screen at once; a moment later the whole stored
        # log is searched too, so "5432" finds last Tuesday's line, not just today's.
        self._history_rows = history_rows
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)

        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved):
            signal.connect(self._sync_placeholder)
        self.proxy.modelReset.connect(self._sync_placeholder)
        self.proxy.layoutChanged.connect(self._sync_placeholder)
        self.reload()
        self._sync_placeholder()

    @Slot()
    def reload(self) -> None:
        """Show the store's events matching the filter (its history when unfiltered)."""
        if self.store is None:
            return
        needle = self.filter_edit.text().strip()
        if not needle and self.proxy.show_connections:
            events = self.store.history(self._history_rows)
        else:
            kinds = None if self.proxy.show_connections else LISTENER_KINDS
            events = self.store.recent(self._history_rows, text_filter=needle or None, kinds=kinds)
        self.model.reset(events)
        self.set_notice(self.store.notice)

    def add_events(self, events: Iterable[Event]) -> None:
        """Show ``events`` on top of the log (the order given is kept)."""
        self.model.prepend(list(events))

    def events(self) -> list[Event]:
        """Every event shown (before filtering), newest first."""
        return self.model.events()

    def visible_messages(self) -> list[str]:
        """Messages of the rows the filter lets through, top to bottom."""
        return [
            self.proxy.index(row, ActivityModel.EVENT).data()
            for row in range(self.proxy.rowCount())
        ]

    def set_notice(self, text: str) -> None:
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    @Slot()
    def clear(self) -> None:
        """Forget every event, on screen and in the store."""
        if self.store is not None:
            self.store.clear()
            self.set_notice(self.store.notice)
        self.model.reset([])
        self.cleared.emit()

    @Slot(str)
    def _on_filter_edit_text_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._search_timer.start()

    @Slot(bool)
    def _on_connections_box_toggled(self, shown: bool) -> None:
        self.proxy.set_show_connections(shown)
        self._search_timer.start()

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
