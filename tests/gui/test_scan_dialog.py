"""ScanDialog: a real scan of loopback listeners from the dialog, live results, cancel, export."""

from __future__ import annotations

import csv
import json
import os

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from portie_qt.entitlements import Entitlements
from portie_qt.scan_dialog import CUSTOM, RECENT_KEY, RESULT_ROLE, ScanDialog
from portie_qt.settings import open_settings, settings_path
from tests.core.test_scan import service_child  # noqa: F401 - a fixture used below
from tests.licensing import activate_dev_license


def make_dialog(qtbot) -> ScanDialog:
    settings, _notice = open_settings()
    widget = ScanDialog(settings, Entitlements())
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def dialog(qtbot, licensed):
    widget = make_dialog(qtbot)
    widget.show()
    yield widget
    widget.cancel_scan()
    qtbot.waitUntil(lambda: not widget.running, timeout=10000)
    widget.pool.waitForDone(10000)


def table_rows(dialog) -> list[tuple[str, ...]]:
    model = dialog.results_table.model()
    return [
        tuple(model.index(row, col).data() for col in range(model.columnCount()))
        for row in range(model.rowCount())
    ]


def run_scan(qtbot, dialog, host: str, spec: str, timeout: int = 20000):
    dialog.host_edit.setText(host)
    dialog.ports_edit.setText(spec)
    dialog.preset_combo.setCurrentIndex(CUSTOM)
    with qtbot.waitSignal(dialog.scan_finished, timeout=timeout) as finished:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    return finished.args[0]


def test_dialog_has_the_named_parts(qtbot, dialog):
    assert dialog.objectName() == "ScanDialog"
    for name in ("hostEdit", "portsEdit", "presetCombo", "timeout", "concurrency",
                 "startButton", "cancelButton", "progressBar", "resultsTable"):  # fmt: skip
        assert dialog.findChild(object, name) is not None, name
    labels = [dialog.preset_combo.itemText(i) for i in range(dialog.preset_combo.count())]
    assert labels == ["Top 100 ports", "Top 1000 ports", "All ports (1–65535)", "Custom…"]
    dialog.preset_combo.setCurrentIndex(0)
    assert dialog.ports_edit.text() == "top100"
    qtbot.keyClicks(dialog.ports_edit, ",22")  # typing switches the preset to custom
    assert dialog.ports_edit.text() == "top100,22"
    assert dialog.preset_combo.currentIndex() == CUSTOM
    dialog.preset_combo.setCurrentIndex(2)
    assert dialog.ports_edit.text() == "all"


def test_scan_of_loopback_listeners_fills_the_table(qtbot, dialog, spawn_listener, refused_port):
    child = spawn_listener([("tcp", "127.0.0.1", 0)] * 3)
    spec = ",".join(map(str, [refused_port, *child.ports]))
    report = run_scan(qtbot, dialog, "127.0.0.1", spec)
    assert report is not None and not report.cancelled
    rows = table_rows(dialog)
    assert [r[0] for r in rows] == [f"{p}/tcp" for p in sorted(child.ports)]
    assert {r[1] for r in rows} == {"open"}
    assert dialog.counts_label.text() == "3 open · 1 closed · 0 filtered"
    assert dialog.progress_bar.value() == dialog.progress_bar.maximum() == 4
    assert dialog.start_button.isEnabled() and not dialog.cancel_button.isEnabled()
    assert "3 open, 1 closed, 0 filtered" in dialog.status_label.text()
    assert not dialog.reminder_frame.isVisible()  # this machine: no reminder

    dialog.show_all_check.setChecked(True)  # the toggle lists the closed port too
    rows = table_rows(dialog)
    assert rows[-1][:2] == (f"{refused_port}/tcp", "closed")
    assert len(rows) == 4
    first = dialog.results_table.model().index(0, 0).data(RESULT_ROLE)
    assert first.port == min(child.ports) and first.state == "open"


def test_full_scan_open_ports_first_with_service_labels(qtbot, dialog, spawn_listener):
    child = spawn_listener()
    report = run_scan(qtbot, dialog, "localhost", f"1-2000,{child.port}")
    assert child.port in report.open_ports
    rows = table_rows(dialog)
    assert f"{child.port}/tcp" in [r[0] for r in rows]
    dialog.show_all_check.setChecked(True)
    rows = table_rows(dialog)
    assert len(rows) == report.scanned == len({*range(1, 2001), child.port})
    states = [r[1] for r in rows]
    assert states == sorted(states, key=lambda s: {"open": 0, "filtered": 1, "closed": 2}[s])
    ssh = next(r for r in rows if r[0] == "22/tcp")
    assert ssh[2] == "SSH"


def test_banners_fill_in_the_table(qtbot, dialog, service_child):  # noqa: F811
    greeting = service_child("greeting")
    http = service_child("http")
    dialog.banners_check.setChecked(True)
    run_scan(qtbot, dialog, "127.0.0.1", f"{greeting},{http}")
    banners = {row[0]: row[3] for row in table_rows(dialog)}
    assert banners == {
        f"{greeting}/tcp": "SSH-2.0-PortieTest_1.0",
        f"{http}/tcp": "PortieTestHTTP/2.1",
    }


def test_cancel_stops_a_running_scan(qtbot, dialog, spawn_listener):
    # A listener that never speaks keeps the banner phase busy for about a second.
    child = spawn_listener()
    dialog.banners_check.setChecked(True)
    dialog.host_edit.setText("127.0.0.1")
    dialog.ports_edit.setText(f"1-1000,{child.port}")
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.running and dialog.cancel_button.isEnabled()
    # Resolved and scanning: the silent listener keeps the banner phase going for a second.
    qtbot.waitUntil(lambda: dialog.progress_bar.maximum() > 0, timeout=5000)
    with qtbot.waitSignal(dialog.scan_finished, timeout=10000) as finished:
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    report = finished.args[0]
    assert report is not None and report.cancelled
    assert dialog.start_button.isEnabled() and not dialog.cancel_button.isEnabled()
    assert dialog.pool.waitForDone(5000)  # every runnable has returned


