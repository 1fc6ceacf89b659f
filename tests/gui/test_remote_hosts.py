"""The window with a remote host: sshd in a network namespace (the session's ``ssh_server``).

Adding a host through the dialog shows its ports (with owners, details and activity of
their own); a host that drops says "disconnected", keeps its last rows and comes back by
itself; a host that hangs never holds up this computer's view; Terminate on a remote row
stops that process on the host, after the same confirmation.
"""

from __future__ import annotations

import pytest

from portie_qt.host_selector import HOSTS_KEY, SUDO_KEY, THIS_COMPUTER
from portie_qt.settings import read_str_list
from tests.gui.conftest import rows_for, select_rows
from tests.sshd import ALIAS

pytestmark = [pytest.mark.netns, pytest.mark.linux_only]  # sshd in a network namespace


def _add_host_through_the_dialog(qtbot, window, name: str, sudo: bool = False) -> None:
    dialog = window.hosts.open_add_dialog()
    dialog.host_edit.setText(name)
    dialog.sudo_check.setChecked(sudo)
    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        dialog.ok_button.click()
    assert window.hosts.current == name


def _select_pid(win, pid: int) -> None:
    select_rows(win, lambda endpoint: endpoint.pid == pid)


def test_an_added_host_shows_its_own_ports_owners_details_and_activity(
    qtbot, window, remote, spawn_listener
):
    local = spawn_listener([("tcp", "127.0.0.1", 0)])
    there = remote.listen([("tcp", "0.0.0.0", 0)])
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=local.pid)), timeout=10000)

    _add_host_through_the_dialog(qtbot, window, ALIAS, sudo=True)
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=there.pid)), timeout=20000)
    [row] = rows_for(window, pid=there.pid)
    assert (row.local_port, row.user, row.process) == (there.port, "root", row.process)
    assert row.process  # the owner is named, as locally
    assert not rows_for(window, pid=local.pid)  # this computer's rows are not mixed in
    assert window.hosts.state(ALIAS) == "connected"
    assert window.hosts.combo.currentText() == ALIAS
    assert read_str_list(window.settings, HOSTS_KEY, 10) == [ALIAS]
    assert read_str_list(window.settings, SUDO_KEY, 10) == [ALIAS]
    assert not window.rows.open_browser.isEnabled()  # localhost would be this computer

    # The details pane reads the process on the host.
    _select_pid(window, there.pid)
    qtbot.waitUntil(lambda: "Executable" in window.details.view.toPlainText(), timeout=15000)
    assert f"PID {there.pid}" in window.details.view.toPlainText()

    # The activity log records the host's changes, and says which host.
    logged: list = []
    window.watch.events_recorded.connect(logged.extend)
    newcomer = remote.listen([("tcp", "0.0.0.0", 0)])
    started = f"{ALIAS}: "

    def newcomer_logged() -> bool:
        return any(e.message.startswith(started) and e.port == newcomer.port for e in logged)

    qtbot.waitUntil(newcomer_logged, timeout=20000)

    # A watched port is watched on the host shown.
    assert window.watch.watch_port(str(there.port)) == ""
    qtbot.waitUntil(
        lambda: window.watch.watched.status_text(there.port).startswith("in use"), timeout=15000
    )
    assert window.watch.watched.status(there.port).owners[0][0] == there.pid

    # Back to this computer: its own rows, none of the host's.
    window.hosts.select("")
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=local.pid)), timeout=10000)
    assert not rows_for(window, pid=there.pid)
    assert window.hosts.combo.currentText() == THIS_COMPUTER
    qtbot.waitUntil(lambda: window.watch.watched.status_text(there.port) == "free", timeout=10000)


def test_a_host_that_drops_shows_disconnected_and_comes_back(qtbot, window, remote):
    there = remote.listen([("tcp", "0.0.0.0", 0)])
    _add_host_through_the_dialog(qtbot, window, ALIAS)
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=there.pid)), timeout=20000)

    remote.stop_sshd()
    qtbot.waitUntil(lambda: window.hosts.state(ALIAS) == "disconnected", timeout=20000)
    assert window.hosts.combo.currentText() == f"{ALIAS} (disconnected)"
    notice = window.status.notice()
    assert "refused the connection" in notice and "Portie tries again in" in notice
    assert rows_for(window, pid=there.pid)  # the last good rows stay on screen

    remote.start_sshd()
    qtbot.waitUntil(lambda: window.hosts.state(ALIAS) == "connected", timeout=30000)
    assert window.hosts.combo.currentText() == ALIAS
    qtbot.waitUntil(lambda: not window.status.notice(), timeout=10000)
    assert rows_for(window, pid=there.pid)


