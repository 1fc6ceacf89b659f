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

from portie_qt.core.endpoints import Endpoint
from portie_qt.core.reference import PortInfo, data_source, lookup, search
from portie_qt.ui_loader import child, embed_form


def entry_html(info: PortInfo, in_use: list[Endpoint]) -> str:
    """Everything known about one port, as HTML for the reference pane."""
    band = info.band
    parts = [f"<h2 style='margin-bottom:2px'>Port {info.port}</h2>"]
    if info.practical:
        parts.append(
            f"<p><b>{html.escape(info.practical)}</b><br>{html.escape(info.note or '')}</p>"
        )
    parts.append(f"<p>{band.title} range ({band.span[0]}–{band.span[1]}): usually a "
                 f"{band.meaning}.</p>")  # fmt: skip
    for protocol in ("tcp", "udp", "sctp", "dccp"):
        entries = info.for_protocol(protocol)
        if entries:
            items = "".join(
                f"<li><b>{html.escape(a.name or '(reserved)')}</b> — "
                f"{html.escape(a.description)}</li>"
                for a in entries
            )
            parts.append(f"<p style='margin-bottom:0'>IANA {protocol.upper()}:</p><ul>{items}</ul>")
    if not info.assignments:
        parts.append("<p>IANA: unassigned for every protocol.</p>")
    if in_use:
        items = "".join(
            f"<li>{html.escape(e.protocol.upper())} {html.escape(e.local)} {html.escape(e.state)}"
            f" — {html.escape(e.process or 'owner hidden')}"
            f"{f' (PID {e.pid})' if e.pid is not None else ''}</li>"
            for e in in_use[:20]
        )
        parts.append(f"<p style='margin-bottom:0'><b>In use on this machine now:</b></p>"
                     f"<ul>{items}</ul>")  # fmt: skip
    else:
        parts.append("<p><b>Not in use on this machine right now.</b></p>")
    return "".join(parts)


class ReferenceDialog(QDialog):
    """Ctrl+L: search IANA assignments and Portie's practical labels."""

    def __init__(self, endpoints: Callable[[], list[Endpoint]], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ReferenceDialog")
        self.setWindowTitle("Port Reference — Portie")
        self._endpoints = endpoints
        form = embed_form("reference_dialog.ui", self, (0, 0, 0, 0))
        self.search_edit: QLineEdit = child(form, QLineEdit, "searchEdit")
        self.results: QListWidget = child(form, QListWidget, "resultsList")
        self.entry_view: QTextBrowser = child(form, QTextBrowser, "entryView")
        child(form, QSplitter, "splitter").setSizes([240, 520])
        source = data_source()
        child(form, QLabel, "sourceLabel").setText(
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
        self.entry_view.setHtml(entry_html(lookup(port), in_use))
