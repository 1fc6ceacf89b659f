"""ScanDialog: real scans of loopback listeners from the dialog (run by the scan worker
process), live results, cancel, many hosts, history, export, the licence."""

from __future__ import annotations

import csv
import json
import os

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication

from portie_qt.core.license import LicenseStore
from portie_qt.core.scan import worker as scan_worker
from portie_qt.entitlements import Entitlements
from portie_qt.scan_dialog import CUSTOM, RECENT_KEY, RESULT_ROLE, ScanDialog
from portie_qt.settings import open_settings, settings_path
from tests.core.test_scan import (
    HOSTILE_BANNER,
    service_child,  # noqa: F401 - a fixture used below
    stuffed_port,  # noqa: F401 - a fixture used below
)
from tests.core.test_scan_hosts import ADDRESSES, holders, two_hosts  # noqa: F401 - fixtures
from tests.licensing import activate_dev_license

PROCESS, BANNER = 3, 4  # columns


def make_dialog(qtbot, entitlements: Entitlements | None = None) -> ScanDialog:
    settings, _notice = open_settings()
    widget = ScanDialog(settings, entitlements or Entitlements())
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


def table_rows(dialog, parent=None) -> list[tuple[str, ...]]:
    """The rows as shown: the top level, or the children of ``parent``."""
    model = dialog.results_table.model()
    from PySide6.QtCore import QModelIndex

    parent = parent or QModelIndex()
    return [
        tuple(model.index(row, col, parent).data() for col in range(model.columnCount()))
        for row in range(model.rowCount(parent))
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
    assert dialog.progress_bar.value() == dialog.progress_bar.maximum() == 4
    assert dialog.start_button.isEnabled() and not dialog.cancel_button.isEnabled()
    # The counts are shown once, in the footer; the status line says what happened.
    assert dialog.counts_label.text() == "3 open · 1 closed · 0 filtered"
    assert dialog.status_label.text().startswith("Scanned 127.0.0.1 in ")
    assert "open" not in dialog.status_label.text()
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
    assert child.port in report.hosts[0].open_ports
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
    banners = {row[0]: row[BANNER] for row in table_rows(dialog)}
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
    dialog.host_edit.setText("bad host!")
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert not dialog.running  # refused at once, before any process starts
    assert "'bad host!' is not a valid host name" in dialog.status_label.text()
    dialog.host_edit.setText("<b>bold</b>")  # what the user typed is shown as typed
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.status_label.textFormat() == Qt.TextFormat.PlainText
    assert dialog.status_label.text().startswith("'<b>bold</b>' is not a CIDR block")
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


@pytest.mark.linux_only
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
        assert dialog.last_report.hosts[0].closed == (1,)
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
    win.dialogs.scan.close()
    win.close()


# --- live results, cancel, the worker process ----------------------------------------------


def open_rows(dialog) -> set[str]:
    return {row[0] for row in table_rows(dialog) if row[1] == "open"}


def test_open_ports_show_as_found_and_cancel_keeps_them(
    qtbot,
    dialog,
    spawn_listener,
    stuffed_port,  # noqa: F811
):
    """A full scan of 127.0.0.1: the listeners' rows appear while it runs (each one
    checked against the kernel's listening table first), and Cancel keeps them."""
    import psutil

    from tests.core.test_scan import ListeningSampler

    child = spawn_listener([("tcp", "127.0.0.1", 0)] * 2)
    wanted = {f"{port}/tcp" for port in child.ports}
    dialog.host_edit.setText("127.0.0.1")
    dialog.preset_combo.setCurrentIndex(2)  # all ports
    dialog.timeout_spin.setValue(30)  # the stuffed port keeps the scan going for 45 s
    with ListeningSampler() as listening:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: wanted <= open_rows(dialog), timeout=30000)
        assert dialog.running  # shown while the scan still runs
        workers = [p for p in psutil.Process().children()
                   if scan_worker.FLAG in p.cmdline()]  # fmt: skip
        assert len(workers) == 1  # the scan runs in a process of its own, not in the window's
        qtbot.waitUntil(lambda: dialog.model.counts()["closed"] > 30000, timeout=30000)
        with qtbot.waitSignal(dialog.scan_finished, timeout=20000) as finished:
            qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    report = finished.args[0]
    assert report.cancelled
    host = report.hosts[0]
    assert set(child.ports) <= set(host.open_ports)
    assert set(host.open_ports) <= listening.seen  # no false open, early or late
    assert wanted <= open_rows(dialog)  # still listed after Cancel
    assert len(open_rows(dialog)) == len(host.open)
    counts = dialog.model.counts()
    assert counts["open"] == len(host.open) and counts["closed"] == len(host.closed) > 30000
    assert dialog.counts_label.text().startswith(f"{len(host.open)} open · ")
    assert dialog.status_label.text().startswith("Cancelled after ")
    assert stuffed_port not in host.closed  # it never answered: not scanned, not closed
    assert dialog.export_json_button.isEnabled()  # what was found can be exported
    qtbot.waitUntil(lambda: not workers[0].is_running() or workers[0].status() == "zombie",
                    timeout=10000)  # fmt: skip


