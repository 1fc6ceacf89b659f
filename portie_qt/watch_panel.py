"""Watched ports: pinned port numbers that always show, "free" or "in use by X".

Pins and the notification filter persist in ``portie.ini`` (keys ``watch/ports`` and
``notify/mode``). A busy watched port offers Terminate…, which only emits
``terminate_requested`` with the port's endpoints: the window owns the (paid)
process-control flow.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from PySide6.QtCore import QPoint, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStackedLayout,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portie_qt.core.activity import NotifyMode, WatchStatus, watched_status
from portie_qt.core.endpoints import Snapshot
from portie_qt.core.license import PRICE
from portie_qt.core.paths import config_dir
from portie_qt.core.reference import service_label
from portie_qt.entitlements import lock_icon

PORTS_KEY = "watch/ports"
NOTIFY_KEY = "notify/mode"
MAX_WATCHED = 200  # a pin list, not a scanner: keeps the tray menu and the panel usable
_FREE_COLOUR = "#2e9d4f"
_BUSY_COLOUR = "#e08a00"
_UNKNOWN_COLOUR = "#8a8f98"


def default_settings() -> QSettings:
    """``portie.ini`` in the config directory (created if missing)."""
    directory = config_dir()
    # Unwritable: QSettings then keeps values in memory; the window reports it.
    with contextlib.suppress(OSError):
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return QSettings(str(directory / "portie.ini"), QSettings.Format.IniFormat)


def parse_ports(value: object) -> list[int]:
    """Ports from a stored value: ``"3000,5432"``, a list, or one number; junk is dropped."""
    if value is None:
        return []
    parts = value if isinstance(value, (list, tuple)) else str(value).split(",")
    ports: list[int] = []
    for part in parts:
        try:
            port = int(str(part).strip())
        except ValueError:
            continue
        if 1 <= port <= 65535 and port not in ports:
            ports.append(port)
    return sorted(ports)[:MAX_WATCHED]


def port_error(text: str) -> str:
    """A sentence saying why ``text`` cannot be watched, or "" when it can."""
    text = text.strip()
    if not text:
        return "Type a port number to watch, for example 3000."
    if not text.isdigit():
        return f"“{text}” is not a port number: type digits only, for example 5432."
    port = int(text)
    if not 1 <= port <= 65535:
        return f"Port {port} is out of range: ports run 1–65535."
    return ""


def _dot(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(2, 2, 8, 8)
    painter.end()
    return QIcon(pixmap)


class WatchPanel(QWidget):
    """Pinned ports and their state; add/remove pins; Terminate… on a busy one."""

    terminate_requested = Signal(object)  # list[Endpoint] holding the selected port
    ports_changed = Signal(object)  # list[int], after a pin is added or removed
    notify_mode_changed = Signal(str)  # a NotifyMode value

    PORT, SERVICE, STATUS = range(3)

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("watchPanel")
        self.settings = settings if settings is not None else default_settings()
        self._ports = parse_ports(self.settings.value(PORTS_KEY))
        self._statuses: dict[int, WatchStatus] = {}
        self._snapshot: Snapshot | None = None
        self._icons = {c: _dot(c) for c in (_FREE_COLOUR, _BUSY_COLOUR, _UNKNOWN_COLOUR)}

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("watchList")
        self.tree.setHeaderLabels(["Port", "Service", "Status"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._on_tree_context_menu_requested)
        self.tree.itemSelectionChanged.connect(self._sync_buttons)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(self.PORT, QHeaderView.ResizeMode.ResizeToContents)
        # The status is what matters in a narrow dock: the service name gives way first.
        header.setSectionResizeMode(self.SERVICE, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(self.SERVICE, 110)

        self.port_edit = QLineEdit(self)
        self.port_edit.setObjectName("watchPortEdit")
        self.port_edit.setPlaceholderText("Port to watch, e.g. 3000")
        self.port_edit.setMaxLength(5)
        self.port_edit.returnPressed.connect(self._on_add_clicked)
        self.add_button = QPushButton("Watch", self)
        self.add_button.setObjectName("watchAdd")
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button = QPushButton("Unwatch", self)
        self.remove_button.setObjectName("watchRemove")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.terminate_button = QPushButton("Terminate…", self)
        self.terminate_button.setObjectName("watchTerminate")
        self.terminate_button.setToolTip("Stop the process holding the selected port")
        self.terminate_button.clicked.connect(self._on_terminate_clicked)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("watchError")
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)
        self.error_label.setStyleSheet("color: #c0392b;")

        self.empty_label = QLabel(
            "No watched ports. Add one to see at a glance when it comes up or frees up.", self
        )
        self.empty_label.setObjectName("watchEmpty")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setEnabled(False)

        self.mode_combo = QComboBox(self)
        self.mode_combo.setObjectName("watchNotifyMode")
        for mode in NotifyMode:
            self.mode_combo.addItem(mode.title, mode.value)
        self.mode_combo.setCurrentIndex(max(0, self.mode_combo.findData(self._stored_mode())))
        self.mode_combo.currentIndexChanged.connect(self._on_mode_combo_changed)

        add_row = QHBoxLayout()
        add_row.addWidget(self.port_edit, 1)
        add_row.addWidget(self.add_button)
        action_row = QHBoxLayout()
        action_row.addWidget(self.remove_button)
        action_row.addStretch(1)
        action_row.addWidget(self.terminate_button)
        mode_row = QHBoxLayout()
        mode_label = QLabel("&Notify:", self)
        mode_label.setBuddy(self.mode_combo)
        mode_row.addWidget(mode_label)
        mode_row.addWidget(self.mode_combo, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(add_row)
        layout.addWidget(self.error_label)
        self._stack = QStackedLayout()
        self._stack.addWidget(self.tree)
        self._stack.addWidget(self.empty_label)
        layout.addLayout(self._stack, 1)
        layout.addLayout(action_row)
        layout.addLayout(mode_row)
        self._rebuild()

    # --- public API --------------------------------------------------------------------

    def ports(self) -> list[int]:
        return list(self._ports)

    def statuses(self) -> dict[int, WatchStatus]:
        """The latest status per watched port (empty before the first snapshot)."""
        return dict(self._statuses)

    def status_text(self, port: int) -> str:
        """What the Status column says for ``port``."""
        status = self._statuses.get(port)
        return status.text if status is not None else "checking…"

    def notify_mode(self) -> NotifyMode:
        return NotifyMode(self.mode_combo.currentData())

    def set_locked(self, locked: bool) -> None:
        """Wear the paid lock mark on Terminate… while process control is locked.

        The button stays enabled and still emits ``terminate_requested``, so the window
        can explain the unlock (``Entitlements.run_or_offer``) rather than do nothing.
        """
        self.terminate_button.setProperty("locked", locked)
        self.terminate_button.setIcon(lock_icon() if locked else QIcon())
        tip = "Stop the process holding the selected port"
        if locked:
            tip += f" — paid feature, part of the one-time {PRICE} unlock"
        self.terminate_button.setToolTip(tip)

    def add_port(self, port: int) -> bool:
        """Watch ``port``; False (and a message) when invalid, already watched or too many."""
        error = port_error(str(port))
        if not error and port in self._ports:
            error = f"Port {port} is already watched."
        if not error and len(self._ports) >= MAX_WATCHED:
            error = f"Portie watches at most {MAX_WATCHED} ports: unwatch one first."
        self._show_error(error)
        if error:
            return False
        self._ports = sorted([*self._ports, int(port)])
        self._ports_edited()
        return True

    def remove_port(self, port: int) -> None:
        if port in self._ports:
            self._ports.remove(port)
            self._ports_edited()

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Refresh every watched port's status from a new snapshot."""
        self._snapshot = snapshot
        self._statuses = watched_status(snapshot, self._ports)
        self._rebuild()

    # --- internals ---------------------------------------------------------------------

    def _stored_mode(self) -> str:
        value = str(self.settings.value(NOTIFY_KEY, NotifyMode.BANDS.value))
        return value if value in {m.value for m in NotifyMode} else NotifyMode.BANDS.value

    def _ports_edited(self) -> None:
        self.settings.setValue(PORTS_KEY, ",".join(str(p) for p in self._ports))
        self.settings.sync()
        if self._snapshot is not None:
            self._statuses = watched_status(self._snapshot, self._ports)
        else:
            self._statuses = {}
        self._rebuild()
        self.ports_changed.emit(self.ports())

    def _rebuild(self) -> None:
        """Sync rows with the pins; rows are updated in place so selection and scroll stay."""
        shown = [
            self.tree.topLevelItem(i).data(self.PORT, Qt.ItemDataRole.UserRole)
            for i in range(self.tree.topLevelItemCount())
        ]
        if shown != self._ports:
            selected = self._selected_port()
            self.tree.clear()
            for port in self._ports:
                item = QTreeWidgetItem([str(port), service_label(port, "tcp"), ""])
                item.setData(self.PORT, Qt.ItemDataRole.UserRole, port)
                item.setTextAlignment(
                    self.PORT, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
                self.tree.addTopLevelItem(item)
                item.setSelected(port == selected)
        for row, port in enumerate(self._ports):
            self._fill_status(self.tree.topLevelItem(row), port)
        self._stack.setCurrentWidget(self.tree if self._ports else self.empty_label)
        self._sync_buttons()

    def _fill_status(self, item: QTreeWidgetItem, port: int) -> None:
        status = self._statuses.get(port)
        if status is None:
            colour, tip = _UNKNOWN_COLOUR, "Waiting for the first refresh"
        elif status.busy:
            where = ", ".join(sorted({e.local for e in status.endpoints}))
            colour, tip = _BUSY_COLOUR, f"{status.text}\nListening on {where}"
        else:
            colour, tip = _FREE_COLOUR, f"Nothing listens on port {port}"
        item.setText(self.STATUS, self.status_text(port))
        item.setIcon(self.STATUS, self._icons[colour])
        item.setToolTip(self.STATUS, tip)

    def _selected_port(self) -> int | None:
        items = self.tree.selectedItems()
        return items[0].data(self.PORT, Qt.ItemDataRole.UserRole) if items else None

    def _selected_busy(self) -> WatchStatus | None:
        port = self._selected_port()
        status = self._statuses.get(port) if port is not None else None
        return status if status is not None and status.busy else None

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    @Slot()
    def _sync_buttons(self) -> None:
        self.remove_button.setEnabled(self._selected_port() is not None)
        self.terminate_button.setEnabled(self._selected_busy() is not None)

    @Slot()
    def _on_add_clicked(self) -> None:
        text = self.port_edit.text()
        error = port_error(text)
        if error:
            self._show_error(error)
            return
        if self.add_port(int(text)):
            self.port_edit.clear()

    @Slot()
    def _on_remove_clicked(self) -> None:
        port = self._selected_port()
        if port is not None:
            self.remove_port(port)

    @Slot()
    def _on_terminate_clicked(self) -> None:
        status = self._selected_busy()
        if status is not None:
            self.terminate_requested.emit(list(status.endpoints))

    @Slot(int)
    def _on_mode_combo_changed(self, _index: int) -> None:
        mode = self.notify_mode().value
        self.settings.setValue(NOTIFY_KEY, mode)
        self.settings.sync()
        self.notify_mode_changed.emit(mode)

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

    def set_ports(self, ports: Iterable[int]) -> None:
        """Replace the pin list (e.g. from an import); invalid numbers are dropped."""
        self._ports = parse_ports(list(ports))
        self._ports_edited()
