"""The main window's parts that its first rows do not need, built after they are shown
(`MainWindow.later`, one per event-loop turn): the details pane and answer card, the
licence, dialogs and row actions, the activity log, watched ports and tray. A mixin of
`MainWindow`, kept apart so the window's module stays one screenful of composition.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTextBrowser, QWidget

from portie_qt.forms import child


class LaterParts:
    """Builds the later parts of a `MainWindow` (which it is mixed into)."""

    def _build_details(self) -> None:
        """The details pane and the answer card beside the table."""
        from portie_qt.answer_card import AnswerCard
        from portie_qt.details_pane import DetailsPane

        form, host = self.centralWidget(), self._host()
        self.details = DetailsPane(child(form, QTextBrowser, "detailsView"),
                                   lambda: self.ports.rows, self)  # fmt: skip
        self.answer = AnswerCard()
        child(form, QWidget, "answerSlot").layout().addWidget(self.answer)
        self.details.set_host(host)
        self.answer.set_remote(host is not None)
        self.hosts.selected.connect(self.details.set_host)
        self.hosts.selected.connect(lambda host: self.answer.set_remote(host is not None))
        self.answer.copied.connect(self.status.flash)
        self.ports.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self._on_selection_changed()
        self.answer.on_criteria(self.filters.criteria, self.ports.rows)

    def _build_licence(self, entitlements) -> None:
        """The licence, the paid actions' locks, the dialogs and the row actions."""
        from portie_qt.entitlements import load_entitlements
        from portie_qt.row_actions import RowActions
        from portie_qt.unlock_dialog import UnlockOffer
        from portie_qt.window_dialogs import WindowDialogs

        self.entitlements = entitlements or load_entitlements(self)
        self.unlock = UnlockOffer(self.entitlements, self)
        self.dialogs = WindowDialogs(self, self.settings, self.entitlements,
                                     lambda: self.ports.rows)  # fmt: skip
        self.action_unlock.triggered.connect(lambda: self.unlock.open(""))
        self.entitlements.bind_action(self.action_scan, "remote_scan", self.dialogs.open_scan)
        self.rows = rows = RowActions(self.ports.table, self.settings, self.entitlements,
                                      self.ports.selected, self.ports.current,
                                      [self.action_export])  # fmt: skip
        rows.set_host(self._host())
        find = self.edit_menu.actions()[0]
        self.edit_menu.insertActions(find, [rows.copy, rows.copy_address])
        self.edit_menu.insertSeparator(find)
        self.edit_menu.addSeparator()
        self.edit_menu.addActions([rows.terminate, rows.kill, rows.stop_container,
                                   rows.restart_container, rows.confirm])  # fmt: skip
        self.hosts.selected.connect(rows.set_host)
        rows.message.connect(self.status.flash)
        rows.notice.connect(lambda text: self.status.set_notice("process", text))
        rows.lookup_requested.connect(self.open_reference)
        rows.filter_requested.connect(self.filters.edit.setText)
        rows.stopped.connect(self.loop.refresh_now)
        self.answer.open_requested.connect(rows.open_port)
        self.answer.stop_requested.connect(rows.stop_port)
        self.answer.why_requested.connect(rows.why_port)
        self.status.unlock_clicked.connect(lambda: self.unlock.open(""))
        self.entitlements.changed.connect(self._on_entitlements_changed)
        self._on_entitlements_changed()
        if self.entitlements.notice:
            self.status.set_notice("license", self.entitlements.notice)

    def _build_watch(self) -> None:
        """The activity log, watched ports and tray, in docks along the bottom."""
        from portie_qt.watch_controller import WatchController

        self.watch = watch = WatchController(self.settings, parent=self)
        docks = self.layout_keeper.add_docks(watch.panels, empty=watch.empty)
        self.view_menu.addActions([dock.toggleViewAction() for dock in docks])
        self.view_menu.addAction(self.action_close_to_tray)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.action_reset_layout)
        self.action_close_to_tray.setEnabled(watch.tray_visible)
        for asked in (self.rows.watch_requested, self.answer.watch_requested):
            asked.connect(lambda port: watch.watch_port(str(port)))
        watch.empty_changed.connect(self.layout_keeper.set_docks_empty)
        watch.show_requested.connect(self._on_watch_show_requested)
        watch.pause_toggled.connect(self.loop.set_paused)
        watch.quit_requested.connect(self.quit)
        watch.terminate_requested.connect(self.rows.stop)
        watch.notified.connect(self._on_watch_notified)
        watch.notice_changed.connect(lambda text: self.status.set_notice("watch", text))
        watch.set_paused(self.loop.paused)
        watch.set_locked(not self.entitlements.allows("process_control"))
        if self.snapshot is not None:  # refreshes came first: the latest is the baseline
            watch.on_refresh(self.snapshot)
