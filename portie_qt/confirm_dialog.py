"""The "Terminate/Kill this process?" confirmation: who it is, what it holds, what else
would stop with it, and Cancel by default.

Terminate and Kill look different (a warning and a critical icon, a plain and a
destructive button) and only Terminate can be told not to ask again: Kill always asks.
The dialog opens at once with what the table knew; `set_described` fills in the fresh
details (read off the UI thread) and only then enables the confirm button, so what the
user confirms is what gets signalled.
"""

from __future__ import annotations

import html
import sys

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyle,
    QWidget,
)

from portie_qt import style
from portie_qt.core.process_control import Target, oldest_first
from portie_qt.forms import child, embed_form

TERMINATE = "terminate"
KILL = "kill"
ACTIONS = (TERMINATE, KILL)
# A command line can run to kilobytes (Java classpaths); the dialog shows its start.
_COMMAND_CHARS = 400


def _explanation(action: str, timeout: float) -> str:
    if action == KILL:
        how = " (SIGKILL)" if sys.platform != "win32" else ""
        return (
            f"Kill stops it at once{how}, without letting it save its work or clean up. "
            "Use it when Terminate did not work."
        )
    how = " (SIGTERM)" if sys.platform != "win32" else ""
    return (
        f"Portie asks it to stop{how} and waits up to {timeout:g} seconds; if it is still "
        "running then, you can kill it."
    )


def _describe(target: Target) -> str:
    """Rich text for one process (every part escaped): name and PID, owner, command, ports."""
    name = html.escape(target.name or "Unknown process")
    lines = [f"<b>{name}</b> &nbsp;PID {target.pid}"]
    lines.append(f"User: {html.escape(target.user or 'hidden from this account')}")
    command = target.command
    if command:
        if len(command) > _COMMAND_CHARS:
            command = command[:_COMMAND_CHARS] + "…"
        lines.append(f"Command: <code>{html.escape(command)}</code>")
    elif target.cmdline is None:
        lines.append("Command: hidden from this account")
    listening = target.listening_ports
    if listening:
        lines.append("Ports: " + html.escape(", ".join(p.label for p in listening)))
    connections = len(target.ports) - len(listening)
    if connections:
        lines.append(f"Also has {connections} open connection{'s' if connections != 1 else ''}")
    return "<br>".join(lines)


def _ports_of(targets: list[Target]) -> str:
    """`` on port 3000`` for the title ('' when the processes listen on no port)."""
    ports = sorted({p.port for t in targets for p in t.listening_ports})
    if not ports:
        return ""
    if len(ports) == 1:
        return f" on port {ports[0]}"
    return f" on ports {', '.join(map(str, ports[:4]))}{'…' if len(ports) > 4 else ''}"


