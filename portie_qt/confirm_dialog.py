"""The "Stop this process?" confirmation: who it is, what it holds, Cancel by default."""

from __future__ import annotations

import html
import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from portie_qt.core.process_control import Target

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
    """Rich text for one process: name and PID, owner, command line, ports."""
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


class ConfirmSignalDialog(QDialog):
    """Asks before terminating or killing ``targets``; Cancel is the default button."""

    def __init__(
        self,
        targets: list[Target],
        action: str = TERMINATE,
        parent: QWidget | None = None,
        *,
        timeout: float = 3.0,
    ) -> None:
        super().__init__(parent)
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, not {action!r}")
        self.setObjectName("ConfirmSignalDialog")
        self.targets = list(targets)
        self.action = action
        verb = "Kill" if action == KILL else "Terminate"
        self.setWindowTitle(f"{verb} process" if len(targets) == 1 else f"{verb} processes")

        where = f" on {targets[0].host}" if targets and targets[0].host else ""
        if len(targets) == 1:
            question = f"{verb} {targets[0].title}{where}?"
        else:
            question = f"{verb} these {len(targets)} processes{where}?"
        self.question = QLabel(f"<b>{html.escape(question)}</b>")
        self.question.setObjectName("question")
        explanation = _explanation(action, timeout)
        if len(targets) > 1:
            explanation += (
                " They are stopped one after another, the oldest (the parent) first, so "
                "it cannot start new workers in their place."
            )
        self.explanation = QLabel(explanation)
        self.explanation.setObjectName("explanation")
        self.explanation.setWordWrap(True)

        self.details = QLabel("<hr>".join(_describe(t) for t in targets))
        self.details.setObjectName("processDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.details)
        scroll.setMinimumHeight(min(90 * len(targets), 320))

        self.dont_ask = QCheckBox("Don't ask again")
        self.dont_ask.setObjectName("dontAskAgain")
        self.dont_ask.setToolTip("From now on, stop processes in one click without asking.")

        self.buttons = QDialogButtonBox()
        self.cancel_button: QPushButton = self.buttons.addButton(
            QDialogButtonBox.StandardButton.Cancel
        )
        self.cancel_button.setObjectName("cancelButton")
        self.confirm_button = QPushButton(verb)
        self.confirm_button.setObjectName("confirmButton")
        self.buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        # Enter must never stop a process by accident: Cancel is the default.
        self.confirm_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        layout.addWidget(self.explanation)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.dont_ask)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())
        self.cancel_button.setFocus()

    def dont_ask_again(self) -> bool:
        """True when the user ticked "Don't ask again"."""
        return self.dont_ask.isChecked()
