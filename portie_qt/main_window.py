"""Portie's main window: the live, sortable, colour-coded ports table."""

from __future__ import annotations

import csv
import io
import json
import time

from PySide6.QtCore import QByteArray, QModelIndex, Qt, QThreadPool, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDockWidget,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
)

from portie_qt import __version__
from portie_qt.core.endpoints import LISTEN, Endpoint, Snapshot
from portie_qt.core.filtering import FilterCriteria, band_counts
from portie_qt.core.ranges import Band, ephemeral_range
from portie_qt.details import port_html, process_html
from portie_qt.entitlements import load_entitlements
from portie_qt.kill_dialog import KILL, TERMINATE
from portie_qt.models import (
    ENDPOINT_ROLE,
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
    Palette,
    PortFilterProxy,
    PortTableModel,
)
from portie_qt.process_actions import ProcessActions
from portie_qt.settings import read_bool, read_int
from portie_qt.ui_loader import child, load_form
from portie_qt.workers import DEFAULT_INTERVAL_MS, Job, Refresh, RefreshWorker

EXPORT_KEYS = ("protocol", "family", "local_address", "local_port", "remote_address",
               "remote_port", "state", "pid", "process", "user", "service", "range")  # fmt: skip
INTERVALS_MS = (1000, 3000, 5000, 10000, 30000)
_COLUMN_WIDTHS = {PROTOCOL: 64, LOCAL: 120, PORT: 60, REMOTE: 160, STATE: 96, PID: 60,
                  PROCESS: 120, USER: 70, SERVICE: 160, RANGE: 150}  # fmt: skip
_BAND_BUTTONS = {None: "bandAll", Band.WELL_KNOWN: "bandWellKnown",
                 Band.REGISTERED: "bandRegistered", Band.DYNAMIC: "bandDynamic"}  # fmt: skip