def test_open_ports_of_this_machine_name_their_process(qtbot, dialog, spawn_listener):
    child = spawn_listener()
    run_scan(qtbot, dialog, "127.0.0.1", str(child.port))
    [row] = table_rows(dialog)
    assert row[PROCESS].endswith(f"(PID {child.pid})")
    assert row[PROCESS].startswith("python")


def test_headers_are_left_aligned_like_the_main_table(dialog):
    header = dialog.results_table.header()
    assert header.defaultAlignment() & Qt.AlignmentFlag.AlignLeft
    assert [dialog.model.headerData(i, Qt.Orientation.Horizontal) for i in range(5)] == [
        "Port", "State", "Service", "Process", "Banner"
    ]  # fmt: skip


def test_hostile_banner_is_plain_text_in_the_table_tooltip_and_export(
    qtbot,
    dialog,
    service_child,  # noqa: F811
    tmp_path,
):
    hostile = service_child("hostile")
    dialog.banners_check.setChecked(True)
    run_scan(qtbot, dialog, "127.0.0.1", str(hostile))
    [row] = table_rows(dialog)
    assert row[BANNER] == HOSTILE_BANNER
    cell = dialog.model.index(0, BANNER)
    # The tooltip is escaped rich text (style.plain_tip): it shows the banner as typed.
    document = QTextDocument()
    document.setHtml(cell.data(Qt.ItemDataRole.ToolTipRole))
    assert document.toPlainText() == HOSTILE_BANNER
    with qtbot.waitSignal(dialog.save_results(str(tmp_path / "scan.csv")).finished):
        pass
    text = (tmp_path / "scan.csv").read_text()
    assert "\x1b" not in text and "\x07" not in text and HOSTILE_BANNER in text


def test_a_low_descriptor_limit_is_said_once_and_the_scan_uses_what_there_is(
    qtbot, dialog, spawn_listener, monkeypatch
):
    """Under `ulimit -n 64` (prlimit on the worker) the scan still runs, more slowly, and
    the dialog says why and how to raise the limit."""
    child = spawn_listener()
    started = scan_worker.command
    monkeypatch.setattr(scan_worker, "command", lambda: ["prlimit", "--nofile=64:64", *started()])
    report = run_scan(qtbot, dialog, "127.0.0.1", f"1-3000,{child.port}", timeout=60000)
    assert child.port in report.hosts[0].open_ports
    assert report.hosts[0].scanned == len({*range(1, 3001), child.port})
    status = dialog.status_label.text()
    assert status.count("Only 64 open files are allowed here (ulimit -n)") == 1
    assert "ulimit -n 65536" in status
    in_flight = int(status.split("keeps ")[1].split()[0])
    assert 1 < in_flight < 64  # what is available, not one at a time


# --- the licence ---------------------------------------------------------------------------


def test_an_open_dialog_stops_scanning_when_the_licence_is_removed(qtbot, licensed):
    entitlements = Entitlements()
    dialog = make_dialog(qtbot, entitlements)
    dialog.show()
    dialog.host_edit.setText("127.0.0.1")
    entitlements.remove()  # Help → Remove Licence while the dialog is open
    with qtbot.waitSignal(entitlements.unlock_requested) as asked:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert asked.args == ["remote_scan"]
    assert not dialog.running
    assert "paid feature" in dialog.status_label.text()


def test_a_licence_removed_elsewhere_is_caught_by_the_scan_itself(qtbot, licensed, refused_port):
    """Another window or `portie license remove` deleted the key: the dialog still thinks
    it is unlocked, but the scan worker reads the key on disk and refuses."""
    entitlements = Entitlements()
    dialog = make_dialog(qtbot, entitlements)
    dialog.show()
    assert LicenseStore().remove()
    assert entitlements.unlocked  # the dialog has not heard of it
    dialog.host_edit.setText("127.0.0.1")
    dialog.ports_edit.setText(str(refused_port))
    with qtbot.waitSignal(dialog.scan_finished, timeout=20000) as finished:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert finished.args == [None]
    assert "This is a paid feature" in dialog.status_label.text()
    assert dialog.model.host_count() == 0
    qtbot.waitUntil(lambda: not entitlements.unlocked, timeout=10000)  # and now every part has
    dialog.pool.waitForDone(10000)


# --- many hosts and the history ------------------------------------------------------------


