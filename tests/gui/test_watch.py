"""Watched ports, the activity log, tray and notifications, driven by real refreshes.

Each refresh is a real ``collect()`` of this machine while child processes start and
stop listening; notifications are caught from the controller's ``notified`` signal.
"""

from __future__ import annotations

import socket
import time

import psutil
import pytest
from PySide6.QtCore import QSettings, Qt

from portie_qt.activity_panel import ActivityPanel
from portie_qt.core.activity import (
    CONNECTIONS_OPENED,
    LISTEN_STARTED,
    LISTEN_STOPPED,
    Event,
    NotificationPolicy,
    who,
)
from portie_qt.core.activity_store import ActivityStore
from portie_qt.core.collector import collect
from portie_qt.core.endpoints import Snapshot
from portie_qt.core.reference import service_label
from portie_qt.style import app_icon
from portie_qt.tray import NO_TRAY_NOTICE, Notifier, Tray
from portie_qt.watch_controller import NOTIFY_KEY, PORTS_KEY, WatchController
from portie_qt.watch_panel import WatchPanel
from tests.listeners import reserved_port, wait_until


class Clock:
    """Injected into NotificationPolicy so "a minute later" needs no waiting."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def port():
    """A registered-band port (below Linux's ephemeral range) only this test's children
    can listen on: free until one does, whatever else runs on the machine."""
    with reserved_port(24_000, 24_400) as held:
        yield held


def _listen(spawn_listener, port: int):
    return spawn_listener([("tcp", "127.0.0.1", port)], reuse_port=True)


def _shown_name(pid: int) -> str:
    """The owner's name as the table and the activity log give it (``python · project``)."""
    [name] = {who(e) for e in collect().endpoints if e.pid == pid}
    assert name.startswith(psutil.Process(pid).name())
    return name


def _snapshot_where(predicate) -> Snapshot:
    box: list[Snapshot] = []

    def check() -> bool:
        box[:] = [collect()]
        return predicate(box[0])

    assert wait_until(check, timeout=10, interval=0.1), "the expected socket state never showed"
    return box[0]


def _listening(port: int, pid: int | None = None):
    return lambda s: any(
        e.local_port == port and e.listening and (pid is None or e.pid == pid) for e in s.endpoints
    )


def _free(port: int):
    return lambda s: not any(e.local_port == port and e.listening for e in s.endpoints)


@pytest.fixture
def settings(config_dir):
    return QSettings(str(config_dir / "portie.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_controller(qtbot, settings):
    """Factory for a WatchController with its panels shown; shut down afterwards."""
    made: list[WatchController] = []

    def make(**kwargs) -> WatchController:
        controller = WatchController(settings, **kwargs)
        for _title, _name, widget in controller.panels:
            qtbot.addWidget(widget)
        made.append(controller)
        return controller

    yield make
    for controller in made:
        controller.shutdown()


def panel_of(controller: WatchController, kind):
    return next(w for _t, _n, w in controller.panels if isinstance(w, kind))


def notifications(controller: WatchController) -> list[tuple[str, str]]:
    """A list that collects every notification the controller raises from now on."""
    seen: list[tuple[str, str]] = []
    controller.notified.connect(lambda title, message: seen.append((title, message)))
    return seen


def menu_texts(menu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def shown_messages(panel: ActivityPanel) -> list[str]:
    proxy = panel.proxy
    return [proxy.index(row, 1).data() for row in range(proxy.rowCount())]


def _status_cell(panel: WatchPanel, port: int) -> str:
    for row in range(panel.tree.topLevelItemCount()):
        item = panel.tree.topLevelItem(row)
        if item.data(WatchPanel.PORT, Qt.ItemDataRole.UserRole) == port:
            return item.text(WatchPanel.STATUS)
    raise AssertionError(f"port {port} is not listed")


@pytest.mark.linux_only
def test_watched_port_shows_free_then_in_use_then_free(
    qtbot, make_controller, spawn_listener, port
):
    controller = make_controller()
    watch = panel_of(controller, WatchPanel)
    qtbot.keyClicks(watch.port_edit, str(port))
    qtbot.mouseClick(watch.add_button, Qt.MouseButton.LeftButton)
    assert controller.watched.ports == [port]
    assert _status_cell(watch, port) == "checking…"  # before any refresh

    controller.on_refresh(_snapshot_where(_free(port)))
    assert _status_cell(watch, port) == "free"

    child = _listen(spawn_listener, port)
    controller.on_refresh(_snapshot_where(_listening(port, child.pid)))
    name = _shown_name(child.pid)
    assert _status_cell(watch, port) == f"in use by {name} (PID {child.pid})"

    # A busy watched port offers Terminate…, handing over exactly its endpoints.
    watch.tree.topLevelItem(0).setSelected(True)
    assert watch.terminate_button.isEnabled()
    with qtbot.waitSignal(controller.terminate_requested, timeout=2000) as caught:
        qtbot.mouseClick(watch.terminate_button, Qt.MouseButton.LeftButton)
    [endpoint] = caught.args[0]
    assert (endpoint.pid, endpoint.local_port) == (child.pid, port)

    # Locked copies wear the lock mark but still ask, so the window can offer the unlock.
    controller.set_locked(True)
    assert watch.terminate_button.property("locked") is True
    assert "paid feature" in watch.terminate_button.toolTip()
    with qtbot.waitSignal(controller.terminate_requested, timeout=2000):
        qtbot.mouseClick(watch.terminate_button, Qt.MouseButton.LeftButton)
    controller.set_locked(False)
    assert "paid" not in watch.terminate_button.toolTip()

    child.stop()
    controller.on_refresh(_snapshot_where(_free(port)))
    assert _status_cell(watch, port) == "free"
    assert not watch.terminate_button.isEnabled()


def test_pins_persist_and_bad_input_gets_a_sentence(qtbot, make_controller, settings):
    first = make_controller()
    watch = panel_of(first, WatchPanel)
    assert first.watch_port("5432") == ""
    assert first.watch_port("3000") == ""
    assert first.watch_port("3000") == "Port 3000 is already watched."
    assert watch.error_label.text() == "Port 3000 is already watched."
    qtbot.keyClicks(watch.port_edit, "70000")
    qtbot.keyClick(watch.port_edit, Qt.Key.Key_Return)
    assert watch.error_label.text() == "'70000' is out of range: ports run 0–65535."
    assert first.watched.ports == [3000, 5432]
    watch.mode_combo.setCurrentIndex(watch.mode_combo.findData("watched"))

    settings.sync()
    reread = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    assert reread.value(PORTS_KEY) == "3000,5432"
    assert reread.value(NOTIFY_KEY) == "watched"
    again = WatchController(reread)
    assert again.watched.ports == [3000, 5432]
    assert again.policy.mode.value == "watched"
    again.unwatch_port(3000)
    assert again.watched.ports == [5432]
    again.shutdown()


@pytest.mark.linux_only
def test_notifications_once_per_change_and_once_per_port_per_minute(
    qtbot, make_controller, spawn_listener, port
):
    clock = Clock()
    controller = make_controller(policy=NotificationPolicy("watched", clock=clock))
    controller.watch_port(str(port))
    sent = notifications(controller)
    controller.on_refresh(_snapshot_where(_free(port)))  # baseline: no news
    assert sent == []

    child = _listen(spawn_listener, port)
    busy = _snapshot_where(_listening(port, child.pid))
    controller.on_refresh(busy)
    owner = f"{_shown_name(child.pid)} (PID {child.pid})"
    assert sent == [(f"Port {port} is now in use", f"In use by {owner}.")]
    controller.on_refresh(_snapshot_where(_listening(port, child.pid)))
    assert len(sent) == 1  # still in use: nothing new to say

    child.stop()
    clock.now += 20  # within the minute: the port is free again, but no second popup
    controller.on_refresh(_snapshot_where(_free(port)))
    assert len(sent) == 1
    assert controller.watched.status_text(port) == "free"  # the panel still shows the truth

    clock.now += 45  # the minute is over and the port is still free: now it is said
    controller.on_refresh(_snapshot_where(_free(port)))
    assert sent[1:] == [(f"Port {port} is free", f"It was in use by {owner}.")]

    child = _listen(spawn_listener, port)
    clock.now += 5  # a new owner within the quiet minute: shown, not yet notified
    controller.on_refresh(_snapshot_where(_listening(port, child.pid)))
    second_owner = f"{_shown_name(child.pid)} (PID {child.pid})"
    assert controller.watched.status_text(port) == f"in use by {second_owner}"
    assert len(sent) == 2
    clock.now += 61
    controller.on_refresh(_snapshot_where(_listening(port, child.pid)))
    assert sent[2:] == [(f"Port {port} is now in use", f"In use by {second_owner}.")]
    child.stop()


@pytest.mark.linux_only
def test_new_listener_in_registered_band_is_notified_and_logged(
    qtbot, make_controller, spawn_listener, settings, port
):
    store = ActivityStore()
    tray = Tray()
    controller = make_controller(store=store, tray=tray,
                                 policy=NotificationPolicy("bands", clock=Clock()))  # fmt: skip
    panel = panel_of(controller, ActivityPanel)
    sent = notifications(controller)
    controller.on_refresh(_snapshot_where(_free(port)))
    child = _listen(spawn_listener, port)
    name = _shown_name(child.pid)
    with qtbot.waitSignal(controller.events_recorded, timeout=2000):
        controller.on_refresh(_snapshot_where(_listening(port, child.pid)))
    child.stop()
    controller.on_refresh(_snapshot_where(_free(port)))

    # One notification for the new listener (stops are only news for watched ports).
    mine = [(t, m) for t, m in sent if str(port) in t]
    service = service_label(port, "tcp")
    # The title says what happened; the body says who and where, without repeating it.
    assert mine == [
        (f"New listener on port {port}",
         f"{name} (PID {child.pid}) on TCP 127.0.0.1{f' ({service})' if service else ''}")
    ]  # fmt: skip

    # The log shows both events, newest on top, and so does the tray's recent menu.
    logged = [e for e in panel.events() if e.port == port]
    assert [(e.kind, e.pid) for e in logged] == [
        (LISTEN_STOPPED, child.pid),
        (LISTEN_STARTED, child.pid),
    ]
    assert any(f"port {port}" in text for text in menu_texts(tray.recent_menu))

    # Filtering narrows the view to what the user typed (and searches the stored log).
    controller.flush()
    with qtbot.waitSignal(controller.history_loaded, timeout=3000):
        qtbot.keyClicks(panel.filter_edit, f"port {port}")
    assert shown_messages(panel) == [e.message for e in logged]
    with qtbot.waitSignal(controller.history_loaded, timeout=3000):
        panel.filter_edit.clear()

    # A restart reloads history from the file; Clear forgets it everywhere.
    controller.shutdown()
    reopened = ActivityStore()
    restarted = WatchController(settings, store=reopened)
    again = panel_of(restarted, ActivityPanel)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: any(e.port == port for e in again.events()), timeout=3000)
    assert [e.message for e in again.events() if e.port == port] == [e.message for e in logged]
    qtbot.mouseClick(again.clear_button, Qt.MouseButton.LeftButton)
    assert again.events() == []
    restarted.flush()
    assert reopened.count() == 0
    assert again.placeholder.isVisibleTo(again)
    restarted.shutdown()


def test_first_snapshot_is_a_baseline_not_a_flood(qtbot, make_controller, spawn_listener):
    spawn_listener([("tcp", "127.0.0.1", 0)])
    store = ActivityStore()
    controller = make_controller(store=store)
    sent = notifications(controller)
    assert controller.on_refresh(collect()) == []
    controller.flush()
    assert store.count() == 0
    assert sent == []


@pytest.mark.linux_only
def test_tray_menu_signals_and_no_tray_notice(qtbot, make_controller, spawn_listener, port):
    tray = Tray()
    assert menu_texts(tray.menu) == [
        "Show Portie", "Pause updates", "Recent listeners", "Watched ports", "Quit Portie",
    ]  # fmt: skip
    controller = make_controller(tray=tray)
    with qtbot.waitSignal(controller.show_requested, timeout=1000):
        tray.show_action.trigger()
    with qtbot.waitSignal(controller.pause_toggled, timeout=1000) as paused:
        tray.pause_action.trigger()
    assert paused.args == [True]
    assert tray.pause_action.text() == "Resume updates"
    controller.set_paused(False)  # the window resumed: menu follows, no echo signal
    assert tray.pause_action.text() == "Pause updates"
    with qtbot.waitSignal(controller.quit_requested, timeout=1000):
        tray.quit_action.trigger()

    child = _listen(spawn_listener, port)
    controller.watch_port(str(port))
    controller.on_refresh(_snapshot_where(_listening(port, child.pid)))
    name = _shown_name(child.pid)
    assert menu_texts(tray.watched_menu) == [f"{port} — in use by {name} (PID {child.pid})"]

    # The offscreen platform has no tray: Portie says so in the activity panel, and
    # notifications still reach the window through `notified`.
    assert not Tray.available()
    assert tray.start() == NO_TRAY_NOTICE
    assert panel_of(controller, ActivityPanel).notice_label.text() == NO_TRAY_NOTICE
    notifier = Notifier(tray)
    with qtbot.waitSignal(notifier.notified, timeout=1000) as said:
        notifier.notify("Port 1 is free", "It was in use by x.")
    assert said.args == ["Port 1 is free", "It was in use by x."]
    assert not app_icon().isNull()


def test_filter_searches_the_whole_stored_log(qtbot, make_controller):
    store = ActivityStore()
    day = 24 * 3600
    message = "postgres (pid 611) started listening on TCP port 5432"
    old = Event(time.time() - 3 * day, LISTEN_STARTED, "tcp", 5432, "127.0.0.1", 611,
                "postgres", message=message)  # fmt: skip
    store.add([old])
    store.add([
        Event(time.time() - day + i, CONNECTIONS_OPENED, "tcp", None, "", 2211, "firefox",
              count=3, message=f"firefox (pid 2211) opened 3 TCP connections #{i}")
        for i in range(1500)
    ])  # fmt: skip
    controller = make_controller(store=store, history_rows=100)
    panel = panel_of(controller, ActivityPanel)
    # Opened: the newest 100 lines, plus the old listener line that churn would hide.
    qtbot.waitUntil(lambda: len(panel.events()) == 101, timeout=3000)
    assert panel.events()[-1] == old

    panel.connections_box.setChecked(False)
    qtbot.waitUntil(lambda: shown_messages(panel) == [old.message], timeout=3000)
    panel.connections_box.setChecked(True)

    qtbot.keyClicks(panel.filter_edit, "#77")  # only in stored lines not on screen yet
    qtbot.waitUntil(lambda: len(shown_messages(panel)) == 11, timeout=3000)  # 77, 770s
    assert shown_messages(panel)[0].endswith("#779")
    assert shown_messages(panel)[-1].endswith("#77")

    panel.filter_edit.setText("nothing like this")
    qtbot.waitUntil(lambda: not panel.view.isVisibleTo(panel), timeout=3000)
    assert panel.placeholder.text() == "No events match this filter."


@pytest.mark.linux_only
def test_default_controller_opens_the_log_off_the_ui_thread(
    qtbot, make_controller, spawn_listener, port
):
    controller = make_controller()  # the window's: the default log file in the config dir
    names = {name: widget.objectName() for _t, name, widget in controller.panels}
    assert names == {"activityDock": "activityLog", "watchDock": "watchPanel"}
    controller.watch_port(str(port))
    sent = notifications(controller)
    controller.on_refresh(_snapshot_where(_free(port)))
    child = _listen(spawn_listener, port)
    controller.on_refresh(_snapshot_where(_listening(port, child.pid)))
    assert sent[0][0] == f"Port {port} is now in use"
    assert any(e.port == port for e in panel_of(controller, ActivityPanel).events())
    controller.flush()  # the log is written off the UI thread
    assert ActivityStore().recent(10, text_filter=f"port {port}")
    assert controller.notice == ""


@pytest.mark.linux_only
def test_a_reserved_port_is_this_tests_alone(port, spawn_listener):
    # Another program binding it (any address, either family, even with SO_REUSEADDR) and
    # another copy of this suite reserving it both fail; our children can listen on it.
    for family, host in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET, "127.0.0.2"),
                         (socket.AF_INET6, "::1"), (socket.AF_INET6, "::")):  # fmt: skip
        with socket.socket(family) as other:
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            with pytest.raises(OSError):
                other.bind((host, port))
    with pytest.raises(RuntimeError), reserved_port(port, port + 1):
        pass
    assert _free(port)(collect())  # held, yet nothing shows as listening
    first = _listen(spawn_listener, port)
    assert _listening(port, first.pid)(_snapshot_where(_listening(port, first.pid)))
    first.stop()
    _snapshot_where(_free(port))
    second = _listen(spawn_listener, port)  # the port never was up for grabs in between
    _snapshot_where(_listening(port, second.pid))
