"""Names, command lines and paths are plain text wherever the window shows them.

A real child process named ``<b>a&b</b>`` with the command line ``<img src=x>&<i>cmd``
listens on a port; the table's tooltip, the details pane, the confirmation dialog, the
Kill prompt, the watch panel, the tray's menu, the activity log and the status bar must
each show those characters, never render them. So must every place a licensee's name
("Tom <Admin> Smith") appears.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys

import psutil
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import Qt as QtGui_Qt  # mightBeRichText lives in QtGui
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QMessageBox

from portie_qt import style
from portie_qt.about import about_html
from portie_qt.confirm_dialog import ConfirmSignalDialog
from portie_qt.core import process_control
from portie_qt.core.activity import LISTEN_STARTED, Event
from portie_qt.core.collector import collect
from portie_qt.core.process_control import Outcome, Result
from portie_qt.entitlements import Entitlements
from portie_qt.ports_model import ENDPOINT_ROLE
from portie_qt.process_actions import ProcessActions
from portie_qt.tray import Tray
from portie_qt.unlock_dialog import UnlockDialog
from portie_qt.watch_controller import WatchController
from portie_qt.why_dialog import WhyDialog
from tests.gui.conftest import rows_for
from tests.licensing import activate_dev_license

NAME = "<b>a&b</b>"  # what the child calls itself (/proc/PID/comm)
ARGV0 = "<img src=x>&<i>cmd"
LICENSEE = "Tom <Admin> Smith"

_CHILD = r"""
import json, os, select, socket, sys
with open("/proc/self/comm", "w") as comm:
    comm.write(sys.argv[1])
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(json.dumps({"pid": os.getpid(), "port": s.getsockname()[1]}), flush=True)
select.select([sys.stdin], [], [], 120)  # until the test closes stdin; 120 s at most
"""


def shown(text: str) -> str:
    """What Qt puts on screen for ``text`` in a label, tooltip or message box that guesses
    its format (Qt.mightBeRichText), as plain characters."""
    if not QtGui_Qt.mightBeRichText(text):
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def label_shows(label) -> str:
    """What a QLabel puts on screen, by its text format."""
    if label.textFormat() == Qt.TextFormat.PlainText:
        return label.text()
    if label.textFormat() == Qt.TextFormat.RichText:
        return rendered(label.text())
    return shown(label.text())


def rendered(rich: str) -> str:
    document = QTextDocument()
    document.setHtml(rich)
    return document.toPlainText()


@pytest.fixture
def hostile():
    """A listening child process with markup in its name and command line."""
    proc = subprocess.Popen([ARGV0, "-c", _CHILD, NAME], executable=sys.executable,
                            stdout=subprocess.PIPE, stdin=subprocess.PIPE,
                            text=True)  # fmt: skip
    info = json.loads(proc.stdout.readline())
    assert psutil.Process(info["pid"]).name() == NAME
    yield info["pid"], info["port"]
    with contextlib.suppress(ProcessLookupError):
        os.kill(info["pid"], signal.SIGKILL)
    proc.wait(10)
    proc.stdin.close()
    proc.stdout.close()


@pytest.mark.linux_only
def test_a_hostile_process_is_plain_text_in_every_part_of_the_window(qtbot, window, hostile):
    pid, port = hostile
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=pid)), timeout=10000)
    model = window.ports.table.model()
    [row] = [r for r in range(model.rowCount())
             if model.index(r, 0).data(ENDPOINT_ROLE).pid == pid]  # fmt: skip
    assert NAME in shown(model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole))

    window.ports.table.selectRow(row)
    window.ports.table.setCurrentIndex(model.index(row, 0))
    details = window.details.view
    qtbot.waitUntil(lambda: ARGV0 in details.toPlainText(), timeout=10000)
    assert NAME in details.toPlainText()

    target = process_control.describe(pid, psutil.Process(pid).create_time())
    dialog = ConfirmSignalDialog([target])
    qtbot.addWidget(dialog)
    assert NAME in label_shows(dialog.question)
    assert NAME in label_shows(dialog.details) and ARGV0 in label_shows(dialog.details)

    why_dialog = WhyDialog()
    qtbot.addWidget(why_dialog)
    with qtbot.waitSignal(why_dialog.explained, timeout=20000):
        why_dialog.explain(port)
    assert NAME in label_shows(why_dialog.headline)
    # In the page the name reads as typed: had it been taken as markup, it would show as
    # a bold "a&b".
    assert NAME in why_dialog.details.toPlainText()

    window.status.set_notice("process", f"Could not stop {NAME}: " + "x" * 80)
    assert window.status.notice_label.full_text().startswith(f"⚠ Could not stop {NAME}")
    assert window.status.notice_label.textFormat() == Qt.TextFormat.PlainText
    assert NAME in shown(window.status.notice_label.toolTip())


def test_the_kill_prompt_shows_process_names_as_typed(qtbot):
    stuck = [Outcome(process_control.Target(4242, 1.0, NAME), Result.STILL_RUNNING,
                     f"{NAME} (PID 4242) is still running.")]  # fmt: skip
    seen: list[tuple[str, bool]] = []

    def answer() -> None:
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.isVisible())  # fmt: skip
        seen.append((box.text(), box.textFormat() == Qt.TextFormat.PlainText))
        box.reject()

    QTimer.singleShot(0, answer)
    assert ProcessActions().ask_kill(stuck, None) is False
    [(text, plain)] = seen
    assert plain and NAME in text


@pytest.mark.linux_only
def test_watch_panel_tray_and_activity_log_show_names_as_typed(qtbot, config_dir, hostile):
    from portie_qt.activity_panel import ActivityPanel
    from portie_qt.core.activity_store import ActivityStore
    from portie_qt.settings import open_settings
    from portie_qt.watch_panel import WatchPanel

    pid, port = hostile
    settings, _ = open_settings()
    tray = Tray()
    controller = WatchController(settings, store=ActivityStore(), tray=tray)
    panels = {type(w): w for _t, _n, w in controller.panels}
    watch, activity = panels[WatchPanel], panels[ActivityPanel]

    controller.watch_port(f"<b>{port}</b>")  # typed junk is quoted back, not rendered
    assert watch.error_label.textFormat() == Qt.TextFormat.PlainText
    assert f"<b>{port}</b>" in watch.error_label.text()

    controller.watch_port(str(port))
    controller.on_refresh(collect())
    item = watch.tree.topLevelItem(0)
    assert NAME in item.text(WatchPanel.STATUS)
    assert NAME in shown(item.toolTip(WatchPanel.STATUS))
    [line] = [a.text() for a in tray.watched_menu.actions()]
    assert "<b>a&&b</b>" in line  # "&&" shows as "&": no mnemonic eats it

    event = Event(1.0, LISTEN_STARTED, "tcp", port, "127.0.0.1", pid, NAME,
                  message=f"{NAME} (pid {pid}) started listening on TCP port {port}")  # fmt: skip
    activity.show_history([event])
    tip = activity.view.model().index(0, 1).data(Qt.ItemDataRole.ToolTipRole)
    assert event.message in shown(tip)
    activity.set_notice(f"The activity log cannot be saved to /tmp/<b>{NAME}</b>.")
    assert activity.notice_label.textFormat() == Qt.TextFormat.PlainText
    controller.shutdown()


def test_a_licensee_name_is_plain_text_everywhere(qtbot, window, config_dir):
    activate_dev_license(LICENSEE, "tom@example.com")
    window.entitlements.reload()
    assert rendered(window.status.license_label.text()) == f"Licensed to {LICENSEE}"
    assert f"Licensed to {LICENSEE}. Thank you!" in rendered(about_html(LICENSEE))
    dialog = UnlockDialog(Entitlements(), window)
    qtbot.addWidget(dialog)
    assert dialog.state_label.textFormat() == Qt.TextFormat.PlainText
    assert f"Licensed to {LICENSEE} <tom@example.com>" in dialog.state_label.text()


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
               max_size=200))  # fmt: skip
def test_a_plain_tip_shows_exactly_its_text(text):
    # (QTextDocument gives a no-break space back as a space.)
    assert rendered(style.plain_tip(text)) == text.replace("\xa0", " ")
