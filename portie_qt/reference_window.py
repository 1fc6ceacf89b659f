"""Port reference: look up any port or service name, and see if this machine uses it."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
)

from portie_qt import style
from portie_qt.core.endpoints import Endpoint
from portie_qt.core.reference import data_source, lookup, search
from portie_qt.forms import child, embed_form
from portie_qt.port_html import port_html


class ReferenceDialog(QDialog):
    """Ctrl+L: search IANA assignments and Portie's practical labels."""

    def __init__(self, endpoints: Callable[[], list[Endpoint]], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ReferenceDialog")
        self.setWindowTitle("Port Reference — Portie")
        self._endpoints = endpoints
        form = embed_form("reference_dialog", self, (12, 12, 12, 10))
        self.search_edit: QLineEdit = child(form, QLineEdit, "searchEdit")
        self.results: QListWidget = child(form, QListWidget, "resultsList")
        self.entry_view: QTextBrowser = child(form, QTextBrowser, "entryView")
        child(form, QSplitter, "splitter").setSizes([240, 520])
        source = data_source()
        source_label = child(form, QLabel, "sourceLabel")
        style.set_tone(source_label, "muted")
        source_label.setText(
            f"Source: {source['name']} (entries to {source['newest_entry']}), "
            f"{source['licence']}. Practical labels by Portie."
        )
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self._on_debounce_timeout)
        self.search_edit.textChanged.connect(self._debounce.start)
        self.results.currentItemChanged.connect(self._on_results_current_changed)
        self.resize(780, 500)

    def search(self, text: str) -> None:
        """Show matches for ``text`` now (also used by 'Look up this port')."""
        self.search_edit.blockSignals(True)
        self.search_edit.setText(text)
        self.search_edit.blockSignals(False)
        self._run_search()

    @Slot()
    def _on_debounce_timeout(self) -> None:
        self._run_search()

    def _run_search(self) -> None:
        text = self.search_edit.text().strip().lstrip(":")
        self.results.clear()
        try:
            matches = search(text)
        except ValueError as exc:
            self.entry_view.setHtml(f"<p>{html.escape(str(exc))}</p>")
            return
        if not matches:
            self.entry_view.setHtml(
                "<p>No port or service matches that. Try a number from 0 to 65535 or a name "
                "like <i>postgres</i>.</p>"
                if text
                else ""
            )
            return
        for info in matches:
            item = QListWidgetItem(f"{info.port}  {info.summary}")
            item.setData(Qt.ItemDataRole.UserRole, info.port)
            self.results.addItem(item)
        self.results.setCurrentRow(0)

    @Slot(object, object)
    def _on_results_current_changed(self, current, _previous) -> None:
        if current is None:
            return
        port = current.data(Qt.ItemDataRole.UserRole)
        in_use = [e for e in self._endpoints() if e.local_port == port]
        self.entry_view.setHtml(port_html(lookup(port), in_use=in_use))
