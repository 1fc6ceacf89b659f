"""The main window's status bar: counts, passing messages, one notice, refresh time, licence.

Each piece is a label of its own (``QStatusBar.showMessage`` paints over the widgets
instead of hiding them). A notice remembers its source, so the refresh that clears its
own notice leaves, say, the licence's notice alone.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QToolTip

from portie_qt import style
from portie_qt.core.ranges import ephemeral_range


class ElidedLabel(QLabel):
    """One line of plain text, cut with "…" to the room it has; the whole text is in its
    tooltip and shows on click. It never makes the status bar taller or the window wider."""

    def __init__(self, objectName: str = "") -> None:
        super().__init__(objectName=objectName)
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(style.plain_tip(text) if ("\n" in text or len(text) > 60) else "")
        self._elide()

    def resizeEvent(self, event) -> None:  # Qt override
        super().resizeEvent(event)
        self._elide()

    def mousePressEvent(self, event) -> None:  # Qt override
        if self._full and self.text() != self._full:
            QToolTip.showText(QCursor.pos(), self._full, self)
        super().mousePressEvent(event)

    def _elide(self) -> None:
        lines = self._full.splitlines() or [""]
        first = lines[0] + (" …" if len(lines) > 1 else "")
        metrics = self.fontMetrics()
        self.setText(metrics.elidedText(first, Qt.TextElideMode.ElideRight, max(0, self.width())))


class StatusBar(QStatusBar):
    """One line along the bottom of the window."""

    unlock_clicked = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.counts_label = QLabel(objectName="countsLabel")
        self.message_label = ElidedLabel("messageLabel")
        self.notice_label = ElidedLabel("noticeLabel")
        style.set_tone(self.notice_label, "warn")
        self.notice_label.hide()
        rng = ephemeral_range()
        self.ephemeral_label = QLabel(f"OS ephemeral ports {rng}", objectName="ephemeralLabel")
        self.ephemeral_label.setToolTip(
            f"Outgoing connections use ports {rng} on this machine (from {rng.source})."
        )
        self.refreshed_label = QLabel(objectName="refreshedLabel")
        self.license_label = QLabel(objectName="licenseLabel")
        self.license_label.setTextFormat(Qt.TextFormat.RichText)
        self.license_label.linkActivated.connect(lambda _link: self.unlock_clicked.emit())
        self._message_timer = QTimer(self, singleShot=True)
        self._message_timer.timeout.connect(lambda: self.message_label.set_full_text(""))
        self._notices: dict[str, str] = {}  # source -> text, newest last
        self.addWidget(self.counts_label)
        self.addWidget(self.message_label, 1)
        self.addWidget(self.notice_label, 2)
        self.addPermanentWidget(self.ephemeral_label)
        self.addPermanentWidget(self.refreshed_label)
        self.addPermanentWidget(self.license_label)

    def show_counts(self, shown: int, total: int, listening: int) -> None:
        self.counts_label.setText(f"{shown} shown of {total} endpoints · {listening} listening")

    def flash(self, text: str, msecs: int = 5000) -> None:
        """A passing message (copied, exported, process stopped…): its first line shows."""
        self.message_label.set_full_text(f"· {text}")
        self._message_timer.start(msecs)

    def set_notice(self, source: str, text: str) -> None:
        """Something the user should know until it is resolved, one per ``source``
        (the newest shows); '' clears that source's notice."""
        self._notices.pop(source, None)
        if text:
            self._notices[source] = text
        self._show_newest_notice()

    def follow_settings(self, problems) -> None:
        """Show what `settings.SettingsProblems` finds, now and whenever it finds more."""
        problems.changed.connect(lambda text: self.set_notice("settings values", text))
        if problems.notice():
            self.set_notice("settings values", problems.notice())

    def notice(self) -> str:
        """The notice shown now ('' when none)."""
        return next(reversed(self._notices.values()), "")

    def _show_newest_notice(self) -> None:
        text = self.notice()
        self.notice_label.set_full_text(f"⚠ {text}" if text else "")
        self.notice_label.setVisible(bool(text))

    def show_refreshed(self, taken_at: float | None, paused: bool, interval_ms: int) -> None:
        if taken_at is None:
            self.refreshed_label.setText("Waiting for the first refresh…")
            return
        stamp = time.strftime("%H:%M:%S", time.localtime(taken_at))
        state = "paused" if paused else f"every {interval_ms // 1000} s"
        self.refreshed_label.setText(f"Updated {stamp} ({state})")

    def show_license(self, licensee: str | None) -> None:
        """``licensee`` when unlocked, None for the free edition (with an Unlock link)."""
        if licensee is None:
            self.license_label.setText("Free edition · <a href='unlock'>Unlock</a>")
        else:
            import html  # with the licence, after the first rows

            self.license_label.setText(f"Licensed to {html.escape(licensee)}")
