"""Confirm-then-stop from the Qt side, on real child processes holding real sockets."""

from __future__ import annotations

import sys

import psutil
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QCheckBox, QDialog, QLabel, QMessageBox, QPushButton

from portie_qt.confirm_dialog import KILL, TERMINATE, ConfirmSignalDialog
from portie_qt.core import process_control
from portie_qt.core.collector import collect
from portie_qt.core.process_control import Result, Target
from portie_qt.process_actions import ProcessActions
from tests.listeners import wait_until


def _target(child) -> Target:
    return process_control.describe(child.pid, psutil.Process(child.pid).create_time())


def _endpoints(child):
    return [e for e in collect().endpoints if e.pid == child.pid]


class Prompts:
    """Answers the prompts programmatically and remembers what they were shown."""

    def __init__(self, accept=True, dont_ask=False, kill=True):
        self.accept, self.dont_ask, self.kill = accept, dont_ask, kill
        self.confirmed: list[tuple[list[Target], str]] = []
        self.stuck: list = []

    def confirm(self, targets, action, parent):
        self.confirmed.append((targets, action))
        return self.accept, self.dont_ask

    def offer_kill(self, stuck, parent):
        self.stuck.append(stuck)
        return self.kill


@pytest.fixture
def actions(qtbot):
    made = []

    def make(prompts: Prompts, **kwargs) -> ProcessActions:
        controller = ProcessActions(**kwargs)
        controller.confirm_prompt = prompts.confirm
        controller.kill_prompt = prompts.offer_kill
        made.append(controller)
        return controller

    yield make
    for controller in made:
        qtbot.waitUntil(lambda controller=controller: not controller.busy, timeout=10_000)


def test_dialog_names_the_process_and_defaults_to_cancel(qtbot, spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("udp", "127.0.0.1", 0)])
    dialog = ConfirmSignalDialog([_target(child)], TERMINATE)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.objectName() == "ConfirmSignalDialog"
    text = dialog.findChild(QLabel, "processDetails").text()
    assert f"PID {child.pid}" in text
    assert psutil.Process(child.pid).name() in text
    assert psutil.Process().username() in text
    assert f"TCP 127.0.0.1:{child.ports[0]}" in text
    assert f"UDP 127.0.0.1:{child.ports[1]}" in text
    assert sys.executable in text  # the command line
    assert dialog.findChild(QCheckBox, "dontAskAgain") is not None
    cancel = dialog.findChild(QPushButton, "cancelButton")
    confirm = dialog.findChild(QPushButton, "confirmButton")
    assert cancel.isDefault() and not confirm.isDefault()
    assert confirm.text() == "Terminate"
    # Enter goes to the default button: nothing is stopped by accident.
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert child.alive()


def test_kill_dialog_for_several_processes(qtbot, spawn_listener):
    children = [spawn_listener(), spawn_listener()]
    dialog = ConfirmSignalDialog([_target(c) for c in children], KILL)
    qtbot.addWidget(dialog)
    assert "Kill these 2 processes?" in dialog.findChild(QLabel, "question").text()
    assert dialog.findChild(QPushButton, "confirmButton").text() == "Kill"
    text = dialog.findChild(QLabel, "processDetails").text()
    assert all(f"PID {c.pid}" in text for c in children)


def test_confirmed_terminate_stops_a_real_listener(qtbot, actions, spawn_listener):
    child = spawn_listener()
    prompts = Prompts()
    controller = actions(prompts)
    with (
        qtbot.waitSignal(controller.acted, timeout=15_000),
        qtbot.waitSignal(controller.finished, timeout=15_000) as finished,
    ):
        assert controller.request(_endpoints(child), TERMINATE)
    [outcome] = finished.args[0]
    assert outcome.result is Result.TERMINATED
    assert wait_until(lambda: not child.alive(), timeout=5)
    # The dialog was shown the fresh description, with the port the process holds.
    [(shown, action)] = prompts.confirmed
    assert action == TERMINATE
    assert [t.pid for t in shown] == [child.pid]
    assert child.port in {p.port for p in shown[0].ports}


@pytest.mark.linux_only
def test_terminate_ignored_escalates_to_kill_when_accepted(qtbot, actions, spawn_listener):
    child = spawn_listener(ignore_sigterm=True)
    prompts = Prompts(kill=True)
    controller = actions(prompts, timeout=0.5)
    with qtbot.waitSignal(controller.finished, timeout=15_000) as finished:
        controller.request([_target(child)], TERMINATE)
    [outcome] = finished.args[0]
    assert outcome.result is Result.KILLED
    assert [o.result for o in prompts.stuck[0]] == [Result.STILL_RUNNING]
    assert wait_until(lambda: not child.alive(), timeout=5)


@pytest.mark.linux_only
def test_terminate_ignored_and_kill_declined_leaves_it_running(qtbot, actions, spawn_listener):
    child = spawn_listener(ignore_sigterm=True)
    controller = actions(Prompts(kill=False), timeout=0.5)
    with qtbot.waitSignal(controller.finished, timeout=15_000) as finished:
        controller.request([_target(child)], TERMINATE)
    assert [o.result for o in finished.args[0]] == [Result.STILL_RUNNING]
    assert child.alive()


