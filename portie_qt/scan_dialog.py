"""Tools → Scan Remote Host…: a TCP connect scan of one or many hosts, filled in live.

The scan runs in a worker process of its own (`ScanProcess`, `core.scan.worker`), so
the window's UI thread never competes with the scan loop: it only adds the batches
the worker streams to the model (`ScanResultsModel`), a few a second. Open ports show
as they are found, with the owning process when the host is this machine; Cancel
keeps what was found. Every finished scan is kept in the scan history: the dialog
says what changed since the last scan of the same hosts, and past scans can be
reopened and exported. Nothing here touches a socket, a subprocess or the disk on the
UI thread.
"""

from __future__ import annotations

import time

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
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
    QStyledItemDelegate,
    QTreeView,
)

from portie_qt import style
from portie_qt.core import scan as scanner
from portie_qt.core.export import save_scan
from portie_qt.core.scan import CLOSED, FILTERED, OPEN, MultiScanReport
from portie_qt.core.scan.history import PastScan, ScanHistory
from portie_qt.entitlements import Entitlements
from portie_qt.forms import child, embed_form
from portie_qt.jobs import Job, run_in_pool
from portie_qt.scan_model import (
    BANNER,
    PORT,
    PROCESS,
    RESULT_ROLE,
    SERVICE,
    STATE,
    ScanResultsModel,
)
from portie_qt.scan_process import ScanOutcome, ScanProcess
from portie_qt.settings import read_str_list

# (label, spec) for the preset combo; "custom" leaves the ports field to the user.
PRESETS = (("Top 100 ports", "top100"), ("Top 1000 ports", "top1000"),
           ("All ports (1–65535)", "all"), ("Custom…", None))  # fmt: skip
CUSTOM = len(PRESETS) - 1
RECENT_KEY = "scan/recent_hosts"
REMINDED_KEY = "scan/reminded_hosts"
RECENT_MAX = 10
HISTORY_SHOWN = 100  # past scans listed in the history menu
REMINDER = (
    "Scan only computers you own or have permission to scan: probing other people's "
    "machines can break network rules or the law."
)
LOCKED = "Remote scanning is a paid feature: unlock Portie to scan."


