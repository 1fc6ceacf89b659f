"""The ports model under many synthetic refreshes, checked by Qt's own model tester and
against a plain sorted list of the same endpoints."""

from __future__ import annotations

import random

from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester

from portie_qt.core.endpoints import Endpoint, Snapshot, diff
from portie_qt.core.filtering import FilterCriteria
from portie_qt.ports_model import ENDPOINT_ROLE, PID, PORT, SLICE, STATE, PortTableModel

STATES = ("LISTEN", "ESTABLISHED", "TIME_WAIT", "CLOSE_WAIT", "BOUND")
# Plain sort keys, written independently of the model's: numbers as numbers.
PLAIN_KEYS = {
    PORT: lambda e: e.local_port,
    STATE: lambda e: e.state.lower(),
    PID: lambda e: -1 if e.pid is None else e.pid,
}
ASC, DESC = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
# (step, what changes): sorts and filters change while refreshes keep coming.
SCHEDULE = {
    100: ("sort", STATE, ASC),
    180: ("sort", PID, DESC),
    250: ("filter", FilterCriteria(listening_only=True)),
    320: ("sort", STATE, DESC),
    400: ("filter", FilterCriteria(text="proc11")),
    450: ("sort", PORT, ASC),
}


def _endpoint(rng: random.Random, port: int) -> Endpoint:
    state = rng.choice(STATES)
    protocol = "udp" if state == "BOUND" else "tcp"
    ipv6 = rng.random() < 0.3
    address = "::1" if ipv6 else "127.0.0.1"
    remote = None if state in ("LISTEN", "BOUND") else address
    pid = None if state == "TIME_WAIT" else rng.randint(100, 130)
    return Endpoint(protocol, "ipv6" if ipv6 else "ipv4", address, port, remote,
                    None if remote is None else rng.randint(1024, 65535), state, pid,
                    None if pid is None else f"proc{pid}", None, None)  # fmt: skip


def _snapshots(count: int, seed: int = 12, start: int = 16):
    rng = random.Random(seed)
    ports = rng.sample(range(1, 65536), 4000 + start)
    current = {p: _endpoint(rng, p) for p in ports[:start]}
    spare = ports[start:]
    for _ in range(count):
        for port in rng.sample(sorted(current), min(len(current), rng.randint(0, 2))):
            del current[port]  # removed
        for port in rng.sample(sorted(current), min(len(current), rng.randint(0, 2))):
            current[port] = _endpoint(rng, port)  # changed state or owner
        for _ in range(rng.randint(0, 2)):
            port = spare.pop()
            current[port] = _endpoint(rng, port)  # added
        yield Snapshot(endpoints=tuple(current.values()), taken_at=0.0)


def _shown(model) -> list[Endpoint]:
    return [model.index(r, 0).data(ENDPOINT_ROLE) for r in range(model.rowCount())]


def _expected(snapshot, arrival, criteria, column, order) -> list[Endpoint]:
    """A plain list: filtered, in arrival order, then stably sorted by the column."""
    keyed = snapshot.keyed()
    passing = [e for k, e in sorted(keyed.items(), key=lambda item: arrival[item[0]])
               if criteria.matches(e)]  # fmt: skip
    return sorted(passing, key=PLAIN_KEYS[column], reverse=order == DESC)


def test_500_diffs_keep_the_model_valid_and_equal_to_a_sorted_list(qtbot):
    model = PortTableModel()
    model.sort(PORT, ASC)
    # Qt's own checks of every signal and index; a broken rule is a Qt warning, and
    # Qt warnings fail the test (pytest-qt's qt_log_level_fail).
    tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)
    criteria, column, order = FilterCriteria(), PORT, ASC
    arrival: dict[tuple, int] = {}
    previous = None
    for step, snapshot in enumerate(_snapshots(500)):
        what = SCHEDULE.get(step)
        if what and what[0] == "sort":
            _kind, column, order = what
            model.sort(column, order)
        elif what:
            criteria = what[1]
            model.set_criteria(criteria)
        change = diff(previous, snapshot)
        for key in change.added:
            arrival[key] = len(arrival)
        model.apply(change)
        previous = snapshot
        assert not model.busy  # a few rows at a time go in at once
        assert sorted(model.all_rows) == sorted(snapshot.endpoints), step
        assert _shown(model) == _expected(snapshot, arrival, criteria, column, order), step
    assert tester is not None


def test_a_row_whose_sort_key_changes_moves_and_keeps_its_selection(qtbot):
    model = PortTableModel()
    model.sort(STATE, ASC)
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)
    rng = random.Random(3)
    first = Snapshot(tuple(_endpoint(rng, port) for port in range(1000, 1040)), 0.0)
    model.apply(diff(None, first))
    listener = next(e for e in _shown(model) if e.state == "LISTEN")
    held = QPersistentModelIndex(model.index(model.row_of(listener.key), 3))
    closing = listener._replace(state="CLOSE_WAIT")  # same socket, another state
    second = Snapshot(tuple(closing if e is listener else e for e in first.endpoints), 0.0)
    model.apply(diff(first, second))
    assert held.isValid() and held.column() == 3
    assert held.data(ENDPOINT_ROLE) == closing  # the persistent index followed the move
    shown = _shown(model)
    assert [e.state.lower() for e in shown] == sorted(e.state.lower() for e in shown)


def test_a_big_first_batch_goes_in_slice_by_slice_top_rows_first(qtbot):
    model = PortTableModel()
    model.sort(PORT, ASC)
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)
    snapshots = iter(_snapshots(3, seed=5, start=4 * SLICE))
    first = next(snapshots)
    model.apply(diff(None, first))
    everything = sorted(first.endpoints, key=lambda e: e.local_port)
    assert model.busy and model.rowCount() == SLICE  # the first slice is in at once
    assert _shown(model) == everything[:SLICE]  # the top of the table: what is visible
    assert model.accepted == len(everything) and model.total == len(everything)
    # A refresh while rows are still going in: it removes and changes waiting rows too.
    second = next(snapshots)
    model.apply(diff(first, second))
    model.sort(PORT, DESC)  # and the user sorts the other way meanwhile
    assert model.busy
    with qtbot.waitSignal(model.settled, timeout=10000):
        pass
    assert not model.busy
    assert _shown(model) == sorted(second.endpoints, key=lambda e: e.local_port, reverse=True)
