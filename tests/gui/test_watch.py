"""Watched ports, the activity log, tray and notifications, driven by real refreshes.

Each refresh is a real ``collect()`` of this machine while child processes start and
stop listening; notifications are checked through ``Notifier.sent``.
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
)
from portie_qt.core.activity_store import ActivityStore
from portie_qt.core.collector import collect
from portie_qt.core.endpoints import Snapshot
from portie_qt.core.reference import service_label
from portie_qt.tray import NO_TRAY_NOTICE, Notifier, Tray, app_icon
from portie_qt.watch_controller import WatchController
from portie_qt.watch_panel import NOTIFY_KEY, PORTS_KEY, WatchPanel
from tests.listeners import wait_until


class Clock:
    """Injected into NotificationPolicy so "a minute later" needs no waiting."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


def _free_registered_port() -> int:
    """A port in the registered band (1024–32767, below Linux's ephemeral range) now free."""
    for candidate in range(24_000, 24_400):  # bounded
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
        if not any(e.local_port == candidate for e in collect().endpoints):
            return candidate
    raise AssertionError("no free port in 24000–24399")


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
def watch(qtbot, settings):
    panel = WatchPanel(settings)
    qtbot.addWidget(panel)
    return panel


def _status_cell(panel: WatchPanel, port: int) -> str:
    for row in range(panel.tree.topLevelItemCount()):
        item = panel.tree.topLevelItem(row)
        if item.data(WatchPanel.PORT, Qt.ItemDataRole.UserRole) == port:
            return item.text(WatchPanel.STATUS)
    raise AssertionError(f"port {port} is not listed")


def test_watched_port_shows_free_then_in_use_then_free(qtbot, watch, spawn_listener):
    port = _free_registered_port()
    qtbot.keyClicks(watch.port_edit, str(port))
    qtbot.mouseClick(watch.add_button, Qt.MouseButton.LeftButton)
    assert watch.ports() == [port]
    assert _status_cell(watch, port) == "checking…"  # before any refresh

    watch.update_snapshot(_snapshot_where(_free(port)))
    assert _status_cell(watch, port) == "free"

    child = spawn_listener([("tcp", "127.0.0.1", port)])
    watch.update_snapshot(_snapshot_where(_listening(port, child.pid)))
    name = psutil.Process(child.pid).name()
    assert _status_cell(watch, port) == f"in use by {name} (pid {child.pid})"

    # A busy watched port offers Terminate…, handing over exactly its endpoints.
    watch.tree.topLevelItem(0).setSelected(True)
    assert watch.terminate_button.isEnabled()
    with qtbot.waitSignal(watch.terminate_requested, timeout=2000) as caught:
        qtbot.mouseClick(watch.terminate_button, Qt.MouseButton.LeftButton)
    [endpoint] = caught.args[0]
    assert (endpoint.pid, endpoint.local_port) == (child.pid, port)

    # Locked copies wear the lock mark but still ask, so the window can offer the unlock.
    watch.set_locked(True)
    assert watch.terminate_button.property("locked") is True
    assert "paid feature" in watch.terminate_button.toolTip()
    with qtbot.waitSignal(watch.terminate_requested, timeout=2000):
        qtbot.mouseClick(watch.terminate_button, Qt.MouseButton.LeftButton)
    watch.set_locked(False)
    assert "paid" not in watch.terminate_button.toolTip()

    child.stop()
    watch.update_snapshot(_snapshot_where(_free(port)))
    assert _status_cell(watch, port) == "free"
    assert not watch.terminate_button.isEnabled()


def test_pins_persist_and_bad_input_gets_a_sentence(qtbot, settings):
    first = WatchPanel(settings)
    qtbot.addWidget(first)
    assert first.add_port(5432)
    assert first.add_port(3000)
    assert not first.add_port(3000)
    assert first.error_label.text() == "Port 3000 is already watched."
    qtbot.keyClicks(first.port_edit, "70000")
    qtbot.keyClick(first.port_edit, Qt.Key.Key_Return)
    assert first.error_label.text() == "Port 70000 is out of range: ports run 1–65535."
    assert first.ports() == [3000, 5432]
    first.mode_combo.setCurrentIndex(first.mode_combo.findData("watched"))

    settings.sync()
    reread = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    assert reread.value(PORTS_KEY) == "3000,5432"
    assert reread.value(NOTIFY_KEY) == "watched"
    again = WatchPanel(reread)
    qtbot.addWidget(again)
    assert again.ports() == [3000, 5432]
    assert again.notify_mode().value == "watched"
    again.remove_port(3000)
    assert again.ports() == [5432]


