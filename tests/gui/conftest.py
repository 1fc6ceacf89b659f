"""A real main window per test, refreshing fast, closed (worker stopped) afterwards."""

from __future__ import annotations

import pytest

from portie_qt.models import ENDPOINT_ROLE


@pytest.fixture
def window(qtbot):
    from portie_qt.app import create_main_window

    win = create_main_window(start=False)
    qtbot.addWidget(win)
    win.set_interval(500)
    win.resize(1200, 700)
    win.show()
    win.start()
    qtbot.waitUntil(lambda: win.refresh_count >= 1, timeout=10000)
    yield win
    win.close()
    win.worker.stop()


def visible_endpoints(win):
    proxy = win.proxy
    return [proxy.index(r, 0).data(ENDPOINT_ROLE) for r in range(proxy.rowCount())]


def rows_for(win, pid=None, port=None):
    return [
        e
        for e in visible_endpoints(win)
        if (pid is None or e.pid == pid) and (port is None or e.local_port == port)
    ]


def wait_refreshes(qtbot, win, n=1, timeout=10000):
    target = win.refresh_count + n
    qtbot.waitUntil(lambda: win.refresh_count >= target, timeout=timeout)
