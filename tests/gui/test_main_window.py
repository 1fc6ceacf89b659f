"""The ports table as a user sees it: real listeners, real refreshes, real window."""

from __future__ import annotations

import json
import time

import psutil
from PySide6.QtCore import QItemSelectionModel, Qt

from portie_qt.core.ranges import Band
from portie_qt.models import ENDPOINT_ROLE, NEW_ROLE, PORT
from tests.gui.conftest import rows_for, visible_endpoints, wait_refreshes


def _select_endpoint(win, endpoint):
    for row in range(win.proxy.rowCount()):
        index = win.proxy.index(row, 0)
        if index.data(ENDPOINT_ROLE).key == endpoint.key:
            win.table.selectionModel().select(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            win.table.setCurrentIndex(index)
            return
    raise AssertionError(f"{endpoint} is not visible")


def test_listener_row_appears_and_goes_and_selection_survives(qtbot, window, spawn_listener):
    keeper = spawn_listener()
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=keeper.pid)), timeout=5000)
    [kept] = rows_for(window, pid=keeper.pid)
    _select_endpoint(window, kept)

    child = spawn_listener()
    start = window.refresh_count
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=child.pid)), timeout=5000)
    assert window.refresh_count - start <= 2  # within two refreshes
    [row] = rows_for(window, pid=child.pid)
    assert row.local_port == child.port
    assert row.process == psutil.Process(child.pid).name()
    assert row.state == "LISTEN"
    assert row.band is Band.REGISTERED or row.band is Band.DYNAMIC
    assert window.table.selectionModel().selectedRows()[0].data(ENDPOINT_ROLE).key == kept.key

    # New rows are highlighted for one refresh only.
    new_rows = [
        window.proxy.index(r, 0)
        for r in range(window.proxy.rowCount())
        if window.proxy.index(r, 0).data(ENDPOINT_ROLE).pid == child.pid
    ]
    assert new_rows[0].data(NEW_ROLE) is True
    wait_refreshes(qtbot, window)
    row_index = next(
        window.proxy.index(r, 0)
        for r in range(window.proxy.rowCount())
        if window.proxy.index(r, 0).data(ENDPOINT_ROLE).pid == child.pid
    )
    assert row_index.data(NEW_ROLE) is False

    child.stop()
    qtbot.waitUntil(lambda: not rows_for(window, port=child.port), timeout=5000)
    selected = window.table.selectionModel().selectedRows()
    assert [i.data(ENDPOINT_ROLE).key for i in selected] == [kept.key]


def test_refreshes_never_reset_the_model(qtbot, window, spawn_listener):
    resets = []
    window.model.modelReset.connect(lambda: resets.append(1))
    child = spawn_listener()
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=child.pid)), timeout=5000)
    child.stop()
    qtbot.waitUntil(lambda: not rows_for(window, port=child.port), timeout=5000)
    assert resets == []


def test_sort_by_port_is_numeric(qtbot, window, spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("udp", "127.0.0.1", 0)])
    qtbot.waitUntil(lambda: len(rows_for(window, pid=child.pid)) == 2, timeout=5000)
    window.table.sortByColumn(PORT, Qt.SortOrder.AscendingOrder)
    ports = [e.local_port for e in visible_endpoints(window)]
    assert len(ports) >= 2 and ports == sorted(ports)
    window.table.sortByColumn(PORT, Qt.SortOrder.DescendingOrder)
    ports = [e.local_port for e in visible_endpoints(window)]
    assert ports == sorted(ports, reverse=True)


def test_colon_port_filter_shows_exactly_that_port(qtbot, window, spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("tcp", "127.0.0.1", 0)])
    qtbot.waitUntil(lambda: len(rows_for(window, pid=child.pid)) == 2, timeout=5000)
    qtbot.keyClicks(window.filter_edit, f":{child.ports[0]}")
    shown = visible_endpoints(window)
    assert shown and {e.local_port for e in shown} == {child.ports[0]}
    window.filter_edit.setText(str(child.pid))
    assert {e.pid for e in visible_endpoints(window)} == {child.pid}


