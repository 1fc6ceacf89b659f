"""collect(): real listeners in child processes show up with owner, band and service."""

from __future__ import annotations

import socket

import psutil
import pytest

from portie_qt.core.collector import Collector, collect
from portie_qt.core.endpoints import BOUND, LISTEN
from portie_qt.core.ranges import Band
from tests.listeners import wait_until


def _find(snapshot, port, protocol="tcp", family=None):
    return [
        e
        for e in snapshot.endpoints
        if e.local_port == port
        and e.protocol == protocol
        and (family is None or e.family == family)
        and e.listening
    ]


def test_real_listeners_appear_with_owner_and_vanish_after_exit(spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("tcp", "::1", 0), ("udp", "127.0.0.1", 0)])
    tcp4, tcp6, udp4 = child.ports
    snapshot = collect()
    name = psutil.Process(child.pid).name()
    for port, protocol, family, state in (
        (tcp4, "tcp", "ipv4", LISTEN),
        (tcp6, "tcp", "ipv6", LISTEN),
        (udp4, "udp", "ipv4", BOUND),
    ):
        [endpoint] = _find(snapshot, port, protocol, family)
        assert endpoint.pid == child.pid
        assert endpoint.process == name
        assert endpoint.state == state
        assert endpoint.user == psutil.Process(child.pid).username()
        assert endpoint.create_time == psutil.Process(child.pid).create_time()
        assert endpoint.band is (Band.DYNAMIC if port >= 49152 else Band.REGISTERED)
    child.stop()
    assert wait_until(lambda: not _find(collect(), tcp4), timeout=5)
    after = collect()
    assert not _find(after, tcp6, "tcp", "ipv6")
    assert not _find(after, udp4, "udp")


def test_known_port_gets_service_label(spawn_listener):
    # 5173 may be in use on a developer machine; only assert when we could bind it.
    probe = socket.socket()
    try:
        probe.bind(("127.0.0.1", 5173))
    except OSError:
        pytest.fail("port 5173 is busy on this machine; the test needs it free")
    finally:
        probe.close()
    spawn_listener([("tcp", "127.0.0.1", 5173)])
    [endpoint] = _find(collect(), 5173)
    assert endpoint.service == "Vite dev server"
    assert endpoint.as_dict()["range"] == "registered"


def test_established_connection_has_remote_side(spawn_listener):
    child = spawn_listener()
    with socket.create_connection(("127.0.0.1", child.port)) as client:
        local_port = client.getsockname()[1]
        snapshot = collect()
    mine = [e for e in snapshot.endpoints if e.local_port == local_port and e.protocol == "tcp"]
    assert mine and mine[0].remote_port == child.port and mine[0].remote_address == "127.0.0.1"
    assert mine[0].state == "ESTABLISHED"


def test_process_details_are_cached_by_pid_and_create_time(spawn_listener, monkeypatch):
    child = spawn_listener()
    collector = Collector()
    collector.collect()
    asked = []
    real_name = psutil.Process.name

    def counting_name(self):
        asked.append(self.pid)
        return real_name(self)

    monkeypatch.setattr(psutil.Process, "name", counting_name)
    collector.collect()
    assert child.pid not in asked  # same (pid, create_time): served from the cache


def test_vanished_process_mid_refresh_keeps_the_socket(monkeypatch, spawn_listener):
    child = spawn_listener()

    def gone(self):
        raise psutil.NoSuchProcess(self.pid)

    monkeypatch.setattr(psutil.Process, "create_time", gone)
    snapshot = Collector().collect()
    [endpoint] = _find(snapshot, child.port)
    assert endpoint.pid == child.pid and endpoint.process is None


def test_access_denied_on_system_call_falls_back_and_says_why(monkeypatch, spawn_listener):
    # What macOS does without root (psutil #1219): fall back to per-process sockets.
    child = spawn_listener()

    def denied(kind="inet"):
        raise psutil.AccessDenied()

    monkeypatch.setattr(psutil, "net_connections", denied)
    snapshot = Collector().collect()
    assert snapshot.limited
    assert "root" in snapshot.notice or "Administrator" in snapshot.notice
    assert [e.pid for e in _find(snapshot, child.port)] == [child.pid]


def test_hidden_owners_without_root_are_kept_with_a_notice(monkeypatch, spawn_listener):
    child = spawn_listener()
    real = psutil.net_connections

    def others_hidden(kind="inet"):  # what a non-root user sees for others' sockets
        return [c._replace(pid=None) if c.pid == child.pid else c for c in real(kind)]

    monkeypatch.setattr(psutil, "net_connections", others_hidden)
    collector = Collector()
    collector.admin = False
    snapshot = collector.collect()
    [endpoint] = _find(snapshot, child.port)
    assert endpoint.pid is None and endpoint.process is None
    assert snapshot.limited and snapshot.hidden_owners >= 1
    assert "hidden" in snapshot.notice
