"""Right-click a row, Terminate or Kill: the process and its row are gone (paid)."""

from __future__ import annotations

import psutil
import pytest

from tests.gui.conftest import rows_for, select_rows


def _select_pid(win, pid: int) -> None:
    select_rows(win, lambda endpoint: endpoint.pid == pid)


def _menu_actions(win):
    return {a.objectName(): a for a in win.rows.menu(win).actions()}


def test_terminate_from_context_menu_removes_process_and_row(qtbot, licensed, window,
                                                             spawn_listener):  # fmt: skip
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("udp", "127.0.0.1", 0)])
    qtbot.waitUntil(lambda: len(rows_for(window, pid=child.pid)) == 2, timeout=5000)
    _select_pid(window, child.pid)  # two rows, one process: signalled once
    asked = []

    def accept(targets, action, parent):
        asked.append([t.pid for t in targets])
        return True, False

    window.rows.processes.confirm_prompt = accept
    actions = _menu_actions(window)
    assert actions["actionTerminate"].isEnabled()
    assert actions["actionTerminate"].property("locked") is False
    with qtbot.waitSignal(window.rows.processes.finished, timeout=10000) as blocker:
        actions["actionTerminate"].trigger()
    assert asked == [[child.pid]]
    [outcome] = blocker.args[0]
    assert outcome.gone, outcome.message
    assert not psutil.pid_exists(child.pid) or psutil.Process(child.pid).status() == "zombie"
    qtbot.waitUntil(lambda: not rows_for(window, port=child.ports[0]), timeout=5000)


@pytest.mark.linux_only
def test_kill_escalation_for_a_process_ignoring_sigterm(qtbot, licensed, window, spawn_listener):
    child = spawn_listener(ignore_sigterm=True)
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=child.pid)), timeout=5000)
    _select_pid(window, child.pid)
    offered = []
    window.rows.processes.confirm_prompt = lambda targets, action, parent: (True, False)

    def offer_kill(stuck, parent):
        offered.append([o.target.pid for o in stuck])
        return True

    window.rows.processes.kill_prompt = offer_kill
    with qtbot.waitSignal(window.rows.processes.finished, timeout=15000) as blocker:
        window.rows.terminate.trigger()
    assert offered == [[child.pid]]  # Terminate did not work, Kill was offered
    [outcome] = blocker.args[0]
    assert outcome.result.name == "KILLED"
    qtbot.waitUntil(lambda: not rows_for(window, port=child.port), timeout=5000)


def test_dont_ask_again_is_one_click_mode(qtbot, licensed, window, spawn_listener):
    first, second = spawn_listener(), spawn_listener()
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=second.pid)), timeout=5000)
    window.rows.processes.confirm_prompt = lambda targets, action, parent: (True, True)
    _select_pid(window, first.pid)
    with qtbot.waitSignal(window.rows.processes.finished, timeout=10000):
        window.rows.terminate.trigger()
    assert not window.rows.confirm.isChecked()

    def must_not_ask(*_args):
        raise AssertionError("asked again after 'Don't ask again'")

    window.rows.processes.confirm_prompt = must_not_ask
    _select_pid(window, second.pid)
    with qtbot.waitSignal(window.rows.processes.finished, timeout=10000) as blocker:
        window.rows.terminate.trigger()
    assert blocker.args[0][0].gone


def test_locked_actions_are_marked_signal_nothing_and_offer_unlock(qtbot, window,
                                                                   spawn_listener):  # fmt: skip
    child = spawn_listener()
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=child.pid)), timeout=5000)
    _select_pid(window, child.pid)
    actions = _menu_actions(window)
    for name in ("actionTerminate", "actionKill"):
        assert actions[name].property("locked") is True
        assert "8.99" in actions[name].toolTip()
    window.rows.processes.confirm_prompt = lambda *a: pytest.fail("locked copy asked to signal")
    actions["actionKill"].trigger()
    dialog = window.unlock.dialog
    assert dialog is not None and dialog.objectName() == "UnlockDialog" and dialog.isVisible()
    assert not window.rows.processes.busy  # nothing was sent off to signal
    assert child.alive()
    dialog.reject()


def test_unlock_turns_actions_on_without_restart(qtbot, window):
    from tests.licensing import issue_dev_key

    assert window.rows.terminate.property("locked") is True
    assert window.action_scan.property("locked") is True
    window.entitlements.activate(issue_dev_key("Grace Hopper"))
    assert window.rows.terminate.property("locked") is False
    assert window.action_scan.property("locked") is False
    assert "Grace Hopper" in window.status.license_label.text()
    window.entitlements.remove()
    assert window.rows.kill.property("locked") is True


def test_delete_key_terminates_the_selected_rows_process_after_confirming(
    qtbot, licensed, window, spawn_listener
):
    from PySide6.QtCore import Qt

    child = spawn_listener()
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=child.pid)), timeout=5000)
    _select_pid(window, child.pid)
    asked = []
    window.rows.processes.confirm_prompt = lambda targets, action, parent: (
        asked.append((action, [t.pid for t in targets])) or (True, False)
    )
    window.activateWindow()
    window.ports.table.setFocus()
    with qtbot.waitSignal(window.rows.processes.finished, timeout=10000) as blocker:
        qtbot.keyClick(window.ports.table, Qt.Key.Key_Delete)
    assert asked == [("terminate", [child.pid])]
    assert blocker.args[0][0].gone
    qtbot.waitUntil(lambda: not child.alive(), timeout=5000)


def test_terminate_a_prefork_servers_row_stops_parent_and_workers_after_one_confirmation(
    qtbot, licensed, window
):
    from tests import servers

    server = servers.prefork(3, respawn=True)
    try:
        qtbot.waitUntil(lambda: bool(rows_for(window, pid=server.pid)), timeout=5000)
        [row] = [e for e in rows_for(window, pid=server.pid) if e.listening]
        assert row.pid == server.pid and list(row.pids) == server.pids
        _select_pid(window, server.pid)
        # The details pane lists the other holders of the socket.
        held = "Also held by 3 other processes"
        qtbot.waitUntil(lambda: held in window.details.view.toPlainText(), timeout=5000)
        pane = window.details.view.toPlainText()
        assert all(f"(PID {pid})" in pane for pid in server.workers)
        asked = []

        def accept(targets, action, parent):
            asked.append([(t.pid, t.name) for t in targets])
            return True, False

        window.rows.processes.confirm_prompt = accept
        with qtbot.waitSignal(window.rows.processes.finished, timeout=20000) as blocker:
            window.rows.terminate.trigger()
        # One confirmation naming all four, the parent first.
        assert len(asked) == 1
        assert asked[0][0][0] == server.pid
        assert sorted(pid for pid, _name in asked[0]) == server.pids
        assert all(name for _pid, name in asked[0])
        assert all(o.gone for o in blocker.args[0]), [o.message for o in blocker.args[0]]
        assert servers.gone(server.pids)
        qtbot.waitUntil(lambda: not rows_for(window, pid=server.pid), timeout=5000)
    finally:
        server.stop()
