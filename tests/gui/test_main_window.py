"""The ports table as a user sees it: real listeners, real refreshes, real window."""

from __future__ import annotations

import json
import socket

import psutil
from PySide6.QtCore import QItemSelectionModel, Qt

from portie_qt.core.ranges import Band, ephemeral_range
from portie_qt.ports_model import ENDPOINT_ROLE, NEW_ROLE, PORT, RANGE
from tests.gui.conftest import count_refreshes, rows_for, visible_endpoints, wait_refreshes


def _select_endpoint(win, endpoint):
    model, table = win.ports.model, win.ports.table
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if index.data(ENDPOINT_ROLE).key == endpoint.key:
            table.selectionModel().select(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            table.setCurrentIndex(index)
            return
    raise AssertionError(f"{endpoint} is not visible")


def test_listener_row_appears_and_goes_and_selection_survives(qtbot, window, spawn_listener):
    keeper = spawn_listener()
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=keeper.pid)), timeout=5000)
    [kept] = rows_for(window, pid=keeper.pid)
    _select_endpoint(window, kept)

    child = spawn_listener()
    refreshes = count_refreshes(window)
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=child.pid)), timeout=5000)
    assert len(refreshes) <= 2  # within two refreshes
    [row] = rows_for(window, pid=child.pid)
    assert row.local_port == child.port
    assert row.process == psutil.Process(child.pid).name()
    assert row.state == "LISTEN"
    assert row.band is Band.REGISTERED or row.band is Band.DYNAMIC
    assert window.ports.table.selectionModel().selectedRows()[0].data(ENDPOINT_ROLE).key == kept.key

    # New rows are highlighted for one refresh only.
    new_rows = [
        window.ports.model.index(r, 0)
        for r in range(window.ports.model.rowCount())
        if window.ports.model.index(r, 0).data(ENDPOINT_ROLE).pid == child.pid
    ]
    assert new_rows[0].data(NEW_ROLE) is True
    wait_refreshes(qtbot, window)
    row_index = next(
        window.ports.model.index(r, 0)
        for r in range(window.ports.model.rowCount())
        if window.ports.model.index(r, 0).data(ENDPOINT_ROLE).pid == child.pid
    )
    assert row_index.data(NEW_ROLE) is False

    child.stop()
    qtbot.waitUntil(lambda: not rows_for(window, port=child.port), timeout=5000)
    selected = window.ports.table.selectionModel().selectedRows()
    assert [i.data(ENDPOINT_ROLE).key for i in selected] == [kept.key]


def test_refreshes_never_reset_the_model(qtbot, window, spawn_listener):
    resets = []
    window.ports.model.modelReset.connect(lambda: resets.append(1))
    child = spawn_listener()
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=child.pid)), timeout=5000)
    child.stop()
    qtbot.waitUntil(lambda: not rows_for(window, port=child.port), timeout=5000)
    assert resets == []


def test_sort_by_port_is_numeric(qtbot, window, spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("udp", "127.0.0.1", 0)])
    qtbot.waitUntil(lambda: len(rows_for(window, pid=child.pid)) == 2, timeout=5000)
    window.ports.table.sortByColumn(PORT, Qt.SortOrder.AscendingOrder)
    ports = [e.local_port for e in visible_endpoints(window)]
    assert len(ports) >= 2 and ports == sorted(ports)
    window.ports.table.sortByColumn(PORT, Qt.SortOrder.DescendingOrder)
    ports = [e.local_port for e in visible_endpoints(window)]
    assert ports == sorted(ports, reverse=True)


def test_colon_port_filter_shows_exactly_that_port(qtbot, window, spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("tcp", "127.0.0.1", 0)])
    qtbot.waitUntil(lambda: len(rows_for(window, pid=child.pid)) == 2, timeout=5000)
    qtbot.keyClicks(window.filters.edit, f":{child.ports[0]}")
    shown = visible_endpoints(window)
    assert shown and {e.local_port for e in shown} == {child.ports[0]}
    window.filters.edit.setText(str(child.pid))
    assert {e.pid for e in visible_endpoints(window)} == {child.pid}


def test_range_selector_counts_match_rows(qtbot, window, spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("udp", "::1", 0)])
    # A connection of this test's own: its local end comes from the OS's ephemeral range.
    client = socket.create_connection(("127.0.0.1", child.port), timeout=5)
    client_port = client.getsockname()[1]
    try:
        qtbot.waitUntil(lambda: bool(rows_for(window, port=client_port)), timeout=5000)
        qtbot.waitUntil(lambda: len(rows_for(window, pid=child.pid)) >= 2, timeout=5000)
        window.loop.set_paused(True)  # the counts and the rows of one snapshot
        counts = dict(window.filters.counts)
        total = 0
        model = window.ports.model
        for band in Band:
            qtbot.mouseClick(window.filters.band_buttons[band], Qt.MouseButton.LeftButton)
            shown = visible_endpoints(window)
            assert len(shown) == counts[band]
            assert all(e.group is band for e in shown)
            # The marker each row carries is the group it is counted and filtered under.
            markers = {model.index(r, RANGE).data() for r in range(model.rowCount())}
            assert markers <= {band.title}
            assert window.filters.band_buttons[band].text() == f"{band.title} {counts[band]}"
            total += counts[band]
        [mine] = [e for e in window.ports.model.all_rows
                  if e.local_port == client_port and e.remote_port == child.port]  # fmt: skip
        if client_port in ephemeral_range():
            assert mine.group is Band.EPHEMERAL
        qtbot.mouseClick(window.filters.band_buttons[None], Qt.MouseButton.LeftButton)
        assert window.ports.model.rowCount() == total
    finally:
        client.close()


