"""The window with a real Docker Engine: container owners in the table and the details
pane, Stop Container (paid), the permission notice, and the "Why Is This Port Busy?"
dialog."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from portie_qt.ports_model import ENDPOINT_ROLE, PROCESS
from tests.gui.conftest import rows_for
from tests.portie_cli import REPO

pytestmark = pytest.mark.linux_only  # a private dockerd


def _owner_texts(win, port) -> dict[str, str]:
    """State -> the Process column's text, for the rows of ``port``."""
    proxy = win.ports.model
    found = {}
    for row in range(proxy.rowCount()):
        endpoint = proxy.index(row, 0).data(ENDPOINT_ROLE)
        if endpoint.local_port == port:
            found[f"{endpoint.state} {endpoint.local_address}"] = proxy.index(row, PROCESS).data()
    return found


def _select(win, port, state="LISTEN"):
    selection = win.ports.table.selectionModel()
    selection.clearSelection()
    proxy = win.ports.model
    for row in range(proxy.rowCount()):
        index = proxy.index(row, 0)
        endpoint = index.data(ENDPOINT_ROLE)
        if endpoint.local_port == port and endpoint.state == state:
            flags = QItemSelectionModel.SelectionFlag.Select
            flags |= QItemSelectionModel.SelectionFlag.Rows
            selection.select(index, flags)
            win.ports.table.setCurrentIndex(index)
            return endpoint
    raise AssertionError(f"no {state} row for port {port}")


def _container_rows(win, port) -> list:
    """The rows of ``port`` once the engine has named their container (a container's
    proxy can listen a moment before the engine lists the container)."""
    return [e for e in rows_for(win, port=port) if e.container is not None]


def _actions(win):
    return {a.objectName(): a for a in win.rows.menu(win).actions()}


def test_the_table_names_the_container_and_the_details_show_its_proxy(qtbot, docker, window):
    web = docker.web(project="shop", service="web")
    owner = f"container {web.name} (compose shop/web)"
    qtbot.waitUntil(lambda: owner in _owner_texts(window, web.port).values(), timeout=10000)
    assert set(_owner_texts(window, web.port).values()) == {owner}
    _select(window, web.port)
    details = window.details.view.toPlainText()
    assert f"Docker container {web.name}" in details and "shop/web" in details
    qtbot.waitUntil(lambda: "docker-proxy" in window.details.view.toPlainText(), timeout=5000)
    actions = _actions(window)
    assert actions["actionStopContainer"].isEnabled()
    assert actions["actionRestartContainer"].isEnabled()
    # The helper is never offered for a kill: the container is the owner.
    assert not actions["actionTerminate"].isEnabled() and not actions["actionKill"].isEnabled()
    assert window.status.notice() == ""
    window.filters.edit.setText("compose shop/web")  # the filter finds rows by container
    qtbot.waitUntil(lambda: bool(rows_for(window, port=web.port)), timeout=5000)
    assert all(e.container is not None for e in rows_for(window))


def test_stop_container_through_the_window(qtbot, licensed, docker, window):
    web = docker.web()
    qtbot.waitUntil(lambda: bool(_container_rows(window, web.port)), timeout=10000)
    _select(window, web.port)
    asked = []

    def accept(container, action, parent):
        from portie_qt.core.containers import question

        asked.append(question(container, action))
        return True

    window.rows.containers.confirm_prompt = accept
    actions = _actions(window)
    assert actions["actionStopContainer"].property("locked") is False
    with qtbot.waitSignal(window.rows.containers.finished, timeout=60000) as blocker:
        actions["actionStopContainer"].trigger()
    assert asked == [f"Stop container {web.label}?"]  # the words `portie free` asks with
    assert blocker.args == [True, f"Stopped container {web.label}."]
    assert not docker.running(web.name)
    qtbot.waitUntil(lambda: not rows_for(window, port=web.port), timeout=10000)


def test_restart_container_through_the_window(qtbot, licensed, docker, window):
    web = docker.web()
    qtbot.waitUntil(lambda: bool(_container_rows(window, web.port)), timeout=10000)
    _select(window, web.port)
    started = docker.engine.docker("inspect", "-f", "{{.State.StartedAt}}", web.name)
    window.rows.confirm.setChecked(False)  # one-click mode: no question at all

    def must_not_ask(*_args):
        raise AssertionError("asked although confirmation is off")

    window.rows.containers.confirm_prompt = must_not_ask
    with qtbot.waitSignal(window.rows.containers.finished, timeout=60000) as blocker:
        window.rows.restart_container.trigger()
    assert blocker.args == [True, f"Restarted container {web.label}."]
    assert docker.running(web.name)
    assert docker.engine.docker("inspect", "-f", "{{.State.StartedAt}}", web.name) != started
    qtbot.waitUntil(lambda: bool(_container_rows(window, web.port)), timeout=10000)