class ConfirmSignalDialog(QDialog):
    """Asks before terminating or killing ``targets``; Cancel is the default button."""

    def __init__(
        self,
        targets: list[Target],
        action: str = TERMINATE,
        parent: QWidget | None = None,
        *,
        timeout: float = 3.0,
        described: bool = True,
    ) -> None:
        super().__init__(parent)
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, not {action!r}")
        self.setObjectName("ConfirmSignalDialog")
        self.action = action
        self._timeout = timeout
        self._tree: list[Target] = []
        form = embed_form("confirm_dialog", self, (18, 16, 18, 12))
        self.icon_label: QLabel = child(form, QLabel, "iconLabel")
        self.question: QLabel = child(form, QLabel, "question")
        self.explanation: QLabel = child(form, QLabel, "explanation")
        self.details: QLabel = child(form, QLabel, "processDetails")
        self.scroll: QScrollArea = child(form, QScrollArea, "detailsScroll")
        self.tree_box: QCheckBox = child(form, QCheckBox, "treeBox")
        self.dont_ask: QCheckBox = child(form, QCheckBox, "dontAskAgain")
        self.buttons: QDialogButtonBox = child(form, QDialogButtonBox, "buttons")
        self.question.setObjectName("question")
        font = self.question.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.question.setFont(font)

        kill = action == KILL
        verb = "Kill" if kill else "Terminate"
        icon = QStyle.StandardPixmap.SP_MessageBoxCritical if kill else (
            QStyle.StandardPixmap.SP_MessageBoxWarning)  # fmt: skip
        self.icon_label.setPixmap(self.style().standardIcon(icon).pixmap(48, 48))
        self.dont_ask.setVisible(not kill)  # Kill always asks: no checkbox can silence it
        self.cancel_button: QPushButton = self.buttons.addButton(
            QDialogButtonBox.StandardButton.Cancel
        )
        self.cancel_button.setObjectName("cancelButton")
        self.confirm_button = QPushButton(verb)
        self.confirm_button.setObjectName("confirmButton")
        self.confirm_button.setIcon(style.action_icon("kill" if kill else "stop"))
        role = QDialogButtonBox.ButtonRole
        self.buttons.addButton(self.confirm_button, role.DestructiveRole if kill else role.YesRole)
        # Enter must never stop a process by accident: Cancel is the default.
        self.confirm_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        self.confirm_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.tree_box.toggled.connect(self._show_question)
        self.targets: list[Target] = []
        self._show(list(targets), described)
        self.resize(560, min(560, self.sizeHint().height()))
        self.cancel_button.setFocus()

    # --- filling in ---------------------------------------------------------------------

    def set_described(self, targets: list[Target], tree: list[Target] | None = None) -> None:
        """The fresh details (and the holders' descendants, which a checkbox can add)."""
        self._tree = list(tree or [])
        if self._tree:
            names = ", ".join(f"{t.name or 'process'} ({t.pid})" for t in self._tree[:4])
            more = f" and {len(self._tree) - 4} more" if len(self._tree) > 4 else ""
            self.tree_box.setText(
                f"Also stop their {len(self._tree)} child process"
                f"{'es' if len(self._tree) != 1 else ''} ({names}{more}), after them"
            )
            self.tree_box.setToolTip(
                "Dev servers often run watchers and workers as children; stopping the whole "
                "tree, children after their parent, leaves nothing behind to respawn."
            )
            self.tree_box.show()
        self._show(list(targets), True)

    def _show(self, targets: list[Target], described: bool) -> None:
        self.targets = targets
        parts = [_describe(t) for t in targets]
        if not described:
            parts.append(style.current().muted_html("Reading the processes' details…"))
        self.details.setText("<hr>".join(parts))
        self.scroll.setMinimumHeight(min(90 * max(1, len(targets)), 300))
        self.confirm_button.setEnabled(described)
        self._show_question()

    def _show_question(self, *_args) -> None:
        targets = self.chosen_targets()
        kill = self.action == KILL
        verb = "Kill" if kill else "Terminate"
        where = f" on {targets[0].host}" if targets and targets[0].host else ""
        port = _ports_of(self.targets)
        if len(targets) == 1:
            question = f"{verb} {targets[0].title}{where}?"
        else:
            question = f"{verb} these {len(targets)} processes{where}?"
        self.question.setText(question)
        noun = "process" if len(targets) == 1 else "processes"
        self.setWindowTitle(f"{verb} the {noun}{port}?" if port else f"{verb} {noun}")
        explanation = _explanation(self.action, self._timeout)
        if len(targets) > 1:
            explanation += (
                " They are stopped one after another, the oldest (the parent) first, so "
                "it cannot start new workers in their place."
            )
        self.explanation.setText(explanation)

    # --- the answer ---------------------------------------------------------------------

    def chosen_targets(self) -> list[Target]:
        """What will stop: the holders, plus their descendants when the box is ticked,
        every process once, parents before their children."""
        if not (self.tree_box.isChecked() and self._tree):
            return list(self.targets)
        chosen = {t.key: t for t in self.targets}
        for member in self._tree:
            chosen.setdefault(member.key, member)
        return sorted(chosen.values(), key=oldest_first)

    def dont_ask_again(self) -> bool:
        """True when the user ticked "Don't ask again" (Terminate only)."""
        return self.action == TERMINATE and self.dont_ask.isChecked()