class MainWindow(QMainWindow):
    """The ports view. Data arrives from `RefreshWorker`; the UI thread only applies diffs."""

    refresh_applied = Signal(object)  # Refresh, after the table shows it

    def __init__(self, settings, settings_notice: str = "", entitlements=None, parent=None):
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowTitle("Portie")
        self.settings = settings
        self.snapshot: Snapshot | None = None
        self.refresh_count = 0
        self._details_key = None
        self._process_details: dict = {}
        self._pool = QThreadPool.globalInstance()
        self._jobs: set = set()

        self.form = load_form("main_window.ui", self)
        self.setCentralWidget(self.form)
        self.table: QTableView = child(self.form, QTableView, "portsTable")
        self.filter_edit: QLineEdit = child(self.form, QLineEdit, "filterEdit")
        self.details_view: QTextBrowser = child(self.form, QTextBrowser, "detailsView")
        self.splitter: QSplitter = child(self.form, QSplitter, "splitter")
        self.band_summary: QLabel = child(self.form, QLabel, "bandSummary")
        self.toggles = {
            name: child(self.form, QCheckBox, name)
            for name in ("listeningOnly", "tcpToggle", "udpToggle", "ipv4Toggle", "ipv6Toggle")
        }
        self.band_buttons: dict[Band | None, QPushButton] = {
            band: child(self.form, QPushButton, name) for band, name in _BAND_BUTTONS.items()
        }
        self.band_group = QButtonGroup(self)
        for button in self.band_buttons.values():
            self.band_group.addButton(button)
            button.setFlat(False)
        for band, button in self.band_buttons.items():
            if band is not None:
                button.setIcon(Palette.current().band_icon[band])

        self.entitlements = entitlements or load_entitlements(self)
        self.process_actions = ProcessActions(
            self,
            confirm_enabled=lambda: read_bool(self.settings, "process/confirm", True),
            set_confirm_enabled=self._on_confirm_setting_changed,
            allowed=lambda: self.entitlements.allows("process_control"),
        )
        self.process_actions.acted.connect(self.refresh_now)
        self.process_actions.finished.connect(self._on_process_actions_finished)

        self.model = PortTableModel(self)
        self.proxy = PortFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._setup_table()
        self._setup_status_bar()
        self._setup_actions()
        self._setup_paid_actions()
        self._setup_watch()
        self._restore_settings()
        self._connect_filters()

        interval = read_int(settings, "refresh/interval_ms", DEFAULT_INTERVAL_MS, 500, 600000)
        self.worker = RefreshWorker(interval)
        self.worker.set_criteria(self.proxy.criteria)
        self.worker.refreshed.connect(self._on_worker_refreshed)
        self._interval_ms = interval
        self._check_interval_action(interval)
        if settings_notice:
            self.show_notice(settings_notice)

    # -- set-up -------------------------------------------------------------------------
    def _setup_table(self) -> None:
        table = self.table
        table.setModel(self.proxy)
        header = table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in _COLUMN_WIDTHS.items():
            table.setColumnWidth(column, width)
        table.verticalHeader().setDefaultSectionSize(22)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.sortByColumn(PORT, Qt.SortOrder.AscendingOrder)
        table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        table.customContextMenuRequested.connect(self._on_table_context_menu)
        table.doubleClicked.connect(self._on_table_double_clicked)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 280])

    def _setup_status_bar(self) -> None:
        bar = self.statusBar()
        self.counts_label = QLabel(objectName="countsLabel")
        self.refreshed_label = QLabel(objectName="refreshedLabel")
        rng = ephemeral_range()
        self.ephemeral_label = QLabel(f"OS ephemeral ports {rng}", objectName="ephemeralLabel")
        self.ephemeral_label.setToolTip(
            f"Outgoing connections use ports {rng} on this machine (from {rng.source})."
        )
        # Passing messages get a label of their own: QStatusBar.showMessage() paints over
        # the normal widgets instead of hiding them.
        self.message_label = QLabel(objectName="messageLabel")
        self._message_timer = QTimer(self, singleShot=True)
        self._message_timer.timeout.connect(self.message_label.clear)
        self.notice_label = QLabel(objectName="noticeLabel")
        self.notice_label.setWordWrap(False)
        self.notice_label.setStyleSheet("color: #b35c00;")
        self.notice_label.hide()
        bar.addWidget(self.counts_label)
        bar.addWidget(self.message_label)
        bar.addWidget(self.notice_label, 1)
        bar.addPermanentWidget(self.ephemeral_label)
        bar.addPermanentWidget(self.refreshed_label)

    def _action(self, text, slot, shortcut=None, name=None, checkable=False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if name:
            action.setObjectName(name)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _setup_actions(self) -> None:
        std = QKeySequence.StandardKey
        self.action_refresh = self._action("&Refresh Now", self.refresh_now, ["F5", "Ctrl+R"],
                                           "actionRefresh")  # fmt: skip
        self.action_pause = self._action("&Pause Updates", self._on_pause_triggered, "Ctrl+P",
                                         "actionPause", checkable=True)  # fmt: skip
        self.action_find = self._action("&Find…", self.focus_filter, std.Find, "actionFind")
        self.action_reference = self._action("Port &Reference…", self.open_reference, "Ctrl+L",
                                             "actionReference")  # fmt: skip
        self.action_export = self._action("&Export Visible Rows…", self.export_visible, "Ctrl+E",
                                          "actionExport")  # fmt: skip
        self.action_quit = self._action("&Quit", self.quit, std.Quit, "actionQuit")
        self.action_copy = self._action("&Copy Row", self.copy_rows, std.Copy, "actionCopyRow")
        self.action_copy_address = self._action("Copy &Address", self.copy_address, None,
                                                "actionCopyAddress")  # fmt: skip
        self.action_open_browser = self._action("&Open http://localhost:PORT",
                                                 self.open_in_browser, None,
                                                 "actionOpenBrowser")  # fmt: skip
        self.action_lookup = self._action("&Look Up This Port", self.lookup_selected, None,
                                          "actionLookup")  # fmt: skip
        self.action_about = self._action("&About Portie", self.show_about, None, "actionAbout")

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addAction(self.action_export)
        file_menu.addSeparator()
        file_menu.addAction(self.action_quit)
        edit_menu = self.edit_menu = menu.addMenu("&Edit")
        edit_menu.addAction(self.action_copy)
        edit_menu.addAction(self.action_copy_address)
        edit_menu.addSeparator()
        edit_menu.addAction(self.action_find)
        view_menu = menu.addMenu("&View")
        view_menu.addAction(self.action_refresh)
        view_menu.addAction(self.action_pause)
        interval_menu = view_menu.addMenu("Refresh &Interval")
        interval_menu.setObjectName("intervalMenu")
        self.interval_actions = {}
        for ms in INTERVALS_MS:
            act = interval_menu.addAction(f"Every {ms // 1000} s")
            act.setCheckable(True)
            act.triggered.connect(lambda _=False, ms=ms: self.set_interval(ms))
            self.interval_actions[ms] = act
        self.view_menu = view_menu
        self.tools_menu = menu.addMenu("&Tools")
        self.tools_menu.addAction(self.action_reference)
        self.help_menu = menu.addMenu("&Help")
        self.help_menu.addAction(self.action_about)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.action_refresh)
        toolbar.addAction(self.action_pause)
        toolbar.addSeparator()
        toolbar.addAction(self.action_reference)
        self.toolbar = toolbar

    def _setup_paid_actions(self) -> None:
        """Terminate/Kill and remote scanning: paid, so Entitlements decides what they do."""
        ent = self.entitlements
        self.action_terminate = QAction("&Terminate Process…", self)
        self.action_terminate.setObjectName("actionTerminate")
        self.action_terminate.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.action_terminate.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.table.addAction(self.action_terminate)
        self.action_kill = QAction("&Kill Process…", self)
        self.action_kill.setObjectName("actionKill")
        self.action_kill.setToolTip("Force the process to stop at once (SIGKILL)")
        ent.bind_action(self.action_terminate, "process_control",
                        lambda: self.signal_selected(TERMINATE), self)  # fmt: skip
        ent.bind_action(self.action_kill, "process_control",
                        lambda: self.signal_selected(KILL), self)  # fmt: skip
        self.action_confirm = QAction("&Confirm Before Stopping Processes", self)
        self.action_confirm.setObjectName("actionConfirmSignals")
        self.action_confirm.setCheckable(True)
        self.action_confirm.setChecked(read_bool(self.settings, "process/confirm", True))
        self.action_confirm.toggled.connect(self._on_confirm_setting_changed)

        self.action_scan = QAction("&Scan Remote Host…", self)
        self.action_scan.setObjectName("actionScan")
        self.action_scan.setShortcut(QKeySequence("Ctrl+Shift+S"))
        ent.bind_action(self.action_scan, "remote_scan", self.open_scan_dialog, self)
        self.action_unlock = QAction("&Unlock Portie…", self)
        self.action_unlock.setObjectName("actionUnlock")
        self.action_unlock.triggered.connect(lambda: ent.open_unlock_dialog(self))

        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.action_terminate)
        self.edit_menu.addAction(self.action_kill)
        self.edit_menu.addAction(self.action_confirm)
        self.tools_menu.addAction(self.action_scan)
        self.help_menu.insertAction(self.action_about, self.action_unlock)
        self.help_menu.insertSeparator(self.action_about)
        self.toolbar.addAction(self.action_scan)
        self.license_label = QLabel(objectName="licenseLabel")
        self.license_label.setTextFormat(Qt.TextFormat.RichText)
        self.license_label.linkActivated.connect(lambda _link: ent.open_unlock_dialog(self))
        self.statusBar().addPermanentWidget(self.license_label)
        ent.changed.connect(self._on_entitlements_changed)
        self._on_entitlements_changed(ent.unlocked)
        if ent.notice:
            self.show_notice(ent.notice, "license")

    def _setup_watch(self) -> None:
        """Activity log and watched ports (docks), tray icon and notifications."""
        from portie_qt.watch_controller import create_watch

        self.watch = watch = create_watch(self, settings=self.settings)
        self.activity_dock = self._dock("Activity", "activityDock", watch.activity_panel)
        self.watch_dock = self._dock("Watched Ports", "watchDock", watch.watch_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.activity_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.watch_dock)
        self.splitDockWidget(self.activity_dock, self.watch_dock, Qt.Orientation.Horizontal)
        self.resizeDocks([self.activity_dock, self.watch_dock], [700, 400],
                         Qt.Orientation.Horizontal)  # fmt: skip
        self.resizeDocks([self.activity_dock], [190], Qt.Orientation.Vertical)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.activity_dock.toggleViewAction())
        self.view_menu.addAction(self.watch_dock.toggleViewAction())
        self.action_close_to_tray = QAction("Close to &Tray", self, checkable=True)
        self.action_close_to_tray.setObjectName("actionCloseToTray")
        self.action_close_to_tray.setChecked(read_bool(self.settings, "tray/close_to_tray", False))
        self.action_close_to_tray.setEnabled(watch.tray is not None and watch.tray.visible)
        self.action_close_to_tray.toggled.connect(
            lambda on: self.settings.setValue("tray/close_to_tray", bool(on))
        )
        self.view_menu.addAction(self.action_close_to_tray)
        self.refresh_applied.connect(self._on_window_refresh_applied)
        if watch.tray is not None:
            watch.tray.show_requested.connect(self._on_tray_show_requested)
            watch.tray.pause_toggled.connect(self.set_paused)
            watch.tray.quit_requested.connect(self.quit)
        watch.notifier.notified.connect(self._on_notifier_notified)
        watch.watch_panel.terminate_requested.connect(self._on_watch_terminate_requested)
        self.entitlements.changed.connect(self._on_entitlements_changed_watch)
        self._on_entitlements_changed_watch(self.entitlements.unlocked)
        if watch.store is not None and watch.store.notice:
            self.show_notice(watch.store.notice, "watch")  # the activity log has a problem
        elif watch.notice:  # no tray on this desktop: worth saying where events go, calmly
            watch.activity_panel.set_notice(watch.notice)

    def _dock(self, title: str, name: str, widget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)  # fmt: skip
        return dock

    @Slot(object)
    def _on_window_refresh_applied(self, refresh: Refresh) -> None:
        if not refresh.error:
            self.watch.on_snapshot(refresh.snapshot, refresh.diff)

    @Slot()
    def _on_tray_show_requested(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    @Slot(str, str)
    def _on_notifier_notified(self, title: str, message: str) -> None:
        if self.watch.tray is None or not self.watch.tray.visible:
            self.flash(f"{title}: {message}", 8000)

    @Slot(object)
    def _on_watch_terminate_requested(self, endpoints) -> None:
        self.entitlements.run_or_offer(
            "process_control",
            lambda: self.process_actions.request(endpoints, TERMINATE, self),
            self,
        )

    @Slot(bool)
    def _on_entitlements_changed_watch(self, _unlocked: bool) -> None:
        self.watch.watch_panel.set_locked(not self.entitlements.allows("process_control"))

    def quit(self) -> None:
        """Really quit (the tray's Quit, File → Quit), even with close-to-tray on."""
        self._quitting = True
        self.close()

    @Slot(bool)
    def _on_entitlements_changed(self, unlocked: bool) -> None:
        if unlocked:
            self.license_label.setText(f"Licensed to {self.entitlements.licensee}")
        else:
            self.license_label.setText("Free edition · <a href='unlock'>Unlock</a>")
        self._update_row_actions()

    @Slot(bool)
    def _on_confirm_setting_changed(self, confirm: bool) -> None:
        self.settings.setValue("process/confirm", bool(confirm))
        if self.action_confirm.isChecked() != bool(confirm):
            self.action_confirm.setChecked(bool(confirm))

    def signal_selected(self, action: str) -> bool:
        """Terminate or kill the owners of the selected rows (each process once)."""
        endpoints = [e for e in self.selected_endpoints() if e.pid is not None]
        if not endpoints:
            self.flash("No process to stop: select a row with an owner.", 4000)
            return False
        return self.process_actions.request(endpoints, action, self)

    @Slot(list)
    def _on_process_actions_finished(self, outcomes: list) -> None:
        if outcomes:
            message = " ".join(o.message for o in outcomes)
            if all(o.gone for o in outcomes):
                self.flash(message, 8000)
            else:
                self.show_notice(message, "process")

    def open_scan_dialog(self) -> None:
        from portie_qt.scan_dialog import ScanDialog

        dialog = getattr(self, "scan_dialog", None)
        if dialog is None:
            dialog = self.scan_dialog = ScanDialog(self)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _connect_filters(self) -> None:
        self.filter_edit.textChanged.connect(self._on_filter_changed)
        for box in self.toggles.values():
            box.toggled.connect(self._on_filter_changed)
        self.band_group.buttonToggled.connect(self._on_band_toggled)
        self._on_filter_changed()

    # -- settings -----------------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not self.restoreGeometry(geometry):
            self.show_notice("Saved window position was unreadable; using the default.")
        if not isinstance(geometry, QByteArray):
            self.resize(1280, 720)
        window_state = s.value("window/state")
        if isinstance(window_state, QByteArray):
            self.restoreState(window_state)
        header_state = s.value("table/header")
        if isinstance(header_state, QByteArray):
            header = self.table.horizontalHeader()
            if header.restoreState(header_state):
                # The header remembers the sort indicator; the proxy must sort to match.
                self.table.sortByColumn(header.sortIndicatorSection(),
                                        header.sortIndicatorOrder())  # fmt: skip
        splitter_state = s.value("window/splitter")
        if isinstance(splitter_state, QByteArray):
            self.splitter.restoreState(splitter_state)
        defaults = {"listeningOnly": False, "tcpToggle": True, "udpToggle": True,
                    "ipv4Toggle": True, "ipv6Toggle": True}  # fmt: skip
        for name, box in self.toggles.items():
            box.setChecked(read_bool(s, f"filter/{name}", defaults[name]))
        text = s.value("filter/text", "")
        self.filter_edit.setText(text if isinstance(text, str) else "")
        band = s.value("filter/band", "all")
        for each, button in self.band_buttons.items():
            button.setChecked((each.value if each else "all") == band)
        if self.band_group.checkedButton() is None:
            self.band_buttons[None].setChecked(True)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("table/header", self.table.horizontalHeader().saveState())
        for name, box in self.toggles.items():
            s.setValue(f"filter/{name}", box.isChecked())
        s.setValue("filter/text", self.filter_edit.text())
        band = self.proxy.criteria.band
        s.setValue("filter/band", band.value if band else "all")
        s.setValue("refresh/interval_ms", self._interval_ms)
        s.sync()

    # -- refresh loop ---------------------------------------------------------------------
    def start(self) -> None:
        """Start the refresh loop (first refresh at once)."""
        if not self.worker.isRunning():
            self.worker.start()

    def refresh_now(self) -> None:
        self.worker.refresh_now()

    def set_paused(self, paused: bool) -> None:
        self.worker.set_paused(paused)
        if getattr(self, "watch", None) is not None and self.watch.tray is not None:
            self.watch.tray.set_paused(paused)
        self.action_pause.setChecked(paused)
        self.action_pause.setText("&Resume Updates" if paused else "&Pause Updates")
        self._update_refreshed_label()

    @Slot()
    def _on_pause_triggered(self) -> None:
        self.set_paused(self.action_pause.isChecked())

    def set_interval(self, interval_ms: int) -> None:
        self._interval_ms = interval_ms
        self.worker.set_interval_ms(interval_ms)
        self._check_interval_action(interval_ms)

    def _check_interval_action(self, interval_ms: int) -> None:
        for ms, act in self.interval_actions.items():
            act.setChecked(ms == interval_ms)

    @Slot(object)
    def _on_worker_refreshed(self, refresh: Refresh) -> None:
        anchor = self._scroll_anchor()
        self.model.apply(refresh.diff)
        self.snapshot = refresh.snapshot
        self.refresh_count += 1
        self._restore_scroll(anchor)
        counts = refresh.counts
        if refresh.criteria != self.proxy.criteria:  # the user changed filters meanwhile
            counts = band_counts(self.model.rows, self.proxy.criteria)
        self._show_counts(counts)
        if refresh.error:
            self.show_notice(refresh.error)
        elif refresh.snapshot.limited:
            self.show_notice(refresh.snapshot.notice)
        elif self.notice_label.property("source") == "refresh":
            self.notice_label.hide()
        self._update_refreshed_label()
        if self._details_key is not None and self._diff_touches_selection(refresh.diff):
            self._refresh_details(fetch=False)
        self.refresh_applied.emit(refresh)

    def _diff_touches_selection(self, change) -> bool:
        """Whether a refresh changed the selected endpoint or its process's other endpoints:
        re-rendering the details scans every row, so skip it when nothing there moved."""
        selected = self.current_endpoint()
        if selected is None:
            return True  # the selected row went away: clear the pane
        if self._details_key in change.removed or self._details_key in change.changed:
            return True
        if selected.pid is None:
            return False
        olds = (old for old, _new in change.changed.values())
        news = (new for _old, new in change.changed.values())
        return any(
            e.pid == selected.pid
            for group in (change.added.values(), change.removed.values(), olds, news)
            for e in group
        )

    def _scroll_anchor(self):
        """The endpoint at the top of the view, so a refresh does not move the user's place."""
        bar = self.table.verticalScrollBar()
        if bar.value() == 0:
            return None
        index = self.table.indexAt(self.table.viewport().rect().topLeft())
        if not index.isValid():
            return None
        return index.data(ENDPOINT_ROLE)

    def _restore_scroll(self, anchor: Endpoint | None) -> None:
        if anchor is None:
            return
        row = self.model.row_of(anchor.key)
        if row is None:
            return
        proxy_index = self.proxy.mapFromSource(self.model.index(row, 0))
        if proxy_index.isValid():
            self.table.scrollTo(proxy_index, QAbstractItemView.ScrollHint.PositionAtTop)

    def _update_refreshed_label(self) -> None:
        if self.snapshot is None:
            self.refreshed_label.setText("Waiting for the first refresh…")
            return
        stamp = time.strftime("%H:%M:%S", time.localtime(self.snapshot.taken_at))
        state = "paused" if self.worker.paused else f"every {self._interval_ms // 1000} s"
        self.refreshed_label.setText(f"Updated {stamp} ({state})")

    def flash(self, text: str, msecs: int = 5000) -> None:
        """A passing message in the status bar (copied, exported, process stopped…)."""
        self.message_label.setText(f"· {text}")
        self._message_timer.start(msecs)

    def show_notice(self, text: str, source: str = "refresh") -> None:
        self.notice_label.setText(f"⚠ {text}")
        self.notice_label.setToolTip(text)
        self.notice_label.setProperty("source", source)
        self.notice_label.show()

    # -- filters and counts -------------------------------------------------------------
    def current_criteria(self) -> FilterCriteria:
        checked = self.band_group.checkedButton()
        band = next((b for b, btn in self.band_buttons.items() if btn is checked), None)
        t = self.toggles
        return FilterCriteria(
            text=self.filter_edit.text(),
            listening_only=t["listeningOnly"].isChecked(),
            tcp=t["tcpToggle"].isChecked(),
            udp=t["udpToggle"].isChecked(),
            ipv4=t["ipv4Toggle"].isChecked(),
            ipv6=t["ipv6Toggle"].isChecked(),
            band=band,
        )

    @Slot()
    def _on_filter_changed(self, *_args) -> None:
        criteria = self.current_criteria()
        self.proxy.set_criteria(criteria)
        self.worker_criteria(criteria)
        self._show_counts(band_counts(self.model.rows, criteria))

    @Slot(object, bool)
    def _on_band_toggled(self, _button, checked: bool) -> None:
        if checked:
            self._on_filter_changed()

    def worker_criteria(self, criteria: FilterCriteria) -> None:
        worker = getattr(self, "worker", None)
        if worker is not None:
            worker.set_criteria(criteria)

    def _show_counts(self, counts: dict[Band, int]) -> None:
        total = sum(counts.values())
        self.band_buttons[None].setText(f"All {total}")
        for band in Band:
            self.band_buttons[band].setText(f"{band.title} {counts[band]}")
        self.band_counts = counts
        self.band_summary.setText("■ system service   ● app or dev tool   ○ passing connection")
        visible = self.proxy.rowCount()
        listening = sum(1 for e in self.model.rows if e.state == LISTEN)
        self.counts_label.setText(
            f"{visible} shown of {len(self.model.rows)} endpoints · {listening} listening"
        )

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    # -- selection and details ------------------------------------------------------------
    def selected_endpoints(self) -> list[Endpoint]:
        rows = self.table.selectionModel().selectedRows()
        return [index.data(ENDPOINT_ROLE) for index in sorted(rows, key=lambda i: i.row())]

    def current_endpoint(self) -> Endpoint | None:
        index = self.table.currentIndex()
        if index.isValid() and self.table.selectionModel().isRowSelected(index.row()):
            return index.data(ENDPOINT_ROLE)
        selected = self.selected_endpoints()
        return selected[0] if selected else None

    @Slot()
    def _on_selection_changed(self, *_args) -> None:
        endpoint = self.current_endpoint()
        self._details_key = endpoint.key if endpoint else None
        self._refresh_details(fetch=True)
        self._update_row_actions()

    def _update_row_actions(self) -> None:
        endpoint = self.current_endpoint()
        has = endpoint is not None
        for action in (self.action_copy, self.action_copy_address, self.action_lookup):
            action.setEnabled(has)
        self.action_open_browser.setEnabled(
            has and endpoint.protocol == "tcp" and endpoint.state == LISTEN
        )
        if has:
            self.action_open_browser.setText(f"&Open http://localhost:{endpoint.local_port}")
        if hasattr(self, "action_terminate"):
            owned = any(e.pid is not None for e in self.selected_endpoints())
            self.action_terminate.setEnabled(owned)
            self.action_kill.setEnabled(owned)

    def _refresh_details(self, fetch: bool) -> None:
        endpoint = self.current_endpoint()
        if endpoint is None:
            self.details_view.clear()
            return
        others = [e for e in self.model.rows if e.pid is not None and e.pid == endpoint.pid
                  and e.create_time == endpoint.create_time]  # fmt: skip
        owner = (endpoint.pid, endpoint.create_time)
        details = self._process_details.get(owner)
        if endpoint.pid is not None and details is None and fetch:
            self._fetch_process_details(owner)
        self.details_view.setHtml(
            process_html(endpoint, details, others) + "<hr>" + port_html(endpoint)
        )

    def run_job(self, tag, func, args: tuple, slot) -> None:
        """Run ``func(*args)`` on the thread pool; ``slot(tag, result)`` gets the result."""
        job = Job(tag, func, *args)
        signals = job.signals
        self._jobs.add(signals)  # keep the signal object alive until it has delivered
        signals.done.connect(slot)
        signals.done.connect(lambda *_: self._jobs.discard(signals))
        self._pool.start(job)

    def _fetch_process_details(self, owner) -> None:
        from portie_qt.core.process_control import process_details

        self.run_job(owner, process_details, owner, self._on_job_process_details)

    @Slot(object, object)
    def _on_job_process_details(self, owner, result) -> None:
        if result is None:
            result = "The process has exited."
        elif isinstance(result, Exception):
            result = f"Could not read process details: {result}"
        self._process_details[owner] = result
        if len(self._process_details) > 256:  # a small cache: details are cheap to re-read
            self._process_details.pop(next(iter(self._process_details)))
        endpoint = self.current_endpoint()
        if endpoint is not None and (endpoint.pid, endpoint.create_time) == owner:
            self._refresh_details(fetch=False)

    # -- row actions (free) ------------------------------------------------------------------
    def _row_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("rowMenu")
        menu.addAction(self.action_copy)
        menu.addAction(self.action_copy_address)
        menu.addAction(self.action_open_browser)
        menu.addAction(self.action_lookup)
        menu.addSeparator()
        menu.addAction(self.action_terminate)
        menu.addAction(self.action_kill)
        menu.addSeparator()
        menu.addAction(self.action_export)
        return menu

    @Slot(object)
    def _on_table_context_menu(self, pos) -> None:
        self._update_row_actions()
        menu = self.build_context_menu()
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def build_context_menu(self) -> QMenu:
        """The right-click menu for the selected rows (hooks may extend it)."""
        return self._row_menu()

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self.lookup_selected()

    def copy_rows(self) -> None:
        endpoints = self.selected_endpoints()
        if endpoints:
            lines = ["\t".join(HEADERS)] + ["\t".join(_export_row(e)) for e in endpoints]
            QGuiApplication.clipboard().setText("\n".join(lines))
            self.flash(f"Copied {len(endpoints)} row(s)", 3000)

    def copy_address(self) -> None:
        endpoint = self.current_endpoint()
        if endpoint:
            QGuiApplication.clipboard().setText(endpoint.local)
            self.flash(f"Copied {endpoint.local}", 3000)

    def open_in_browser(self) -> None:
        endpoint = self.current_endpoint()
        if endpoint and endpoint.protocol == "tcp" and endpoint.state == LISTEN:
            QDesktopServices.openUrl(QUrl(f"http://localhost:{endpoint.local_port}"))

    def lookup_selected(self) -> None:
        endpoint = self.current_endpoint()
        self.open_reference(str(endpoint.local_port) if endpoint else "")

    def open_reference(self, text: str = "") -> None:
        from portie_qt.reference_window import ReferenceDialog

        dialog = getattr(self, "reference_dialog", None)
        if dialog is None:
            dialog = self.reference_dialog = ReferenceDialog(lambda: self.model.rows, self)
        if isinstance(text, str) and text:
            dialog.search(text)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def visible_endpoints(self) -> list[Endpoint]:
        proxy = self.proxy
        return [proxy.index(row, 0).data(ENDPOINT_ROLE) for row in range(proxy.rowCount())]

    def export_visible(self, path: str | None = None) -> None:
        """Save the rows as shown (filtered, sorted) to CSV or JSON; the write runs off-thread."""
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export visible rows", "portie-ports.csv", "CSV (*.csv);;JSON (*.json)"
            )
            if not path:
                return
        text = export_text(self.visible_endpoints(), "json" if path.endswith(".json") else "csv")
        self.run_job(path, _write_text, (path, text), self._on_job_exported)

    @Slot(object, object)
    def _on_job_exported(self, path, result) -> None:
        if isinstance(result, OSError):
            self.show_notice(f"Could not save {path}: {result.strerror or result}.", "export")
        else:
            self.flash(f"Exported {result} rows to {path}", 5000)

    def show_about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from portie_qt.core.reference import data_source

        source = data_source()
        QMessageBox.about(
            self,
            "About Portie",
            f"<h3>Portie {__version__}</h3><p>Every open port on this computer, explained.</p>"
            f"<p>Port data: {source['name']} ({source['licence']}), entries up to "
            f"{source['newest_entry']}.</p>",
        )

    # -- shutdown -----------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        tray = self.watch.tray
        if (not getattr(self, "_quitting", False) and self.action_close_to_tray.isChecked()
                and tray is not None and tray.visible):  # fmt: skip
            event.ignore()
            self.hide()
            tray.show_message("Portie is still running", "Portie keeps watching from the tray.")
            return
        self.save_settings()
        self.worker.stop()
        self.process_actions.wait_idle(5000)
        self.watch.shutdown()
        super().closeEvent(event)

    def changeEvent(self, event) -> None:
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "model"):
            self.model.set_palette(Palette.current())
        elif event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            # A key activated or removed with `portie license` while the window was open.
            self._reload_license()
        super().changeEvent(event)

    def _reload_license(self) -> None:
        # A file read: off the UI thread.
        self.run_job("license", self.entitlements.store.load, (), self._on_job_license_loaded)

    @Slot(object, object)
    def _on_job_license_loaded(self, _tag, state) -> None:
        if isinstance(state, Exception):
            return
        ent = self.entitlements
        if (state.license, state.notice) != (ent.license, ent.notice):
            ent.reload()


def _export_row(e: Endpoint) -> list[str]:
    return [e.protocol, e.local_address, str(e.local_port), e.remote, e.state,
            "" if e.pid is None else str(e.pid), e.process or "", e.user or "", e.service,
            e.band.value]  # fmt: skip


def export_text(endpoints: list[Endpoint], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([e.as_dict() for e in endpoints], indent=1) + "\n"
    out = io.StringIO()
    writer = csv.writer(out)
    rows = [e.as_dict() for e in endpoints]
    writer.writerow(rows[0].keys() if rows else EXPORT_KEYS)
    for row in rows:
        writer.writerow(row.values())
    return out.getvalue()


def _write_text(path: str, text: str) -> int:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return text.count("\n") - 1 if not text.startswith("[") else text.count('"protocol"')


def app_icon() -> QIcon:
    from portie_qt.core.paths import ResourceError, resource_path

    try:
        return QIcon(str(resource_path("assets/icons/portie.svg")))
    except ResourceError:
        return QIcon()