def test_toggles_filter_and_persist(qtbot, window, spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("udp", "127.0.0.1", 0)])
    qtbot.waitUntil(lambda: len(rows_for(window, pid=child.pid)) == 2, timeout=5000)
    window.filters.toggles["udpToggle"].setChecked(False)
    assert {e.protocol for e in rows_for(window, pid=child.pid)} == {"tcp"}
    window.filters.toggles["listeningOnly"].setChecked(True)
    assert all(e.listening for e in visible_endpoints(window))
    window.close()

    from portie_qt.app import create_main_window

    again = create_main_window(start=False)
    qtbot.addWidget(again)
    assert not again.filters.toggles["udpToggle"].isChecked()
    assert again.filters.toggles["listeningOnly"].isChecked()
    again.close()


def test_sort_order_survives_a_restart(qtbot, window):
    from portie_qt.app import create_main_window
    from portie_qt.ports_model import PID

    window.ports.table.sortByColumn(PID, Qt.SortOrder.DescendingOrder)
    window.close()
    again = create_main_window(start=False)
    qtbot.addWidget(again)
    assert again.ports.model.sort_column == PID
    assert again.ports.model.sort_order == Qt.SortOrder.DescendingOrder
    again.close()


def test_worker_stops_on_close_without_waiting_for_its_interval(qtbot, window):
    window.loop.set_interval(600_000)  # the next refresh is ten minutes away
    assert window.loop.worker.isRunning()
    window.close()  # returns once the worker has finished: close wakes it
    assert window.loop.worker.isFinished()


def test_pause_stops_refreshes_and_refresh_now_still_works(qtbot, window):
    window.loop.pause_action.trigger()
    assert window.loop.worker.paused
    assert "paused" in window.status.refreshed_label.text()
    # While paused only "Refresh Now" refreshes. A timed refresh already under way when
    # pausing may still land, before the requested one; after it, nothing comes.
    with qtbot.waitSignal(
        window.refresh_applied, timeout=3000, check_params_cb=lambda r: r.requested
    ):
        window.loop.refresh_action.trigger()
    with qtbot.assertNotEmitted(window.refresh_applied, wait=1500):  # three intervals
        pass
    window.loop.pause_action.trigger()
    assert not window.loop.worker.paused
    with qtbot.waitSignal(window.refresh_applied, timeout=3000):
        pass


def test_details_show_owner_and_port(qtbot, window, spawn_listener):
    child = spawn_listener()
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=child.pid)), timeout=5000)
    _select_endpoint(window, rows_for(window, pid=child.pid)[0])
    qtbot.waitUntil(lambda: "Command" in window.details.view.toPlainText(), timeout=5000)
    text = window.details.view.toPlainText()
    assert f"PID {child.pid}" in text and f"port {child.port}" in text
    assert "Registered range" in text or "Dynamic range" in text


def test_export_visible_rows(qtbot, window, spawn_listener, tmp_path):
    child = spawn_listener()
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=child.pid)), timeout=5000)
    window.filters.edit.setText(f":{child.port}")
    target = tmp_path / "rows.json"
    window.export_visible(str(target))
    qtbot.waitUntil(target.exists, timeout=5000)
    qtbot.waitUntil(lambda: target.read_text().endswith("]\n"), timeout=5000)
    rows = json.loads(target.read_text())
    # Exactly the rows on screen; on a busy machine a client socket elsewhere may share the
    # port number, so compare with the view rather than assume one row.
    assert [(r["local_port"], r["pid"]) for r in rows] == [
        (e.local_port, e.pid) for e in visible_endpoints(window)
    ]
    assert (child.port, child.pid) in [(r["local_port"], r["pid"]) for r in rows]


def test_reference_dialog_looks_up_port_and_says_if_in_use(qtbot, window, spawn_listener):
    child = spawn_listener()
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=child.pid)), timeout=5000)
    window.dialogs.open_reference(str(child.port))
    dialog = window.dialogs.reference
    assert dialog.isVisible()
    assert "In use on this machine now" in dialog.entry_view.toPlainText()
    dialog.search("5432")
    assert "PostgreSQL" in dialog.entry_view.toPlainText()
    dialog.close()


def test_corrupt_settings_fall_back_to_defaults_with_notice(qtbot, config_dir):
    (config_dir / "portie.ini").write_bytes(b"[filter]\nlisteningOnly=\x00\xff\xfe garbage\n[[[\n")
    from portie_qt.app import create_main_window

    win = create_main_window(start=False)
    qtbot.addWidget(win)
    assert not win.filters.toggles["listeningOnly"].isChecked()
    assert win.filters.toggles["tcpToggle"].isChecked()
    assert "settings file was damaged" in win.status.notice()
    assert list(config_dir.glob("portie.ini.damaged-*"))  # the user's file is kept, not lost
    win.close()


