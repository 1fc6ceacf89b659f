"""A remote host for real: sshd in a network namespace (the session's ``ssh_server``),
reached with the system's ssh through Portie's `RemoteHost`, and ``portie --list --host``.

Listeners are started inside the namespace, so they exist only on the "remote" host: this
computer's own view never shows them.
"""

from __future__ import annotations

import json
import subprocess
import time

import psutil
import pytest

from portie_qt.core.collector import Collector
from portie_qt.core.process_control import Result, Target
from portie_qt.core.remote import HostDisconnected, RemoteHost
from portie_qt.core.remote.records import lstart_seconds
from tests.listeners import wait_until
from tests.portie_cli import run_portie
from tests.sshd import (
    ALIAS,
    ALIAS_NO_SERVER,
    ALIAS_PORTIE,
    ALIAS_SUDO,
    ALIAS_UNKNOWN_HOST_KEY,
    ALIAS_WRONG_KEY,
)

pytestmark = [pytest.mark.netns, pytest.mark.linux_only]  # sshd in a network namespace


@pytest.fixture
def host(remote):
    found = RemoteHost(ALIAS)
    yield found
    found.close()


def _listening(snapshot, port: int, protocol: str = "tcp"):
    return [
        e
        for e in snapshot.endpoints
        if e.local_port == port and e.protocol == protocol and e.listening
    ]


def test_the_remote_view_lists_a_listener_started_there_with_its_owner(remote, host):
    child = remote.listen([("tcp", "0.0.0.0", 0), ("udp", "0.0.0.0", 0)])
    tcp, udp = child.ports
    snapshot = host.collector.collect()
    assert host.collector.method == "ss"
    assert snapshot.host == ALIAS and not snapshot.limited  # the login is root there
    [endpoint] = _listening(snapshot, tcp)
    process = psutil.Process(child.pid)
    assert (endpoint.pid, endpoint.process, endpoint.user) == (child.pid, process.name(), "root")
    # Start times come from the remote's `ps -o lstart` (whole seconds, UTC).
    assert abs(endpoint.create_time - process.create_time()) < 1.5
    assert [e.pid for e in _listening(snapshot, udp, "udp")] == [child.pid]
    # The namespace's sockets are the remote host's: this computer's view has none of them.
    local = Collector().collect()
    assert not [e for e in local.endpoints if e.pid == child.pid]


def test_with_portie_installed_there_its_json_is_read_and_agrees_with_ss(remote, host):
    child = remote.listen([("tcp", "0.0.0.0", 0), ("tcp", "::", 0), ("udp", "127.0.0.1", 0)])
    with_portie = RemoteHost(ALIAS_PORTIE)
    try:
        from_portie = with_portie.collector.collect()
        assert with_portie.collector.method == "portie"
    finally:
        with_portie.close()
    from_ss = host.collector.collect()

    def held(snapshot):
        return {(*e[:9], e.create_time) for e in snapshot.endpoints if e.pid == child.pid}

    assert len(held(from_ss)) == 3
    assert held(from_portie) == held(from_ss)


def test_every_refresh_goes_through_one_ssh_connection(remote, host):
    for alias in (ALIAS, ALIAS_PORTIE):  # connections other tests left open (ControlPersist)
        RemoteHost(alias).close()
    assert wait_until(lambda: remote.sessions() == 0, timeout=15)
    for _ in range(5):
        host.collector.collect()
    assert remote.sessions() == 1


def test_terminate_stops_the_right_process_and_refuses_a_stale_identity(remote, host):
    target_child = remote.listen([("tcp", "0.0.0.0", 0)])
    bystander = remote.listen([("tcp", "0.0.0.0", 0)])
    snapshot = host.collector.collect()
    [endpoint] = _listening(snapshot, target_child.port)

    # Same PID, another start time: what a reused PID looks like. Refused, not signalled.
    stale = Target(endpoint.pid, endpoint.create_time - 60, endpoint.process)
    outcome = host.processes.terminate(stale)
    assert outcome.result is Result.PID_REUSED
    assert f"PID {endpoint.pid} on {ALIAS} now belongs to a different process" in outcome.message
    assert target_child.alive()

    outcome = host.processes.terminate(Target(endpoint.pid, endpoint.create_time, endpoint.process))
    assert outcome.result is Result.TERMINATED, outcome.message
    assert outcome.message == f"Stopped {endpoint.process} (PID {endpoint.pid}) on {ALIAS}."
    assert target_child.proc.wait(10) is not None
    assert bystander.alive()
    again = host.processes.terminate(Target(endpoint.pid, endpoint.create_time, endpoint.process))
    assert again.result is Result.ALREADY_EXITED


def test_a_process_that_ignores_terminate_is_killed(remote, host):
    stubborn = remote.listen([("tcp", "0.0.0.0", 0)], ignore_sigterm=True)
    [endpoint] = _listening(host.collector.collect(), stubborn.port)
    target = Target(endpoint.pid, endpoint.create_time, endpoint.process)
    assert host.processes.terminate(target, timeout=0.5).result is Result.STILL_RUNNING
    assert stubborn.alive()
    outcome = host.processes.kill(target)
    assert outcome.result is Result.KILLED, outcome.message
    assert stubborn.proc.wait(10) == -9