class ScanDialog(QDialog):
    """Scan hosts' TCP ports and watch the results arrive."""

    scan_finished = Signal(object)  # the MultiScanReport of the run, or None (failed)
    history_loaded = Signal(object)  # list[PastScan] shown in the history menu

    def __init__(self, settings: QSettings, entitlements: Entitlements, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ScanDialog")
        self.setWindowTitle("Scan Remote Host — Portie")
        self.settings = settings
        self._entitlements = entitlements
        form = embed_form("scan_dialog", self, (6, 6, 6, 6))
        self.host_edit: QLineEdit = child(form, QLineEdit, "hostEdit")
        self.preset_combo: QComboBox = child(form, QComboBox, "presetCombo")
        self.ports_edit: QLineEdit = child(form, QLineEdit, "portsEdit")
        self.timeout_spin: QDoubleSpinBox = child(form, QDoubleSpinBox, "timeout")
        self.concurrency_spin: QSpinBox = child(form, QSpinBox, "concurrency")
        self.banners_check: QCheckBox = child(form, QCheckBox, "bannersCheck")
        self.reminder_frame: QFrame = child(form, QFrame, "reminderFrame")
        self.reminder_label: QLabel = child(form, QLabel, "reminderLabel")
        self.reminder_dismiss: QPushButton = child(form, QPushButton, "reminderDismissButton")
        self.confirm_frame: QFrame = child(form, QFrame, "confirmFrame")
        self.confirm_label: QLabel = child(form, QLabel, "confirmLabel")
        self.confirm_button: QPushButton = child(form, QPushButton, "confirmScanButton")
        self.confirm_cancel: QPushButton = child(form, QPushButton, "confirmCancelButton")
        self.start_button: QPushButton = child(form, QPushButton, "startButton")
        self.cancel_button: QPushButton = child(form, QPushButton, "cancelButton")
        self.progress_bar: QProgressBar = child(form, QProgressBar, "progressBar")
        self.status_label: QLabel = child(form, QLabel, "statusLabel")
        self.changes_label: QLabel = child(form, QLabel, "changesLabel")
        self.results_table: QTreeView = child(form, QTreeView, "resultsTable")
        self.counts_label: QLabel = child(form, QLabel, "countsLabel")
        self.show_all_check: QCheckBox = child(form, QCheckBox, "showAllCheck")
        self.history_combo: QComboBox = child(form, QComboBox, "historyCombo")
        self.export_csv_button: QPushButton = child(form, QPushButton, "exportCsvButton")
        self.export_json_button: QPushButton = child(form, QPushButton, "exportJsonButton")

        self.model = ScanResultsModel(self)
        self._build_table()
        self.reminder_label.setText(REMINDER)
        for frame in (self.reminder_frame, self.confirm_frame, self.changes_label):
            frame.hide()
        for label, spec in PRESETS:
            self.preset_combo.addItem(label, spec)
        self._recent = QStringListModel(self.recent_hosts(), self)
        completer = QCompleter(self._recent, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.host_edit.setCompleter(completer)
        if self._recent.stringList():
            self.host_edit.setText(self._recent.stringList()[0])

        self.pool = QThreadPool(self)  # a scan's reader runs for its whole length
        self.pool.setMaxThreadCount(3)
        self._run_id = 0
        self._process: ScanProcess | None = None
        self._running = False
        self._confirmed = ""  # the target text the user agreed to scan although large
        self._hosts_total = 0
        self._notice = ""
        self.last_report: MultiScanReport | None = None
        self.last_changes = ""

        self.preset_combo.currentIndexChanged.connect(self._on_preset_changed)
        self.ports_edit.textChanged.connect(self._on_ports_text_changed)
        self.start_button.clicked.connect(self.start_scan)
        self.host_edit.returnPressed.connect(self.start_scan)
        self.cancel_button.clicked.connect(self.cancel_scan)
        self.reminder_dismiss.clicked.connect(self.reminder_frame.hide)
        self.confirm_button.clicked.connect(self._on_confirm_clicked)
        self.confirm_cancel.clicked.connect(self.confirm_frame.hide)
        self.show_all_check.toggled.connect(self._on_show_all_toggled)
        self.history_combo.activated.connect(self._on_history_activated)
        self.export_csv_button.clicked.connect(lambda: self._on_export_clicked("csv"))
        self.export_json_button.clicked.connect(lambda: self._on_export_clicked("json"))
        app = QCoreApplication.instance()
        if app is not None:  # quitting mid-scan: end the worker rather than leave it behind
            app.aboutToQuit.connect(self._on_app_about_to_quit)
        self.preset_combo.setCurrentIndex(1)
        self._on_preset_changed(1)
        self._update_counts()
        self.reload_history()
        self.resize(860, 600)

    def _build_table(self) -> None:
        view = self.results_table
        view.setModel(self.model)
        view.setRootIsDecorated(False)
        view.setUniformRowHeights(True)  # 65,535 rows: one size asked, not one per row
        view.setItemDelegate(_RoomyRows(view))  # rows as tall as the ports table's
        view.setAllColumnsShowFocus(True)  # the focus frame around the row, not one cell
        header = view.header()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(True)
        for column, width in ((PORT, 150), (STATE, 90), (SERVICE, 190), (PROCESS, 170)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(BANNER, QHeaderView.ResizeMode.Stretch)

    # -- public -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    def recent_hosts(self) -> list[str]:
        return read_str_list(self.settings, RECENT_KEY, RECENT_MAX)

    @Slot()
    def start_scan(self) -> None:
        """Check the input and the licence (and ask first for a large sweep), then scan."""
        if self._running:
            return
        try:
            ports = scanner.parse_ports(self.ports_edit.text())
        except scanner.PortSpecError as exc:
            self._show_error(str(exc))
            self.ports_edit.setFocus()
            return
        try:
            targets = scanner.parse_targets(self.host_edit.text())
        except scanner.TargetError as exc:
            self._show_error(str(exc))
            self.host_edit.setFocus()
            return
        too_many = scanner.probes_refusal(targets.count, len(ports))
        if too_many:
            self._show_error(too_many)
            return
        if not self._entitlements.allows("remote_scan"):  # removed while the dialog was open
            self._show_error(LOCKED)
            self._entitlements.unlock_requested.emit("remote_scan")
            return
        if targets.needs_confirmation and self._confirmed != targets.text:
            self.confirm_label.setText(
                f"{targets.text} is {targets.count:,} addresses ({targets.count * len(ports):,} "
                "probes). Scan them all?"
            )
            self.confirm_frame.show()
            self.confirm_button.setFocus()
            return
        self._launch(targets.text)

    @Slot()
    def cancel_scan(self) -> None:
        """Stop the current scan; what it found stays listed."""
        if not self._running or self._process is None:
            return
        self._process.cancel()
        self._show_status("Cancelling…")

    def save_results(self, path: str) -> Job:
        """Write the shown scan's results to ``path`` (CSV or JSON by its name), off-thread."""
        job = run_in_pool(self.pool, save_scan, path, self.last_report)
        job.finished.connect(lambda count: self._show_status(f"Saved {count} results to {path}."))
        job.failed.connect(
            lambda message: self._show_error(
                f"Could not write {path}: {message} Choose another folder."
            )
        )
        return job

    def reload_history(self) -> Job:
        """Fill the history menu with past scans (read off the UI thread)."""
        job = run_in_pool(self.pool, lambda: ScanHistory().past(HISTORY_SHOWN))
        job.finished.connect(self._on_history_read)
        return job

    def reopen(self, scan_id: int) -> Job:
        """Show past scan ``scan_id`` from the history (read off the UI thread)."""
        job = run_in_pool(self.pool, _load_past, scan_id)
        job.finished.connect(self._on_past_loaded)
        job.failed.connect(self._show_error)
        return job

    # -- closing ----------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Closing the dialog (Esc, close button) cancels a running scan."""
        self.cancel_scan()
        super().done(result)

    def closeEvent(self, event) -> None:  # Qt override
        self.cancel_scan()
        super().closeEvent(event)

    @Slot()
    def _on_app_about_to_quit(self) -> None:
        if self._process is not None:
            self._process.stop_now()
            self._finish("Stopped: Portie is quitting.")

    def changeEvent(self, event) -> None:  # Qt override
        if event.type() == QEvent.Type.PaletteChange:
            style.restyle(self)
            self.model.restyle()
        super().changeEvent(event)

    # -- a run ------------------------------------------------------------------------------

    def _launch(self, targets: str) -> None:
        self._run_id += 1
        run_id = self._run_id
        self.confirm_frame.hide()
        self.changes_label.hide()
        self.last_report, self.last_changes, self._notice = None, "", ""
        self.model.clear()
        self.progress_bar.setRange(0, 0)  # busy until the hosts are resolved
        self.progress_bar.setFormat("%p%")
        self._set_running(True)
        self._show_status(f"Starting the scan of {targets}…")
        self._update_counts()
        process = self._process = ScanProcess(self.pool, self)

        def mine(slot):  # a late signal of an earlier run is ignored
            return lambda *args: slot(*args) if run_id == self._run_id else None

        process.hosts_found.connect(mine(self._on_hosts_found))
        process.results_found.connect(mine(self._on_results_found))
        process.progressed.connect(mine(self._on_progressed))
        process.banner_found.connect(mine(self.model.set_banner))
        process.owners_found.connect(mine(self.model.set_owners))
        process.notice.connect(mine(self._on_notice))
        process.finished.connect(mine(self._on_scan_finished))
        process.failed.connect(mine(self._on_scan_failed))
        process.start(targets, self.ports_edit.text().strip(), self.timeout_spin.value(),
                      self.concurrency_spin.value(), self.banners_check.isChecked())  # fmt: skip

    def _on_hosts_found(self, hosts) -> None:
        self.model.set_hosts(hosts)
        self.results_table.setRootIsDecorated(len(hosts) > 1)
        self._hosts_total = len(hosts)
        self._remember(self.host_edit.text().strip())
        if not all(h.local for h in hosts):
            self._remind(self.host_edit.text().strip())
        where = hosts[0].host if len(hosts) == 1 else f"{len(hosts):,} hosts"
        notes = " ".join(dict.fromkeys(h.note for h in hosts if h.note))
        self._show_status(f"Scanning {where}…" + (f" {notes}" if notes else ""))

    def _on_results_found(self, batch) -> None:
        self.model.add(batch)
        if not self.model.single:
            for index, opened, _closed, _filtered in batch:
                if opened:
                    self.results_table.expand(self.model.host_index(index))
        self._update_counts()

    def _on_progressed(self, done: int, total: int, _open: int, hosts_done: int) -> None:
        if self.progress_bar.maximum() != total:
            self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        text = f"{done:,} of {total:,} ports"
        if self._hosts_total > 1:
            text = f"{hosts_done:,} of {self._hosts_total:,} hosts · {text}"
        self.progress_bar.setFormat(text)

    def _on_notice(self, text: str) -> None:
        self._notice = text
        style.set_tone(self.status_label, "warn")
        self.status_label.setText(text)

    def _on_scan_finished(self, outcome: ScanOutcome) -> None:
        report = outcome.report
        self.model.finish(report)
        self._expand_open_hosts()
        self.last_report, self.last_changes = report, outcome.changes
        if not report.cancelled:
            self.progress_bar.setValue(self.progress_bar.maximum())
        self._finish(_finished_text(report))
        warning = " ".join(text for text in (self._notice, outcome.notice) if text)
        if warning:  # the descriptor limit, or a history that could not be written
            style.set_tone(self.status_label, "warn")
            self.status_label.setText(f"{self.status_label.text()} {warning}")
        if outcome.changes:
            self.changes_label.setText(outcome.changes)
            self.changes_label.show()
        self.reload_history()
        self.scan_finished.emit(report)

    def _on_scan_failed(self, message: str) -> None:
        self._finish("")
        self._show_error(message)
        if "paid feature" in message:  # the key on disk is gone: let every part know
            self._entitlements.reload_in_background()
        self.scan_finished.emit(None)

    def _finish(self, status: str) -> None:
        self._process = None
        if self.progress_bar.maximum() == 0:
            self.progress_bar.setRange(0, 1)
            self.progress_bar.setValue(0)
        self._set_running(False)
        self._update_counts()
        self._show_status(status)

    # -- history ----------------------------------------------------------------------------

    def _on_history_read(self, past: list[PastScan]) -> None:
        self.history_combo.clear()
        self.history_combo.addItem("Past scans…", None)
        for entry in past:
            self.history_combo.addItem(entry.label(), entry.id)
        self.history_combo.setEnabled(bool(past))
        self.history_loaded.emit(past)

    @Slot(int)
    def _on_history_activated(self, index: int) -> None:
        scan_id = self.history_combo.itemData(index)
        if scan_id is not None and not self._running:
            self.reopen(scan_id)
        self.history_combo.setCurrentIndex(0)

    def _on_past_loaded(self, report: MultiScanReport) -> None:
        if self._running:
            return
        self.model.load_report(report)
        self.results_table.setRootIsDecorated(len(report.hosts) > 1)
        self._expand_open_hosts()
        self.last_report, self.last_changes = report, ""
        self.changes_label.hide()
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(report.started))
        self._set_running(False)
        self._update_counts()
        self._show_status(f"Reopened the scan of {report.targets} from {when}.")

    # -- helpers ----------------------------------------------------------------------------

    def _expand_open_hosts(self) -> None:
        if not self.model.single:
            for index in range(self.model.host_count()):
                parent = self.model.host_index(index)
                if (
                    self.model.rowCount(parent)
                    and self.model.index(0, 0, parent).data(RESULT_ROLE).state == OPEN
                ):
                    self.results_table.expand(parent)

    def _set_running(self, running: bool) -> None:
        self._running = running
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.history_combo.setEnabled(not running and self.history_combo.count() > 1)
        for widget in (self.host_edit, self.preset_combo, self.ports_edit, self.timeout_spin,
                       self.concurrency_spin, self.banners_check):  # fmt: skip
            widget.setEnabled(not running)
        has_results = not running and self.last_report is not None
        self.export_csv_button.setEnabled(has_results)
        self.export_json_button.setEnabled(has_results)

    def _update_counts(self) -> None:
        counts = self.model.counts()
        self.counts_label.setText(
            f"{counts[OPEN]:,} open · {counts[CLOSED]:,} closed · {counts[FILTERED]:,} filtered"
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

    def _remind(self, host: str) -> None:
        """First scan of another machine: a one-time, non-blocking reminder for that target."""
        reminded = read_str_list(self.settings, REMINDED_KEY, 1000)
        if host in reminded:
            return
        self.settings.setValue(REMINDED_KEY, [*reminded, host])
        self.reminder_frame.show()

    @Slot()
    def _on_confirm_clicked(self) -> None:
        try:
            self._confirmed = scanner.parse_targets(self.host_edit.text()).text
        except scanner.TargetError:
            self._confirmed = ""
        self.confirm_frame.hide()
        self.start_scan()

    @Slot(bool)
    def _on_show_all_toggled(self, show: bool) -> None:
        self.model.set_show_all(show)
        self._expand_open_hosts()

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
        name = self.last_report.targets if self.last_report else "scan"
        suggested = f"portie-scan-{name}.{fmt}".translate(str.maketrans(":/,", "__+"))
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export Scan Results", suggested,
            "CSV files (*.csv)" if fmt == "csv" else "JSON files (*.json)",
        )  # fmt: skip
        if path:
            self.save_results(path)


def _load_past(scan_id: int) -> MultiScanReport:
    """Pool thread: one past scan from the history, or a sentence saying why not."""
    history = ScanHistory()
    report = history.load(scan_id)
    if report is None:
        raise LookupError(history.notice or "That scan is no longer in the history.")
    return report


def _finished_text(report: MultiScanReport) -> str:
    """What the status line says at the end (the counts are in the footer, once)."""
    hosts = report.host_counts()
    states = ", ".join(f"{n:,} {state}" for state, n in hosts.items() if n)
    if len(report.hosts) == 1:
        what = report.hosts[0].target.address
        where = (
            what
            if report.hosts[0].target.host == what
            else (f"{report.hosts[0].target.host} ({what})")
        )
    else:
        where = f"{len(report.hosts):,} hosts ({states})"
    if report.cancelled:
        total = report.ports_requested * len(report.hosts)
        return f"Cancelled after {report.scanned:,} of {total:,} ports of {where}."
    return f"Scanned {where} in {report.elapsed:.2f} s."


class _RoomyRows(QStyledItemDelegate):
    """Rows with the ports table's breathing room (a tree view packs them tight)."""

    def sizeHint(self, option, index):  # Qt override
        size = super().sizeHint(option, index)
        size.setHeight(max(size.height(), option.fontMetrics.height() + 8))
        return size
