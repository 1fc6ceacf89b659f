"""The unlock dialog and paid actions: a pasted key turns them on at once, removal locks."""

from __future__ import annotations

import gc

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from portie_qt.core import license as lic
from portie_qt.entitlements import Entitlements, load_entitlements
from portie_qt.unlock_dialog import UnlockDialog, UnlockOffer
from tests.licensing import activate_dev_license, issue_dev_key


@pytest.fixture
def window(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.fixture
def paid_action(window):
    """A locked-by-default "Stop process" action bound through Entitlements, and its runs."""
    entitlements = load_entitlements(window)
    UnlockOffer(entitlements, window)  # the window owns the dialog, as MainWindow does
    action = QAction("&Stop process", window)
    action.setToolTip("Stop the process holding this port")
    window.addAction(action)
    runs: list[str] = []
    entitlements.bind_action(action, "process_control", lambda: runs.append("ran"))
    return entitlements, action, runs


def open_dialogs() -> list[UnlockDialog]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if w.objectName() == "UnlockDialog" and w.isVisible()
    ]


def close_dialog(qtbot, entitlements: Entitlements) -> None:
    for dialog in open_dialogs():
        dialog.reject()  # never exec(): the test closes the dialog itself
    qtbot.waitUntil(lambda: not open_dialogs(), timeout=3000)


def test_paste_key_unlocks_paid_action_without_restart(qtbot, window, paid_action, config_dir):
    entitlements, action, runs = paid_action
    assert action.property("locked") is True
    assert "$8.99" in action.toolTip() and not action.icon().isNull()

    dialog = UnlockDialog(entitlements, window)
    qtbot.addWidget(dialog)
    dialog.show()
    QGuiApplication.clipboard().setText(lic.armor(issue_dev_key("Ada Lovelace", "a@x.org")))
    dialog.key_edit.paste()
    qtbot.waitUntil(lambda: not dialog.checking, timeout=5000)  # checked off the UI thread
    assert dialog.status_label.text().startswith("Valid key for Ada Lovelace")
    assert dialog.activate_button.isEnabled()

    with qtbot.waitSignal(entitlements.changed) as unlocked:
        qtbot.mouseClick(dialog.activate_button, Qt.MouseButton.LeftButton)
    assert unlocked.args == [True]
    assert "Licensed to Ada Lovelace" in dialog.state_label.text()
    assert dialog.status_label.text().startswith("Licensed to Ada Lovelace.")
    assert (config_dir / "license.key").exists()
    assert not dialog.buy_button.isVisible()  # bought: nothing to sell

    assert action.property("locked") is False
    assert action.toolTip() == "Stop the process holding this port"
    action.trigger()
    assert runs == ["ran"]  # runs at once, no restart, no dialog
    assert open_dialogs() == [dialog]

    with qtbot.waitSignal(entitlements.changed) as locked:
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert locked.args == [False]
    assert action.property("locked") is True
    assert not (config_dir / "license.key").exists()
    assert "not unlocked" in dialog.state_label.text()
    assert dialog.buy_button.isVisible()
    assert "still in the box" in dialog.status_label.text()
    assert not dialog.checking
    assert dialog.activate_button.isEnabled()  # one click undoes the removal


def test_locked_action_opens_dialog_instead_of_running(qtbot, window, paid_action):
    entitlements, action, runs = paid_action
    action.trigger()
    qtbot.waitUntil(lambda: len(open_dialogs()) == 1, timeout=3000)
    assert runs == []
    dialog = open_dialogs()[0]
    assert dialog.feature_label.isVisible()
    assert "Process control" in dialog.feature_label.text()
    assert "$8.99" in dialog.offer_label.text()
    assert "Remote port scanning" in dialog.offer_label.text()
    action.trigger()  # a second click raises the same dialog, it does not stack another
    assert open_dialogs() == [dialog]
    close_dialog(qtbot, entitlements)
    assert runs == []


def test_activation_elsewhere_unlocks_the_open_dialog_and_actions(qtbot, window, paid_action):
    entitlements, action, _runs = paid_action
    action.trigger()
    qtbot.waitUntil(lambda: len(open_dialogs()) == 1, timeout=3000)
    dialog = open_dialogs()[0]
    entitlements.activate(issue_dev_key("Grace Hopper", "g@x.org"))
    assert "Licensed to Grace Hopper" in dialog.state_label.text()
    assert not dialog.feature_label.isVisible()
    assert action.property("locked") is False
    close_dialog(qtbot, entitlements)


@pytest.mark.parametrize(
    ("text", "tone", "message"),
    [
        ("", "hint", "Paste the license key from your Portie purchase email."),
        ("PORTIE-A1A03-Q0H", "hint", lic.key_shape()),
        ("typo", "error", lic.MistypedKey.message),
        ("forged", "error", lic.NotGenuine.message),
        ("acme", "error", lic.WrongProduct.message),
        ("revoked", "error", lic.Revoked.message),
    ],
)
def test_validation_as_the_user_types(qtbot, window, text, tone, message):
    key = issue_dev_key()
    text = {
        "typo": key[:-2] + ("Q" if key[-2] != "Q" else "R") + key[-1],
        "forged": lic.issue_key(Ed25519PrivateKey.generate(), "Eve", "e@x.org"),
        "acme": "ACME-" + key.removeprefix("PORTIE-"),
        "revoked": issue_dev_key(serial=0x0BADC0DE),
    }.get(text, text)
    dialog = UnlockDialog(Entitlements(), window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.key_edit, "x")  # typing starts validation
    dialog.key_edit.setPlainText(text)
    qtbot.waitUntil(lambda: not dialog.checking, timeout=5000)
    assert dialog.status_label.text() == message
    assert dialog.status_label.property("tone") == tone
    assert not dialog.activate_button.isEnabled()


