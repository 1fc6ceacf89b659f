"""The ports table's model and proxy: rows are `Endpoint` records, updated by diffs.

Colours come from `style`; `FilterCriteria` (core) decides which rows show."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt

from portie_qt import style
from portie_qt.core.endpoints import (
    LISTEN,
    PASSING_STATES,
    Diff,
    Endpoint,
    owner_phrase,
    process_text,
)
from portie_qt.core.filtering import FilterCriteria
from portie_qt.core.ranges import Band, ephemeral_range

PROTOCOL, LOCAL, PORT, REMOTE, STATE, PID, PROCESS, USER, SERVICE, RANGE = range(10)
HEADERS = ("Protocol", "Local Address", "Port", "Remote", "State", "PID", "Process", "User",
           "Service", "Range")  # fmt: skip
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # numbers sort as numbers
ENDPOINT_ROLE = Qt.ItemDataRole.UserRole + 2  # the row's Endpoint record
NEW_ROLE = Qt.ItemDataRole.UserRole + 3  # True for rows that appeared in the last refresh

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
_ANSWERED = frozenset({_Display, _Background, _Foreground, _Font, _Decoration, _ToolTip,
                       _Align, _Sort, _EndpointRole, _NewRole})  # fmt: skip
# Un-highlighting a row changes only these (views may skip the rest; Qt 6.12's proxy
# still re-checks the row's filter and place).
_HIGHLIGHT_ROLES = [_Background, _NewRole]
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def _display(endpoint: Endpoint, column: int):
    if column == PROTOCOL:
        return endpoint.protocol.upper() + ("6" if endpoint.family == "ipv6" else "")
    if column == LOCAL:
        return endpoint.local_address
    if column == PORT:
        return str(endpoint.local_port)
    if column == REMOTE:
        return endpoint.remote or "—"
    if column == STATE:
        return endpoint.state
    if column == PID:
        return "" if endpoint.pid is None else str(endpoint.pid)
    if column == PROCESS:
        return process_text(endpoint)
    if column == USER:
        return endpoint.user or ""
    if column == SERVICE:
        return endpoint.service
    return endpoint.band.title + (" · ephemeral" if endpoint.passing_by else "")


def _sort_key(endpoint: Endpoint, column: int):
    if column == PORT:
        return endpoint.local_port
    if column == PID:
        return -1 if endpoint.pid is None else endpoint.pid
    if column == RANGE:
        return endpoint.local_port  # bands are port spans: sorting by port groups them
    if column == REMOTE:
        return (endpoint.remote_address or "") + f":{endpoint.remote_port or 0:05d}"
    return _display(endpoint, column).lower()


class PortTableModel(QAbstractTableModel):
    """Endpoints as rows. `apply(diff)` updates incrementally: never a reset on refresh."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[Endpoint] = []
        self._keys: list[tuple] = []
        self._row_of: dict[tuple, int] = {}
        self._new: set[tuple] = set()
        self._style = style.current()

    # -- Qt model API -------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=_Display):
        if orientation == Qt.Orientation.Horizontal and role == _Display:
            return HEADERS[section]
        return None

    def data(self, index, role=_Display):
        if role not in _ANSWERED or not index.isValid():
            return None  # CheckState, SizeHint, …: asked per cell per paint, never answered
        endpoint = self.rows[index.row()]
        column = index.column()
        if role == _Display:
            return _display(endpoint, column)
        if role == _Sort:
            return _sort_key(endpoint, column)
        if role == _Background:
            if self._keys[index.row()] in self._new:
                return self._style.new
            if endpoint.passing_by:
                return None
            return self._style.band_brush[endpoint.band]
        if role == _Foreground:
            if column == RANGE:
                return self._style.band_pen[Band.DYNAMIC if endpoint.passing_by else endpoint.band]
            if endpoint.state in PASSING_STATES:
                return self._style.muted
            if column == STATE and endpoint.state == LISTEN:
                return self._style.listen
            return None
        if role == _Font and endpoint.state == LISTEN and column in (PORT, STATE):
            return self._style.bold
        if role == _Decoration and column == RANGE:
            return self._style.band_icon[Band.DYNAMIC if endpoint.passing_by else endpoint.band]
        if role == _Align and column in (PORT, PID):
            return _RIGHT_ALIGNED
        if role == _ToolTip:
            return style.plain_tip(_tooltip(endpoint))
        if role == _EndpointRole:
            return endpoint
        if role == _NewRole:
            return self._keys[index.row()] in self._new
        return None

    # -- updates ------------------------------------------------------------------
    def row_of(self, key: tuple) -> int | None:
        return self._row_of.get(key)

    def restyle(self) -> None:
        """Take the current palette's colours (light/dark switched)."""
        self._style = style.current()
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, RANGE))

    def apply(self, change: Diff) -> None:
        """Apply one refresh's diff: remove, update in place, insert; highlight new rows."""
        last = len(HEADERS) - 1
        previously_new = self._new
        # The first refresh fills an empty table: nothing is "new" to the user yet.
        self._new = set(change.added) if self.rows or previously_new else set()
        # Removals, bottom-up in contiguous blocks so each block is one signal.
        doomed = sorted((self._row_of[k] for k in change.removed if k in self._row_of),
                        reverse=True)  # fmt: skip
        index = 0
        while index < len(doomed):
            top = bottom = doomed[index]
            index += 1
            while index < len(doomed) and doomed[index] == top - 1:
                top = doomed[index]
                index += 1
            self.beginRemoveRows(QModelIndex(), top, bottom)
            del self.rows[top : bottom + 1]
            del self._keys[top : bottom + 1]
            self.endRemoveRows()
        if doomed:
            row_of, keys = self._row_of, self._keys
            for key in change.removed:
                row_of.pop(key, None)
            for row in range(doomed[-1], len(keys)):  # only rows below the first removal moved
                row_of[keys[row]] = row
        # In-place changes (state, owner): every column and the sort may change.
        changed = set()
        for key, (_old, new) in change.changed.items():
            row = self._row_of.get(key)
            if row is not None:
                self.rows[row] = new
                changed.add(row)
        self._emit_changed(sorted(changed), last, None)
        # Rows no longer "new" change colour only.
        faded = {self._row_of[k] for k in previously_new if k in self._row_of} - changed
        self._emit_changed(sorted(faded), last, _HIGHLIGHT_ROLES)
        # Insertions at the end in one block; the proxy sorts them into place.
        if change.added:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(change.added) - 1)
            for row, (key, endpoint) in enumerate(change.added.items(), start=first):
                self.rows.append(endpoint)
                self._keys.append(key)
                self._row_of[key] = row
            self.endInsertRows()

    def _emit_changed(self, rows: list[int], last: int, roles: list[int] | None) -> None:
        """One dataChanged per run of consecutive rows (``rows`` sorted)."""
        index = 0
        while index < len(rows):
            top = bottom = rows[index]
            index += 1
            while index < len(rows) and rows[index] == bottom + 1:
                bottom = rows[index]
                index += 1
            if roles is None:
                self.dataChanged.emit(self.index(top, 0), self.index(bottom, last))
            else:
                self.dataChanged.emit(self.index(top, 0), self.index(bottom, last), roles)


