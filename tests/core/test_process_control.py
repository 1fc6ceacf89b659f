"""Stopping real child processes that hold real sockets, and refusing the wrong ones."""

from __future__ import annotations

import os
import signal
import sys

import psutil
import pytest

from portie_qt.core import process_control as pc
from portie_qt.core import stopping
from portie_qt.core.process_control import Result, Target
from tests.listeners import wait_until


def _target(child) -> Target:
    return pc.describe(child.pid, psutil.Process(child.pid).create_time())


def test_describe_names_the_process_and_all_its_ports(spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("udp", "127.0.0.1", 0)])
    target = _target(child)
    assert target.pid == child.pid
    assert target.name and target.name.startswith("python")
    assert target.user == psutil.Process().username()
    assert target.cmdline and target.cmdline[0] == sys.executable
    labels = {(p.protocol, p.port) for p in target.ports}
    assert {("tcp", child.ports[0]), ("udp", child.ports[1])} <= labels
    shown = {p.label for p in target.listening_ports}
    assert {f"TCP 127.0.0.1:{child.ports[0]}", f"UDP 127.0.0.1:{child.ports[1]}"} <= shown


def test_terminate_stops_a_listener_and_frees_its_port(spawn_listener):
    child = spawn_listener()
    outcome = pc.terminate(_target(child))
    assert outcome.result is Result.TERMINATED
    assert outcome.gone
    assert str(child.pid) in outcome.message
    assert wait_until(lambda: not child.alive(), timeout=5)
    assert not stopping.port_in_use(child.port)


@pytest.mark.linux_only
def test_terminate_times_out_on_a_process_ignoring_sigterm_then_kill_works(spawn_listener):
    child = spawn_listener(ignore_sigterm=True)
    target = _target(child)
    outcome = pc.terminate(target, timeout=0.5)
    assert outcome.result is Result.STILL_RUNNING
    assert "Kill" in outcome.message
    assert child.alive()
    killed = pc.kill(target)
    assert killed.result is Result.KILLED
    assert wait_until(lambda: not child.alive(), timeout=5)


def test_reused_pid_is_refused_and_the_process_left_alone(spawn_listener):
    child = spawn_listener()
    real = psutil.Process(child.pid).create_time()
    stale = Target(child.pid, real - 3600, "node", "alice")
    for act in (pc.terminate, pc.kill):
        outcome = act(stale)
        assert outcome.result is Result.PID_REUSED
        assert outcome.message.startswith(f"PID {child.pid} now belongs to a different process")
        assert "did not signal it" in outcome.message
    assert child.alive()


def test_unknown_start_time_is_never_signalled(spawn_listener):
    child = spawn_listener()
    outcome = pc.kill(Target(child.pid, None, "python3"))
    assert outcome.result is Result.REFUSED
    assert child.alive()


@pytest.mark.parametrize("pid", [0, 1])
def test_pid_0_and_1_are_refused(pid):
    outcome = pc.kill(Target(pid, 0.0))
    assert outcome.result is Result.REFUSED
    assert f"PID {pid}" in outcome.message


def test_portie_refuses_to_stop_itself():
    me = psutil.Process()
    outcome = pc.kill(Target(os.getpid(), me.create_time(), me.name()))
    assert outcome.result is Result.REFUSED
    assert "Portie itself" in outcome.message


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kernel threads are Linux's")
def test_kernel_threads_are_refused():
    kthreadd = psutil.Process(2)
    outcome = pc.kill(Target(2, kthreadd.create_time()))
    assert outcome.result is Result.REFUSED
    assert "kernel thread" in outcome.message


def test_a_process_that_already_exited_is_not_an_error(spawn_listener):
    child = spawn_listener()
    target = _target(child)
    child.stop()
    outcome = pc.terminate(target)
    assert outcome.result is Result.ALREADY_EXITED
    assert outcome.gone
    assert "already exited" in outcome.message


