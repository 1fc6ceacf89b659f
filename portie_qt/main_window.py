"""Portie's main window. It composes: it builds the parts, lays them out, connects them.

Each part owns its job: `PortsView` the table, `FilterBar` the filters, `StatusBar` the
bottom line, `RefreshControl` the refresh loop, `HostSelector` the host shown,
`WindowLayout` where things sit; `DetailsPane`, `AnswerCard`, `RowActions`,
`Entitlements`, `WindowDialogs` and `WatchController` (activity log, watched ports, tray)
are built after the first rows are on screen, one per event-loop turn (`later`: their
imports are sqlite, cryptography, /proc readers). Data flows one way: `RefreshWorker` →
table → the parts that show it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QSplitter, QTableView

from portie_qt import style
from portie_qt.core.filtering import FilterCriteria, band_counts
from portie_qt.exporter import Exporter
from portie_qt.filter_bar import FilterBar
from portie_qt.forms import child, load_form
from portie_qt.host_selector import HostSelector
from portie_qt.ports_view import PortsView
from portie_qt.refresh_control import RefreshControl
from portie_qt.refresh_worker import Refresh
from portie_qt.settings import problems_of, read_bool
from portie_qt.staged_build import StagedBuild, importing
from portie_qt.status_bar import StatusBar
from portie_qt.window_layout import WindowLayout
from portie_qt.window_parts import LaterParts

PARTS_AT_THE_LATEST_MS = 1000  # build the rest even when the first refresh is slow


class MainWindow(LaterParts, QMainWindow):
    """The ports view. Data arrives from `RefreshWorker`; the UI thread only applies diffs."""

    refresh_applied = Signal(object)  # Refresh, after every part shows it

    def __init__(self, settings, settings_notice="", entitlements=None, *, defer=False,
                 start=False):  # fmt: skip
        super().__init__()
        self.setObjectName("MainWindow")
        self.setWindowTitle("Portie")
        self.settings = settings
        self.snapshot = None
        self._unsettled: list[Refresh] = []  # applied, waiting for the table's last rows
        self._quitting = False
        self.details = self.answer = self.entitlements = self.unlock = None
        self.rows = self.dialogs = self.watch = None
        self.loop = RefreshControl(settings, self)
        self.loop.refreshed.connect(self._on_refreshed)
        if start:  # the first snapshot is collected while the window is built
            self.loop.start()

        form = load_form("main_window", self)
        self.setCentralWidget(form)
        self.splitter: QSplitter = child(form, QSplitter, "splitter")
        self.ports = PortsView(child(form, QTableView, "portsTable"), self)
        self.filters = FilterBar(form, settings, self)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.exporter = Exporter(self)
        self.layout_keeper = WindowLayout(self, self.splitter, settings)
        self.hosts = HostSelector(settings, self.loop, self)
        self.loop.follow(self)
        self._build_actions()
        self._build_menus()
        self._connect_parts()
        self.layout_keeper.restore()
        self.ports.restore(settings)
        self._on_criteria_changed(self.filters.criteria)
        self.status.show_refreshed(None, False, self.loop.interval_ms)
        self.status.follow_settings(problems_of(settings))
        self.status.set_notice("settings", settings_notice or self.layout_keeper.notice)
        self.later = StagedBuild([
            style.use_app_icon,  # the SVG icon plugin and its first render: 10 ms
            *importing("portie_qt.details_pane", "portie_qt.core.answer",
                       "portie_qt.core.process_control", "portie_qt.confirm_dialog",
                       "portie_qt.answer_card"),
            self._build_details,
            *importing("portie_qt.core.license", "portie_qt.unlock_dialog",
                       "portie_qt.process_actions", "portie_qt.row_actions"),
            lambda: self._build_licence(entitlements),
            *importing("sqlite3", "portie_qt.core.activity", "portie_qt.activity_panel",
                       "portie_qt.watch_panel", "portie_qt.tray", "portie_qt.watch_controller"),
            self._build_watch,
        ], self)  # fmt: skip
        if not defer:
            self.later.finish()
        if start:
            self.start()

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
        self.action_reference = self._action("Port &Reference…", self.open_reference,
                                             "actionReference", "Ctrl+L")  # fmt: skip
        self.action_export = self._action("&Export Visible Rows…", self.export_visible,
                                          "actionExport", "Ctrl+E")  # fmt: skip
        self.action_quit = self._action("&Quit", self.quit, "actionQuit", [std.Quit, "Ctrl+Q"])
        self.action_about = self._action("&About Portie", lambda: self._dialogs().show_about(),
                                         "actionAbout")  # fmt: skip
        self.action_shortcuts = self._action("&Keyboard Shortcuts", self.show_shortcuts,
                                             "actionShortcuts", "Ctrl+/")  # fmt: skip
        self.action_unlock = self._action("&Unlock Portie…", None, "actionUnlock")
        self.action_scan = self._action("&Scan Remote Host…", None, "actionScan", "Ctrl+Shift+S")
        icons = {self.action_reference: "reference", self.action_scan: "scan",
                 self.action_export: "export", self.action_unlock: "unlock"}  # fmt: skip
        for action, icon in icons.items():
            style.set_action_icon(action, icon)
        self.action_close_to_tray = self._action("Close to &Tray", None, "actionCloseToTray",
                                                 checkable=True)  # fmt: skip
        self.action_close_to_tray.setChecked(read_bool(self.settings, "tray/close_to_tray", False))
        self.action_close_to_tray.setEnabled(False)  # until the tray is known to be there
        self.action_reset_layout = self._action("Reset &Layout", self.reset_layout,
                                                "actionResetLayout")  # fmt: skip
        self.action_close_to_tray.toggled.connect(
            lambda on: self.settings.setValue("tray/close_to_tray", bool(on))
        )

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.action_export])
        file_menu.addSeparator()
        file_menu.addAction(self.action_quit)
        self.edit_menu = bar.addMenu("&Edit")  # the row actions go around Find once built
        self.edit_menu.addAction(self.action_find)
        self.view_menu = bar.addMenu("&View")
        self.view_menu.addActions([self.loop.refresh_action, self.loop.pause_action])
        self.view_menu.addMenu(self.loop.interval_menu(self))
        self.view_menu.addSeparator()
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

    def _connect_parts(self) -> None:
        self.filters.criteria_changed.connect(self._on_criteria_changed)
        self.filters.edit.returnPressed.connect(self.ports.focus_first)
        self.loop.paused_changed.connect(self._on_paused_changed)
        self.ports.settled.connect(self._on_ports_settled)
        self.ports.clear_requested.connect(self.filters.clear)
        self.exporter.saved.connect(self.status.flash)
        self.exporter.failed.connect(lambda text: self.status.set_notice("export", text))

    def _host(self):
        """The `RemoteHost` shown, or None for this computer (for parts built late)."""
        return self.hosts.host(self.hosts.current) if self.hosts.current else None

    def _dialogs(self):
        self.later.finish()  # asked for before the window was complete
        return self.dialogs

    # -- refresh loop ---------------------------------------------------------------------
    def start(self) -> None:
        """Start the refresh loop (first refresh at once)."""
        self.loop.start()
        self.later.start(PARTS_AT_THE_LATEST_MS)

    @Slot(bool)
    def _on_paused_changed(self, paused: bool) -> None:
        if self.watch is not None:
            self.watch.set_paused(paused)
        self._show_refreshed()

    @Slot(object)
    def _on_refreshed(self, refresh: Refresh) -> None:
        if refresh.relabel:  # the port data arrived: the Service column fills in
            self.ports.update_rows(refresh.rows)
            self.later.start()  # then the other parts, one per turn
            return
        self.ports.apply(refresh.diff, refresh.rows)
        self.snapshot = refresh.snapshot
        counts = refresh.counts
        if refresh.criteria != self.filters.criteria:  # the user changed filters meanwhile
            counts = band_counts(self.ports.rows, self.filters.criteria)
        self._show_counts(counts, refresh.listening)
        limited = refresh.snapshot.notice if refresh.snapshot.limited else ""
        self.status.set_notice("refresh", refresh.error or limited)
        self.status.set_notice("containers", refresh.containers_notice)
        self._show_refreshed()
        if self.details is not None:
            self.details.on_refresh(refresh.diff, self.ports.current())
            if self.answer.port is not None:  # shown: say what is true now
                self.answer.on_rows(self.ports.rows)
        if self.watch is not None and not refresh.error:
            self.watch.on_refresh(refresh.snapshot, refresh.diff, refresh.events)
        self._unsettled.append(refresh)
        if not self.ports.busy:  # else when the last slice of a big batch is in
            self._on_ports_settled()

    @Slot()
    def _on_ports_settled(self) -> None:
        settled, self._unsettled = self._unsettled, []
        if settled:  # the rows are in: once painted, their labels may come
            QTimer.singleShot(0, self.loop.want_labels)
        for refresh in settled:
            self.refresh_applied.emit(refresh)

    def _show_refreshed(self) -> None:
        taken = self.snapshot.taken_at if self.snapshot is not None else None
        self.status.show_refreshed(taken, self.loop.paused, self.loop.interval_ms)

    def _show_counts(self, counts, listening: int | None = None) -> None:
        self.filters.show_counts(counts)
        if listening is None:
            listening = sum(1 for e in self.ports.rows if e.listening)
        self.status.show_counts(self.ports.model.accepted, self.ports.model.total, listening)

    # -- parts talking ----------------------------------------------------------------------
    @Slot(object)
    def _on_criteria_changed(self, criteria: FilterCriteria) -> None:
        self.ports.set_criteria(criteria)
        self.loop.set_criteria(criteria)
        self._show_counts(band_counts(self.ports.rows, criteria))
        if self.answer is not None:
            self.answer.on_criteria(criteria, self.ports.rows)

    @Slot()
    def _on_selection_changed(self, *_args) -> None:
        self.details.show(self.ports.current())
        self.answer.on_selection(self.ports.selected(), self.ports.rows)

    @Slot()
    def _on_entitlements_changed(self, *_args) -> None:
        self.status.show_license(self.entitlements.licensee)
        if self.watch is not None:
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

    def open_reference(self, text: str = "") -> None:
        self._dialogs().open_reference(text)

    def show_shortcuts(self) -> None:
        self._dialogs().show_shortcuts(
            [*self.actions(), *self.ports.table.actions(), *self.rows.findChildren(QAction)]
        )

    # -- settings and shutdown --------------------------------------------------------------
    def reset_layout(self) -> None:
        """View → Reset Layout: the first run's size, docks, splitter and columns."""
        self.layout_keeper.reset()
        self.ports.reset_columns()

    def save_settings(self) -> None:
        self.later.finish()  # the docks must exist for their places to be saved
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
        tray = self.watch is not None and self.watch.tray_visible
        if not self._quitting and self.action_close_to_tray.isChecked() and tray:
            event.ignore()
            self.hide()
            self.watch.announce("Portie is still running", "Portie keeps watching from the tray.")
            return
        from portie_qt.jobs import background_pool

        self.save_settings()
        self.loop.stop()
        background_pool().waitForDone(5000)  # a terminate or an export finishing
        self.watch.shutdown()
        super().closeEvent(event)

    def resizeEvent(self, event) -> None:  # Qt override
        self.layout_keeper.window_resized()
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:  # Qt override
        if event.type() == QEvent.Type.PaletteChange:
            style.restyle(self)
            self.ports.model.restyle()
            self.filters.restyle()
            for part in (self.details, self.watch, self.answer):
                if part is not None:
                    part.restyle()
        elif (
            event.type() == QEvent.Type.ActivationChange
            and self.isActiveWindow()
            and self.entitlements is not None
        ):
            self.entitlements.reload_in_background()  # `portie license` may have changed it
        super().changeEvent(event)
