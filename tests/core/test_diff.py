"""diff(): identity across refreshes, state and owner changes."""

from __future__ import annotations

import time

from portie_qt.core.endpoints import Endpoint, Snapshot, diff


def ep(port=5000, state="LISTEN", pid=10, remote=None, protocol="tcp"):
    raddr, rport = remote if remote else (None, None)
    return Endpoint(protocol, "ipv4", "127.0.0.1", port, raddr, rport, state, pid, "p", "u", 1.0)


def snap(*endpoints):
    return Snapshot(tuple(endpoints), time.time())


def test_first_diff_adds_everything():
    d = diff(None, snap(ep(1), ep(2)))
    assert len(d.added) == 2 and not d.removed and not d.changed


def test_unchanged_endpoint_keeps_identity_and_is_not_reported():
    a = snap(ep(1), ep(2))
    b = snap(ep(2), ep(1))  # order does not matter
    assert diff(a, b).empty


def test_state_change_is_a_change_not_remove_plus_add():
    conn = ep(40000, "ESTABLISHED", remote=("127.0.0.1", 80))
    closing = conn._replace(state="TIME_WAIT", pid=None, process=None)
    d = diff(snap(conn), snap(closing))
    assert not d.added and not d.removed
    [(old, new)] = d.changed.values()
    assert old.state == "ESTABLISHED" and new.state == "TIME_WAIT"


def test_owner_change_on_same_port_is_a_change():
    d = diff(snap(ep(3000, pid=812)), snap(ep(3000, pid=1204)))
    [(old, new)] = d.changed.values()
    assert (old.pid, new.pid) == (812, 1204)


def test_added_and_removed():
    d = diff(snap(ep(1), ep(2)), snap(ep(2), ep(3)))
    assert [e.local_port for e in d.added.values()] == [3]
    assert [e.local_port for e in d.removed.values()] == [1]


def test_duplicate_keys_are_all_kept():
    # SO_REUSEPORT: two processes on the same address and port.
    s = snap(ep(8000, pid=1), ep(8000, pid=2))
    assert len(s.keyed()) == 2
    assert diff(s, snap(ep(8000, pid=1), ep(8000, pid=2))).empty
    d = diff(s, snap(ep(8000, pid=1)))
    assert len(d.removed) == 1
