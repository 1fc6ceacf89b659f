"""The host selector in the toolbar: "This computer" plus the remote hosts the user added.

A facade: the window places ``widget`` and listens to ``selected``. Choosing a host
switches the refresh loop (`RefreshControl.set_host`: the table empties, then fills with
that host's ports) and then says ``selected(RemoteHost | None)`` so the row actions and
the details pane act on the same host. Each host's state (connecting, connected,
disconnected and why) follows its refreshes and shows in its entry.

Hosts are kept in the settings: ``hosts/names`` (as typed) and ``hosts/sudo`` (the
names on which Terminate/Kill may use ``sudo -n``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QMenu, QToolButton, QWidget

from portie_qt import style
from portie_qt.forms import child, load_form
from portie_qt.jobs import background_pool, run_in_pool
from portie_qt.refresh_control import RefreshControl
from portie_qt.refresh_worker import CONNECTED, CONNECTING, DISCONNECTED, Refresh
from portie_qt.settings import read_str_list

if TYPE_CHECKING:  # the SSH side loads when a host is listed or shown, not at start-up
    from portie_qt.add_host_dialog import AddHostDialog
    from portie_qt.core.remote import RemoteHost

HOSTS_KEY = "hosts/names"
SUDO_KEY = "hosts/sudo"
MAX_HOSTS = 100
THIS_COMPUTER = "This computer"
_STATE_TEXT = {CONNECTING: "connecting…", DISCONNECTED: "disconnected"}


class HostSelector(QObject):
    """Which host the window shows; adds, removes and remembers remote hosts."""

    selected = Signal(object)  # RemoteHost, or None for this computer
    hosts_changed = Signal()

    def __init__(self, settings: QSettings, loop: RefreshControl, parent: QWidget) -> None:
        super().__init__(parent)
        self._settings = settings
        self._loop = loop
        self._window = parent
        self._hosts: dict[str, RemoteHost] = {}  # made on first use, kept for its connection
        self._states: dict[str, tuple[str, str]] = {}  # name -> (state, detail)
        self._summaries: dict[str, str] = {}  # name -> what ssh -G made of it
        self.names = self._stored_names()
        self._sudo = {n for n in read_str_list(settings, SUDO_KEY, MAX_HOSTS) if n in self.names}
        self.dialog: AddHostDialog | None = None

        self.widget = load_form("host_selector", parent)
        self.combo: QComboBox = child(self.widget, QComboBox, "hostCombo")
        button = child(self.widget, QToolButton, "hostMenuButton")
        menu = QMenu(button)
        self.menu_action = QAction("Hosts", button, objectName="actionHosts")
        self.menu_action.setToolTip(button.toolTip())
        self.menu_action.setMenu(menu)
        style.set_action_icon(self.menu_action, "host")
        button.setDefaultAction(self.menu_action)
        button.setToolButtonStyle(style.TOOL_BUTTON_STYLE)
        button.setAutoRaise(True)  # flat, like the toolbar's other buttons
        self.add_action = menu.addAction("&Add Host…", self.open_add_dialog)
        self.add_action.setObjectName("actionAddHost")
        style.set_action_icon(self.add_action, "host")
        self.sudo_action = QAction("Allow &sudo for Terminate/Kill on This Host", menu)
        self.sudo_action.setObjectName("actionHostSudo")
        self.sudo_action.setCheckable(True)
        self.sudo_action.toggled.connect(self._on_sudo_action_toggled)
        menu.addAction(self.sudo_action)
        self.remove_action = menu.addAction("&Remove This Host", self._on_remove_triggered)
        self.remove_action.setObjectName("actionRemoveHost")
        self._fill()
        self.combo.currentIndexChanged.connect(self._on_combo_current_index_changed)
        loop.refreshed.connect(self._on_loop_refreshed)

    # -- what the window and tests use ----------------------------------------------------
    @property
    def current(self) -> str:
        """The remote host shown ("" for this computer)."""
        return self._loop.host

    def host(self, name: str) -> RemoteHost:
        """The `RemoteHost` of a listed name (its connection is made on first use)."""
        found = self._hosts.get(name)
        if found is None:
            from portie_qt.core.remote import RemoteHost

            found = self._hosts[name] = RemoteHost(name, sudo=name in self._sudo)
        return found

    def state(self, name: str) -> str:
        """``connecting``, ``connected``, ``disconnected`` or '' (not shown yet)."""
        return self._states.get(name, ("", ""))[0]

    def add_host(self, text: str, sudo: bool = False, summary: str = "") -> str:
        """List a host and show it; '' on success, else the sentence saying why not."""
        from portie_qt.core.remote import HostError, parse_host

        try:
            name = parse_host(text).text
        except HostError as exc:
            return str(exc)
        if name not in self.names:
            if len(self.names) >= MAX_HOSTS:
                return f"Portie keeps at most {MAX_HOSTS} hosts: remove one first."
            self.names.append(name)
        if summary:
            self._summaries[name] = summary
        self._set_sudo(name, sudo)
        self._save()
        self._fill()
        self.select(name)
        return ""

    def remove_host(self, name: str) -> None:
        if name not in self.names:
            return
        if self.current == name:
            self.select("")
        self.names.remove(name)
        self._sudo.discard(name)
        self._states.pop(name, None)
        host = self._hosts.pop(name, None)
        if host is not None:  # end its shared connection, off the UI thread
            run_in_pool(background_pool(), host.close)
        self._save()
        self._fill()

    def select(self, name: str) -> None:
        """Show ``name``'s ports ("" for this computer)."""
        if name and name not in self.names:
            raise ValueError(f"{name!r} is not in the host list")
        index = self.names.index(name) + 1 if name else 0
        if self.combo.currentIndex() != index:
            self.combo.setCurrentIndex(index)  # comes back through the slot below
        else:
            self._show(name)

    @Slot()
    def open_add_dialog(self) -> AddHostDialog:
        if self.dialog is None:
            from portie_qt.add_host_dialog import AddHostDialog

            self.dialog = AddHostDialog(self.names, self._window)
            self.dialog.added.connect(self._on_dialog_added)
            self.dialog.finished.connect(self._on_dialog_finished)
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    # -- inside -----------------------------------------------------------------------------
    def _stored_names(self) -> list[str]:
        names: list[str] = []
        stored = read_str_list(self._settings, HOSTS_KEY, MAX_HOSTS)
        if not stored:
            return names
        from portie_qt.core.remote import HostError, parse_host

        for text in stored:
            try:
                name = parse_host(text).text
            except HostError:
                continue  # hand-edited junk: dropped, the rest kept
            if name not in names:
                names.append(name)
        return names

    def _save(self) -> None:
        self._settings.setValue(HOSTS_KEY, list(self.names))
        self._settings.setValue(SUDO_KEY, sorted(self._sudo))
        self.hosts_changed.emit()

    def _set_sudo(self, name: str, allowed: bool) -> None:
        if allowed:
            self._sudo.add(name)
        else:
            self._sudo.discard(name)
        if name in self._hosts:
            self._hosts[name].sudo = allowed

    def _show(self, name: str) -> None:
        host = self.host(name) if name else None
        self._loop.set_host(host)
        self._update_menu()
        self.selected.emit(host)

    def _fill(self) -> None:
        """Rebuild the entries (keeping the shown one) without switching hosts."""
        shown = self.current
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(THIS_COMPUTER, "")
        for name in self.names:
            self.combo.addItem(name, name)
            self._label(name)
        self.combo.setCurrentIndex(self.names.index(shown) + 1 if shown in self.names else 0)
        self.combo.blockSignals(False)
        self._update_menu()

    def _label(self, name: str) -> None:
        """The entry's text and tooltip from the host's state."""
        index = self.names.index(name) + 1
        state, detail = self._states.get(name, ("", ""))
        suffix = _STATE_TEXT.get(state)
        self.combo.setItemText(index, f"{name} ({suffix})" if suffix else name)
        lines = [self._summaries.get(name, name)]
        if detail:
            lines.append(detail)
        self.combo.setItemData(index, "\n".join(lines), Qt.ItemDataRole.ToolTipRole)

    def _update_menu(self) -> None:
        name = self.current
        self.remove_action.setEnabled(bool(name))
        self.sudo_action.setEnabled(bool(name))
        self.sudo_action.blockSignals(True)
        self.sudo_action.setChecked(name in self._sudo)
        self.sudo_action.blockSignals(False)

    @Slot(int)
    def _on_combo_current_index_changed(self, index: int) -> None:
        self._show(self.names[index - 1] if index > 0 else "")

    @Slot(object)
    def _on_loop_refreshed(self, refresh: Refresh) -> None:
        name = refresh.snapshot.host
        if not name or name not in self.names or not refresh.connection:
            return
        detail = refresh.error if refresh.connection == DISCONNECTED else ""
        if refresh.connection == CONNECTED and refresh.snapshot.notice:
            detail = refresh.snapshot.notice
        if self._states.get(name) != (refresh.connection, detail):
            self._states[name] = (refresh.connection, detail)
            self._label(name)

    @Slot(bool)
    def _on_sudo_action_toggled(self, allowed: bool) -> None:
        if self.current:
            self._set_sudo(self.current, allowed)
            self._save()

    @Slot()
    def _on_remove_triggered(self) -> None:
        if self.current:
            self.remove_host(self.current)

    @Slot(str, bool, str)
    def _on_dialog_added(self, name: str, sudo: bool, summary: str) -> None:
        self.add_host(name, sudo, summary)

    @Slot(int)
    def _on_dialog_finished(self, _result: int) -> None:
        self.dialog.deleteLater()
        self.dialog = None
