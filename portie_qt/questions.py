"""A yes/no question in a message box, as every Portie prompt asks it: its texts shown as
typed (they name processes and containers, other people's text), one action button and
Cancel, Cancel the default."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def ask(parent: QWidget | None, name: str, icon: QMessageBox.Icon, title: str, text: str,
        detail: str, action: str, role: QMessageBox.ButtonRole) -> bool:  # fmt: skip
    """Show the question; True when the user chose ``action``."""
    box = QMessageBox(parent)
    box.setObjectName(name)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.setInformativeText(detail)
    informative = box.findChild(QLabel, "qt_msgbox_informativelabel")
    if informative is not None:  # Qt guesses the format of this one: make it plain
        informative.setTextFormat(Qt.TextFormat.PlainText)
    go = box.addButton(action, role)
    box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Cancel))
    try:
        box.exec()
        return box.clickedButton() is go
    finally:
        box.deleteLater()