def test_range_selector_counts_match_rows(qtbot, window, spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("udp", "::1", 0)])
    qtbot.waitUntil(lambda: len(rows_for(window, pid=child.pid)) == 2, timeout=5000)
    counts = dict(window.band_counts)
    total = 0
    for band in Band:
        qtbot.mouseClick(window.band_buttons[band], Qt.MouseButton.LeftButton)
        shown = visible_endpoints(window)
        assert len(shown) == counts[band]
        assert all(e.band is band for e in shown)
        assert window.band_buttons[band].text() == f"{band.title} {counts[band]}"
        total += counts[band]
    qtbot.mouseClick(window.band_buttons[None], Qt.MouseButton.LeftButton)
    assert window.proxy.rowCount() == total


def test_toggles_filter_and_persist(qtbot, window, spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("udp", "127.0.0.1", 0)])
    qtbot.waitUntil(lambda: len(rows_for(window, pid=child.pid)) == 2, timeout=5000)
    window.toggles["udpToggle"].setChecked(False)
    assert {e.protocol for e in rows_for(window, pid=child.pid)} == {"tcp"}
    window.toggles["listeningOnly"].setChecked(True)
    assert all(e.listening for e in visible_endpoints(window))
    window.close()

    from portie_qt.app import create_main_window

    again = create_main_window(start=False)
    qtbot.addWidget(again)
    assert not again.toggles["udpToggle"].isChecked()
    assert again.toggles["listeningOnly"].isChecked()
    again.close()


def test_sort_order_survives_a_restart(qtbot, window):
    from portie_qt.app import create_main_window
    from portie_qt.models import PID

    window.table.sortByColumn(PID, Qt.SortOrder.DescendingOrder)
    window.close()
    again = create_main_window(start=False)
    qtbot.addWidget(again)
    assert again.proxy.sortColumn() == PID
    assert again.proxy.sortOrder() == Qt.SortOrder.DescendingOrder
    again.close()


def test_worker_stops_within_a_second_on_close(qtbot, window):
    assert window.worker.isRunning()
    started = time.monotonic()
    window.close()
    assert window.worker.wait(1000)
    assert time.monotonic() - started < 1.0


def test_pause_stops_refreshes_and_refresh_now_still_works(qtbot, window):
    window.action_pause.trigger()
    assert window.worker.paused
    qtbot.wait(700)  # a refresh already under way when pausing may still land
    count = window.refresh_count
    qtbot.wait(1200)
    assert window.refresh_count == count
    window.action_refresh.trigger()
    qtbot.waitUntil(lambda: window.refresh_count == count + 1, timeout=3000)
    window.action_pause.trigger()
    assert not window.worker.paused


def test_details_show_owner_and_port(qtbot, window, spawn_listener):
    child = spawn_listener()
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=child.pid)), timeout=5000)
    _select_endpoint(window, rows_for(window, pid=child.pid)[0])
    qtbot.waitUntil(lambda: "Command" in window.details_view.toPlainText(), timeout=5000)
    text = window.details_view.toPlainText()
    assert f"PID {child.pid}" in text and f"port {child.port}" in text
    assert "Registered range" in text or "Dynamic range" in text


def test_export_visible_rows(qtbot, window, spawn_listener, tmp_path):
    child = spawn_listener()
    qtbot.waitUntil(lambda: bool(rows_for(window, pid=child.pid)), timeout=5000)
    window.filter_edit.setText(f":{child.port}")
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
    window.open_reference(str(child.port))
    dialog = window.reference_dialog
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
    assert not win.toggles["listeningOnly"].isChecked()
    assert win.toggles["tcpToggle"].isChecked()
    assert "settings file was damaged" in win.notice_label.text()
    assert list(config_dir.glob("portie.ini.damaged-*"))  # the user's file is kept, not lost
    win.close()
