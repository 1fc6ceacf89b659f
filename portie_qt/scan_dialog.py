"""Tools → Scan Remote Host…: a TCP connect scan of another computer, filled in live.

The dialog resolves the host and scans on its own pool, through ``run_in_pool``: the
ports are dealt into batches with the same split the terminal uses
(``core.scan.split_batches``), each batch runs the Qt-free engine and reports results
as it goes, and the batches' reports are merged with ``ScanReport.merge``. The UI
thread never touches a socket. Cancel (or closing the dialog) sets one event every
batch checks.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSettings,
    QStringListModel,
    Qt,
    QThreadPool,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
)

from portie_qt import style
from portie_qt.core import scan as scanner
from portie_qt.core.export import save_scan
from portie_qt.core.scan import CLOSED, FILTERED, OPEN, ScanReport, ScanResult, ScanTarget
from portie_qt.entitlements import Entitlements
from portie_qt.jobs import Job, run_in_pool
from portie_qt.settings import read_str_list
from portie_qt.ui_loader import child, embed_form

PORT, STATE, SERVICE, BANNER = range(4)
HEADERS = ("Port", "State", "Service", "Banner")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RESULT_ROLE = Qt.ItemDataRole.UserRole + 2

# (label, spec) for the preset combo; "custom" leaves the ports field to the user.
PRESETS = (("Top 100 ports", "top100"), ("Top 1000 ports", "top1000"),
           ("All ports (1–65535)", "all"), ("Custom…", None))  # fmt: skip
CUSTOM = len(PRESETS) - 1
RECENT_KEY = "scan/recent_hosts"
REMINDED_KEY = "scan/reminded_hosts"
RECENT_MAX = 10
MAX_BATCHES = 4  # runnables per scan; the engine keeps thousands of connects in flight each
MIN_BATCH = 256
REMINDER = (
    "Scan only computers you own or have permission to scan: probing other people's "
    "machines can break network rules or the law."
)
_STATE_ORDER = {OPEN: 0, FILTERED: 1, CLOSED: 2}


def _row_order(result: ScanResult) -> tuple[int, int]:
    return _STATE_ORDER[result.state], result.port


class ScanResultsModel(QAbstractTableModel):
    """Scan results: open ports first (by port), then, when shown, filtered and closed."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open: list[ScanResult] = []
        self._others: list[ScanResult] = []
        self._show_all = False

    # -- data in --------------------------------------------------------------------------

    def clear(self) -> None:
        self.beginResetModel()
        self._open, self._others = [], []
        self.endResetModel()

    def add(self, results: tuple[ScanResult, ...]) -> None:
        """New results from a running scan: open ones slot in by port, others append.

        An open port seen again (its banner arrived) replaces its row.
        """
        for result in results:
            if result.state == OPEN:
                row = self._open_row(result.port)
                if row < len(self._open) and self._open[row].port == result.port:
                    self._open[row] = result  # the same port again, now with its banner
                    self.dataChanged.emit(self.index(row, 0), self.index(row, BANNER))
                    continue
                self.beginInsertRows(QModelIndex(), row, row)
                self._open.insert(row, result)
                self.endInsertRows()
        others = [r for r in results if r.state != OPEN]
        if not others:
            return
        if self._show_all:
            first = self.rowCount()
            self.beginInsertRows(QModelIndex(), first, first + len(others) - 1)
            self._others.extend(others)
            self.endInsertRows()
        else:
            self._others.extend(others)

    def finish(self) -> None:
        """Put closed and filtered rows in their final order once a scan ends."""
        if self._show_all:
            self.layoutAboutToBeChanged.emit()
            self._others.sort(key=_row_order)
            self.layoutChanged.emit()
        else:
            self._others.sort(key=_row_order)

    def set_show_all(self, show: bool) -> None:
        if show != self._show_all:
            self.beginResetModel()
            self._show_all = show
            self.endResetModel()

    def _open_row(self, port: int) -> int:
        low, high = 0, len(self._open)
        while low < high:
            mid = (low + high) // 2
            if self._open[mid].port < port:
                low = mid + 1
            else:
                high = mid
        return low

    # -- data out -------------------------------------------------------------------------

    def results(self) -> list[ScanResult]:
        """Every result so far (shown or not), ascending by port."""
        return sorted([*self._open, *self._others], key=lambda r: r.port)

    def counts(self) -> dict[str, int]:
        counts = {OPEN: len(self._open), CLOSED: 0, FILTERED: 0}
        for result in self._others:
            counts[result.state] += 1
        return counts

    def restyle(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, BANNER))

    def result_at(self, row: int) -> ScanResult:
        return self._open[row] if row < len(self._open) else self._others[row - len(self._open)]

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        if parent.isValid():
            return 0
        return len(self._open) + (len(self._others) if self._show_all else 0)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        result = self.result_at(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (f"{result.port}/{result.protocol}", result.state, result.service,
                    result.banner or "")[column]  # fmt: skip
        if role == SORT_ROLE:
            return (result.port, _STATE_ORDER[result.state], result.service,
                    result.banner or "")[column]  # fmt: skip
        if role == RESULT_ROLE:
            return result
        if role == Qt.ItemDataRole.FontRole and result.state == OPEN and column == STATE:
            return style.current().bold
        if role == Qt.ItemDataRole.ForegroundRole and result.state != OPEN:
            return style.current().muted_brush
        if role == Qt.ItemDataRole.ToolTipRole and column == BANNER and result.banner:
            return result.banner
        return None


# --- work on the pool (each function runs on a pool thread) --------------------------------


def _resolve(host: str) -> tuple[ScanTarget, bool]:
    """Resolve the host (DNS can take seconds) and say whether it is this machine."""
    target = scanner.resolve_target(host)
    try:
        local = scanner.is_this_machine(target.address)
    except OSError:  # interfaces unreadable: treat it as another machine (remind)
        local = False
    return target, local


def _scan_batch(report, target: ScanTarget, ports: list[int], options: dict,
                cancel: threading.Event) -> ScanReport:  # fmt: skip
    """Scan one batch; results and progress go out through ``report`` in small tuples."""
    pending: list[ScanResult] = []

    def send() -> None:
        if pending:
            report(("results", tuple(pending)))
            pending.clear()

    def on_progress(done: int, _total: int, _open: int) -> None:
        send()
        report(("progress", done))

    result = scanner.scan(target, ports, cancel=cancel, on_result=pending.append,
                          on_progress=on_progress, **options)  # fmt: skip
    send()
    return result


# --- the dialog --------------------------------------------------------------------------


class ScanDialog(QDialog):
    """Scan a host's TCP ports and watch the results arrive."""

    scan_finished = Signal(object)  # ScanReport of the whole run (merged batches), or None

    def __init__(self, settings: QSettings, entitlements: Entitlements, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ScanDialog")
        self.setWindowTitle("Scan Remote Host — Portie")
        self.settings = settings
        self._entitlements = entitlements
        form = embed_form("scan_dialog.ui", self, (6, 6, 6, 6))
        self.host_edit: QLineEdit = child(form, QLineEdit, "hostEdit")
        self.preset_combo: QComboBox = child(form, QComboBox, "presetCombo")
        self.ports_edit: QLineEdit = child(form, QLineEdit, "portsEdit")
        self.timeout_spin: QDoubleSpinBox = child(form, QDoubleSpinBox, "timeout")
        self.concurrency_spin: QSpinBox = child(form, QSpinBox, "concurrency")
        self.banners_check: QCheckBox = child(form, QCheckBox, "bannersCheck")
        self.reminder_frame: QFrame = child(form, QFrame, "reminderFrame")
        self.reminder_label: QLabel = child(form, QLabel, "reminderLabel")
        self.reminder_dismiss: QPushButton = child(form, QPushButton, "reminderDismissButton")
        self.start_button: QPushButton = child(form, QPushButton, "startButton")
        self.cancel_button: QPushButton = child(form, QPushButton, "cancelButton")
        self.progress_bar: QProgressBar = child(form, QProgressBar, "progressBar")
        self.status_label: QLabel = child(form, QLabel, "statusLabel")
        self.results_table: QTableView = child(form, QTableView, "resultsTable")
        self.counts_label: QLabel = child(form, QLabel, "countsLabel")
        self.show_all_check: QCheckBox = child(form, QCheckBox, "showAllCheck")
        self.export_csv_button: QPushButton = child(form, QPushButton, "exportCsvButton")
        self.export_json_button: QPushButton = child(form, QPushButton, "exportJsonButton")

        self.model = ScanResultsModel(self)
        self.results_table.setModel(self.model)
        rows = self.results_table.verticalHeader()
        rows.hide()
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)  # compact, like a list
        header = self.results_table.horizontalHeader()
        header.setSectionResizeMode(BANNER, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(PORT, 90)
        header.resizeSection(STATE, 80)
        header.resizeSection(SERVICE, 200)
        self.reminder_label.setText(REMINDER)
        self.reminder_frame.hide()
        for label, spec in PRESETS:
            self.preset_combo.addItem(label, spec)
        self._recent = QStringListModel(self.recent_hosts(), self)
        completer = QCompleter(self._recent, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.host_edit.setCompleter(completer)
        if self._recent.stringList():
            self.host_edit.setText(self._recent.stringList()[0])

        self.pool = QThreadPool(self)  # scans run for seconds: not on the shared pool
        self.pool.setMaxThreadCount(MAX_BATCHES + 1)
        self._run_id = 0
        self._cancel = threading.Event()
        self._running = False
        self._ports: list[int] = []
        self._target: ScanTarget | None = None
        self._batch_done: dict[int, int] = {}
        self._reports: dict[int, ScanReport] = {}
        self._batches = 0
        self.last_report: ScanReport | None = None

        self.preset_combo.currentIndexChanged.connect(self._on_preset_changed)
        self.ports_edit.textChanged.connect(self._on_ports_text_changed)
        self.start_button.clicked.connect(self.start_scan)
        self.host_edit.returnPressed.connect(self.start_scan)
        self.cancel_button.clicked.connect(self.cancel_scan)
        self.reminder_dismiss.clicked.connect(self.reminder_frame.hide)
        self.show_all_check.toggled.connect(self.model.set_show_all)
        self.export_csv_button.clicked.connect(lambda: self._on_export_clicked("csv"))
        self.export_json_button.clicked.connect(lambda: self._on_export_clicked("json"))
        self.preset_combo.setCurrentIndex(1)
        self._on_preset_changed(1)
        self._update_counts()
        self.resize(780, 580)

    # -- public -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    def recent_hosts(self) -> list[str]:
        return read_str_list(self.settings, RECENT_KEY, RECENT_MAX)

    @Slot()
    def start_scan(self) -> None:
        """Check the inputs and the licence, then resolve and scan on the pool."""
        if self._running:
            return
        try:
            ports = scanner.parse_ports(self.ports_edit.text())
        except scanner.PortSpecError as exc:
            self._show_error(str(exc))
            self.ports_edit.setFocus()
            return
        host = self.host_edit.text().strip()
        if not host:
            self._show_error("Enter a host name or IP address to scan.")
            self.host_edit.setFocus()
            return
        if not self._entitlements.allows("remote_scan"):  # removed while the dialog was open
            self._show_error("Remote scanning is a paid feature: unlock Portie to scan.")
            self._entitlements.unlock_requested.emit("remote_scan")
            return
        self._run_id += 1
        run_id = self._run_id
        self._cancel = threading.Event()
        self._ports, self._target = ports, None
        self._batch_done, self._reports, self._batches = {}, {}, 0
        self.last_report = None
        self.model.clear()
        self.progress_bar.setRange(0, 0)  # busy until the host is resolved
        self._set_running(True)
        self._show_status(f"Resolving {host}…")
        self._update_counts()
        job = run_in_pool(self.pool, _resolve, host)
        job.finished.connect(lambda resolved: self._on_resolved(run_id, resolved))
        job.failed.connect(lambda message: self._on_failed(run_id, message))

    @Slot()
    def cancel_scan(self) -> None:
        """Stop every batch of the current scan; results so far stay listed."""
        if not self._running:
            return
        self._cancel.set()
        if self._target is None:  # still resolving: nothing to wait for
            self._finish(cancelled=True)
        else:
            self._show_status("Cancelling…")

    def save_results(self, path: str) -> Job:
        """Write the last scan's results to ``path`` (CSV or JSON by its name), off-thread."""
        job = run_in_pool(self.pool, save_scan, path, self.last_report)
        job.finished.connect(lambda count: self._show_status(f"Saved {count} results to {path}."))
        job.failed.connect(
            lambda message: self._show_error(
                f"Could not write {path}: {message} Choose another folder."
            )
        )
        return job

    # -- closing ----------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Closing the dialog (Esc, close button) cancels a running scan."""
        self.cancel_scan()
        super().done(result)

    def closeEvent(self, event) -> None:  # Qt override
        self.cancel_scan()
        super().closeEvent(event)

    def changeEvent(self, event) -> None:  # Qt override
        if event.type() == QEvent.Type.PaletteChange:
            style.restyle(self)
            self.model.restyle()
        super().changeEvent(event)

    # -- results from the pool --------------------------------------------------------------

    def _on_resolved(self, run_id: int, resolved) -> None:
        if run_id != self._run_id or not self._running:
            return
        target, local = resolved
        self._target = target
        self._remember(target.host)
        if not local:
            self._remind(target)
        batches = scanner.split_batches(
            self._ports, max(1, min(MAX_BATCHES, len(self._ports) // MIN_BATCH))
        )
        self._batches = len(batches)
        options = {
            "timeout": self.timeout_spin.value(),
            "concurrency": max(1, self.concurrency_spin.value() // len(batches)),
            "banners": self.banners_check.isChecked(),
        }
        self.progress_bar.setRange(0, len(self._ports))
        self.progress_bar.setValue(0)
        where = (
            target.address if target.address == target.host else f"{target.host} ({target.address})"
        )
        note = f" {target.note}" if target.note else ""
        self._show_status(f"Scanning {len(self._ports)} ports on {where}…{note}")
        for number, ports in enumerate(batches):
            self._batch_done[number] = 0
            job = run_in_pool(self.pool, _scan_batch, target, ports, options, self._cancel,
                              progress=True)  # fmt: skip
            job.progressed.connect(
                lambda update, number=number: self._on_batch_progressed(run_id, number, update)
            )
            job.finished.connect(
                lambda report, number=number: self._on_batch_finished(run_id, number, report)
            )
            job.failed.connect(lambda message: self._on_failed(run_id, message))

    def _on_batch_progressed(self, run_id: int, batch: int, update) -> None:
        if run_id != self._run_id or not self._running:
            return
        kind, value = update
        if kind == "results":
            self.model.add(value)
            self._update_counts()
        else:
            self._batch_done[batch] = value
            self.progress_bar.setValue(sum(self._batch_done.values()))

    def _on_batch_finished(self, run_id: int, batch: int, report: ScanReport) -> None:
        if run_id != self._run_id or not self._running:
            return
        self._reports[batch] = report
        if len(self._reports) == self._batches:
            self._finish(cancelled=any(r.cancelled for r in self._reports.values()))

    def _on_failed(self, run_id: int, message: str) -> None:
        if run_id != self._run_id or not self._running:
            return
        self._cancel.set()  # stop the sibling batches too
        self._finish(cancelled=True)
        self._show_error(message)

    # -- helpers ----------------------------------------------------------------------------

    def _finish(self, cancelled: bool) -> None:
        self.model.finish()
        self._running = False
        if self._target is not None and self._reports:
            self.last_report = ScanReport.merge(
                self._target, list(self._reports.values()), len(self._ports), cancelled
            )
            self._show_status(self.last_report.summary())
        else:
            self._show_status("Scan cancelled." if cancelled else "")
        if cancelled and self.progress_bar.maximum() == 0:
            self.progress_bar.setRange(0, 1)
            self.progress_bar.setValue(0)
        elif not cancelled:
            self.progress_bar.setValue(self.progress_bar.maximum())
        self._set_running(False)
        self._update_counts()
        self.scan_finished.emit(self.last_report)

    def _set_running(self, running: bool) -> None:
        self._running = running
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for widget in (self.host_edit, self.preset_combo, self.ports_edit, self.timeout_spin,
                       self.concurrency_spin, self.banners_check):  # fmt: skip
            widget.setEnabled(not running)
        has_results = not running and self.last_report is not None
        self.export_csv_button.setEnabled(has_results)
        self.export_json_button.setEnabled(has_results)

    def _update_counts(self) -> None:
        counts = self.model.counts()
        self.counts_label.setText(
            f"{counts[OPEN]} open · {counts[CLOSED]} closed · {counts[FILTERED]} filtered"
        )

    def _show_status(self, text: str) -> None:
        style.set_tone(self.status_label, "hint")
        self.status_label.setText(text)

    def _show_error(self, text: str) -> None:
        style.set_tone(self.status_label, "error")
        self.status_label.setText(text)

    def _remember(self, host: str) -> None:
        hosts = [host, *(h for h in self.recent_hosts() if h != host)][:RECENT_MAX]
        self.settings.setValue(RECENT_KEY, hosts)
        self._recent.setStringList(hosts)

    def _remind(self, target: ScanTarget) -> None:
        """First scan of another machine: a one-time, non-blocking reminder for that host."""
        reminded = read_str_list(self.settings, REMINDED_KEY, 1000)
        if target.host in reminded:
            return
        self.settings.setValue(REMINDED_KEY, [*reminded, target.host])
        self.reminder_frame.show()

    @Slot(int)
    def _on_preset_changed(self, index: int) -> None:
        spec = self.preset_combo.itemData(index)
        if spec is not None:
            self.ports_edit.setText(spec)

    @Slot(str)
    def _on_ports_text_changed(self, text: str) -> None:
        # Any spec other than the preset's own (typed or set) makes the choice "Custom…".
        spec = self.preset_combo.currentData()
        if spec is not None and text.strip().lower() != spec:
            self.preset_combo.blockSignals(True)
            self.preset_combo.setCurrentIndex(CUSTOM)
            self.preset_combo.blockSignals(False)

    def _on_export_clicked(self, fmt: str) -> None:
        host = self._target.host if self._target else "scan"
        suggested = f"portie-scan-{host}.{fmt}".replace(":", "_")
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export Scan Results", suggested,
            "CSV files (*.csv)" if fmt == "csv" else "JSON files (*.json)",
        )  # fmt: skip
        if path:
            self.save_results(path)