def _tooltip(endpoint: Endpoint) -> str:
    band = endpoint.band
    owner = owner_phrase(endpoint)
    if endpoint.process:
        owner += f", {endpoint.user or 'unknown user'}"
    service = endpoint.service or "no known service"
    ephemeral = (
        f"\nIn this OS's ephemeral range ({ephemeral_range()}): a passing outbound connection"
        if endpoint.passing_by
        else ""
    )
    if endpoint.container is not None:
        if endpoint.pid is not None or endpoint.state == LISTEN:
            owner = f"{endpoint.container.owner}, held on the host by {owner}"
        else:
            owner = f"{endpoint.container.owner}; no host process holds it"
    return (
        f"{endpoint.protocol.upper()} {endpoint.local} — {endpoint.state}\n"
        f"{service}\n{band.title} port ({band.span[0]}–{band.span[1]}): {band.usually}"
        f"{ephemeral}\nOwner: {owner}"
    )


class PortFilterProxy(QSortFilterProxyModel):
    """Sorts by `SORT_ROLE` (numeric where it matters) and filters by `FilterCriteria`."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.criteria = FilterCriteria()
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_criteria(self, criteria: FilterCriteria) -> None:
        if criteria != self.criteria:
            self.beginFilterChange()
            self.criteria = criteria
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        return self.criteria.matches(self.sourceModel().rows[source_row])

    def lessThan(self, left, right) -> bool:
        """The order ``SORT_ROLE`` gives, in one Python call instead of two ``data()`` calls:
        at 10,000 rows a refresh makes thousands of comparisons."""
        rows = self.sourceModel().rows
        column = left.column()
        return _sort_key(rows[left.row()], column) < _sort_key(rows[right.row()], column)