def test_a_host_that_hangs_never_holds_up_this_computer_s_view(
    qtbot, window, remote, spawn_listener
):
    there = remote.listen([("tcp", "0.0.0.0", 0)])
    _add_host_through_the_dialog(qtbot, window, ALIAS)
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=there.pid)), timeout=20000)
    # The host's link goes silent: packets vanish, ssh waits for answers that never come.
    remote.set_link(up=False)
    try:
        local = spawn_listener([("tcp", "127.0.0.1", 0)])
        window.loop.refresh_now()  # a refresh of the silent host is now in flight
        window.hosts.select("")
        qtbot.waitUntil(lambda: bool(rows_for(window, pid=local.pid)), timeout=5000)
        assert not rows_for(window, pid=there.pid)
    finally:
        remote.set_link(up=True)


def test_remote_terminate_stops_the_right_process_after_confirmation(
    qtbot, licensed, window, remote
):
    target = remote.listen([("tcp", "0.0.0.0", 0)])
    bystander = remote.listen([("tcp", "0.0.0.0", 0)])
    _add_host_through_the_dialog(qtbot, window, ALIAS)
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=bystander.pid)), timeout=20000)
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=target.pid)), timeout=10000)
    _select_pid(window, target.pid)
    asked = []

    def confirm(targets, action, parent):
        asked.append([(t.pid, t.host, t.name, [p.port for p in t.ports]) for t in targets])
        return True, False

    window.rows.processes.confirm_prompt = confirm
    with qtbot.waitSignal(window.rows.processes.finished, timeout=20000) as finished:
        window.rows.terminate.trigger()
    [[(pid, host, name, ports)]] = asked
    assert (pid, host, ports) == (target.pid, ALIAS, [target.port]) and name
    [outcome] = finished.args[0]
    assert outcome.result.name == "TERMINATED", outcome.message
    assert outcome.message.endswith(f"(PID {target.pid}) on {ALIAS}.")
    assert target.proc.wait(10) is not None
    assert bystander.alive()
    qtbot.waitUntil(lambda: not rows_for(window, pid=target.pid), timeout=15000)


def test_the_add_dialog_says_what_is_wrong_before_saving_anything(
    qtbot, window, tmp_path, monkeypatch
):
    from portie_qt.core.remote.address import SSH_CONFIG_ENV

    dialog = window.hosts.open_add_dialog()
    dialog.host_edit.setText("-oProxyCommand=evil")
    dialog.ok_button.click()
    assert "is not a host name" in dialog.message_label.text()
    broken = tmp_path / "ssh_config"
    broken.write_text("Host *\n  NoSuchOption yes\n")
    monkeypatch.setenv(SSH_CONFIG_ENV, str(broken))
    dialog.host_edit.setText("staging")
    dialog.ok_button.click()
    qtbot.waitUntil(
        lambda: "Bad configuration option" in dialog.message_label.text(), timeout=10000
    )
    assert dialog.isVisible() and dialog.ok_button.isEnabled()
    assert window.hosts.names == [] and window.hosts.current == ""
    assert read_str_list(window.settings, HOSTS_KEY, 10) == []
    dialog.reject()


def test_stored_hosts_are_read_back_and_junk_is_dropped(qtbot, config_dir):
    from portie_qt.app import create_main_window
    from portie_qt.settings import open_settings

    settings, _notice = open_settings()
    settings.setValue(HOSTS_KEY, ["staging", "bad host", "pi@192.0.2.7:2222", "staging"])
    settings.setValue(SUDO_KEY, ["pi@192.0.2.7:2222", "not-listed"])
    settings.sync()
    window = create_main_window(start=False)
    qtbot.addWidget(window)
    try:
        assert window.hosts.names == ["staging", "pi@192.0.2.7:2222"]
        texts = [window.hosts.combo.itemText(i) for i in range(window.hosts.combo.count())]
        assert texts == [THIS_COMPUTER, "staging", "pi@192.0.2.7:2222"]
        assert window.hosts.host("pi@192.0.2.7:2222").sudo
        assert not window.hosts.host("staging").sudo
    finally:
        window.close()
        window.loop.stop()