def test_many_hosts_are_grouped_per_host_with_progress_in_hosts_and_ports(
    qtbot,
    dialog,
    two_hosts,  # noqa: F811
):
    second, third, ports = two_hosts
    spec = ",".join(map(str, ports))
    report = run_scan(qtbot, dialog, "127.0.0.0/29", spec)
    assert [h.state for h in report.hosts] == ["up"] * 8
    hosts = table_rows(dialog)
    assert [row[:2] for row in hosts] == [(address, "up") for address in ADDRESSES]
    assert hosts[2][2] == "1 open · 1 closed · 0 filtered"
    assert hosts[0][2] == "0 open · 2 closed · 0 filtered"
    model = dialog.model
    assert table_rows(dialog, model.index(2, 0))[0][:2] == (f"{second.port}/tcp", "open")
    assert table_rows(dialog, model.index(3, 0))[0][:2] == (f"{third.port}/tcp", "open")
    assert table_rows(dialog, model.index(0, 0)) == []  # closed ports only when asked
    assert dialog.results_table.isExpanded(model.index(2, 0))  # hosts with open ports open
    assert dialog.progress_bar.text() == "8 of 8 hosts · 16 of 16 ports"
    assert dialog.counts_label.text() == "2 open · 14 closed · 0 filtered"
    assert dialog.status_label.text().startswith("Scanned 8 hosts (8 up) in ")
    dialog.show_all_check.setChecked(True)
    assert [row[1] for row in table_rows(dialog, model.index(0, 0))] == ["closed", "closed"]


def test_the_dialog_says_what_changed_and_reopens_and_exports_past_scans(
    qtbot,
    dialog,
    two_hosts,  # noqa: F811
    holders,  # noqa: F811
    tmp_path,
):
    second, _third, ports = two_hosts
    spec = ",".join(map(str, ports))
    run_scan(qtbot, dialog, "127.0.0.0/29", spec)
    assert dialog.changes_label.text() == (
        "First scan of 127.0.0.0/29: nothing earlier to compare with."
    )
    second.stop()
    holders.hold("127.0.0.2", second.port)
    run_scan(qtbot, dialog, "127.0.0.0/29", spec)
    assert dialog.changes_label.isVisible()
    assert dialog.changes_label.text() == f"127.0.0.2: closed since last scan: {second.port}/tcp"
    qtbot.waitUntil(lambda: dialog.history_combo.count() == 3, timeout=10000)  # "Past scans…"
    labels = [dialog.history_combo.itemText(i) for i in (1, 2)]  # newest first
    assert labels[0].endswith("· 127.0.0.0/29 · " + spec + " · 1 open")
    assert labels[1].endswith("· 127.0.0.0/29 · " + spec + " · 2 open")

    first = dialog.history_combo.itemData(2)
    with qtbot.waitSignal(dialog.reopen(first).finished, timeout=10000):
        pass
    assert dialog.status_label.text().startswith("Reopened the scan of 127.0.0.0/29 from ")
    assert table_rows(dialog, dialog.model.index(2, 0))[0][:2] == (f"{second.port}/tcp", "open")
    assert not dialog.changes_label.isVisible()
    with qtbot.waitSignal(dialog.save_results(str(tmp_path / "past.json")).finished) as saved:
        pass
    assert saved.args == [16]
    rows = json.loads((tmp_path / "past.json").read_text())
    assert [(r["host"], r["address"]) for r in rows[::2]] == [(a, a) for a in ADDRESSES]
    assert {(r["address"], r["port"]) for r in rows if r["state"] == "open"} == {
        ("127.0.0.2", second.port), ("127.0.0.3", _third.port)
    }  # fmt: skip


def test_a_large_sweep_asks_first_and_a_huge_one_is_refused(qtbot, dialog):
    dialog.host_edit.setText("10.0.0.0/15")
    dialog.ports_edit.setText("1")
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "131,072 addresses; Portie scans at most 65,536" in dialog.status_label.text()
    assert not dialog.running and not dialog.confirm_frame.isVisible()

    dialog.host_edit.setText("127.0.2.0/23")  # 512 addresses
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.confirm_frame.isVisible() and not dialog.running
    assert (
        dialog.confirm_label.text() == "127.0.2.0/23 is 512 addresses (512 probes). Scan them all?"
    )
    qtbot.mouseClick(dialog.confirm_cancel, Qt.MouseButton.LeftButton)
    assert not dialog.confirm_frame.isVisible() and not dialog.running
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.scan_finished, timeout=30000) as finished:
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    report = finished.args[0]
    assert len(report.hosts) == 512 and report.host_counts()["up"] == 512
    assert dialog.model.host_count() == 512


def test_quitting_mid_scan_ends_the_worker(qtbot, dialog, stuffed_port):  # noqa: F811
    """The app quits while a scan waits on a silent port: its worker process is ended."""
    import psutil

    dialog.host_edit.setText("127.0.0.1")
    dialog.ports_edit.setText(str(stuffed_port))
    dialog.timeout_spin.setValue(30)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)

    def worker():
        found = [p for p in psutil.Process().children() if scan_worker.FLAG in p.cmdline()]
        return found[0] if found else None

    qtbot.waitUntil(lambda: worker() is not None, timeout=10000)
    running = worker()
    QApplication.instance().aboutToQuit.emit()  # what app.quit() sends first
    assert not running.is_running() or running.status() == psutil.STATUS_ZOMBIE
