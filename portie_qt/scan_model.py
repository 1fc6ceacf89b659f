"""The scan dialog's results: ports grouped per host, filled as the scan goes.

With one host the ports are the top-level rows; with several, each host is a row
(its state and counts) whose children are its ports. Open ports come first, by port;
with "List closed and filtered ports" on, filtered then closed ports follow. Closed
and filtered ports are kept as two-byte arrays, and a row is made only when the view
asks for it, so a full scan of 65,535 ports (or of thousands of hosts) costs the UI
thread a few array appends per batch.
"""

from __future__ import annotations

from array import array

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from portie_qt import style
from portie_qt.core.scan import (
    CLOSED,
    FILTERED,
    HOST_UP,
    OPEN,
    PROTOCOL,
    MultiScanReport,
    ScanResult,
    tcp_service,
)
from portie_qt.scan_process import HostInfo

PORT, STATE, SERVICE, PROCESS, BANNER = range(5)
HEADERS = ("Port", "State", "Service", "Process", "Banner")
RESULT_ROLE = Qt.ItemDataRole.UserRole + 2  # the ScanResult of a port row
SCANNING = "scanning…"
_TOP = 0  # internalId of a top-level row; a host's port rows carry host index + 1


class _Host:
    """One host's results so far."""

    __slots__ = ("closed", "filtered", "info", "open", "owners", "state")

    def __init__(self, info: HostInfo) -> None:
        self.info = info
        self.open: list[ScanResult] = []  # ascending by port
        self.filtered = array("H")
        self.closed = array("H")
        self.owners: dict[int, str] = {}
        self.state = ""  # final state once the scan ends; '' while scanning

    def label(self) -> str:
        info = self.info
        return info.address if info.host == info.address else f"{info.host} ({info.address})"

    def shown_state(self) -> str:
        if self.state:
            return self.state
        return HOST_UP if self.open or self.closed else SCANNING

    def counts(self) -> str:
        return (f"{len(self.open)} open · {len(self.closed):,} closed · "
                f"{len(self.filtered):,} filtered")  # fmt: skip

    def rows(self, show_all: bool) -> int:
        return len(self.open) + (len(self.filtered) + len(self.closed) if show_all else 0)

    def result(self, row: int) -> ScanResult:
        if row < len(self.open):
            return self.open[row]
        row -= len(self.open)
        state, ports = (
            (FILTERED, self.filtered) if row < len(self.filtered) else (CLOSED, self.closed)
        )
        port = ports[row - len(self.filtered) if state == CLOSED else row]
        return ScanResult(self.info.host, self.info.address, port, PROTOCOL, state,
                          tcp_service(port))  # fmt: skip

    def open_row(self, port: int) -> int:
        low, high = 0, len(self.open)
        while low < high:
            mid = (low + high) // 2
            if self.open[mid].port < port:
                low = mid + 1
            else:
                high = mid
        return low


