"""'What is on port 3000, and stop it' in one look: the answer card, its keys, the
developer row menu and the confirmation, on real servers started by the tests."""

from __future__ import annotations

import psutil
import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QPushButton

from portie_qt.confirm_dialog import KILL, TERMINATE, ConfirmSignalDialog
from tests import servers
from tests.gui.conftest import rows_for, select_rows, visible_endpoints


class Browser(QObject):
    """Catches the URLs Portie asks the desktop to open (no real browser starts)."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


@pytest.fixture
def browser():
    catcher = Browser()
    QDesktopServices.setUrlHandler("http", catcher, "open")
    yield catcher
    QDesktopServices.unsetUrlHandler("http")


def _select(win, predicate) -> None:
    select_rows(win, predicate)


def test_card_answers_a_held_port_and_its_buttons_do_what_they_say(
    qtbot, window, start, tmp_path, browser
):
    project = tmp_path / "web-app"
    project.mkdir()
    server = start(servers.http_server, project)
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=server.pid)), timeout=10000)
    card = window.answer
    assert card.isHidden()  # nothing asked yet
    window.filters.edit.setText(str(server.port))
    assert card.isVisible() and card.objectName() == "portAnswer"
    text = card.text.text()
    assert text.startswith(f"Port {server.port} — ")
    assert "in web-app" in text and f"PID {server.pid}" in text and "127.0.0.1" in text
    assert "http.server" in text  # the app, not just "python3"
    # The Process column says which project it is too.
    [row] = rows_for(window, pid=server.pid)
    assert window.ports.model.index(0, 0).isValid()
    assert row.app == "http.server" and row.project == "web-app"
    for name in ("answerOpenButton", "answerStopButton", "answerKillButton",
                 "answerCopyButton", "answerWatchButton"):  # fmt: skip
        assert card.findChild(QPushButton, name).isEnabled(), name

    qtbot.mouseClick(card.open_button, Qt.MouseButton.LeftButton)
    assert browser.opened == [f"http://localhost:{server.port}"]
    qtbot.mouseClick(card.copy_button, Qt.MouseButton.LeftButton)
    assert "http.server" in QGuiApplication.clipboard().text()
    qtbot.mouseClick(card.watch_button, Qt.MouseButton.LeftButton)
    assert server.port in window.watch.watched.ports


def test_card_says_a_port_is_free_and_what_it_usually_is(qtbot, window, refused_port):
    window.filters.edit.setText(f":{refused_port}")  # bound, never listening: free
    card = window.answer
    assert card.isVisible()
    assert card.text.text().startswith(f"Port {refused_port} is free")
    assert not card.stop_button.isEnabled() and not card.open_button.isEnabled()
    window.filters.edit.setText("5432")
    if not any(e.local_port == 5432 and e.listening for e in window.ports.rows):
        assert card.text.text() == "Port 5432 is free — usually PostgreSQL."
    window.filters.edit.setText("http")  # not a port: no card
    assert card.isHidden()


def test_stop_from_the_card_frees_the_port_and_says_so(qtbot, licensed, window, start, tmp_path):
    server = start(servers.http_server, tmp_path)
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=server.pid)), timeout=10000)
    window.rows.processes.confirm_prompt = lambda targets, action, parent: (True, False)
    window.filters.edit.setText(str(server.port))
    with qtbot.waitSignal(window.rows.processes.finished, timeout=15000) as done:
        qtbot.mouseClick(window.answer.stop_button, Qt.MouseButton.LeftButton)
    assert [o.gone for o in done.args[0]] == [True]
    qtbot.waitUntil(
        lambda: window.answer.text.text() == f"Port {server.port} is free now.", timeout=10000
    )


def test_keys_on_a_selected_row_open_stop_and_kill(
    qtbot, licensed, window, spawn_listener, browser
):
    asked: list[str] = []
    window.rows.processes.confirm_prompt = lambda targets, action, parent: (
        asked.append(action) or (True, False)
    )
    first = spawn_listener()
    second = spawn_listener(ignore_sigterm=True)
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=second.pid)), timeout=10000)
    table = window.ports.table
    window.activateWindow()
    table.setFocus()
    _select(window, lambda e: e.pid == first.pid)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert browser.opened == [f"http://localhost:{first.port}"]
    with qtbot.waitSignal(window.rows.processes.finished, timeout=15000):
        qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert not first.alive() or psutil.Process(first.pid).status() == "zombie"
    _select(window, lambda e: e.pid == second.pid)
    with qtbot.waitSignal(window.rows.processes.finished, timeout=15000) as done:
        qtbot.keyClick(table, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
    assert asked == [TERMINATE, KILL]
    assert [o.result.name for o in done.args[0]] == ["KILLED"]


def test_tree_stop_of_a_respawning_parent_leaves_nothing_behind(qtbot, licensed, window, start):
    # The parent holds the port; its three workers hold nothing and are respawned when
    # they die. The confirmation offers the tree; children go after their parent.
    server = start(servers.prefork, 3, respawn=True, child_holds=False)
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=server.pid)), timeout=10000)
    shown: list = []

    def with_tree(targets, action, parent):
        shown.append([t.pid for t in targets])
        return True, False, True  # accept, ask next time, and stop the process tree too

    window.rows.processes.confirm_prompt = with_tree
    _select(window, lambda e: e.pid == server.pid and e.listening)
    with qtbot.waitSignal(window.rows.processes.finished, timeout=20000) as done:
        window.rows.terminate.trigger()
    assert shown == [[server.pid]]  # the holder is asked about; the tree is its children
    stopped = [o.target.pid for o in done.args[0]]
    assert stopped[0] == server.pid and sorted(stopped) == server.pids
    assert servers.gone(server.pids)
    assert not [p for p in psutil.process_iter(["ppid"]) if p.info["ppid"] == server.pid]


def test_the_confirmation_opens_at_once_names_the_port_and_offers_the_tree(
    qtbot, licensed, window, start
):
    server = start(servers.prefork, 2, child_holds=False)
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=server.pid)), timeout=10000)
    _select(window, lambda e: e.pid == server.pid and e.listening)
    window.rows.terminate.trigger()
    dialog = QApplication.activeModalWidget()  # at once, before the details are read
    assert isinstance(dialog, ConfirmSignalDialog)
    assert f"port {server.port}" in dialog.windowTitle()
    qtbot.waitUntil(lambda: dialog.confirm_button.isEnabled(), timeout=10000)
    tree = dialog.findChild(QCheckBox, "treeBox")
    assert tree.isVisibleTo(dialog) and "2 child processes" in tree.text()
    assert dialog.findChild(QCheckBox, "dontAskAgain").isVisibleTo(dialog)
    tree.setChecked(True)
    assert dialog.findChild(QLabel, "question").text() == "Terminate these 3 processes?"
    with qtbot.waitSignal(window.rows.processes.finished, timeout=10000) as done:
        dialog.reject()
    assert done.args[0] == [] and all(servers.running(p) for p in server.pids)


def test_kill_always_asks_even_after_dont_ask_again(qtbot, licensed, window, spawn_listener):
    first, second = spawn_listener(), spawn_listener()
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=second.pid)), timeout=10000)
    window.rows.processes.confirm_prompt = lambda targets, action, parent: (True, True)
    _select(window, lambda e: e.pid == first.pid)
    with qtbot.waitSignal(window.rows.processes.finished, timeout=10000):
        window.rows.terminate.trigger()
    assert not window.rows.confirm.isChecked()  # terminate: one click from now on
    window.rows.processes.confirm_prompt = None  # the real dialog
    _select(window, lambda e: e.pid == second.pid)
    window.rows.kill.trigger()
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, ConfirmSignalDialog) and dialog.action == KILL
    assert not dialog.findChild(QCheckBox, "dontAskAgain").isVisibleTo(dialog)
    assert dialog.confirm_button.text() == "Kill"
    with qtbot.waitSignal(window.rows.processes.finished, timeout=10000):
        dialog.reject()
    assert second.alive()


def test_developer_row_menu_copies_filters_and_watches(qtbot, window, start, tmp_path):
    server = start(servers.http_server, tmp_path)
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=server.pid)), timeout=10000)
    _select(window, lambda e: e.pid == server.pid)
    actions = {a.objectName(): a for a in window.rows.menu(window).actions()}
    for name in ("actionWatchPort", "actionCopyPid", "actionCopyCommand",
                 "actionFilterProcess", "actionOpenDirectory"):  # fmt: skip
        assert actions[name].isEnabled(), name
    actions["actionCopyPid"].trigger()
    assert QGuiApplication.clipboard().text() == str(server.pid)
    actions["actionCopyCommand"].trigger()
    assert "http.server" in QGuiApplication.clipboard().text()
    actions["actionWatchPort"].trigger()
    assert server.port in window.watch.watched.ports
    actions["actionFilterProcess"].trigger()
    assert window.filters.edit.text() == f"pid:{server.pid}"
    assert {e.pid for e in visible_endpoints(window)} == {server.pid}


def test_filter_by_command_line_and_folder_and_an_empty_result_says_so(
    qtbot, window, start, tmp_path
):
    project = tmp_path / "shop-backend"
    project.mkdir()
    server = start(servers.http_server, project)
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=server.pid)), timeout=10000)
    window.filters.edit.setText("http.server")
    assert server.pid in {e.pid for e in visible_endpoints(window)}
    window.filters.edit.setText("shop-backend")
    assert {e.pid for e in visible_endpoints(window)} == {server.pid}
    window.filters.edit.setText("no-such-thing-anywhere")
    assert visible_endpoints(window) == []
    assert window.ports.empty_text() == "Nothing matches 'no-such-thing-anywhere'."
