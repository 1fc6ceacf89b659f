"""Portie's main window. It composes: it builds the parts, lays them out, connects them.

Each part owns its job: `PortsView` the table, `FilterBar` the filters, `DetailsPane`
the pane beside the table, `StatusBar` the bottom line, `RowActions` what can be done to
rows, `Exporter` saving them, `WatchController` the activity log, watched ports, tray and
notifications. Data flows one way: `RefreshWorker` → table → the parts that show it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QMainWindow,
    QSplitter,
    QTableView,
    QTextBrowser,
    QWidget,
)

from portie_qt import style
from portie_qt.answer_card import AnswerCard
from portie_qt.core.filtering import FilterCriteria, band_counts
from portie_qt.details_pane import DetailsPane
from portie_qt.entitlements import Entitlements, load_entitlements
from portie_qt.exporter import Exporter
from portie_qt.filter_bar import FilterBar
from portie_qt.host_selector import HostSelector
from portie_qt.jobs import background_pool
from portie_qt.ports_view import PortsView
from portie_qt.refresh_control import RefreshControl
from portie_qt.refresh_worker import Refresh
from portie_qt.row_actions import RowActions
from portie_qt.settings import problems_of, read_bool
from portie_qt.status_bar import StatusBar
from portie_qt.ui_loader import child, load_form
from portie_qt.unlock_dialog import UnlockOffer
from portie_qt.watch_controller import WatchController
from portie_qt.window_dialogs import WindowDialogs
from portie_qt.window_layout import WindowLayout


class MainWindow(QMainWindow):
    """The ports view. Data arrives from `RefreshWorker`; the UI thread only applies diffs."""

    refresh_applied = Signal(object)  # Refresh, after every part shows it

    def __init__(self, settings, settings_notice="", entitlements: Entitlements | None = None):
        super().__init__()
        self.setObjectName("MainWindow")
        self.setWindowTitle("Portie")
        self.setWindowIcon(style.app_icon())
        self.settings = settings
        self.snapshot = None
        self._quitting = False

        form = load_form("main_window.ui", self)
        self.setCentralWidget(form)
        self.splitter: QSplitter = child(form, QSplitter, "splitter")
        self.ports = PortsView(child(form, QTableView, "portsTable"), self)
        self.filters = FilterBar(form, settings, self)
        self.details = DetailsPane(child(form, QTextBrowser, "detailsView"),
                                   lambda: self.ports.rows, self)  # fmt: skip
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.entitlements = entitlements or load_entitlements(self)
        self.unlock = UnlockOffer(self.entitlements, self)
        self.rows = RowActions(self.ports.table, settings, self.entitlements,
                               self.ports.selected, self.ports.current)  # fmt: skip
        self.exporter = Exporter(self)
        self.watch = WatchController(settings, parent=self)
        self.loop = RefreshControl(settings, self)
        self.layout_keeper = WindowLayout(self, self.splitter, settings)
        self.hosts = HostSelector(settings, self.loop, self)
        self.dialogs = WindowDialogs(self, settings, self.entitlements, lambda: self.ports.rows)
        self.answer = AnswerCard()
        child(form, QWidget, "answerSlot").layout().addWidget(self.answer)

        self._build_actions()
        self._build_menus()
        self._build_docks()
        self._connect_parts()
        self.layout_keeper.restore(docks_empty=self.watch.empty)
        self.ports.restore(settings)
        self._on_criteria_changed(self.filters.criteria)
        self._on_entitlements_changed()
        self.status.show_refreshed(None, False, self.loop.interval_ms)
        self.status.follow_settings(problems_of(settings))
        self.status.set_notice("settings", settings_notice or self.layout_keeper.notice)
        if self.entitlements.notice:
            self.status.set_notice("license", self.entitlements.notice)

    # -- building -------------------------------------------------------------------------
    def _action(self, text, slot, name, shortcut=None, checkable=False) -> QAction:
        action = QAction(text, self, objectName=name, checkable=checkable)
        if shortcut is not None:
            given = shortcut if isinstance(shortcut, list) else [shortcut]
            keys = {QKeySequence(s).toString(): QKeySequence(s) for s in given}  # no repeats
            action.setShortcuts([key for text, key in keys.items() if text])
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        std = QKeySequence.StandardKey
        self.addActions([self.loop.refresh_action, self.loop.pause_action])
        self.action_find = self._action("&Find…", self.filters.focus, "actionFind", std.Find)
        self.action_reference = self._action("Port &Reference…", self.dialogs.open_reference,
                                             "actionReference", "Ctrl+L")  # fmt: skip
        self.action_export = self._action("&Export Visible Rows…", self.export_visible,
                                          "actionExport", "Ctrl+E")  # fmt: skip
        self.action_quit = self._action("&Quit", self.quit, "actionQuit", [std.Quit, "Ctrl+Q"])
        self.action_about = self._action("&About Portie", self.dialogs.show_about, "actionAbout")
        self.action_shortcuts = self._action("&Keyboard Shortcuts", self.show_shortcuts,
                                             "actionShortcuts", "Ctrl+/")  # fmt: skip
        self.action_unlock = self._action("&Unlock Portie…", lambda: self.unlock.open(""),
                                          "actionUnlock")  # fmt: skip
        self.action_scan = self._action("&Scan Remote Host…", None, "actionScan", "Ctrl+Shift+S")
        icons = {self.action_reference: "reference", self.action_scan: "scan",
                 self.action_export: "export", self.action_unlock: "unlock"}  # fmt: skip
        for action, icon in icons.items():
            style.set_action_icon(action, icon)
        self.entitlements.bind_action(self.action_scan, "remote_scan", self.dialogs.open_scan)
        self.action_close_to_tray = self._action("Close to &Tray", None, "actionCloseToTray",
                                                 checkable=True)  # fmt: skip
        self.action_close_to_tray.setChecked(read_bool(self.settings, "tray/close_to_tray", False))
        self.action_close_to_tray.setEnabled(self.watch.tray_visible)
        self.action_reset_layout = self._action("Reset &Layout", self.reset_layout,
                                                "actionResetLayout")  # fmt: skip
        self.action_close_to_tray.toggled.connect(
            lambda on: self.settings.setValue("tray/close_to_tray", bool(on))
        )

    def _build_menus(self) -> None:
        bar, rows = self.menuBar(), self.rows
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.action_export])
        file_menu.addSeparator()
        file_menu.addAction(self.action_quit)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([rows.copy, rows.copy_address])
        edit_menu.addSeparator()
        edit_menu.addAction(self.action_find)
        edit_menu.addSeparator()
        edit_menu.addActions([rows.terminate, rows.kill, rows.stop_container,
                              rows.restart_container, rows.confirm])  # fmt: skip
        self.view_menu = bar.addMenu("&View")
        self.view_menu.addActions([self.loop.refresh_action, self.loop.pause_action])
        self.view_menu.addMenu(self.loop.interval_menu(self))
        tools_menu = bar.addMenu("&Tools")
        tools_menu.addActions([self.action_reference, self.action_scan])
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.action_unlock)
        help_menu.addSeparator()
        help_menu.addActions([self.action_shortcuts, self.action_about])
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(style.TOOL_BUTTON_STYLE)
        toolbar.addWidget(self.hosts.widget)
        toolbar.addActions([self.loop.refresh_action, self.loop.pause_action])
        toolbar.addSeparator()
        toolbar.addActions([self.action_reference, self.action_scan])

    def _build_docks(self) -> None:
        docks = self.layout_keeper.add_docks(self.watch.panels)
        self.view_menu.addSeparator()
        self.view_menu.addActions([dock.toggleViewAction() for dock in docks])
        self.view_menu.addAction(self.action_close_to_tray)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.action_reset_layout)

    def _connect_parts(self) -> None:
        table = self.ports.table
        table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        table.customContextMenuRequested.connect(self._on_table_context_menu)
        table.doubleClicked.connect(self.rows.lookup_current)
        self.filters.criteria_changed.connect(self._on_criteria_changed)
        self.loop.refreshed.connect(self._on_refreshed)
        self.loop.paused_changed.connect(self._on_paused_changed)
        for part in (self.rows, self.details):  # act on, and describe, the host shown
            self.hosts.selected.connect(part.set_host)
        self.hosts.selected.connect(lambda host: self.answer.set_remote(host is not None))
        self.rows.message.connect(self.status.flash)
        self.rows.notice.connect(lambda text: self.status.set_notice("process", text))
        self.rows.lookup_requested.connect(self.dialogs.open_reference)
        self.answer.open_requested.connect(self.rows.open_port)
        self.answer.stop_requested.connect(self.rows.stop_port)
        self.answer.watch_requested.connect(lambda port: self.watch.watch_port(str(port)))
        self.answer.why_requested.connect(self.rows.why_port)
        self.answer.copied.connect(self.status.flash)
        self.rows.watch_requested.connect(lambda port: self.watch.watch_port(str(port)))
        self.rows.filter_requested.connect(self.filters.edit.setText)
        self.filters.edit.returnPressed.connect(self.ports.focus_first)
        self.ports.clear_requested.connect(self.filters.clear)
        self.watch.empty_changed.connect(self.layout_keeper.set_docks_empty)
        self.rows.stopped.connect(self.loop.refresh_now)
        self.exporter.saved.connect(self.status.flash)
        self.exporter.failed.connect(lambda text: self.status.set_notice("export", text))
        self.status.unlock_clicked.connect(lambda: self.unlock.open(""))
        self.entitlements.changed.connect(self._on_entitlements_changed)
        self.watch.show_requested.connect(self._on_watch_show_requested)
        self.watch.pause_toggled.connect(self.loop.set_paused)
        self.watch.quit_requested.connect(self.quit)
        self.watch.terminate_requested.connect(self.rows.stop)
        self.watch.notified.connect(self._on_watch_notified)
        self.watch.notice_changed.connect(lambda text: self.status.set_notice("watch", text))

    # -- refresh loop ---------------------------------------------------------------------
    def start(self) -> None:
        """Start the refresh loop (first refresh at once)."""
        self.loop.start()

    @Slot(bool)
    def _on_paused_changed(self, paused: bool) -> None:
        self.watch.set_paused(paused)
        self._show_refreshed()

    @Slot(object)
    def _on_refreshed(self, refresh: Refresh) -> None:
        self.ports.apply(refresh.diff)
        self.snapshot = refresh.snapshot
        counts = refresh.counts
        if refresh.criteria != self.filters.criteria:  # the user changed filters meanwhile
            counts = band_counts(self.ports.rows, self.filters.criteria)
        self._show_counts(counts, refresh.listening)
        limited = refresh.snapshot.notice if refresh.snapshot.limited else ""
        self.status.set_notice("refresh", refresh.error or limited)
        self.status.set_notice("containers", refresh.containers_notice)
        self._show_refreshed()
        self.details.on_refresh(refresh.diff, self.ports.current())
        self.answer.on_rows(self.ports.rows)
        if not refresh.error:
            self.watch.on_refresh(refresh.snapshot, refresh.diff)
        self.refresh_applied.emit(refresh)

    def _show_refreshed(self) -> None:
        taken = self.snapshot.taken_at if self.snapshot is not None else None
        self.status.show_refreshed(taken, self.loop.paused, self.loop.interval_ms)

    def _show_counts(self, counts, listening: int | None = None) -> None:
        self.filters.show_counts(counts)
        if listening is None:
            listening = sum(1 for e in self.ports.rows if e.listening)
        self.status.show_counts(self.ports.proxy.rowCount(), len(self.ports.rows), listening)

    # -- parts talking ----------------------------------------------------------------------
    @Slot(object)
    def _on_criteria_changed(self, criteria: FilterCriteria) -> None:
        self.ports.set_criteria(criteria)
        self.loop.set_criteria(criteria)
        self._show_counts(band_counts(self.ports.rows, criteria))
        self.answer.on_criteria(criteria, self.ports.rows)

    @Slot()
    def _on_selection_changed(self, *_args) -> None:
        self.details.show(self.ports.current())
        self.answer.on_selection(self.ports.selected(), self.ports.rows)
        self.rows.update()

    @Slot(object)
    def _on_table_context_menu(self, pos) -> None:
        menu = self.rows.menu(self)
        menu.addSeparator()
        menu.addAction(self.action_export)
        menu.popup(self.ports.table.viewport().mapToGlobal(pos))

    @Slot()
    def _on_entitlements_changed(self, *_args) -> None:
        self.status.show_license(self.entitlements.licensee)
        self.watch.set_locked(not self.entitlements.allows("process_control"))

    @Slot()
    def _on_watch_show_requested(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    @Slot(str, str)
    def _on_watch_notified(self, title: str, message: str) -> None:
        if not self.watch.tray_visible:  # no desktop notification: say it here instead
            self.status.flash(f"{title}: {message}", 8000)

    def export_visible(self, path: str | None = None) -> None:
        """Save the rows as shown (filtered, sorted) to CSV or JSON, off the UI thread."""
        self.exporter.export(self.ports.visible(), path if isinstance(path, str) else None)

    def show_shortcuts(self) -> None:
        self.dialogs.show_shortcuts(
            [*self.actions(), *self.ports.table.actions(), *self.rows.findChildren(QAction)]
        )

    # -- settings and shutdown --------------------------------------------------------------
    def reset_layout(self) -> None:
        """View → Reset Layout: the first run's size, docks, splitter and columns."""
        self.layout_keeper.reset()
        self.ports.reset_columns()

    def save_settings(self) -> None:
        self.layout_keeper.save()
        self.ports.save(self.settings)
        self.filters.save()
        self.loop.save()
        self.settings.sync()

    def quit(self) -> None:
        """Really quit (the tray's Quit, File → Quit), even with close-to-tray on."""
        self._quitting = True
        self.close()

    def closeEvent(self, event) -> None:  # Qt override
        if not self._quitting and self.action_close_to_tray.isChecked() and self.watch.tray_visible:
            event.ignore()
            self.hide()
            self.watch.announce("Portie is still running", "Portie keeps watching from the tray.")
            return
        self.save_settings()
        self.loop.stop()
        background_pool().waitForDone(5000)  # a terminate or an export finishing
        self.watch.shutdown()
        super().closeEvent(event)

    def changeEvent(self, event) -> None:  # Qt override
        if event.type() == QEvent.Type.PaletteChange:
            style.restyle(self)
            self.ports.model.restyle()
            self.filters.restyle()
            self.details.restyle()
            self.watch.restyle()
            self.answer.restyle()
        elif event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.entitlements.reload_in_background()  # `portie license` may have changed it
        super().changeEvent(event)
