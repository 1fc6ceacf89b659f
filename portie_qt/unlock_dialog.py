"""Help → Unlock Portie…: what the unlock adds, the price, and where the key goes.

The form lives in ``ui/unlock_dialog.ui``. The key is checked as the user types or
pastes, with the same sentences the terminal prints: off the UI thread, once typing
pauses, and text far longer than a key is refused at once without being read. Activating
or removing goes through ``Entitlements`` so paid actions turn on or off at once,
without a restart.
"""

from __future__ import annotations

import html
from typing import NamedTuple

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QFontDatabase, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QWidget,
)

from portie_qt import style
from portie_qt.core.license import (
    FEATURE_DETAILS,
    FEATURES,
    MAX_KEY_TEXT,
    PRICE,
    EmptyKey,
    KeyTooLong,
    License,
    LicenseError,
    MistypedKey,
    key_shape,
    looks_incomplete,
    purchase_url,
    verify,
)
from portie_qt.entitlements import Entitlements
from portie_qt.forms import child, embed_form
from portie_qt.jobs import background_pool, run_in_pool
from portie_qt.style import lock_icon

# Typing pauses this long before the key is checked.
CHECK_DELAY_MS = 150


class KeyCheck(NamedTuple):
    """What checking one text found: the License, or the sentence and tone to show."""

    text: str
    license: License | None
    message: str
    tone: str


def check_key(text: str) -> KeyCheck:
    """Verify pasted or typed text (runs off the UI thread)."""
    try:
        return KeyCheck(text, verify(text), "", "ok")
    except EmptyKey:
        return KeyCheck(text, None, EmptyKey.message, "hint")
    except MistypedKey as exc:
        if looks_incomplete(text):
            return KeyCheck(text, None, key_shape(), "hint")
        return KeyCheck(text, None, str(exc), "error")
    except LicenseError as exc:
        return KeyCheck(text, None, str(exc), "error")