def test_the_same_refusals_hold_on_a_remote_host(remote, host):
    host.collector.collect()
    outcome = host.processes.terminate(Target(1, 1.0, "systemd"))
    assert outcome.result is Result.REFUSED
    assert "stopping it would bring portie-remote down" in outcome.message
    unknown = host.processes.kill(Target(4242, None, "x"))
    assert unknown.result is Result.REFUSED and "could not read when" in unknown.message
    # kthreadd (PID 2) is a kernel thread: refused on the remote too, after the identity
    # check passed (the namespace shares this machine's processes).
    kthread = host.processes.kill(Target(2, _ps_start_time(2), "kthreadd"))
    assert kthread.result is Result.REFUSED and "kernel thread" in kthread.message


def _ps_start_time(pid: int) -> float:
    """A process's start time as the remote's ps says it (the namespace shares our PIDs)."""
    text = subprocess.run(
        ["ps", "-o", "lstart=", "-p", str(pid)],
        capture_output=True,
        text=True,
        timeout=10,
        env={"TZ": "UTC", "LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    ).stdout
    return lstart_seconds(text)


def test_process_details_are_read_on_the_host(remote, host):
    child = remote.listen([("tcp", "0.0.0.0", 0)])
    [endpoint] = _listening(host.collector.collect(), child.port)
    details = host.processes.process_details(endpoint.pid, endpoint.create_time)
    assert details is not None
    assert details.pid == child.pid and details.user == "root"
    assert details.cmdline[1] == "-c"
    assert details.exe == psutil.Process(child.pid).exe()
    assert details.status == "sleeping" and details.parent_pid is not None
    described = host.processes.describe(endpoint.pid, endpoint.create_time)
    assert described.host == ALIAS and described.name == endpoint.process
    assert [p.port for p in described.ports] == [child.port]
    assert host.processes.process_details(endpoint.pid, endpoint.create_time - 5) is None


@pytest.mark.parametrize(
    ("alias", "words"),
    [
        (ALIAS_WRONG_KEY, "refused the login because no key it accepts was offered"),
        (ALIAS_UNKNOWN_HOST_KEY, "host key is not in your known_hosts yet"),
        (ALIAS_NO_SERVER, "refused the connection"),
    ],
)
def test_a_failed_login_says_why_and_how_to_fix_it_in_one_sentence(remote, alias, words):
    failing = RemoteHost(alias)
    with pytest.raises(HostDisconnected) as caught:
        failing.collector.collect()
    reason = caught.value.reason
    assert reason.startswith(alias) and words in reason
    assert reason.endswith(".") and ". " not in reason and "\n" not in reason
    assert str(caught.value) == f"{reason[:-1]} (Portie tries again in 1 s)."


def test_a_host_that_drops_is_retried_with_back_off_and_comes_back(remote, host):
    child = remote.listen([("tcp", "0.0.0.0", 0)])
    assert _listening(host.collector.collect(), child.port)
    remote.stop_sshd()
    with pytest.raises(HostDisconnected) as first:
        host.collector.collect()
    assert "refused the connection" in first.value.reason
    # Inside the back-off the answer is immediate: no ssh is run.
    started = time.monotonic()
    with pytest.raises(HostDisconnected) as waiting:
        host.collector.collect()
    assert waiting.value.reason == first.value.reason and 0 < waiting.value.retry_in <= 1
    assert time.monotonic() - started < 0.5
    remote.start_sshd()
    assert wait_until(lambda: _collects(host), timeout=20, interval=0.2)
    assert _listening(host.collector.last, child.port)


def _collects(host: RemoteHost) -> bool:
    try:
        host.collector.collect()
    except HostDisconnected:
        return False
    return True


def test_portie_list_host_prints_the_remote_s_ports_as_json(remote):
    child = remote.listen([("tcp", "0.0.0.0", 0)])
    done = run_portie("--list", "--host", ALIAS, "--json", "--listening", timeout=60)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    [row] = [r for r in rows if r["local_port"] == child.port]
    assert (row["pid"], row["state"], row["user"]) == (child.pid, "LISTEN", "root")
    assert all(r["state"] in ("LISTEN", "BOUND") for r in rows)
    table = run_portie("--list", "--host", ALIAS, "--port", str(child.port), timeout=60)
    assert table.returncode == 0 and str(child.pid) in table.stdout


def test_portie_list_host_with_a_failed_login_prints_one_sentence(remote):
    done = run_portie("--list", "--host", ALIAS_WRONG_KEY, "--json", timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"portie: {ALIAS_WRONG_KEY} refused the login") and line.endswith(".")


def test_sudo_is_used_only_on_a_host_where_the_user_allowed_it(remote):
    for allowed in (False, True):
        child = remote.listen([("tcp", "0.0.0.0", 0)])
        host = RemoteHost(ALIAS_SUDO, sudo=allowed)
        try:
            [endpoint] = _listening(host.collector.collect(), child.port)
            outcome = host.processes.terminate(Target(endpoint.pid, endpoint.create_time))
        finally:
            host.close()
        assert outcome.result is Result.TERMINATED, outcome.message
        assert child.proc.wait(10) is not None
        used = f"-n kill -s TERM {endpoint.pid}" in remote.sudo_log()
        assert used is allowed