def test_notifications_once_per_change_and_once_per_port_per_minute(qtbot, watch, spawn_listener):
    port = _free_registered_port()
    watch.add_port(port)
    clock = Clock()
    notifier = Notifier()
    controller = WatchController(
        watch_panel=watch,
        notifier=notifier,
        policy=NotificationPolicy("watched", clock=clock),
    )
    controller.on_snapshot(_snapshot_where(_free(port)))  # baseline: no news
    assert notifier.sent == []

    child = spawn_listener([("tcp", "127.0.0.1", port)])
    busy = _snapshot_where(_listening(port, child.pid))
    controller.on_snapshot(busy)
    owner = f"{psutil.Process(child.pid).name()} (pid {child.pid})"
    assert notifier.sent == [(f"Port {port} is now in use", f"In use by {owner}.")]
    controller.on_snapshot(_snapshot_where(_listening(port, child.pid)))
    assert len(notifier.sent) == 1  # still in use: nothing new to say

    child.stop()
    clock.now += 20  # within the minute: the port is free again, but no second popup
    controller.on_snapshot(_snapshot_where(_free(port)))
    assert len(notifier.sent) == 1
    assert watch.status_text(port) == "free"  # the panel still shows the truth

    clock.now += 45  # the minute is over and the port is still free: now it is said
    controller.on_snapshot(_snapshot_where(_free(port)))
    assert notifier.sent[1:] == [(f"Port {port} is free", f"It was in use by {owner}.")]

    child = spawn_listener([("tcp", "127.0.0.1", port)])
    clock.now += 5  # a new owner within the quiet minute: shown, not yet notified
    controller.on_snapshot(_snapshot_where(_listening(port, child.pid)))
    second_owner = f"{psutil.Process(child.pid).name()} (pid {child.pid})"
    assert watch.status_text(port) == f"in use by {second_owner}"
    assert len(notifier.sent) == 2
    clock.now += 61
    controller.on_snapshot(_snapshot_where(_listening(port, child.pid)))
    assert notifier.sent[2:] == [(f"Port {port} is now in use", f"In use by {second_owner}.")]
    child.stop()


def test_new_listener_in_registered_band_is_notified_and_logged(qtbot, spawn_listener, config_dir):
    port = _free_registered_port()
    store = ActivityStore()
    panel = ActivityPanel(store)
    qtbot.addWidget(panel)
    tray = Tray()
    notifier = Notifier(tray)
    controller = WatchController(
        store=store,
        activity_panel=panel,
        tray=tray,
        notifier=notifier,
        policy=NotificationPolicy("bands", clock=Clock()),
    )
    controller.on_snapshot(_snapshot_where(_free(port)))
    child = spawn_listener([("tcp", "127.0.0.1", port)])
    name = psutil.Process(child.pid).name()
    with qtbot.waitSignal(controller.events_recorded, timeout=2000):
        controller.on_snapshot(_snapshot_where(_listening(port, child.pid)))
    child.stop()
    controller.on_snapshot(_snapshot_where(_free(port)))

    # One notification for the new listener (stops are only news for watched ports).
    mine = [(t, m) for t, m in notifier.sent if str(port) in t]
    service = service_label(port, "tcp")
    assert mine == [
        (f"New listener on port {port}",
         f"{name} (pid {child.pid}) started listening on TCP port {port}"
         f"{f' ({service})' if service else ''} at 127.0.0.1")
    ]  # fmt: skip

    # The log shows both events, newest on top, and so does the tray's recent menu.
    logged = [e for e in panel.events() if e.port == port]
    assert [(e.kind, e.pid) for e in logged] == [
        (LISTEN_STOPPED, child.pid),
        (LISTEN_STARTED, child.pid),
    ]
    recent = tray.action_texts(tray.recent_menu)
    assert any(f"port {port}" in text for text in recent)

    # Filtering narrows the view to what the user typed (and searches the stored log).
    controller.flush()
    qtbot.keyClicks(panel.filter_edit, f"port {port}")
    assert panel.visible_messages() == [e.message for e in logged]
    panel.filter_edit.clear()

    # A restart reloads history from the file; Clear forgets it everywhere.
    controller.flush()
    store.close()
    reopened = ActivityStore()
    restarted = ActivityPanel(reopened)
    qtbot.addWidget(restarted)
    assert [e.message for e in restarted.events() if e.port == port] == [e.message for e in logged]
    qtbot.mouseClick(restarted.clear_button, Qt.MouseButton.LeftButton)
    assert restarted.events() == []
    assert reopened.count() == 0
    assert restarted.placeholder.isVisibleTo(restarted)