class UnlockDialog(QDialog):
    """Shows the license state, takes a key, activates or removes it."""

    def __init__(
        self,
        entitlements: Entitlements,
        parent: QWidget | None = None,
        feature: str | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("UnlockDialog")
        self.setWindowTitle("Unlock Portie")
        self.setMinimumWidth(560)
        self._entitlements = entitlements
        self._feature: str | None = None

        self.form = embed_form("unlock_dialog", self, (16, 14, 16, 14))
        self.feature_label = child(self.form, QLabel, "featureLabel")
        self.offer_label = child(self.form, QLabel, "offerLabel")
        self.state_frame = child(self.form, QFrame, "stateFrame")
        self.state_icon = child(self.form, QLabel, "stateIcon")
        self.state_label = child(self.form, QLabel, "stateLabel")
        self.remove_button = child(self.form, QPushButton, "removeButton")
        self.key_label = child(self.form, QLabel, "keyLabel")
        self.key_edit = child(self.form, QPlainTextEdit, "keyEdit")
        self.status_label = child(self.form, QLabel, "statusLabel")
        self.activate_button = child(self.form, QPushButton, "activateButton")
        self.close_button = child(self.form, QPushButton, "closeButton")
        self.buy_button = child(self.form, QPushButton, "buyButton")
        self.buy_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl(purchase_url())))
        self.feature_label.setStyleSheet(style.current().banner_css())
        # Names and e-mail addresses come from the key: shown as typed, never as markup.
        self.state_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)

        self._check_timer = QTimer(self, singleShot=True, interval=CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self._on_check_timer_timeout)
        self._pending: str | None = None  # the text a check is running for

        # Fixed-width so the key can be compared with the email character by character.
        self.key_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.key_edit.textChanged.connect(self._on_key_edit_text_changed)
        self.activate_button.clicked.connect(self._on_activate_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.close_button.clicked.connect(self.reject)
        entitlements.changed.connect(self._on_entitlements_changed)

        self.set_feature(feature)
        self._show_state()
        self._validate()
        self.key_edit.setFocus()

    # --- display ---------------------------------------------------------------------

    def set_feature(self, feature: str | None) -> None:
        """Name the paid feature the user just tried (None when opened from the menu)."""
        self._feature = feature if feature in FEATURES else None
        self._show_feature()

    def _show_feature(self) -> None:
        if self._feature is None or self._entitlements.allows(self._feature):
            self.feature_label.hide()
            return
        title = FEATURES[self._feature]
        self.feature_label.setText(
            f"<b>{html.escape(title[0].upper() + title[1:])}</b> is part of the unlock."
        )
        self.feature_label.show()

    def _offer_html(self) -> str:
        items = "".join(
            f"<li><b>{html.escape(FEATURES[f][0].upper() + FEATURES[f][1:])}</b> — "
            f"{html.escape(FEATURE_DETAILS[f][0].lower() + FEATURE_DETAILS[f][1:])}</li>"
            for f in FEATURES
        )
        if self._entitlements.unlocked:
            head = "<h3 style='margin:0'>Portie is unlocked</h3><p>Thank you! You have:</p>"
        else:
            head = (
                f"<h3 style='margin:0'>Unlock Portie: {PRICE}, once</h3>"
                "<p>Watching your ports stays free. One payment unlocks, for good and on "
                "every computer you use:</p>"
            )
        return (
            f"{head}<ul style='margin-top:0'>{items}</ul>"
            "<p><small>The key is checked on this computer; nothing is sent anywhere."
            "</small></p>"
        )

    def _show_state(self) -> None:
        license_ = self._entitlements.license
        size = self.state_icon.minimumSize()
        if license_ is None:
            icon = lock_icon()
            text = "Portie is not unlocked yet."
            if self._entitlements.notice:
                # The notice's advice points at this very dialog: point at the box instead.
                reason = self._entitlements.notice.split("; activate", 1)[0]
                text += f"\n{reason}; paste your key below to activate it again."
        else:
            icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton)
            text = (
                f"Licensed to {license_.name} <{license_.email}>\n"
                f"Portie {license_.edition.title()} · serial {license_.serial:08X} · "
                f"issued {license_.issued.isoformat()}"
            )
        self.state_icon.setPixmap(QIcon(icon).pixmap(size))
        self.state_label.setText(text)
        self.remove_button.setVisible(license_ is not None or bool(self._entitlements.notice))
        self.buy_button.setVisible(license_ is None)  # bought already: nothing to sell
        self.key_label.setText(
            "&License key (paste it from your purchase email):"
            if license_ is None
            else "To use another &license key, paste it here:"
        )
        self.offer_label.setText(self._offer_html())
        self._show_feature()

    def _set_status(self, text: str, tone: str = "hint") -> None:
        self.status_label.setText(text)
        style.set_tone(self.status_label, tone)

    # --- validation ------------------------------------------------------------------

    @property
    def checking(self) -> bool:
        """True while the text in the box has not been checked yet."""
        return self._check_timer.isActive() or self._pending is not None

    def _validate(self) -> None:
        """Check the key as typed; enable Activate only for a key that would be accepted."""
        text = self.key_edit.toPlainText()
        self.activate_button.setEnabled(False)
        self._pending = None  # a check still running is for older text: ignored
        if len(text) > MAX_KEY_TEXT:  # said at once, without reading it
            self._check_timer.stop()
            self._set_status(KeyTooLong.message, "error")
        elif not text.strip():
            self._check_timer.stop()
            self._set_status(EmptyKey.message)
        else:
            self._check_timer.start()

    @Slot()
    def _on_check_timer_timeout(self) -> None:
        self._pending = self.key_edit.toPlainText()
        job = run_in_pool(background_pool(), check_key, self._pending)
        job.finished.connect(self._on_key_checked)

    @Slot(object)
    def _on_key_checked(self, result: KeyCheck) -> None:
        if result.text != self._pending:
            return  # the box changed meanwhile; its own check is on the way
        self._pending = None
        license_ = result.license
        if license_ is None:
            self._set_status(result.message, result.tone)
            return
        current = self._entitlements.license
        if current is not None and current.key_text == license_.key_text:
            self._set_status(f"This key is already active: licensed to {license_.name}.", "ok")
            return
        self._set_status(f"Valid key for {license_.name}: press Activate to unlock.", "ok")
        self.activate_button.setEnabled(True)

    # --- slots -----------------------------------------------------------------------

    @Slot()
    def _on_key_edit_text_changed(self) -> None:
        self._validate()

    @Slot()
    def _on_activate_button_clicked(self) -> None:
        self._check_timer.stop()
        self._pending = None
        try:
            license_ = self._entitlements.activate(self.key_edit.toPlainText())
        except LicenseError as exc:
            self._set_status(str(exc), "error")
            return
        except OSError as exc:
            self._set_status(
                f"Could not save the license to {self._entitlements.store.path} "
                f"({exc.strerror}); check that the folder is writable.",
                "error",
            )
            return
        self.key_edit.blockSignals(True)  # the box empties; the status keeps the good news
        self.key_edit.clear()
        self.key_edit.blockSignals(False)
        self.activate_button.setEnabled(False)
        self._set_status(
            f"Licensed to {license_.name}. {' and '.join(FEATURES.values()).capitalize()} "
            "are on now.",
            "ok",
        )

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        previous = self._entitlements.license
        try:
            self._entitlements.remove()
        except OSError as exc:
            self._set_status(
                f"Could not remove {self._entitlements.store.path} ({exc.strerror}).", "error"
            )
            return
        if previous is not None:
            # Keep the key at hand so a mistaken click is undone by pressing Activate (it
            # was verified when it was activated: no need to check it again).
            self.key_edit.blockSignals(True)
            self.key_edit.setPlainText(previous.key_text)
            self.key_edit.blockSignals(False)
            self._check_timer.stop()
            self._pending = None
            self.activate_button.setEnabled(True)
        self._set_status(
            "License removed: paid features are locked again."
            + (" Your key is still in the box if you change your mind." if previous else ""),
            "hint",
        )

    @Slot(bool)
    def _on_entitlements_changed(self, _unlocked: bool) -> None:
        self._show_state()

    def changeEvent(self, event) -> None:  # Qt override
        if event.type() == QEvent.Type.PaletteChange:
            style.restyle(self)
            self.feature_label.setStyleSheet(style.current().banner_css())
        super().changeEvent(event)


class UnlockOffer(QObject):
    """Owns the one unlock dialog of a window: opens it when a locked feature is tried
    (``Entitlements.unlock_requested``), raises it rather than stacking a second one."""

    def __init__(self, entitlements: Entitlements, window: QWidget) -> None:
        super().__init__(window)
        self._entitlements = entitlements
        self._window = window
        self.dialog: UnlockDialog | None = None
        entitlements.unlock_requested.connect(self.open)

    @Slot(str)
    def open(self, feature: str = "") -> UnlockDialog:
        """Show the (non-blocking) dialog for ``feature`` ("" from the Help menu)."""
        if self.dialog is None:
            self.dialog = UnlockDialog(self._entitlements, self._window, feature=feature or None)
            self.dialog.finished.connect(self._on_dialog_finished)
            self.dialog.open()
        else:
            self.dialog.set_feature(feature or None)
            self.dialog.raise_()
            self.dialog.activateWindow()
        return self.dialog

    @Slot(int)
    def _on_dialog_finished(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()