def test_help_lists_every_shortcut_and_about_names_the_data_and_licence(qtbot, window):
    from PySide6.QtGui import QAction

    from portie_qt.about import ShortcutsDialog, about_html

    actions = [*window.actions(), *window.ports.table.actions(),
               *window.rows.findChildren(QAction)]  # fmt: skip
    dialog = ShortcutsDialog(actions)
    qtbot.addWidget(dialog)
    table = dialog.table
    shown = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert shown["Refresh Now"].startswith("F5")
    assert shown["Port Reference"] == "Ctrl+L"
    assert shown["Terminate Process"] == "Del"
    assert "Keyboard Shortcuts" in shown
    text = about_html("Tom <Admin> Smith")
    assert "Tom &lt;Admin&gt; Smith" in text and "IANA" in text and "2026" in text


def test_status_bar_stays_one_line_after_a_burst_of_25_new_listeners(qtbot, window, spawn_listener):
    bar = window.status
    one_line = bar.sizeHint().height()
    burst = spawn_listener([("tcp", "127.0.0.1", 0)] * 25)
    qtbot.waitUntil(lambda: len(rows_for(window, pid=burst.pid)) == 25, timeout=10000)
    # No tray offscreen, so the burst's notification goes to the status bar: one line,
    # cut to fit, the whole text a click (or the activity log) away.
    qtbot.waitUntil(lambda: bar.message_label.full_text() != "", timeout=10000)
    assert "\n" not in bar.message_label.text()
    assert bar.height() <= one_line
    assert bar.message_label.height() <= bar.message_label.fontMetrics().height() * 2
    assert window.ports.table.height() > window.height() // 3


def test_hidden_window_refreshes_less_often_and_catches_up_when_shown(qtbot, window):
    wait_refreshes(qtbot, window)  # the worker has just gone back to sleep
    window.hide()  # what Close to Tray does
    assert window.loop.hidden
    with qtbot.assertNotEmitted(window.refresh_applied, wait=1500):  # three 500 ms intervals
        pass
    with qtbot.waitSignal(window.refresh_applied, timeout=3000):  # at once, not in 15 s
        window.show()
    assert not window.loop.hidden


FIRST_PAINT_PROBE = r"""
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDockWidget
from portie_qt.app import create_main_window, ensure_application

HEAVY = ("sqlite3", "cryptography", "portie_qt.core.process_control", "portie_qt.core.export",
         "portie_qt.watch_controller", "portie_qt.entitlements", "portie_qt.unlock_dialog",
         "portie_qt.row_actions", "portie_qt.details_pane", "PySide6.QtUiTools", "dataclasses")
app = ensure_application([])
window = create_main_window(start=False, defer=True)
window.show()
seen = {}

def first_rows(*_args):
    seen.setdefault("loaded_at_first_rows", sorted(m for m in HEAVY if m in sys.modules))

def completed():
    seen["docks"] = sorted(d.objectName() for d in window.findChildren(QDockWidget))
    seen["edit_menu"] = [a.objectName() for a in window.edit_menu.actions() if a.objectName()]
    seen["scan_locked"] = window.action_scan.property("locked")
    seen["icon"] = not window.windowIcon().isNull() and not app.windowIcon().isNull()
    seen["ui_tools"] = "PySide6.QtUiTools" in sys.modules  # the forms are code
    app.quit()

window.ports.model.rowsInserted.connect(first_rows)
window.later.completed.connect(completed)
QTimer.singleShot(30000, app.quit)
window.start()
app.exec()
window.close()
print(json.dumps(seen))
"""


def test_first_rows_come_before_the_docks_licence_and_row_actions(spawn_listener, config_dir):
    import subprocess
    import sys

    spawn_listener()  # at least one row
    done = subprocess.run([sys.executable, "-c", FIRST_PAINT_PROBE], capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["loaded_at_first_rows"] == []  # none of them was needed to show rows
    assert seen["docks"] == ["activityDock", "watchDock"]  # ... and all came after
    assert {"actionCopyRow", "actionFind", "actionTerminate"} <= set(seen["edit_menu"])
    assert seen["scan_locked"] is True
    assert seen["icon"] is True  # Portie's icon, set after the first paint
    assert seen["ui_tools"] is False


def test_the_cycle_collector_is_back_once_the_window_is_built(qtbot, config_dir):
    import gc

    from portie_qt.app import collect_when_built, create_main_window

    window = create_main_window(start=False, defer=True)
    qtbot.addWidget(window)
    gc.disable()  # as `portie` does before loading the window
    try:
        collect_when_built(window)
        assert not gc.isenabled()  # not while the window is being built
        with qtbot.waitSignal(window.later.completed, timeout=10000):
            window.start()
        assert gc.isenabled()
    finally:
        gc.enable()
        window.close()
        window.loop.stop()
