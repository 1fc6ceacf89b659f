"""Help → About Portie: version, where the port data comes from, and the licence state."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QMessageBox, QWidget

from portie_qt import __version__
from portie_qt.core.reference import data_source


def show_about(parent: QWidget, licensee: str | None) -> None:
    """The About box (modal, as every platform's About is)."""
    source = data_source()
    state = f"Licensed to {html.escape(licensee)}." if licensee else "Free edition (not unlocked)."
    QMessageBox.about(
        parent,
        "About Portie",
        f"<h3>Portie {__version__}</h3><p>Every open port on this computer, explained.</p>"
        f"<p>{state}</p>"
        f"<p>Port data: {html.escape(source['name'])} ({html.escape(source['licence'])}), "
        f"entries up to {html.escape(source['newest_entry'])}.</p>",
    )
