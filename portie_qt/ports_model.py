"""The ports table's model: every endpoint, of which it shows the filtered ones, sorted.

No QSortFilterProxyModel: at 10,000 rows its per-change bookkeeping cost more than a
frame. The model keeps the shown rows in order itself: a refresh removes, changes in
place and inserts by bisecting a precomputed sort key, each as a ranged signal, never a
reset. Rows arrive from the worker as `core.display.Row` values (texts, sort keys and
look already made), so `data()` is tuple lookups. A big batch of new rows (the first
fill) goes in a slice per event-loop turn, top rows first, so the window keeps painting.

`PortRowDelegate` fills a cell's paint options from the same row in one Python call,
where Qt's own delegate would call `data()` once per role (seven per cell).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from portie_qt import style
from portie_qt.core.display import (
    HEADERS,
    LOCAL,
    PID,
    PORT,
    PROCESS,
    PROTOCOL,
    RANGE,
    REMOTE,
    RIGHT_ALIGNED,
    SERVICE,
    STATE,
    USER,
    Row,
    display_rows,
    tooltip_text,
)
from portie_qt.core.endpoints import Diff, Endpoint
from portie_qt.core.filtering import FilterCriteria

__all__ = [
    "ENDPOINT_ROLE",
    "HEADERS",
    "LOCAL",
    "NEW_ROLE",
    "PID",
    "PORT",
    "PROCESS",
    "PROTOCOL",
    "RANGE",
    "REMOTE",
    "SERVICE",
    "SORT_ROLE",
    "STATE",
    "USER",
    "PortRowDelegate",
    "PortTableModel",
]  # fmt: skip

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # numbers sort as numbers
ENDPOINT_ROLE = Qt.ItemDataRole.UserRole + 2  # the row's Endpoint record
NEW_ROLE = Qt.ItemDataRole.UserRole + 3  # True for rows that appeared in the last refresh
SLICE = 300  # rows inserted per event-loop turn while a big batch goes in
_FEW = 32  # changed rows located one by one; more: the whole table is said to change

# Plain ints: data() runs for every visible cell and role on each paint, and comparing
# ints is several times cheaper than comparing enum members.
_Display = int(Qt.ItemDataRole.DisplayRole)
_Background = int(Qt.ItemDataRole.BackgroundRole)
_Foreground = int(Qt.ItemDataRole.ForegroundRole)
_Font = int(Qt.ItemDataRole.FontRole)
_Decoration = int(Qt.ItemDataRole.DecorationRole)
_ToolTip = int(Qt.ItemDataRole.ToolTipRole)
_Align = int(Qt.ItemDataRole.TextAlignmentRole)
_Sort = int(SORT_ROLE)
_EndpointRole = int(ENDPOINT_ROLE)
_NewRole = int(NEW_ROLE)
# Un-highlighting a row changes only these.
_HIGHLIGHT_ROLES = [_Background, _NewRole]
_ROOT = QModelIndex()
_EVERYTHING = FilterCriteria()  # the default filter lets every row through
_TEXT = QPalette.ColorRole.Text
_HAS_DISPLAY = QStyleOptionViewItem.ViewItemFeature.HasDisplay
_HAS_DISPLAY_AND_DECORATION = _HAS_DISPLAY | QStyleOptionViewItem.ViewItemFeature.HasDecoration
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class PortTableModel(QAbstractTableModel):
    """Endpoints as rows, filtered by `criteria` and sorted by `sort_column`.

    ``apply(diff, rows)`` updates incrementally: never a reset. ``all_rows`` is every
    endpoint (filtered or not); the model's rows are the shown ones. ``settled`` says
    every row of the refreshes applied so far is in the table.
    """

    settled = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._all: dict[tuple, Row] = {}  # every endpoint, in arrival order
        self._seq: dict[tuple, int] = {}  # arrival number: ties sort in arrival order
        self._next_seq = 0
        self._shown: list[Row] = []  # what the view shows, in order
        self._order: list[tuple] = []  # each shown row's (sort key, tie-break), in order
        self._waiting: dict[tuple, Row] = {}  # accepted rows not shown yet (a big batch)
        self._queue: list[Row] = []  # the waiting rows in display order, once sorted
        self._queue_stale = False  # the waiting rows changed since: sort them again
        self._new: set[tuple] = set()
        self.criteria = FilterCriteria()
        self.sort_column = PORT
        self.sort_order = Qt.SortOrder.AscendingOrder
        self._descending = False
        self._filled = False  # the first refresh has been applied
        self._style_maps()
        self._slicer = QTimer(self, singleShot=True, interval=0)
        self._slicer.timeout.connect(self._insert_next_slice)

    # -- Qt model API -------------------------------------------------------------------
    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=_Display):
        if orientation == Qt.Orientation.Horizontal and role == _Display:
            return HEADERS[section]
        return None

    def data(self, index, role=_Display):
        at = index.row()
        if at < 0:
            return None
        if role == _Display:
            return self._shown[at].texts[index.column()]
        if role == _Background:
            row = self._shown[at]
            return self._new_brush if row.key in self._new else self._brushes[row.look.background]
        if role == _Foreground:
            return self._pens[self._shown[at].look.foreground[index.column()]]
        if role == _Font:
            return self._bold if self._shown[at].look.bold[index.column()] else None
        if role == _Decoration:
            return self._markers[self._shown[at].look.marker[index.column()]]
        if role == _Align:
            return _RIGHT if index.column() in RIGHT_ALIGNED else None
        if role == _EndpointRole:
            return self._shown[at].endpoint
        if role == _NewRole:
            return self._shown[at].key in self._new
        if role == _Sort:
            return self._shown[at].sort_keys[index.column()]
        if role == _ToolTip:
            return style.plain_tip(tooltip_text(self._shown[at].endpoint))
        return None  # CheckState, SizeHint, …: asked per cell per paint, never answered

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Order the shown rows by ``column`` (the view's header asks). Selection follows."""
        if column < 0 or column >= len(HEADERS):
            return
        order = Qt.SortOrder(order)
        if (column, order) == (self.sort_column, self.sort_order) and self._shown:
            return
        self.layoutAboutToBeChanged.emit()
        old_rows = self._shown
        self.sort_column, self.sort_order = column, order
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._set_shown(self._sorted(old_rows))
        self._queue_stale = bool(self._waiting)
        self._remap_persistent(old_rows)
        self.layoutChanged.emit()

    # -- what the window asks -----------------------------------------------------------
    @property
    def all_rows(self) -> list[Endpoint]:
        """Every endpoint, filtered or not."""
        return [row.endpoint for row in self._all.values()]

    @property
    def total(self) -> int:
        return len(self._all)

    @property
    def accepted(self) -> int:
        """Rows the filter lets through: shown now, or about to be (a big batch)."""
        return len(self._shown) + len(self._waiting)

    @property
    def busy(self) -> bool:
        """True while a big batch is still going in (``settled`` follows)."""
        return bool(self._waiting)

    def key(self, row: int) -> tuple:
        """The identity of the shown ``row`` (stable across refreshes, unlike the row)."""
        return self._shown[row].key

    def endpoints(self) -> list[Endpoint]:
        """The shown rows' endpoints, in order."""
        return [row.endpoint for row in self._shown]

    def row_of(self, key: tuple) -> int | None:
        """The shown row of the endpoint with identity ``key``, or None."""
        row = self._all.get(key)
        if row is None or key in self._waiting:
            return None
        at = self._find(self._token(row))
        return at if at is not None and self._shown[at].key == key else None

    def paint_options(self, option: QStyleOptionViewItem, index) -> None:
        """Fill ``option`` for painting one cell: what `data()` answers for the text,
        font, colours, marker and alignment, from one row lookup. (The view paints no
        alternating rows and wraps no text, so a cell's features are set, not merged.)"""
        row = self._shown[index.row()]
        column = index.column()
        look = row.look
        option.index = index
        option.text = row.texts[column]
        if look.bold[column]:
            font = QFont(option.font)
            font.setBold(True)
            option.font = font
            option.fontMetrics = QFontMetrics(font)
        pen = self._pens[look.foreground[column]]
        if pen is not None:
            option.palette.setColor(_TEXT, pen)
        brush = self._new_brush if row.key in self._new else self._brushes[look.background]
        if brush is not None:
            option.backgroundBrush = brush
        marker = self._markers[look.marker[column]]
        if marker is None:
            option.features = _HAS_DISPLAY
        else:
            option.icon = marker
            option.decorationSize = marker.actualSize(option.decorationSize)
            option.features = _HAS_DISPLAY_AND_DECORATION
        if column in RIGHT_ALIGNED:
            option.displayAlignment = _RIGHT

    def restyle(self) -> None:
        """Take the current palette's colours (light/dark switched)."""
        self._style_maps()
        if self._shown:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._shown) - 1, RANGE))

    # -- refreshes ------------------------------------------------------------------------
    def apply(self, change: Diff, rows: Mapping[tuple, Row] | None = None) -> None:
        """Apply one refresh: remove, change in place, insert; highlight the new rows.

        ``rows`` are the display rows of every added and changed endpoint (the worker
        makes them); without them they are made here.
        """
        if rows is None:
            rows = display_rows(change)
        previously_new = self._new
        # The first refresh fills an empty table: nothing is "new" to the user yet.
        self._new = set(change.added) if self._filled else set()
        self._filled = True
        doomed: list[Row] = []
        for key in change.removed:
            row = self._all.pop(key, None)
            if row is None:
                continue
            if self._waiting.pop(key, None) is None:
                doomed.append(row)
            else:
                self._queue_stale = True
        self._remove(doomed)
        for key in change.removed:
            self._seq.pop(key, None)
        incoming: list[Row] = []
        touched: list[tuple] = []
        for key in change.changed:
            self._change(rows[key], incoming, touched)
        self._emit_changed(touched, None)
        self._emit_changed(previously_new - change.changed.keys(), _HIGHLIGHT_ROLES)
        # Added rows in bulk (the first fill brings 10,000): a turn of the event loop must
        # stay short however many there are.
        added = [rows[key] for key in change.added]
        first = self._next_seq
        self._next_seq += len(added)
        self._all.update(zip(change.added, added, strict=True))
        self._seq.update(zip(change.added, range(first, self._next_seq), strict=True))
        if self.criteria == _EVERYTHING:
            incoming += added
        else:
            accepts = self.criteria.matches
            incoming += [row for row in added if accepts(row.endpoint, search=row.search)]
        self._insert(incoming)

    def update_rows(self, rows: Mapping[tuple, Row]) -> None:
        """New display rows for endpoints already here, differing only in their Service
        cell (the port data arrived after the first refresh)."""
        known = {key: row for key, row in rows.items() if key in self._all}
        if not known:
            return
        if self.sort_column == SERVICE or self.criteria.text.strip():
            # Rows may move or pass the filter differently: the general path.
            new = self._new
            self.apply(Diff({}, {}, {k: (r.endpoint, r.endpoint) for k, r in known.items()}),
                       known)  # fmt: skip
            self._new = new  # no refresh happened: what was new still is
            return
        # Same places, same filter: swap the rows where they stand (10,000 of them in a
        # few milliseconds, not one signal each).
        self._all.update(known)
        for key in known.keys() & self._waiting.keys():
            self._waiting[key] = known[key]
        for listed in (self._shown, self._queue):
            for at, row in enumerate(listed):
                replaced = known.get(row.key)
                if replaced is not None:
                    listed[at] = replaced
        if self._shown:
            last = self.index(len(self._shown) - 1, len(HEADERS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def set_criteria(self, criteria: FilterCriteria) -> None:
        """Show only what ``criteria`` lets through (rows in, rows out; never a reset)."""
        if criteria == self.criteria:
            return
        self.criteria = criteria
        accepts = criteria.matches
        leaving = [row for row in self._shown if not accepts(row.endpoint, search=row.search)]
        self._remove(leaving)
        shown = {row.key for row in self._shown}
        self._waiting, self._queue = {}, []
        arriving = [row for key, row in self._all.items()
                    if key not in shown and accepts(row.endpoint, search=row.search)]  # fmt: skip
        self._insert(arriving, now=True)

    def finish(self) -> None:
        """Insert every waiting row now (tests, and before the window closes)."""
        if self._waiting:
            self._insert(list(self._waiting.values()), now=True)
            self._waiting, self._queue = {}, []
            self._slicer.stop()
            self.settled.emit()

    # -- the steps ---------------------------------------------------------------------------
    def _admit(self, row: Row) -> None:
        self._all[row.key] = row
        self._seq[row.key] = self._next_seq
        self._next_seq += 1

    def _change(self, new: Row, incoming: list[Row], touched: list[tuple]) -> None:
        """Replace a row; one that stays shown goes in ``touched`` (redrawn after)."""
        key = new.key
        old = self._all.get(key)
        if old is None:  # a change to a row this model never had: treat it as new
            self._admit(new)
            if self.criteria.matches(new.endpoint, search=new.search):
                incoming.append(new)
            return
        self._all[key] = new
        accepted = self.criteria.matches(new.endpoint, search=new.search)
        if key in self._waiting:
            if accepted:
                self._waiting[key] = new
            else:
                del self._waiting[key]
            self._queue_stale = True
            return
        at = self._find(self._token(old))
        if at is None:  # was filtered out
            if accepted:
                incoming.append(new)
            return
        if not accepted:
            self._remove_run(at, at)
            return
        token = self._token(new)
        to = self._slot(token)
        touched.append(key)
        if token == self._order[at] or to in (at, at + 1):  # same place
            self._shown[at], self._order[at] = new, token
            return
        # Its sort key changed: move it (a move keeps its selection, unlike out-and-in).
        self.beginMoveRows(_ROOT, at, at, _ROOT, to)
        del self._shown[at], self._order[at]
        if to > at:
            to -= 1
        self._shown.insert(to, new)
        self._order.insert(to, token)
        self.endMoveRows()

    def _remove(self, rows: list[Row]) -> None:
        """Take those of ``rows`` that are shown out, bottom-up, one signal per run."""
        if not rows:
            return
        found = (self._find(self._token(row)) for row in rows)
        places = sorted((at for at in found if at is not None), reverse=True)
        index = 0
        while index < len(places):
            top = bottom = places[index]
            index += 1
            while index < len(places) and places[index] == top - 1:
                top = places[index]
                index += 1
            self._remove_run(top, bottom)

    def _remove_run(self, top: int, bottom: int) -> None:
        self.beginRemoveRows(_ROOT, top, bottom)
        del self._shown[top : bottom + 1]
        del self._order[top : bottom + 1]
        self.endRemoveRows()

    def _insert(self, rows: list[Row], now: bool = False) -> None:
        """Put ``rows`` in place; beyond one slice (unless ``now``) the rest wait for the
        next event-loop turns, top rows first."""
        if not rows and not self._waiting:
            return
        if not now and (self._waiting or len(rows) > SLICE):
            for row in rows:
                self._waiting[row.key] = row
            self._queue_stale = True
            self._insert_next_slice()
            return
        self._insert_sorted(self._sorted(rows))

    def _insert_next_slice(self) -> None:
        if self._queue_stale:  # sorted once per batch, not once per slice
            self._queue = self._sorted(list(self._waiting.values()))
            self._queue_stale = False
        batch = self._queue[:SLICE]
        del self._queue[:SLICE]
        for row in batch:
            del self._waiting[row.key]
        self._insert_sorted(batch)
        if self._waiting:
            self._slicer.start()
        else:
            self.settled.emit()

    def _insert_sorted(self, rows: list[Row]) -> None:
        """Insert ``rows`` (in display order): rows bound for the same place go in together,
        as one signal; places are filled bottom-up so the ones above stay valid."""
        if not rows:
            return
        tokens = [self._token(row) for row in rows]
        slots = [self._slot(token) for token in tokens]
        end = len(rows)
        while end > 0:
            start = end - 1
            while start > 0 and slots[start - 1] == slots[end - 1]:
                start -= 1
            at = slots[start]
            self.beginInsertRows(_ROOT, at, at + end - start - 1)
            self._shown[at:at] = rows[start:end]
            self._order[at:at] = tokens[start:end]
            self.endInsertRows()
            end = start

    # -- order ------------------------------------------------------------------------------
    def _token(self, row: Row) -> tuple:
        """A row's place in the order: its sort key, then arrival (ties keep arrival order
        whichever way the column sorts, like a stable sort)."""
        seq = self._seq[row.key]
        return (row.sort_keys[self.sort_column], -seq if self._descending else seq)

    def _sorted(self, rows: list[Row]) -> list[Row]:
        """``rows`` in display order (the tokens in one pass: no Python call per row)."""
        column, seq = self.sort_column, self._seq
        if self._descending:
            tokens = [(row.sort_keys[column], -seq[row.key]) for row in rows]
        else:
            tokens = [(row.sort_keys[column], seq[row.key]) for row in rows]
        order = sorted(range(len(rows)), key=tokens.__getitem__, reverse=self._descending)
        return [rows[at] for at in order]

    def _slot(self, token: tuple) -> int:
        """Where a row with ``token`` goes among the shown rows."""
        order = self._order
        if not self._descending:
            return bisect_right(order, token)
        low, high = 0, len(order)
        while low < high:  # the order runs high to low
            middle = (low + high) // 2
            if order[middle] > token:
                low = middle + 1
            else:
                high = middle
        return low

    def _find(self, token: tuple) -> int | None:
        """The shown row holding ``token``, or None."""
        order = self._order
        at = bisect_left(order, token) if not self._descending else self._slot(token)
        return at if at < len(order) and order[at] == token else None

    def _set_shown(self, rows: list[Row]) -> None:
        self._shown = rows
        self._order = [self._token(row) for row in rows]

    def _remap_persistent(self, old_rows: list[Row]) -> None:
        """Point the view's selection and current row at the same endpoints after a sort."""
        persistent = self.persistentIndexList()
        if not persistent:
            return
        new_place = {row.key: at for at, row in enumerate(self._shown)}
        moved = []
        for index in persistent:
            at = new_place.get(old_rows[index.row()].key) if index.row() < len(old_rows) else None
            moved.append(QModelIndex() if at is None else self.index(at, index.column()))
        self.changePersistentIndexList(persistent, moved)

    # -- signals and colours --------------------------------------------------------------
    def _emit_changed(self, keys, roles: list[int] | None) -> None:
        """One dataChanged over the rows of ``keys`` (top to bottom): a view redraws the
        part of that span it shows, and one signal costs less than one per row. Past a
        few dozen rows, scattered over the table, the span is the whole table anyway."""
        if not keys or not self._shown:
            return
        if len(keys) > _FEW:
            places = [0, len(self._shown) - 1]
        else:
            places = [at for at in map(self.row_of, keys) if at is not None]
            if not places:
                return
        top, bottom = self.index(min(places), 0), self.index(max(places), len(HEADERS) - 1)
        if roles is None:
            self.dataChanged.emit(top, bottom)
        else:
            self.dataChanged.emit(top, bottom, roles)

    def _style_maps(self) -> None:
        current = style.current()
        self._new_brush = current.new
        self._brushes = current.row_brushes
        self._pens = current.row_pens
        self._markers = current.row_markers
        self._bold = current.bold


class PortRowDelegate(QStyledItemDelegate):
    """Qt's own item painting, with a cell's options filled by `PortTableModel` at once."""

    def __init__(self, model: PortTableModel, parent=None) -> None:
        super().__init__(parent)
        self._model = model

    def initStyleOption(self, option: QStyleOptionViewItem, index) -> None:  # Qt override
        self._model.paint_options(option, index)