def test_permission_denied_names_the_owner_and_how_to_do_it(spawn_listener, monkeypatch):
    # This suite runs as root, which may signal anything: simulate the refusal the
    # kernel gives an ordinary user, at the point psutil would raise it.
    child = spawn_listener()
    target = Target(child.pid, psutil.Process(child.pid).create_time(), "postgres")

    def denied(self):
        raise psutil.AccessDenied(self.pid, "postgres")

    def refused(fd, signum, *args):
        if signum:  # signal 0 only asks whether it exists
            raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(psutil.Process, "terminate", denied)
    monkeypatch.setattr(psutil.Process, "kill", denied)
    monkeypatch.setattr(signal, "pidfd_send_signal", refused, raising=False)  # Linux path
    monkeypatch.setattr(psutil.Process, "username", lambda self: "postgres")
    outcome = pc.terminate(target)
    assert outcome.result is Result.PERMISSION_DENIED
    assert "belongs to postgres" in outcome.message
    assert f"sudo kill {child.pid}" in outcome.message
    assert f"sudo kill -9 {child.pid}" in pc.kill(target).message
    assert child.alive()


def test_processes_on_port_finds_the_listener_once(spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("tcp", "::1", 0)])
    found = stopping.processes_on_port(child.port)
    assert [t.pid for t in found] == [child.pid]
    assert found[0].create_time == psutil.Process(child.pid).create_time()
    assert stopping.processes_on_port(child.port, protocol="udp") == []


def test_targets_for_dedupes_endpoints_by_process(spawn_listener):
    from portie_qt.core.collector import collect

    child = spawn_listener([("tcp", "127.0.0.1", 0), ("udp", "127.0.0.1", 0)])
    mine = [e for e in collect().endpoints if e.pid == child.pid]
    assert len(mine) == 2
    targets = pc.targets_for(mine + mine)
    assert len(targets) == 1
    assert len(targets[0].ports) == 2


def test_process_details_of_a_live_child(spawn_listener):
    child = spawn_listener()
    started = psutil.Process(child.pid).create_time()
    details = pc.process_details(child.pid, started)
    assert details is not None
    assert details.pid == child.pid
    assert details.exe and details.cwd == os.getcwd()
    assert details.parent_pid == os.getpid()
    assert details.parent_name == psutil.Process().name()
    assert details.started.timestamp() == pytest.approx(started)
    assert details.hidden == () and details.note == ""
    assert pc.process_details(child.pid, started - 100) is None


def test_process_details_marks_hidden_fields(spawn_listener, monkeypatch):
    child = spawn_listener()
    started = psutil.Process(child.pid).create_time()

    def denied(self):
        raise psutil.AccessDenied(self.pid)

    monkeypatch.setattr(psutil.Process, "cwd", denied)
    monkeypatch.setattr(psutil.Process, "exe", denied)
    details = pc.process_details(child.pid, started)
    assert details.cwd is None and details.exe is None
    assert details.hidden == ("exe", "cwd")
    assert "run Portie as root" in details.note


def test_unreadable_start_time_is_permission_denied_and_not_signalled(spawn_listener, monkeypatch):
    child = spawn_listener()
    target = Target(child.pid, psutil.Process(child.pid).create_time(), "sshd")

    def denied(self):
        raise psutil.AccessDenied(self.pid)

    monkeypatch.setattr(psutil.Process, "create_time", denied)
    monkeypatch.setattr(psutil.Process, "username", lambda self: "root")
    outcome = pc.kill(target)
    assert outcome.result is Result.PERMISSION_DENIED
    assert "belongs to root" in outcome.message and f"sudo kill -9 {child.pid}" in outcome.message
    assert child.alive()


def test_every_connection_counts_even_two_from_one_port():
    """A server's accepted connections share its port: each is one more open connection."""
    import socket

    server = socket.create_server(("127.0.0.1", 0))
    clients = [socket.create_connection(server.getsockname(), timeout=5) for _ in range(2)]
    accepted = [server.accept()[0] for _ in clients]
    try:
        me = psutil.Process()
        target = pc.describe(me.pid, me.create_time())
        port = server.getsockname()[1]
        on_port = [p for p in target.ports if p.port == port and not p.listening]
        assert len(on_port) == 2 and len({p.remote for p in on_port}) == 2
        expected = {(c.laddr, c.raddr) for c in me.net_connections("inet")
                    if c.raddr and c.status != psutil.CONN_LISTEN}  # fmt: skip
        assert len(target.ports) - len(target.listening_ports) == len(expected)
    finally:
        for sock in (*clients, *accepted, server):
            sock.close()
