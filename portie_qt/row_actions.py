"""What the user can do with the selected rows: copy, open, look up, ask why the port
is busy, terminate, kill, stop or restart the owning container.

`RowActions` owns the QActions (shared by the Edit menu and the table's right-click
menu), keeps them enabled only when they apply as the selection changes, and runs them.
Terminate and Kill are paid: they go through `Entitlements` and then `ProcessActions`
(confirm, signal off the UI thread, offer Kill when Terminate did not work), on the host
shown (`set_host`). Stop/Restart Container are paid too and go through
`ContainerActions`; a container's port never offers to kill the engine's helper.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QSettings, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QTableView, QWidget

from portie_qt import style
from portie_qt.confirm_dialog import KILL, TERMINATE
from portie_qt.container_actions import RESTART, STOP, ContainerActions
from portie_qt.core.endpoints import LISTEN, Endpoint
from portie_qt.entitlements import Entitlements
from portie_qt.ports_model import HEADERS
from portie_qt.process_actions import ProcessActions
from portie_qt.settings import read_bool

CONFIRM_KEY = "process/confirm"


def _row_text(e: Endpoint) -> list[str]:
    return [e.protocol, e.local_address, str(e.local_port), e.remote, e.state,
            "" if e.pid is None else str(e.pid), e.process or "", e.user or "", e.service,
            e.group.value]  # fmt: skip


class RowActions(QObject):
    """Actions on ``selected()`` rows; ``current()`` is the row the user is on."""

    message = Signal(str)  # a passing note for the status bar
    notice = Signal(str)  # something that went wrong and stays until resolved
    lookup_requested = Signal(str)  # open the port reference at this text
    watch_requested = Signal(int)  # pin this port
    filter_requested = Signal(str)  # put this text in the filter field
    stopped = Signal()  # processes were signalled: refresh now

    def __init__(
        self,
        table: QTableView,
        settings: QSettings,
        entitlements: Entitlements,
        selected: Callable[[], list[Endpoint]],
        current: Callable[[], Endpoint | None],
        more: Sequence[QAction] = (),
    ) -> None:
        """``more``: actions the right-click menu offers after the row actions."""
        super().__init__(table)
        self._table = table
        self._more = tuple(more)
        self._settings = settings
        self._entitlements = entitlements
        self._selected = selected
        self._current = current
        std = QKeySequence.StandardKey
        self.copy = self._action("&Copy Row", self.copy_rows, "actionCopyRow", std.Copy)
        self.copy_address = self._action("Copy &Address", self.copy_address_text,
                                         "actionCopyAddress")  # fmt: skip
        self.open_browser = self._action("&Open http://localhost:PORT", self.open_in_browser,
                                         "actionOpenBrowser")  # fmt: skip
        self.lookup = self._action("&Look Up This Port", self.lookup_current, "actionLookup")
        self.why = self._action("&Why Is This Port Busy?", self.why_current, "actionWhy")
        self.terminate = self._action("&Terminate Process…", None, "actionTerminate", std.Delete)
        # Delete acts on the table's rows only, not while typing in the filter field.
        self.terminate.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        table.addAction(self.terminate)
        self.kill = self._action("&Kill Process…", None, "actionKill", "Shift+Del")
        self.kill.setToolTip("Force the process to stop at once (SIGKILL)")
        self.kill.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        table.addAction(self.kill)
        self.open_browser.setShortcuts([QKeySequence("Return"), QKeySequence("Enter")])
        self.open_browser.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        table.addAction(self.open_browser)
        # What developers reach for next (issue: "what is on port 3000, and stop it").
        self.watch = self._action("&Watch This Port", self.watch_current, "actionWatchPort")
        self.copy_pid = self._action("Copy &PID", self.copy_pid_text, "actionCopyPid")
        self.copy_command = self._action("Copy Co&mmand Line", self.copy_command_text,
                                         "actionCopyCommand")  # fmt: skip
        self.filter_process = self._action("&Filter to This Process", self.filter_to_process,
                                           "actionFilterProcess")  # fmt: skip
        self.open_folder = self._action("Open Working &Directory", self.open_directory,
                                        "actionOpenDirectory")  # fmt: skip
        for action, icon in ((self.watch, "watch"), (self.copy_pid, "copy"),
                             (self.copy_command, "copy"), (self.filter_process, "filter"),
                             (self.open_folder, "folder")):  # fmt: skip
            style.set_action_icon(action, icon)
        for action, icon in ((self.copy, "copy"), (self.copy_address, "copy"),
                             (self.open_browser, "browser"), (self.lookup, "reference"),
                             (self.terminate, "stop"), (self.kill, "kill")):  # fmt: skip
            style.set_action_icon(action, icon)
        entitlements.bind_action(self.terminate, "process_control",
                                 lambda: self.stop_selected(TERMINATE))  # fmt: skip
        entitlements.bind_action(self.kill, "process_control", lambda: self.stop_selected(KILL))
        self.stop_container = self._action("&Stop Container…", None, "actionStopContainer")
        self.restart_container = self._action("&Restart Container…", None,
                                              "actionRestartContainer")  # fmt: skip
        for action, icon in ((self.why, "why"), (self.stop_container, "container"),
                             (self.restart_container, "refresh")):  # fmt: skip
            style.set_action_icon(action, icon)
        entitlements.bind_action(self.stop_container, "process_control",
                                 lambda: self.act_on_container(STOP))  # fmt: skip
        entitlements.bind_action(self.restart_container, "process_control",
                                 lambda: self.act_on_container(RESTART))  # fmt: skip
        self.why_dialog = None  # made on first use
        self.confirm = QAction("&Confirm Before Stopping Processes", self)
        self.confirm.setObjectName("actionConfirmSignals")
        self.confirm.setCheckable(True)
        self.confirm.setChecked(read_bool(settings, CONFIRM_KEY, True))
        self.confirm.toggled.connect(self._on_confirm_toggled)

        self.processes = ProcessActions(
            self,
            confirm_enabled=self.confirm.isChecked,
            set_confirm_enabled=self.confirm.setChecked,
            allowed=lambda: entitlements.allows("process_control"),
        )
        self.processes.acted.connect(self.stopped)
        self.processes.finished.connect(self._on_processes_finished)
        self.containers = ContainerActions(
            self,
            allowed=lambda: entitlements.allows("process_control"),
            confirm_enabled=self.confirm.isChecked,
        )
        self.containers.acted.connect(self.stopped)
        self.containers.finished.connect(self._on_container_finished)
        entitlements.changed.connect(self.update)
        table.selectionModel().selectionChanged.connect(self.update)
        table.customContextMenuRequested.connect(self._on_table_context_menu)
        table.doubleClicked.connect(self.lookup_current)
        self._remote = False
        self.update()

    @Slot(object)
    def set_host(self, host) -> None:
        """The rows now belong to ``host`` (a `RemoteHost`), or to this computer for None."""
        self._remote = host is not None
        self.processes.set_host(host)

    def _action(self, text, slot, name, shortcut=None) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if slot is not None:
            action.triggered.connect(slot)
        return action

    def menu(self, parent: QWidget) -> QMenu:
        """The right-click menu for the selected rows."""
        self.update()
        menu = QMenu(parent)
        menu.setObjectName("rowMenu")
        for action in (self.open_browser, self.watch, self.why, self.lookup, None, self.copy,
                       self.copy_address, self.copy_pid, self.copy_command, None,
                       self.filter_process, self.open_folder, None, self.terminate, self.kill,
                       self.stop_container, self.restart_container):  # fmt: skip
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        return menu

    @Slot(object)
    def _on_table_context_menu(self, pos) -> None:
        menu = self.menu(self._table.window())
        if self._more:
            menu.addSeparator()
            menu.addActions(list(self._more))
        menu.popup(self._table.viewport().mapToGlobal(pos))

    @Slot()
    def update(self, *_args) -> None:
        """Enable what applies to the selection now."""
        endpoint = self._current()
        has = endpoint is not None
        for action in (self.copy, self.copy_address, self.lookup, self.watch):
            action.setEnabled(has)
        self.copy_pid.setEnabled(has and endpoint.pid is not None)
        self.filter_process.setEnabled(has and endpoint.pid is not None)
        self.copy_command.setEnabled(has and bool(endpoint.command))
        self.open_folder.setEnabled(has and bool(endpoint.cwd) and not self._remote)
        # Why asks this computer's sockets and binds: not a remote host's rows.
        self.why.setEnabled(has and not self._remote)
        self.open_browser.setEnabled(self._browsable(endpoint))
        if has:
            self.open_browser.setText(f"&Open http://localhost:{endpoint.local_port}")
        # A container's port is freed by stopping the container, never its engine helper.
        owned = any(e.pid is not None and e.container is None for e in self._selected())
        self.terminate.setEnabled(owned)
        self.kill.setEnabled(owned)
        container = endpoint.container if has else None
        for action in (self.stop_container, self.restart_container):
            action.setEnabled(container is not None)

    # --- free actions ---------------------------------------------------------------------

    def copy_rows(self) -> None:
        endpoints = self._selected()
        if endpoints:
            lines = ["\t".join(HEADERS)] + ["\t".join(_row_text(e)) for e in endpoints]
            QGuiApplication.clipboard().setText("\n".join(lines))
            self.message.emit(f"Copied {len(endpoints)} row(s)")

    def copy_address_text(self) -> None:
        endpoint = self._current()
        if endpoint:
            QGuiApplication.clipboard().setText(endpoint.local)
            self.message.emit(f"Copied {endpoint.local}")

    def open_in_browser(self) -> None:
        endpoint = self._current()
        if self._browsable(endpoint):
            QDesktopServices.openUrl(QUrl(f"http://localhost:{endpoint.local_port}"))

    def _browsable(self, endpoint: Endpoint | None) -> bool:
        """A TCP listener on this computer (a remote host's localhost is not ours)."""
        return (endpoint is not None and endpoint.protocol == "tcp"
                and endpoint.state == LISTEN and not self._remote)  # fmt: skip

    def watch_current(self) -> None:
        endpoint = self._current()
        if endpoint is not None:
            self.watch_requested.emit(endpoint.local_port)

    def copy_pid_text(self) -> None:
        endpoint = self._current()
        if endpoint is not None and endpoint.pid is not None:
            QGuiApplication.clipboard().setText(str(endpoint.pid))
            self.message.emit(f"Copied PID {endpoint.pid}")

    def copy_command_text(self) -> None:
        endpoint = self._current()
        if endpoint is not None and endpoint.command:
            QGuiApplication.clipboard().setText(endpoint.command)
            self.message.emit("Copied the command line")

    def filter_to_process(self) -> None:
        endpoint = self._current()
        if endpoint is not None and endpoint.pid is not None:
            self.filter_requested.emit(f"pid:{endpoint.pid}")

    def open_directory(self) -> None:
        endpoint = self._current()
        if endpoint is not None and endpoint.cwd and not self._remote:
            QDesktopServices.openUrl(QUrl.fromLocalFile(endpoint.cwd))

    def open_port(self, port: int) -> None:
        """Open http://localhost:PORT (the answer card's Open)."""
        if not self._remote:
            QDesktopServices.openUrl(QUrl(f"http://localhost:{port}"))

    def stop_port(self, endpoints: list[Endpoint], action: str = TERMINATE) -> None:
        """Free a port: stop its container, or every process holding it (paid, confirmed)."""
        boxed = next((e.container for e in endpoints if e.container is not None), None)
        if boxed is not None:
            self._entitlements.run_or_offer(
                "process_control",
                lambda: self.containers.request(boxed, STOP, self._table.window()),
            )
            return
        self.stop([e for e in endpoints if e.pid is not None], action)

    def lookup_current(self) -> None:
        endpoint = self._current()
        self.lookup_requested.emit(str(endpoint.local_port) if endpoint else "")

    def why_current(self) -> None:
        """Explain why the current row's port is busy, in a dialog of its own."""
        endpoint = self._current()
        if endpoint is not None:
            self.why_port(endpoint.local_port, endpoint.protocol)

    def why_port(self, port: int, protocol: str = "tcp") -> None:
        if self.why_dialog is None:
            from portie_qt.why_dialog import WhyDialog  # loaded on first use

            self.why_dialog = WhyDialog(self._table.window())
        self.why_dialog.explain(port, protocol)
        self.why_dialog.show()
        self.why_dialog.raise_()

    # --- paid actions ---------------------------------------------------------------------

    def stop_selected(self, action: str) -> bool:
        """Terminate or kill the owners of the selected rows (each process once)."""
        selected = self._selected()
        endpoints = [e for e in selected if e.pid is not None and e.container is None]
        if not endpoints:
            boxed = next((e.container for e in selected if e.container is not None), None)
            if boxed is not None:
                self.message.emit(f"That port belongs to container {boxed.label}: use Stop "
                                  "Container instead.")  # fmt: skip
            else:
                self.message.emit("No process to stop: select a row with an owner.")
            return False
        return self.processes.request(endpoints, action, self._table.window())

    def stop(self, endpoints: list[Endpoint], action: str = TERMINATE) -> None:
        """Stop the owners of ``endpoints`` (e.g. a watched port's), paid like the menu."""
        window = self._table.window()
        self._entitlements.run_or_offer(
            "process_control", lambda: self.processes.request(endpoints, action, window)
        )

    def act_on_container(self, action: str) -> bool:
        """Stop or restart the container that owns the current row (paid, confirmed)."""
        endpoint = self._current()
        if endpoint is None or endpoint.container is None:
            self.message.emit("No container owns this port.")
            return False
        return self.containers.request(endpoint.container, action, self._table.window())

    @Slot(bool, str)
    def _on_container_finished(self, ok: bool, text: str) -> None:
        if ok:
            self.message.emit(text)
        else:
            self.notice.emit(text)

    @Slot(bool)
    def _on_confirm_toggled(self, confirm: bool) -> None:
        self._settings.setValue(CONFIRM_KEY, bool(confirm))

    @Slot(list)
    def _on_processes_finished(self, outcomes: list) -> None:
        if outcomes:
            text = " ".join(o.message for o in outcomes)
            if all(o.gone for o in outcomes):
                self.message.emit(text)
            else:
                self.notice.emit(text)
