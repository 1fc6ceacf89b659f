"""The ports model under many synthetic refreshes, checked by Qt's own model tester and
against a plain sorted list of the same endpoints."""

from __future__ import annotations

import random

from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from portie_qt.core.endpoints import Endpoint, Snapshot, diff
from portie_qt.core.filtering import FilterCriteria
from portie_qt.ports_model import ENDPOINT_ROLE, PORT, PortFilterProxy, PortTableModel

STATES = ("LISTEN", "ESTABLISHED", "TIME_WAIT", "CLOSE_WAIT", "BOUND")


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


def _snapshots(count: int, seed: int = 12):
    rng = random.Random(seed)
    ports = rng.sample(range(1, 65536), 4000)
    current = {p: _endpoint(rng, p) for p in ports[:16]}
    spare = ports[16:]
    for _ in range(count):
        for port in rng.sample(sorted(current), min(len(current), rng.randint(0, 2))):
            del current[port]  # removed
        for port in rng.sample(sorted(current), min(len(current), rng.randint(0, 2))):
            current[port] = _endpoint(rng, port)  # changed state or owner
        for _ in range(rng.randint(0, 2)):
            port = spare.pop()
            current[port] = _endpoint(rng, port)  # added
        yield Snapshot(endpoints=tuple(current.values()), taken_at=0.0)


def test_500_diffs_keep_the_model_valid_and_equal_to_a_sorted_list(qtbot):
    model = PortTableModel()
    proxy = PortFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(PORT, Qt.SortOrder.AscendingOrder)
    proxy.set_criteria(FilterCriteria(listening_only=False))
    # Qt's own checks of every signal and index; a broken rule is a Qt warning, and
    # Qt warnings fail the test (pytest-qt's qt_log_level_fail).
    tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)
    previous = None
    for step, snapshot in enumerate(_snapshots(500)):
        if step == 250:  # a filter change half-way: the proxy follows it
            proxy.set_criteria(FilterCriteria(listening_only=True))
        model.apply(diff(previous, snapshot))
        previous = snapshot
        everything = sorted(snapshot.endpoints, key=lambda e: e.local_port)
        assert sorted(model.rows, key=lambda e: e.local_port) == everything, step
        expected = [e for e in everything if step < 250 or e.listening]
        shown = [proxy.index(r, 0).data(ENDPOINT_ROLE) for r in range(proxy.rowCount())]
        assert shown == expected, step
    assert tester is not None