def test_damaged_license_file_shows_locked_with_notice(qtbot, window, config_dir):
    activate_dev_license("Ada Lovelace")
    path = config_dir / "license.key"
    path.write_text(path.read_text().replace("-----BEGIN PORTIE LICENSE-----\n", "")[:-40])
    entitlements = load_entitlements(window)
    assert not entitlements.unlocked and not entitlements.allows("remote_scan")
    assert "is damaged" in entitlements.notice
    dialog = UnlockDialog(entitlements, window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "is damaged" in dialog.state_label.text()
    assert dialog.remove_button.isVisible()  # clears the damaged file


def test_saved_license_is_unlocked_at_start(qtbot, window, config_dir):
    activate_dev_license("Ada Lovelace")
    entitlements = load_entitlements(window)
    assert entitlements.unlocked and entitlements.licensee == "Ada Lovelace"
    assert entitlements.allows("process_control") and entitlements.allows("remote_scan")
    with pytest.raises(KeyError):
        entitlements.allows("time_travel")
    action = QAction("Scan host…", window)
    ran = []
    entitlements.bind_action(action, "remote_scan", lambda: ran.append(True))
    gc.collect()  # the binding lives as long as the action, not as long as a Python name
    assert action.property("locked") is False
    action.trigger()
    assert ran == [True]


def test_dialog_renders(qtbot, window, tmp_path):
    dialog = UnlockDialog(Entitlements(), window, feature="remote_scan")
    qtbot.addWidget(dialog)
    dialog.show()
    image = dialog.grab()
    assert image.width() >= 560 and image.save(str(tmp_path / "unlock.png"))


def test_dialog_survives_its_window_closing(qtbot):
    entitlements = Entitlements()  # the app's, outliving any one window
    doomed = QWidget()
    doomed.show()
    UnlockOffer(entitlements, doomed)
    action = QAction("Stop process", doomed)
    entitlements.bind_action(action, "process_control", lambda: None)
    action.trigger()
    qtbot.waitUntil(lambda: len(open_dialogs()) == 1, timeout=3000)
    doomed.deleteLater()  # the dialog (and the offer) go with their window
    qtbot.waitUntil(lambda: not open_dialogs(), timeout=3000)
    other = QWidget()
    qtbot.addWidget(other)
    dialog = UnlockOffer(entitlements, other).open("remote_scan")
    assert dialog.isVisible() and "Remote port scanning" in dialog.feature_label.text()
    close_dialog(qtbot, entitlements)


def test_pasting_a_huge_text_is_refused_at_once_and_keys_are_checked_off_the_ui_thread(
    qtbot, window, monkeypatch
):
    import threading

    from portie_qt import unlock_dialog

    checked_on: list[str] = []
    real_verify = unlock_dialog.verify

    def verify_and_note_the_thread(text):  # the real check, with the thread it ran on noted
        checked_on.append(threading.current_thread().name)
        return real_verify(text)

    monkeypatch.setattr(unlock_dialog, "verify", verify_and_note_the_thread)
    dialog = UnlockDialog(Entitlements(), window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.key_edit.setPlainText(issue_dev_key("Ada Lovelace") + "\n" + "A" * 200_000)
    # Said before the event loop runs again: the text was never decoded.
    assert dialog.status_label.text() == lic.KeyTooLong.message
    assert dialog.status_label.property("tone") == "error"
    assert not dialog.checking and not dialog.activate_button.isEnabled()
    assert checked_on == []

    QGuiApplication.clipboard().setText("> " + issue_dev_key("Ada Lovelace").replace("-", "\uff0d"))
    dialog.key_edit.selectAll()
    dialog.key_edit.paste()
    assert dialog.checking  # not on the UI thread, inside paste()
    qtbot.waitUntil(lambda: not dialog.checking, timeout=5000)
    assert dialog.status_label.text().startswith("Valid key for Ada Lovelace")
    assert checked_on and threading.main_thread().name not in checked_on


def test_buy_opens_the_purchase_page_and_a_partial_key_says_what_a_key_looks_like(qtbot, window):
    from PySide6.QtCore import QObject, QUrl, Slot
    from PySide6.QtGui import QDesktopServices

    class Catcher(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.urls: list[str] = []

        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            self.urls.append(url.toString())

    catcher = Catcher()
    QDesktopServices.setUrlHandler("https", catcher, "open")
    try:
        dialog = UnlockDialog(Entitlements(), window)
        qtbot.addWidget(dialog)
        dialog.show()
        buy = dialog.findChild(QWidget, "buyButton")
        assert buy is not None and buy.isVisible()
        qtbot.mouseClick(buy, Qt.MouseButton.LeftButton)
        assert catcher.urls == [lic.purchase_url()] and lic.purchase_url().startswith("https://")
    finally:
        QDesktopServices.unsetUrlHandler("https")
    assert "PORTIE-" in lic.key_shape() and "groups of five" in lic.key_shape()