def test_closing_the_dialog_cancels(qtbot, dialog, spawn_listener):
    child = spawn_listener()
    dialog.banners_check.setChecked(True)
    dialog.host_edit.setText("127.0.0.1")
    dialog.ports_edit.setText(str(child.port))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.scan_finished, timeout=10000):
        dialog.close()
    assert not dialog.running
    assert dialog.pool.waitForDone(5000)


def test_bad_input_is_shown_in_the_dialog(qtbot, dialog):
    dialog.host_edit.setText("127.0.0.1")
    dialog.ports_edit.setText("22,70000")
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert not dialog.running
    assert "'70000' is out of range: ports run 0–65535" in dialog.status_label.text()
    dialog.ports_edit.setText("22")
    with qtbot.waitSignal(dialog.scan_finished, timeout=10000):
        dialog.host_edit.setText("bad host!")
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "'bad host!' is not a valid host name" in dialog.status_label.text()
    assert dialog.start_button.isEnabled()


def test_recent_hosts_are_remembered(qtbot, dialog, refused_port):
    run_scan(qtbot, dialog, "127.0.0.1", str(refused_port))
    run_scan(qtbot, dialog, "localhost", str(refused_port))
    assert dialog.recent_hosts() == ["localhost", "127.0.0.1"]
    dialog.settings.sync()
    stored = QSettings(str(settings_path()), QSettings.Format.IniFormat).value(RECENT_KEY)
    assert list(stored) == ["localhost", "127.0.0.1"]
    again = make_dialog(qtbot)
    assert again.host_edit.text() == "localhost"
    assert again.host_edit.completer().model().stringList() == ["localhost", "127.0.0.1"]


def test_export_csv_and_json(qtbot, dialog, spawn_listener, refused_port, tmp_path):
    child = spawn_listener()
    run_scan(qtbot, dialog, "127.0.0.1", f"{child.port},{refused_port}")
    assert dialog.export_csv_button.isEnabled() and dialog.export_json_button.isEnabled()
    with qtbot.waitSignal(dialog.save_results(str(tmp_path / "scan.json")).finished) as saved:
        pass
    assert saved.args == [2]
    rows = json.loads((tmp_path / "scan.json").read_text())
    assert [(r["port"], r["state"]) for r in rows] == sorted(
        [(child.port, "open"), (refused_port, "closed")]
    )
    assert set(rows[0]) == {"host", "address", "port", "protocol", "state", "service", "banner"}
    with qtbot.waitSignal(dialog.save_results(str(tmp_path / "scan.csv")).finished) as saved:
        pass
    assert saved.args == [2]
    with (tmp_path / "scan.csv").open(newline="") as handle:
        table = list(csv.DictReader(handle))
    assert {r["port"]: r["state"] for r in table} == {
        str(child.port): "open",
        str(refused_port): "closed",
    }


@pytest.mark.netns
def test_first_scan_of_another_host_shows_a_one_time_reminder(qtbot, dialog):
    """A non-local address gets the reminder once, without blocking the scan."""
    if os.geteuid() != 0:
        pytest.fail("this test builds a network namespace and needs root")
    from tests.core.test_scan_netns import _build, _ip

    tag = f"{os.getpid() % 100000}9"
    try:
        ns = _build(f"ptgui{tag}", f"ptg{tag}h", f"ptg{tag}n", _free_net())
        run_scan(qtbot, dialog, ns.address, "1")
        assert dialog.reminder_frame.isVisible()
        assert "permission" in dialog.reminder_frame.findChild(object, "reminderLabel").text()
        qtbot.mouseClick(dialog.reminder_dismiss, Qt.MouseButton.LeftButton)
        assert not dialog.reminder_frame.isVisible()
        run_scan(qtbot, dialog, ns.address, "1")
        assert not dialog.reminder_frame.isVisible()  # once per host
        assert dialog.last_report.closed == (1,)
    finally:
        _ip("netns", "del", f"ptgui{tag}", check=False)
        _ip("link", "del", f"ptg{tag}h", check=False)


def _free_net():
    import ipaddress
    import random

    from tests.core.test_scan_netns import _used_networks

    used = _used_networks()
    free = [
        net
        for net in ipaddress.ip_network("10.251.0.0/16").subnets(new_prefix=30)
        if not any(net.overlaps(u) for u in used)
    ]
    return random.choice(free)


def test_locked_menu_action_offers_unlock_and_licensed_opens_the_dialog(qtbot):
    from portie_qt.app import create_main_window

    win = create_main_window(start=False)
    qtbot.addWidget(win)
    win.show()

    def visible(name):
        return [w for w in QApplication.topLevelWidgets() if w.objectName() == name
                and w.isVisible()]  # fmt: skip

    win.action_scan.trigger()
    qtbot.waitUntil(lambda: len(visible("UnlockDialog")) == 1, timeout=5000)
    assert visible("ScanDialog") == []
    for unlock in visible("UnlockDialog"):
        unlock.reject()
    activate_dev_license()
    win.entitlements.reload()  # as the window does when it is activated again
    win.action_scan.trigger()
    qtbot.waitUntil(lambda: len(visible("ScanDialog")) == 1, timeout=5000)
    win.scan_dialog.close()
    win.close()