def test_first_snapshot_is_a_baseline_not_a_flood(qtbot, spawn_listener):
    spawn_listener([("tcp", "127.0.0.1", 0)])
    store = ActivityStore()
    notifier = Notifier()
    controller = WatchController(store=store, notifier=notifier)
    assert controller.on_snapshot(collect()) == []
    assert store.count() == 0
    assert notifier.sent == []


def test_tray_menu_signals_and_no_tray_notice(qtbot, spawn_listener):
    tray = Tray()
    assert tray.action_texts() == [
        "Show Portie", "Pause updates", "Recent listeners", "Watched ports", "Quit Portie",
    ]  # fmt: skip
    with qtbot.waitSignal(tray.show_requested, timeout=1000):
        tray.show_action.trigger()
    with qtbot.waitSignal(tray.pause_toggled, timeout=1000) as paused:
        tray.pause_action.trigger()
    assert paused.args == [True]
    assert tray.pause_action.text() == "Resume updates"
    tray.set_paused(False)  # the window resumed: menu follows, no echo signal
    assert tray.pause_action.text() == "Pause updates"
    with qtbot.waitSignal(tray.quit_requested, timeout=1000):
        tray.quit_action.trigger()

    port = _free_registered_port()
    child = spawn_listener([("tcp", "127.0.0.1", port)])
    controller = WatchController(tray=tray, watched=[port])
    controller.on_snapshot(_snapshot_where(_listening(port, child.pid)))
    name = psutil.Process(child.pid).name()
    assert tray.action_texts(tray.watched_menu) == [f"{port} — in use by {name} (pid {child.pid})"]

    # The offscreen platform has no tray: Portie says so and notifications are still
    # recorded (and would go to the activity log / status bar through `notified`).
    assert not Tray.available()
    assert tray.start() == NO_TRAY_NOTICE
    notifier = Notifier(tray)
    with qtbot.waitSignal(notifier.notified, timeout=1000):
        notifier.notify("Port 1 is free", "It was in use by x.")
    assert notifier.sent == [("Port 1 is free", "It was in use by x.")]
    assert not app_icon().isNull()


def test_filter_searches_the_whole_stored_log(qtbot):
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
    panel = ActivityPanel(store, history_rows=100)
    qtbot.addWidget(panel)
    # Opened: the newest 100 lines, plus the old listener line that churn would hide.
    assert len(panel.events()) == 101
    assert panel.events()[-1] == old

    panel.connections_box.setChecked(False)
    qtbot.waitUntil(lambda: panel.visible_messages() == [old.message], timeout=3000)
    panel.connections_box.setChecked(True)

    qtbot.keyClicks(panel.filter_edit, "#77")  # only in stored lines not on screen yet
    qtbot.waitUntil(lambda: len(panel.visible_messages()) == 11, timeout=3000)  # 77, 770s
    assert panel.visible_messages()[0].endswith("#779")
    assert panel.visible_messages()[-1].endswith("#77")

    panel.filter_edit.setText("nothing like this")
    qtbot.waitUntil(lambda: not panel.view.isVisibleTo(panel), timeout=3000)
    assert panel.placeholder.text() == "No events match this filter."


def test_create_watch_builds_the_set_for_the_window(qtbot, settings, spawn_listener):
    from portie_qt.watch_controller import create_watch

    watch = create_watch(settings=settings)
    qtbot.addWidget(watch.activity_panel)
    qtbot.addWidget(watch.watch_panel)
    assert watch.activity_panel.objectName() == "activityLog"
    assert watch.watch_panel.objectName() == "watchPanel"
    assert watch.notice == NO_TRAY_NOTICE  # offscreen: no tray, and Portie says so

    port = _free_registered_port()
    watch.watch_panel.add_port(port)
    watch.on_snapshot(_snapshot_where(_free(port)))
    child = spawn_listener([("tcp", "127.0.0.1", port)])
    watch.on_snapshot(_snapshot_where(_listening(port, child.pid)))
    assert watch.notifier.sent[0][0] == f"Port {port} is now in use"
    assert any(e.port == port for e in watch.activity_panel.events())
    watch.flush()  # the log is written off the UI thread
    assert watch.store.recent(10, text_filter=f"port {port}")
    watch.shutdown()
