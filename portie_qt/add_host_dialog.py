"""Hosts → Add Host…: a name from ``~/.ssh/config`` or ``user@host[:port]``, checked by OpenSSH.

The form lives in ``ui/add_host_dialog.ui``. What the user typed is checked at once
(no network); on OK, OpenSSH itself says what the name means with the user's config
(``ssh -G``, off the UI thread), and a config it cannot read is reported in one
sentence before anything is saved.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from portie_qt import style
from portie_qt.core.remote import HostError, ResolvedHost, parse_host, resolve
from portie_qt.forms import child, embed_form
from portie_qt.jobs import background_pool, run_in_pool


class AddHostDialog(QDialog):
    """Asks for a host; ``added(name, sudo, summary)`` once OpenSSH has resolved it."""

    added = Signal(str, bool, str)  # name as typed, sudo allowed, what it resolves to

    def __init__(self, known: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AddHostDialog")
        self.setWindowTitle("Add Host")
        self.setMinimumWidth(480)
        self._known = set(known)
        self._checking = False
        form = embed_form("add_host_dialog", self, (16, 14, 16, 14))
        self.host_edit = child(form, QLineEdit, "hostEdit")
        self.sudo_check = child(form, QCheckBox, "sudoCheck")
        self.message_label = child(form, QLabel, "messageLabel")
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)  # ssh's words, as text
        buttons = child(form, QDialogButtonBox, "buttonBox")
        self.ok_button: QPushButton = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Add")
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        self.host_edit.textChanged.connect(self._on_host_edit_text_changed)
        self._on_host_edit_text_changed("")

    def _say(self, text: str, tone: str = "error") -> None:
        self.message_label.setText(text)
        style.set_tone(self.message_label, tone)

    @Slot(str)
    def _on_host_edit_text_changed(self, text: str) -> None:
        self.ok_button.setEnabled(bool(text.strip()) and not self._checking)
        self._say("")

    @Slot()
    def _on_buttons_accepted(self) -> None:
        try:
            address = parse_host(self.host_edit.text())
        except HostError as exc:
            self._say(str(exc))
            return
        if address.text in self._known:
            self._say(f"{address.text} is already in the host list: pick it there.")
            return
        self._checking = True
        self.ok_button.setEnabled(False)
        self._say("Reading your SSH configuration…", "muted")
        job = run_in_pool(background_pool(), resolve, address)
        job.finished.connect(self._on_resolved)
        job.failed.connect(self._on_resolve_failed)

    @Slot(object)
    def _on_resolved(self, resolved: ResolvedHost) -> None:
        self._checking = False
        self.added.emit(resolved.address.text, self.sudo_check.isChecked(), resolved.summary)
        self.accept()

    @Slot(str)
    def _on_resolve_failed(self, message: str) -> None:
        self._checking = False
        self.ok_button.setEnabled(True)
        self._say(message)