def test_stop_container_is_paid(qtbot, docker, window):
    web = docker.web()
    qtbot.waitUntil(lambda: bool(_container_rows(window, web.port)), timeout=10000)
    _select(window, web.port)
    action = _actions(window)["actionStopContainer"]
    assert action.property("locked") is True
    window.rows.containers.confirm_prompt = lambda *args: (_ for _ in ()).throw(
        AssertionError("a locked copy asked to stop a container")
    )
    action.trigger()
    dialog = window.unlock.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.reject()
    assert not window.rows.containers.busy and docker.running(web.name)


def test_why_dialog_explains_the_selected_row_in_plain_text(qtbot, window, spawn_listener):
    child = spawn_listener([("tcp", "::1", 0)])
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=child.pid)), timeout=10000)
    _select(window, child.port)
    action = _actions(window)["actionWhy"]
    assert action.isEnabled()
    action.trigger()  # the answer arrives through the event loop, run by waitSignal
    dialog = window.rows.why_dialog
    with qtbot.waitSignal(dialog.explained, timeout=20000) as blocker:
        pass
    explanation = blocker.args[0]
    assert explanation.port == child.port and explanation.busy
    assert dialog.isVisible()
    assert dialog.headline.textFormat() == Qt.TextFormat.PlainText
    assert dialog.headline.text().startswith(f"Port {child.port} is busy on [::1]:")
    assert f"(PID {child.pid}" in dialog.details.toPlainText()
    assert f"127.0.0.1:{child.port} is free" in dialog.details.toPlainText()
    assert f"[::1]:{child.port}" in dialog.details.toPlainText()  # the test binds' table
    dialog.close()


def test_userland_proxy_off_the_table_still_names_the_container(qtbot, docker_no_proxy, window):
    web = docker_no_proxy.web(project="shop", service="web")
    owner = f"container {web.name} (compose shop/web)"
    qtbot.waitUntil(lambda: owner in _owner_texts(window, web.port).values(), timeout=10000)
    endpoint = _select(window, web.port)
    assert endpoint.process == "dockerd" and endpoint.container.name == web.name
    assert "dockerd" not in _owner_texts(window, web.port)[f"LISTEN {endpoint.local_address}"]
    _actions(window)["actionWhy"].trigger()
    with qtbot.waitSignal(window.rows.why_dialog.explained, timeout=20000) as blocker:
        pass
    assert owner in blocker.args[0].headline and "dockerd" not in blocker.args[0].headline
    window.rows.why_dialog.close()


WITHOUT_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
_NOTICE_SCRIPT = """
from portie_qt.app import create_main_window, ensure_application
app = ensure_application([])
win = create_main_window(start=False)
win.refresh_applied.connect(lambda _r: (print(win.status.notice(), flush=True), app.quit()))
win.start()
app.exec()
win.close()
win.loop.stop()
"""


def test_permission_denied_on_the_engine_is_one_sentence_in_the_status_bar(docker, tmp_path):
    """The real window, run as root without the capabilities that override file
    permissions, reaching the engine's socket through a directory only nobody may enter:
    the socket is there, and opening it is denied."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    os.chown(locked, 65534, 65534)
    (locked / "docker.sock").symlink_to(docker.engine.socket)
    env = {**os.environ, "DOCKER_HOST": f"unix://{locked}/docker.sock",
           "QT_QPA_PLATFORM": "offscreen"}  # fmt: skip
    done = subprocess.run([*WITHOUT_DAC, sys.executable, "-c", _NOTICE_SCRIPT],
                          capture_output=True, text=True, timeout=120, cwd=REPO, env=env,
                          stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 0, done.stderr
    notice = done.stdout.strip().splitlines()[-1]
    assert notice == (
        f"Portie may not read Docker's containers (permission denied on {locked}/docker.sock): "
        "add your account to the docker group (sudo usermod -aG docker $USER) and log in "
        "again, or run Portie as root to see which container owns each published port."
    )
