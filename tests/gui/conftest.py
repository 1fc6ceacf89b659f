"""A real main window per test, refreshing fast, closed (worker stopped) afterwards."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel

from portie_qt.ports_model import ENDPOINT_ROLE


@pytest.fixture
def window(qtbot):
    from portie_qt.app import create_main_window

    win = create_main_window(start=False)
    qtbot.addWidget(win)
    win.loop.set_interval(500)
    win.resize(1200, 700)
    win.show()
    with qtbot.waitSignal(win.refresh_applied, timeout=10000):
        win.start()
    yield win
    win.close()
    win.loop.stop()


def visible_endpoints(win):
    """The rows as the view shows them, read through the model's Qt interface."""
    model = win.ports.model
    return [model.index(r, 0).data(ENDPOINT_ROLE) for r in range(model.rowCount())]


def select_rows(win, predicate) -> list:
    """Select the table's rows whose endpoint ``predicate`` accepts (the last one current),
    as a user's clicks do; their endpoints."""
    model, table = win.ports.model, win.ports.table
    selection = table.selectionModel()
    selection.clearSelection()
    chosen = []
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        endpoint = index.data(ENDPOINT_ROLE)
        if predicate(endpoint):
            flags = QItemSelectionModel.SelectionFlag.Select
            selection.select(index, flags | QItemSelectionModel.SelectionFlag.Rows)
            table.setCurrentIndex(index)
            chosen.append(endpoint)
    return chosen


def rows_for(win, pid=None, port=None):
    return [
        e
        for e in visible_endpoints(win)
        if (pid is None or e.pid == pid) and (port is None or e.local_port == port)
    ]


def wait_refreshes(qtbot, win, n=1, timeout=10000):
    """Wait until ``n`` more refreshes have been applied."""
    for _ in range(n):
        with qtbot.waitSignal(win.refresh_applied, timeout=timeout):
            pass


def count_refreshes(win) -> list:
    """A list that grows by one per applied refresh (for 'within two refreshes' checks)."""
    seen: list = []
    win.refresh_applied.connect(seen.append)
    return seen
