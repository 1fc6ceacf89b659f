"""Help → About Portie and Help → Keyboard Shortcuts."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portie_qt import __version__
from portie_qt.core.license import PRICE
from portie_qt.core.reference import data_source

CC0_URL = "https://creativecommons.org/publicdomain/zero/1.0/"


def about_html(licensee: str | None) -> str:
    """Version, licence state, where the port data comes from and how old it is, links."""
    source = data_source()
    state = (
        f"Licensed to {html.escape(licensee)}. Thank you!"
        if licensee
        else f"Free edition. Process control and remote scanning are a one-time {PRICE} "
        "unlock (Help → Unlock Portie…)."
    )
    return (
        f"<h3>Portie {html.escape(__version__)}</h3>"
        "<p>Every open port on this computer, explained.</p>"
        f"<p>{state}</p>"
        f"<p>Port data: <a href='{html.escape(source['url'])}'>{html.escape(source['name'])}</a>"
        f", entries up to {html.escape(source['newest_entry'])}; "
        f"<a href='{CC0_URL}'>{html.escape(source['licence'])}</a>. "
        "The practical labels (what a port usually is) are Portie's own.</p>"
    )


def show_about(parent: QWidget, licensee: str | None) -> None:
    """The About box (modal, as About boxes are on every platform)."""
    QMessageBox.about(parent, "About Portie", about_html(licensee))


class ShortcutsDialog(QDialog):
    """Every action with a keyboard shortcut, read from the actions themselves."""

    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ShortcutsDialog")
        self.setWindowTitle("Keyboard Shortcuts — Portie")
        found: dict[str, str] = {}
        for action in actions:
            keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
            keys = [k for k in keys if k]
            text = action.text().replace("&", "").rstrip("…")
            if keys and text:
                found.setdefault(text, ", ".join(keys))
        rows = sorted(found.items(), key=lambda row: row[0].lower())
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Action", "Shortcut"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setShowGrid(False)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for row, (text, key) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(text))
            self.table.setItem(row, 1, QTableWidgetItem(key))
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        height = self.table.horizontalHeader().height() + self.table.verticalHeader().length()
        self.resize(440, min(640, height + 80))