def test_cancel_signals_nothing(qtbot, actions, spawn_listener):
    child = spawn_listener()
    controller = actions(Prompts(accept=False))
    with qtbot.waitSignal(controller.finished, timeout=15_000) as finished:
        controller.request([_target(child)], KILL)
    assert finished.args[0] == []
    assert child.alive()


def test_dont_ask_again_turns_confirmation_off(qtbot, actions, spawn_listener):
    setting = {"confirm": True}
    prompts = Prompts(dont_ask=True)
    controller = actions(
        prompts,
        confirm_enabled=lambda: setting["confirm"],
        set_confirm_enabled=lambda value: setting.update(confirm=value),
    )
    first, second = spawn_listener(), spawn_listener()
    with qtbot.waitSignal(controller.finished, timeout=15_000):
        controller.request([_target(first)], TERMINATE)
    assert setting["confirm"] is False
    with qtbot.waitSignal(controller.finished, timeout=15_000) as finished:
        controller.request([_target(second)], TERMINATE)
    assert len(prompts.confirmed) == 1  # the second one went through in one click
    assert [o.result for o in finished.args[0]] == [Result.TERMINATED]
    assert wait_until(lambda: not first.alive() and not second.alive(), timeout=5)


def test_several_rows_of_one_process_act_once(qtbot, actions, spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("tcp", "::1", 0), ("udp", "127.0.0.1", 0)])
    other = spawn_listener()
    rows = _endpoints(child) + _endpoints(other) + _endpoints(child)
    assert len(rows) == 7
    prompts = Prompts()
    controller = actions(prompts)
    with qtbot.waitSignal(controller.finished, timeout=15_000) as finished:
        controller.request(rows, KILL)
    assert sorted(o.target.pid for o in finished.args[0]) == sorted([child.pid, other.pid])
    assert all(o.result is Result.KILLED for o in finished.args[0])
    assert len(prompts.confirmed[0][0]) == 2


def test_locked_controller_signals_nothing(qtbot, actions, spawn_listener):
    child = spawn_listener()
    prompts = Prompts()
    controller = actions(prompts, allowed=lambda: False)
    with qtbot.assertNotEmitted(controller.acted), qtbot.assertNotEmitted(controller.finished):
        assert controller.request(_endpoints(child), KILL) is False
    assert not controller.busy  # nothing was sent off: nothing can arrive later either
    assert prompts.confirmed == []
    assert child.alive()


def test_reused_pid_is_refused_through_the_controller(qtbot, actions, spawn_listener):
    child = spawn_listener()
    stale = Target(child.pid, psutil.Process(child.pid).create_time() - 60, "node")
    controller = actions(Prompts())
    with qtbot.waitSignal(controller.finished, timeout=15_000) as finished:
        controller.request([stale], KILL)
    [outcome] = finished.args[0]
    assert outcome.result is Result.PID_REUSED
    assert "did not signal it" in outcome.message
    assert child.alive()


@pytest.mark.linux_only
def test_real_dialogs_accept_and_escalate(qtbot, spawn_listener):
    """The default prompts: the real modal dialog and the real Kill message box."""
    child = spawn_listener(ignore_sigterm=True)
    controller = ProcessActions(timeout=0.5)
    clicked: list[str] = []

    def answer():
        modal = QApplication.activeModalWidget()
        confirm = modal.findChild(QPushButton, "confirmButton") if modal else None
        # The dialog shows at once; its button works once the fresh details are in.
        if (
            isinstance(modal, ConfirmSignalDialog)
            and "confirm" not in clicked
            and (confirm.isEnabled())
        ):
            clicked.append("confirm")
            confirm.click()
        elif isinstance(modal, QMessageBox) and modal.objectName() == "confirmKill":
            clicked.append("kill")
            next(b for b in modal.buttons() if b.text() == "Kill").click()
        if len(clicked) < 2:
            timer.start()

    timer = QTimer(singleShot=True, interval=50)
    timer.timeout.connect(answer)
    timer.start()
    try:
        with qtbot.waitSignal(controller.finished, timeout=20_000) as finished:
            controller.request([_target(child)], TERMINATE)
    finally:
        timer.stop()
        qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)
    assert clicked == ["confirm", "kill"]
    assert [o.result for o in finished.args[0]] == [Result.KILLED]
    assert wait_until(lambda: not child.alive(), timeout=5)


def test_real_dialog_for_a_prefork_server_names_all_four_parent_first(qtbot):
    from portie_qt.core.stopping import holders_of
    from tests import servers

    server = servers.prefork(3)
    try:
        [row] = [e for e in collect().endpoints if e.local_port == server.port and e.listening]
        targets = holders_of([row])
        dialog = ConfirmSignalDialog(targets, TERMINATE)
        qtbot.addWidget(dialog)
        assert "Terminate these 4 processes?" in dialog.findChild(QLabel, "question").text()
        assert "the oldest (the parent) first" in dialog.findChild(QLabel, "explanation").text()
        text = dialog.findChild(QLabel, "processDetails").text()
        shown = [text.index(f"PID {pid}") for pid in server.pids]
        assert shown[0] == min(shown)  # the parent is listed first
    finally:
        server.stop()
