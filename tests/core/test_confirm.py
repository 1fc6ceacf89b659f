"""Confirmed snapshots: a listener one read missed is confirmed by a second look before
anything reports it gone, a real stop is reported within two refreshes, an owner that
flickers keeps its owner, and bursts are one event. Real listeners throughout; where a
read must miss, the miss is injected at the kernel-table source, once."""

from __future__ import annotations

import psutil
import pytest

from portie_qt.core import sockets_linux as kernel
from portie_qt.core.activity import LISTEN_STARTED, LISTEN_STOPPED, events_from_diff
from portie_qt.core.collector import Collector
from portie_qt.core.confirm import Confirmer
from portie_qt.core.endpoints import OWNER_OUTSIDE, OWNER_PENDING, diff
from portie_qt.core.ports import port_ranges
from tests.listeners import wait_until

pytestmark = pytest.mark.linux_only  # sock_diag


class Misses:
    """Drops the given inodes from the next ``times`` full reads of the socket tables
    (what a read racing other sockets' churn can do); second looks read the truth."""

    def __init__(self, monkeypatch, collector: Collector) -> None:
        self.inodes: set[int] = set()
        self.times = 0
        real = kernel.netlink_rows if collector.source == "sock_diag" else kernel.proc_rows

        def rows(*args, listeners_only=False, **kwargs):
            found = real(*args, listeners_only=listeners_only, **kwargs)
            if listeners_only or self.times <= 0:
                return found
            self.times -= 1
            return [[row for row in rows if kernel.parts_of(row)[2] not in self.inodes]
                    for rows in found]  # fmt: skip

        monkeypatch.setattr(kernel, "netlink_rows", rows)
        monkeypatch.setattr(kernel, "proc_rows", rows)

    def drop(self, inodes, times: int = 1) -> None:
        self.inodes, self.times = set(inodes), times


def _on(snapshot, port):
    """The test listener's socket (TCP on 127.0.0.1: another test may use the same port
    number on ::1 or for UDP)."""
    return [e for e in snapshot.endpoints if e.local_port == port and e.listening
            and e.protocol == "tcp" and e.local_address == "127.0.0.1"]  # fmt: skip


def _events_on(before, after, port):
    return [e for e in events_from_diff(diff(before, after))
            if e.port == port and e.protocol == "tcp" and "127.0.0.1" in e.address]  # fmt: skip


@pytest.fixture
def pipeline():
    collector = Collector()
    if collector.source == "psutil":
        pytest.fail("these tests read the kernel's socket tables (Linux)")
    return collector, Confirmer(collector)


def test_a_listener_one_read_missed_is_kept_after_a_second_look(monkeypatch, pipeline,
                                                                spawn_listener):  # fmt: skip
    collector, confirmer = pipeline
    misses = Misses(monkeypatch, collector)
    child = spawn_listener()
    before = confirmer.collect()
    [held] = _on(before, child.port)
    misses.drop({held.inode})
    raw = collector.collect()
    assert not _on(raw, child.port)  # the first read missed it…
    after = confirmer.confirm(raw)
    assert _on(after, child.port) == [held]  # …the second look found it: not gone
    assert _events_on(before, after, child.port) == []
    assert diff(before, after).removed == {}


def test_a_real_stop_is_reported_within_two_refreshes(pipeline, spawn_listener):
    _collector, confirmer = pipeline
    child = spawn_listener()
    before = confirmer.collect()
    assert _on(before, child.port)
    child.stop()  # killed and reaped: its socket is closed
    refreshes = []

    def gone() -> bool:
        refreshes.append(confirmer.collect())
        return not _on(refreshes[-1], child.port)

    assert wait_until(gone, timeout=5)
    assert len(refreshes) <= 2  # Linux: the next refresh, thanks to the second look
    stops = _events_on(before, refreshes[-1], child.port)
    assert [e.kind for e in stops] == [LISTEN_STOPPED]