class ScanResultsModel(QAbstractItemModel):
    """Scan results per host; see the module doc."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hosts: list[_Host] = []
        self._show_all = False

    # -- data in ----------------------------------------------------------------------------

    def clear(self) -> None:
        self.set_hosts(())

    def set_hosts(self, infos) -> None:
        """The hosts of a new scan (names resolved), none of their ports yet."""
        self.beginResetModel()
        self._hosts = [_Host(info) for info in infos]
        self.endResetModel()

    def add(self, batch) -> None:
        """A batch from a running scan: ``(host index, open results, closed, filtered)``."""
        for index, opened, closed, filtered in batch:
            host = self._hosts[index]
            parent = self._parent_of(index)
            for result in opened:
                row = host.open_row(result.port)
                if row < len(host.open) and host.open[row].port == result.port:
                    continue  # reported twice (never expected): keep one row
                self.beginInsertRows(parent, row, row)
                host.open.insert(row, result)
                self.endInsertRows()
            self._append(host, parent, filtered, closed)
            if self.single:
                continue
            self.dataChanged.emit(self.index(index, 0), self.index(index, BANNER))

    def _append(self, host: _Host, parent: QModelIndex, filtered: bytes, closed: bytes) -> None:
        new_filtered, new_closed = array("H", filtered), array("H", closed)
        if not self._show_all:
            host.filtered += new_filtered
            host.closed += new_closed
            return
        if new_filtered:  # filtered rows come before the closed ones
            first = len(host.open) + len(host.filtered)
            self.beginInsertRows(parent, first, first + len(new_filtered) - 1)
            host.filtered += new_filtered
            self.endInsertRows()
        if new_closed:
            first = host.rows(True)
            self.beginInsertRows(parent, first, first + len(new_closed) - 1)
            host.closed += new_closed
            self.endInsertRows()

    def set_banner(self, index: int, port: int, banner: str) -> None:
        host = self._hosts[index]
        row = host.open_row(port)
        if row < len(host.open) and host.open[row].port == port:
            old = host.open[row]
            host.open[row] = ScanResult(old.host, old.address, port, old.protocol, old.state,
                                        old.service, banner)  # fmt: skip
            self._changed(index, row)

    def set_owners(self, index: int, owners: dict[int, str]) -> None:
        host = self._hosts[index]
        host.owners.update(owners)
        for port in owners:
            row = host.open_row(port)
            if row < len(host.open) and host.open[row].port == port:
                self._changed(index, row)

    def finish(self, report: MultiScanReport) -> None:
        """The scan ended: each host's final state, and its ports in their final order."""
        same_rows = all(
            [r.port for r in host.open] == list(final.open_ports)
            for host, final in zip(self._hosts, report.hosts, strict=False)
        )
        if same_rows and not self._show_all:  # nothing moves: keep selection and scroll
            for host, final in zip(self._hosts, report.hosts, strict=False):
                host.state, host.open = final.state, list(final.open)
                host.filtered, host.closed = array("H", final.filtered), array("H", final.closed)
            self._all_changed()
            return
        self.beginResetModel()  # closed and filtered rows are sorted: a new order
        for host, final in zip(self._hosts, report.hosts, strict=False):
            host.state, host.open = final.state, list(final.open)
            host.filtered, host.closed = array("H", final.filtered), array("H", final.closed)
        self.endResetModel()

    def load_report(self, report: MultiScanReport, owners=None) -> None:
        """Show a finished report (a scan reopened from the history)."""
        self.beginResetModel()
        self._hosts = []
        for final in report.hosts:
            target = final.target
            host = _Host(HostInfo(target.host, target.address, False, target.note))
            host.state = final.state
            host.open = list(final.open)
            host.filtered = array("H", final.filtered)
            host.closed = array("H", final.closed)
            self._hosts.append(host)
        self.endResetModel()

    def set_show_all(self, show: bool) -> None:
        if show != self._show_all:
            self.beginResetModel()
            self._show_all = show
            self.endResetModel()

    # -- data out ---------------------------------------------------------------------------

    @property
    def single(self) -> bool:
        return len(self._hosts) == 1

    def host_count(self) -> int:
        return len(self._hosts)

    def host_index(self, index: int) -> QModelIndex:
        """The row of host ``index`` (only with several hosts)."""
        return self.index(index, 0) if not self.single else QModelIndex()

    def counts(self) -> dict[str, int]:
        return {
            OPEN: sum(len(h.open) for h in self._hosts),
            CLOSED: sum(len(h.closed) for h in self._hosts),
            FILTERED: sum(len(h.filtered) for h in self._hosts),
        }

    def restyle(self) -> None:
        self._all_changed()  # every visible cell asks for its colours again

    def _all_changed(self) -> None:
        top = self.rowCount()
        if not top:
            return
        self.dataChanged.emit(self.index(0, 0), self.index(top - 1, BANNER))
        if not self.single:
            for row in range(top):
                parent = self.index(row, 0)
                rows = self.rowCount(parent)
                if rows:
                    self.dataChanged.emit(self.index(0, 0, parent),
                                          self.index(rows - 1, BANNER, parent))  # fmt: skip

    def _parent_of(self, index: int) -> QModelIndex:
        return QModelIndex() if self.single else self.index(index, 0)

    def _changed(self, host: int, row: int) -> None:
        parent = self._parent_of(host)
        self.dataChanged.emit(self.index(row, 0, parent), self.index(row, BANNER, parent))

    def _host_of(self, index: QModelIndex | QPersistentModelIndex) -> tuple[int, bool]:
        """(host index, is a port row) of a valid index."""
        ident = index.internalId()
        if ident == _TOP:
            return (0, True) if self.single else (index.row(), False)
        return ident - 1, True

    # -- Qt's model interface ---------------------------------------------------------------

    def index(self, row: int, column: int, parent=QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, id=_TOP)
        return self.createIndex(row, column, id=parent.row() + 1)

    def parent(self, index=QModelIndex()):  # noqa: B008 - Qt's signature
        if not index.isValid() or index.internalId() == _TOP:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, id=_TOP)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            if self.single:
                return self._hosts[0].rows(self._show_all)
            return len(self._hosts)
        if self.single or parent.internalId() != _TOP or parent.column() != 0:
            return 0
        return self._hosts[parent.row()].rows(self._show_all)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        host_index, is_port = self._host_of(index)
        host = self._hosts[host_index]
        column = index.column()
        if not is_port:
            return self._host_data(host, column, role)
        result = host.result(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            owner = host.owners.get(result.port, "") if result.state == OPEN else ""
            return (f"{result.port}/{result.protocol}", result.state, result.service, owner,
                    result.banner or "")[column]  # fmt: skip
        if role == RESULT_ROLE:
            return result
        if role == Qt.ItemDataRole.FontRole and result.state == OPEN and column == STATE:
            return style.current().bold
        if role == Qt.ItemDataRole.ForegroundRole and result.state != OPEN:
            return style.current().muted_brush
        if role == Qt.ItemDataRole.ToolTipRole and column == BANNER and result.banner:
            return style.plain_tip(result.banner)
        return None

    @staticmethod
    def _host_data(host: _Host, column: int, role):
        if role == Qt.ItemDataRole.DisplayRole:
            return (host.label(), host.shown_state(), host.counts(), "",
                    host.info.note)[column]  # fmt: skip
        if role == Qt.ItemDataRole.FontRole and column in (PORT, STATE):
            return style.current().bold
        if role == Qt.ItemDataRole.ForegroundRole and host.shown_state() != HOST_UP:
            return style.current().muted_brush
        return None
