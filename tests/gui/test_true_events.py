"""True events in the real window: reads of the socket tables that miss a live listener
(injected at the kernel-table source, as churn elsewhere causes them) change nothing a
user sees, and a real stop still shows within two refreshes."""

from __future__ import annotations

import pytest

from portie_qt.core import sockets_linux as kernel
from portie_qt.ports_model import ENDPOINT_ROLE, NEW_ROLE
from tests.gui.conftest import count_refreshes, rows_for, wait_refreshes

pytestmark = pytest.mark.linux_only  # sock_diag


def _row_index(window, port):
    proxy = window.ports.model
    for row in range(proxy.rowCount()):
        index = proxy.index(row, 0)
        endpoint = index.data(ENDPOINT_ROLE)
        if endpoint is not None and endpoint.local_port == port and endpoint.listening:
            return index
    return None


def test_missed_reads_change_nothing_a_user_sees(qtbot, window, monkeypatch, spawn_listener):
    collector = window.loop.worker.collector
    if collector.source == "psutil":
        pytest.fail("this test injects misses at the kernel's socket tables (Linux)")
    child = spawn_listener()
    port = child.port
    qtbot.waitUntil(lambda: bool(rows_for(window, port=port, pid=child.pid)), timeout=5000)
    assert window.watch.watch_port(str(port)) == ""
    wait_refreshes(qtbot, window, 2)  # the row's "new" highlight has faded
    [row] = [e for e in rows_for(window, port=port, pid=child.pid) if e.listening]

    misses = {"left": 0}
    real = kernel.netlink_rows if collector.source == "sock_diag" else kernel.proc_rows

    def missing_the_child(*args, listeners_only=False, **kwargs):
        tables = real(*args, listeners_only=listeners_only, **kwargs)
        if listeners_only or misses["left"] <= 0:
            return tables
        misses["left"] -= 1
        return [[r for r in rows if kernel.parts_of(r)[2] != row.inode] for rows in tables]

    monkeypatch.setattr(kernel, "netlink_rows", missing_the_child)
    monkeypatch.setattr(kernel, "proc_rows", missing_the_child)
    events, statuses, highlighted, absent = [], [], [], []
    window.watch.events_recorded.connect(events.extend)

    def look(_refresh) -> None:
        statuses.append(window.watch.watched.status_text(port))
        shown = rows_for(window, port=port, pid=child.pid)
        absent.append(not shown)
        index = _row_index(window, port)
        highlighted.append(bool(index is not None and index.data(NEW_ROLE)))

    window.refresh_applied.connect(look)
    misses["left"] = 3
    qtbot.waitUntil(lambda: misses["left"] == 0, timeout=10_000)
    wait_refreshes(qtbot, window, 1)
    assert statuses and not any(absent), absent
    assert not any(highlighted), highlighted
    assert all(text.startswith("in use by") for text in statuses), statuses
    assert [e for e in events if e.port == port and child.pid in (e.pid, e.previous_pid)] == []

    refreshes = count_refreshes(window)
    child.stop()
    qtbot.waitUntil(lambda: not rows_for(window, port=port, pid=child.pid), timeout=5000)
    assert len(refreshes) <= 2  # a real stop shows on the next refresh or the one after
    qtbot.waitUntil(lambda: window.watch.watched.status_text(port) == "free", timeout=5000)
    stops = [e for e in events if e.port == port and e.pid == child.pid]
    assert [e.kind for e in stops] == ["listen_stopped"]