def test_without_a_second_look_a_missing_listener_waits_one_refresh(monkeypatch,
                                                                    spawn_listener):  # fmt: skip
    # Where the platform has no cheap second look (psutil), the next refresh is it.
    real = psutil.net_connections
    hidden: set[int] = set()

    def without_hidden(kind="inet"):
        return [c for c in real(kind) if c.laddr.port not in hidden]

    monkeypatch.setattr(psutil, "net_connections", without_hidden)
    confirmer = Confirmer(Collector())
    assert confirmer.collector.source == "psutil"
    child = spawn_listener()
    before = confirmer.collect()
    hidden.add(child.port)
    once = confirmer.collect()
    assert len(_on(once, child.port)) == 1  # held: one miss is not a stop
    assert _events_on(before, once, child.port) == []
    twice = confirmer.collect()
    assert _on(twice, child.port) == []  # confirmed by the second refresh
    assert [e.kind for e in _events_on(once, twice, child.port)] == [LISTEN_STOPPED]
    hidden.clear()
    back = confirmer.collect()
    assert [e.kind for e in _events_on(twice, back, child.port)] == [LISTEN_STARTED]


def test_an_owner_not_found_for_one_look_keeps_its_owner(monkeypatch, pipeline, spawn_listener):
    collector, confirmer = pipeline
    child = spawn_listener()
    before = confirmer.collect()
    [held] = _on(before, child.port)
    real = kernel.socket_holders
    looks = {"left": 2}  # the first walk and the second look both miss it

    def without_child():
        found = real()
        if looks["left"] > 0:
            looks["left"] -= 1
            found.first.pop(held.inode, None)
        return found

    monkeypatch.setattr(kernel, "socket_holders", without_child)
    raw = collector.collect()
    [flicker] = _on(raw, child.port)
    assert flicker.pid is None and flicker.owner_status in (OWNER_PENDING, OWNER_OUTSIDE)
    after = confirmer.confirm(raw)
    assert _on(after, child.port) == [held]  # still its owner's
    assert _events_on(before, after, child.port) == []


def test_a_new_socket_whose_owner_is_not_yet_known_waits_a_refresh(monkeypatch, pipeline,
                                                                   spawn_listener):  # fmt: skip
    _collector, confirmer = pipeline
    before = confirmer.collect()
    child = spawn_listener()
    real = kernel.socket_holders
    looks = {"left": 2}

    def not_yet():
        found = real()
        if looks["left"] > 0:
            looks["left"] -= 1
            for inode in [i for i, pid in found.first.items() if pid == child.pid]:
                del found.first[inode]
        return found

    monkeypatch.setattr(kernel, "socket_holders", not_yet)
    first = confirmer.collect()
    assert _on(first, child.port) == []  # not shown as "(owner not yet known)" news
    second = confirmer.collect()
    [row] = _on(second, child.port)
    assert row.pid == child.pid
    events = _events_on(before, first, child.port) + _events_on(first, second, child.port)
    assert [(e.kind, e.pid) for e in events] == [(LISTEN_STARTED, child.pid)]


def test_a_burst_of_listeners_is_one_event(pipeline, spawn_listener):
    _collector, confirmer = pipeline
    before = confirmer.collect()
    child = spawn_listener([("tcp", "127.0.0.1", 0)] * 25)
    after = confirmer.collect()
    assert len([e for e in after.endpoints if e.pid == child.pid]) == 25
    mine = [e for e in events_from_diff(diff(before, after)) if e.pid == child.pid]
    assert len(mine) == 1
    [event] = mine
    assert event.kind == LISTEN_STARTED and event.count == 25
    ports = sorted(child.ports)
    assert event.port == ports[0]
    assert f"opened 25 TCP listeners on ports {port_ranges(ports)}" in event.message
    child.stop()
    assert wait_until(lambda: not [e for e in confirmer.collect().endpoints
                                   if e.pid == child.pid], timeout=5)  # fmt: skip


def test_port_ranges_reads_like_people_write_them():
    assert port_ranges(list(range(4100, 4125))) == "4100–4124"
    assert port_ranges([80, 443, 8000, 8001, 8002]) == "80, 443, 8000–8002"
    assert port_ranges([1, 3, 5, 7, 9, 11, 13, 15]) == "1, 3, 5, 7, 9, … 15"
