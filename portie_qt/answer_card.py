"""The answer card: "what is on port 3000, and stop it" in one look.

It opens above the details pane when the filter asks about one port (``3000`` or
``:3000``) or the selected rows all share one port, and says who holds it in the same
words as ``portie free`` (`core.answer`), with buttons for what people do next. After a
stop it says "Port 3000 is free now" once a refresh confirms it.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QSizePolicy, QWidget

from portie_qt import style
from portie_qt.confirm_dialog import KILL, TERMINATE
from portie_qt.core.answer import free_answer, port_answer
from portie_qt.core.endpoints import Endpoint
from portie_qt.core.filtering import FilterCriteria
from portie_qt.core.reference import lookup
from portie_qt.forms import child, embed_form


class AnswerCard(QFrame):
    """One port's answer and its actions. The window feeds it; it emits requests."""

    open_requested = Signal(int)  # open http://localhost:PORT
    stop_requested = Signal(object, str)  # (the port's listening endpoints, TERMINATE | KILL)
    watch_requested = Signal(int)
    why_requested = Signal(int, str)  # (port, protocol)
    copied = Signal(str)  # a sentence for the status bar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("portAnswer")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        form = embed_form("answer_card", self, (0, 0, 0, 0))
        self.text: QLabel = child(form, QLabel, "answerText")
        self.detail: QLabel = child(form, QLabel, "answerDetail")
        self.open_button: QPushButton = child(form, QPushButton, "answerOpenButton")
        self.stop_button: QPushButton = child(form, QPushButton, "answerStopButton")
        self.kill_button: QPushButton = child(form, QPushButton, "answerKillButton")
        self.copy_button: QPushButton = child(form, QPushButton, "answerCopyButton")
        self.watch_button: QPushButton = child(form, QPushButton, "answerWatchButton")
        self.why_button: QPushButton = child(form, QPushButton, "answerWhyButton")
        font = self.text.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.text.setFont(font)
        # Wrapped labels ask for the height their width needs: the card grows with them.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        style.set_tone(self.detail, "muted")
        for button, icon in ((self.open_button, "browser"), (self.stop_button, "stop"),
                             (self.kill_button, "kill"), (self.copy_button, "copy"),
                             (self.watch_button, "watch"), (self.why_button, "why")):  # fmt: skip
            button.setProperty("iconName", icon)
        self._restyle_icons()
        self.open_button.clicked.connect(self._on_open_clicked)
        self.stop_button.clicked.connect(lambda: self._stop(TERMINATE))
        self.kill_button.clicked.connect(lambda: self._stop(KILL))
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self.watch_button.clicked.connect(lambda: self.watch_requested.emit(self._port))
        self.why_button.clicked.connect(lambda: self.why_requested.emit(self._port, self._protocol))
        # The same keys as on the table, while the card has the focus.
        for keys, slot in ((("Return", "Enter"), self._on_open_clicked),
                           (("Delete",), lambda: self._stop(TERMINATE)),
                           (("Shift+Delete",), lambda: self._stop(KILL))):  # fmt: skip
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slot)
        self._port: int | None = None
        self._protocol = "tcp"
        self._listeners: list[Endpoint] = []
        self._remote = False
        self._asked_port: int | None = None  # the filter's port, or None
        self._selected_port: tuple[int, str] | None = None
        self._stopping: int | None = None  # the port the user asked to stop
        self.hide()

    @property
    def port(self) -> int | None:
        """The port shown (None while hidden)."""
        return None if self.isHidden() else self._port

    # --- what the window tells it ----------------------------------------------------------

    def set_remote(self, remote: bool) -> None:
        """Rows of another host: no browser to open on this machine."""
        self._remote = remote

    def on_criteria(self, criteria: FilterCriteria, rows: list[Endpoint]) -> None:
        self._asked_port = criteria.port_query
        self._choose(rows)

    def on_selection(self, selected: Iterable[Endpoint], rows: list[Endpoint]) -> None:
        ports = {(e.local_port, e.protocol) for e in selected}
        self._selected_port = next(iter(ports)) if len(ports) == 1 else None
        self._choose(rows)

    def on_rows(self, rows: list[Endpoint]) -> None:
        """A refresh was applied: say what is true now."""
        if self._port is not None:
            self._render(rows)

    def restyle(self) -> None:
        style.restyle(self)
        self._restyle_icons()

    # --- showing -----------------------------------------------------------------------------

    def _choose(self, rows: list[Endpoint]) -> None:
        if self._asked_port is not None:
            port = self._asked_port
            protocol = "tcp"
            if not _listening(rows, port, "tcp") and _listening(rows, port, "udp"):
                protocol = "udp"
        elif self._selected_port is not None:
            port, protocol = self._selected_port
        else:
            self._port = None
            self.hide()
            return
        if (port, protocol) != (self._port, self._protocol):
            self._stopping = None
        self._port, self._protocol = port, protocol
        self._render(rows)
        self.show()

    def _render(self, rows: list[Endpoint]) -> None:
        port, protocol = self._port, self._protocol
        self._listeners = _listening(rows, port, protocol)
        busy = bool(self._listeners)
        if busy:
            self.text.setText(port_answer(port, self._listeners, protocol))
            self.detail.setText(_usually(port, protocol))
        elif self._stopping == port:
            head = f"Port {port}" if protocol == "tcp" else f"UDP port {port}"
            self.text.setText(f"{head} is free now.")
            self.detail.setText(free_answer(port, protocol).split(" — ", 1)[-1].capitalize())
        else:
            self.text.setText(free_answer(port, protocol))
            self.detail.setText("")
        self.detail.setVisible(bool(self.detail.text()))
        owned = [e for e in self._listeners if e.pid is not None or e.container is not None]
        self.open_button.setEnabled(busy and protocol == "tcp" and not self._remote)
        self.stop_button.setEnabled(bool(owned))
        self.kill_button.setEnabled(bool(owned) and all(e.container is None for e in owned))
        self.copy_button.setEnabled(any(e.command for e in self._listeners))
        self.why_button.setEnabled(not self._remote)
        self.open_button.setToolTip(f"Open http://localhost:{port} (Enter)")

    # --- requests ----------------------------------------------------------------------------

    @Slot()
    def _on_open_clicked(self) -> None:
        if self.open_button.isEnabled() and self._port is not None:
            self.open_requested.emit(self._port)

    def _stop(self, action: str) -> None:
        button = self.kill_button if action == KILL else self.stop_button
        if button.isEnabled() and self._listeners:
            self._stopping = self._port
            self.stop_requested.emit(list(self._listeners), action)

    @Slot()
    def _on_copy_clicked(self) -> None:
        command = next((e.command for e in self._listeners if e.command), "")
        if command:
            QGuiApplication.clipboard().setText(command)
            self.copied.emit("Copied the command line")

    def _restyle_icons(self) -> None:
        for button in (self.open_button, self.stop_button, self.kill_button, self.copy_button,
                       self.watch_button, self.why_button):  # fmt: skip
            button.setIcon(style.action_icon(button.property("iconName")))


def _listening(rows: Iterable[Endpoint], port: int, protocol: str) -> list[Endpoint]:
    return [e for e in rows if e.local_port == port and e.protocol == protocol and e.listening]


def _usually(port: int, protocol: str) -> str:
    """What the port usually is, as a second line under the answer."""
    info = lookup(port, protocol)
    if info.practical:
        return (
            f"Usually {info.practical}. {info.note}" if info.note else f"Usually {info.practical}."
        )
    return ""
