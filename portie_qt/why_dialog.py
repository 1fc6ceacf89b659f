"""The "Why Is This Port Busy?" dialog: `core.why`'s explanation.

The explanation is worked out on the background pool (it reads every socket, asks the
container engine and makes real test binds); the dialog only shows it: the headline,
the reasons (what blocks a bind first), a table of the test binds and what the port is
usually for. Every name in it comes from other programs, so each piece of text is
escaped before it goes into the page (it reads as typed, never as markup); Copy gives
the same explanation as plain text, as `portie why` prints it.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QTextBrowser

from portie_qt import style
from portie_qt.core import why
from portie_qt.core.ports import address_text
from portie_qt.forms import child, embed_form
from portie_qt.jobs import background_pool, run_in_pool


class WhyDialog(QDialog):
    """Shows why one port is busy; `explain(port, protocol)` (re)fills it."""

    explained = Signal(object)  # the core.why.Explanation now shown

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("WhyDialog")
        self.setWindowTitle("Why Is This Port Busy?")
        form = embed_form("why_dialog", self, (12, 12, 12, 12))
        self.headline: QLabel = child(form, QLabel, "headlineLabel")
        font = self.headline.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.headline.setFont(font)
        self.details: QTextBrowser = child(form, QTextBrowser, "detailsView")
        self.again: QPushButton = child(form, QPushButton, "againButton")
        self.copy: QPushButton = child(form, QPushButton, "copyButton")
        child(form, QDialogButtonBox, "buttons").rejected.connect(self.reject)
        self.again.clicked.connect(self._on_again_clicked)
        self.copy.clicked.connect(self._on_copy_clicked)
        self.explanation: why.Explanation | None = None
        self._asked: tuple[int, str] | None = None
        self._generation = 0
        self.resize(640, 420)

    def explain(self, port: int, protocol: str = "tcp") -> None:
        """Work out why ``port`` is busy, off the UI thread, and show it when ready."""
        self._asked = (port, protocol)
        self._generation += 1
        generation = self._generation
        self.setWindowTitle(f"Why Is Port {port} Busy?")
        self.headline.setText(f"Checking {protocol.upper()} port {port}…")
        style.set_tone(self.headline, "")
        self.details.clear()
        self.copy.setEnabled(False)
        job = run_in_pool(background_pool(), why.explain, port, protocol)
        job.finished.connect(lambda found: self._on_explained(generation, found))
        job.failed.connect(lambda message: self._on_failed(generation, message))

    def show_explanation(self, explanation: why.Explanation) -> None:
        self.explanation = explanation
        self.headline.setText(explanation.headline)
        style.set_tone(self.headline, "warn" if explanation.busy else "ok")
        self.details.setHtml(explanation_html(explanation))
        self.copy.setEnabled(True)
        self.explained.emit(explanation)

    def _on_explained(self, generation: int, explanation) -> None:
        if generation == self._generation:  # an older request finishing late is dropped
            self.show_explanation(explanation)

    def _on_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.headline.setText(f"Portie could not check the port: {message}")
            style.set_tone(self.headline, "error")

    @Slot()
    def _on_again_clicked(self) -> None:
        if self._asked is not None:
            self.explain(*self._asked)

    @Slot()
    def _on_copy_clicked(self) -> None:
        if self.explanation is not None:
            QGuiApplication.clipboard().setText("\n".join(self.explanation.lines()))


def explanation_html(explanation: why.Explanation) -> str:
    """The page below the headline; every text from the explanation is escaped."""
    look = style.current()
    port = explanation.port
    parts = []
    causes = sorted(explanation.causes, key=lambda cause: not cause.blocking)
    if causes:
        parts.append("<h4>Why</h4><ul>")
        for cause in causes:
            text = html.escape(cause.text)
            parts.append(f"<li>{text if cause.blocking else look.muted_html(text)}</li>")
        parts.append("</ul>")
    if explanation.binds:
        parts.append("<h4>Test binds on this computer</h4>"
                     "<table cellspacing='0' cellpadding='3'>")  # fmt: skip
        for result in explanation.binds:
            where = html.escape(address_text(result.address, port))
            if result.ok:
                state = "✓ free"
            elif result.reuse_ok:
                state = f"✗ {html.escape(result.error)} (binds with SO_REUSEADDR)"
            else:
                state = f"✗ {html.escape(result.error)}"
            parts.append(f"<tr><td><code>{where}</code></td><td>&nbsp;&nbsp;{state}</td></tr>")
        parts.append("</table>")
    parts.append(f"<p><b>Usually:</b> {html.escape(explanation.usually)}</p>")
    for note in explanation.notes:
        parts.append(f"<p>{look.muted_html(html.escape(note))}</p>")
    return "".join(parts)
