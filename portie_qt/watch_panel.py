"""The watched-ports panel: renders a `WatchList` and sends the user's requests up.

It keeps no state of its own beyond the selection: ``add_requested``,
``remove_requested``, ``terminate_requested`` and ``notify_mode_changed`` go to the watch
controller, which changes the list and calls `render` again.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from portie_qt import style
from portie_qt.core.activity import NotifyMode, WatchList, WatchStatus
from portie_qt.core.license import PRICE
from portie_qt.core.reference import service_label
from portie_qt.forms import child, embed_form

_TERMINATE_TIP = "Stop the process holding the selected port"


class WatchPanel(QWidget):
    """Pinned ports and their state; add/remove pins; Terminate… on a busy one."""

    add_requested = Signal(str)  # what the user typed
    remove_requested = Signal(int)
    terminate_requested = Signal(object)  # list[Endpoint] holding the selected port
    notify_mode_changed = Signal(str)  # a NotifyMode value

    PORT, SERVICE, STATUS = range(3)

    def __init__(self, mode: NotifyMode = NotifyMode.BANDS, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("watchPanel")
        form = embed_form("watch_panel", self, (0, 0, 0, 0))
        self.tree: QTreeWidget = child(form, QTreeWidget, "watchList")
        self.port_edit: QLineEdit = child(form, QLineEdit, "watchPortEdit")
        self.add_button: QPushButton = child(form, QPushButton, "watchAdd")
        self.remove_button: QPushButton = child(form, QPushButton, "watchRemove")
        self.terminate_button: QPushButton = child(form, QPushButton, "watchTerminate")
        self.error_label: QLabel = child(form, QLabel, "watchError")
        self.empty_label: QLabel = child(form, QLabel, "watchEmpty")
        self.mode_combo: QComboBox = child(form, QComboBox, "watchNotifyMode")
        self._stack: QStackedWidget = child(form, QStackedWidget, "watchStack")
        self.tree.setMinimumHeight(24)  # the docks may collapse to one line when empty
        self._stack.setMinimumHeight(24)
        self._watched = WatchList()
        style.set_tone(self.error_label, "error")

        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(self.PORT, QHeaderView.ResizeMode.ResizeToContents)
        # The status is what matters in a narrow dock: the service name gives way first.
        header.setSectionResizeMode(self.SERVICE, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(self.SERVICE, 110)
        for each in NotifyMode:
            self.mode_combo.addItem(each.title, each.value)
        self.mode_combo.setCurrentIndex(max(0, self.mode_combo.findData(NotifyMode(mode).value)))

        self.tree.customContextMenuRequested.connect(self._on_tree_context_menu_requested)
        self.tree.itemSelectionChanged.connect(self._sync_buttons)
        self.port_edit.returnPressed.connect(self._on_add_clicked)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.terminate_button.clicked.connect(self._on_terminate_clicked)
        self.mode_combo.currentIndexChanged.connect(self._on_mode_combo_changed)
        self.render(self._watched)

    # --- rendering ---------------------------------------------------------------------

    def render(self, watched: WatchList) -> None:
        """Show ``watched``; rows are updated in place so selection and scroll stay."""
        self._watched = watched
        ports = watched.ports
        shown = [
            self.tree.topLevelItem(i).data(self.PORT, Qt.ItemDataRole.UserRole)
            for i in range(self.tree.topLevelItemCount())
        ]
        if shown != ports:
            selected = self._selected_port()
            self.tree.clear()
            for port in ports:
                item = QTreeWidgetItem([str(port), service_label(port, "tcp"), ""])
                item.setData(self.PORT, Qt.ItemDataRole.UserRole, port)
                item.setTextAlignment(
                    self.PORT, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
                self.tree.addTopLevelItem(item)
                item.setSelected(port == selected)
        for row, port in enumerate(ports):
            self._fill_status(self.tree.topLevelItem(row), port, watched.status(port))
        self._stack.setCurrentWidget(self.tree if ports else self.empty_label)
        self._sync_buttons()

    def show_error(self, text: str) -> None:
        """A sentence about the last request ('' hides it); it quotes what was typed."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        if not text:
            self.port_edit.clear()

    def set_locked(self, locked: bool) -> None:
        """Wear the paid lock mark on Terminate… while process control is locked.

        The button stays enabled and still emits ``terminate_requested``, so the window
        can explain the unlock rather than do nothing.
        """
        self.terminate_button.setProperty("locked", locked)
        self.terminate_button.setIcon(style.lock_icon() if locked else QIcon())
        tip = _TERMINATE_TIP
        if locked:
            tip += f" — paid feature, part of the one-time {PRICE} unlock"
        self.terminate_button.setToolTip(tip)

    def restyle(self) -> None:
        style.restyle(self)
        self.render(self._watched)

    def _fill_status(self, item: QTreeWidgetItem, port: int, status: WatchStatus | None) -> None:
        look = style.current()
        if status is None:
            icon, tip = look.state_dots["unknown"], "Waiting for the first refresh"
        elif status.busy:
            where = ", ".join(sorted({e.local for e in status.endpoints}))
            icon, tip = look.state_dots["busy"], f"{status.text}\nListening on {where}"
        else:
            icon, tip = look.state_dots["free"], f"Nothing listens on port {port}"
        item.setText(self.STATUS, self._watched.status_text(port))
        item.setIcon(self.STATUS, icon)
        item.setToolTip(self.STATUS, style.plain_tip(tip))

    # --- requests ----------------------------------------------------------------------

    def _selected_port(self) -> int | None:
        items = self.tree.selectedItems()
        return items[0].data(self.PORT, Qt.ItemDataRole.UserRole) if items else None

    def _selected_busy(self) -> WatchStatus | None:
        port = self._selected_port()
        status = self._watched.status(port) if port is not None else None
        return status if status is not None and status.busy else None

    @Slot()
    def _sync_buttons(self) -> None:
        self.remove_button.setEnabled(self._selected_port() is not None)
        self.terminate_button.setEnabled(self._selected_busy() is not None)

    @Slot()
    def _on_add_clicked(self) -> None:
        self.add_requested.emit(self.port_edit.text())

    @Slot()
    def _on_remove_clicked(self) -> None:
        port = self._selected_port()
        if port is not None:
            self.remove_requested.emit(port)

    @Slot()
    def _on_terminate_clicked(self) -> None:
        status = self._selected_busy()
        if status is not None:
            self.terminate_requested.emit(list(status.endpoints))

    @Slot(int)
    def _on_mode_combo_changed(self, _index: int) -> None:
        self.notify_mode_changed.emit(self.mode_combo.currentData())

    @Slot(QPoint)
    def _on_tree_context_menu_requested(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        item.setSelected(True)
        self.tree.setCurrentItem(item)
        menu = QMenu(self)
        terminate = menu.addAction("Terminate…")
        terminate.setEnabled(self._selected_busy() is not None)
        terminate.triggered.connect(self._on_terminate_clicked)
        menu.addAction("Stop watching").triggered.connect(self._on_remove_clicked)
        menu.popup(self.tree.viewport().mapToGlobal(pos))
