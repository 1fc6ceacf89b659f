"""`portie why PORT`: each cause on real sockets, real namespaces and a real non-root user."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from portie_qt.core.reference import lookup
from portie_qt.core.why import explain
from tests.listeners import ChildListener, wait_until
from tests.portie_cli import run_portie as portie
from tests.portie_cli import run_portie_as_nobody

pytestmark = pytest.mark.linux_only  # network namespaces, a private dockerd
if sys.platform.startswith("linux"):  # its helpers import fcntl: Linux only, like the tests
    from tests.containers import free_port


def _why(port: int, *extra: str) -> dict:
    result = portie("why", str(port), "--json", *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _binds(found: dict) -> dict[str, dict]:
    return {b["address"]: b for b in found["test_binds"]}


def _causes(found: dict, kind: str) -> list[str]:
    return [c["text"] for c in found["causes"] if c["kind"] == kind]


def test_an_ipv6_loopback_only_listener_leaves_127_0_0_1_free(spawn_listener):
    child = spawn_listener([("tcp", "::1", 0)])
    found = _why(child.port)
    assert found["busy"] is True
    binds = _binds(found)
    assert binds["::1"]["ok"] is False and "EADDRINUSE" in binds["::1"]["error"]
    assert binds["127.0.0.1"]["ok"] is True and binds["0.0.0.0"]["ok"] is True
    [cause] = _causes(found, "listener")
    assert f"(PID {child.pid}" in cause
    assert f"localhost:{child.port} is busy" in cause and f"127.0.0.1:{child.port} is free" in cause
    assert f"busy on [::1]:{child.port}" in found["headline"]
    assert f"free on 127.0.0.1:{child.port}" in found["headline"]


def test_a_wildcard_ipv4_listener_takes_every_ipv4_address(spawn_listener):
    child = spawn_listener([("tcp", "0.0.0.0", 0)])
    found = _why(child.port)
    binds = _binds(found)
    assert binds["127.0.0.1"]["ok"] is False and binds["0.0.0.0"]["ok"] is False
    assert binds["::1"]["ok"] is True  # the IPv6 loopback is another address family
    [cause] = _causes(found, "listener")
    assert "every IPv4 address (0.0.0.0:" in cause and f"PID {child.pid}" in cause
    text = portie("why", str(child.port))
    assert text.stdout.splitlines()[0].startswith(f"Port {child.port} is busy on 127.0.0.1:")
    assert f"  127.0.0.1:{child.port}" in text.stdout and "Address already in use" in text.stdout


def test_a_udp_port_is_explained_for_udp(spawn_listener):
    child = spawn_listener([("udp", "127.0.0.1", 0)])
    found = _why(child.port, "--udp")
    assert found["protocol"] == "udp" and found["busy"] is True
    assert _binds(found)["127.0.0.1"]["ok"] is False
    assert any("is bound only on 127.0.0.1" in text for text in _causes(found, "listener"))


def _time_wait_on(port_holder: socket.socket) -> int:
    """Leave a TIME_WAIT socket whose local port is the server's: the server closes first."""
    port = port_holder.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    accepted, _ = port_holder.accept()
    accepted.close()  # the active close: the server's side goes to TIME_WAIT
    client.close()
    port_holder.close()
    return port


def test_time_wait_sockets_are_named_and_so_reuseaddr_binds():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = _time_wait_on(server)

    def waiting() -> bool:
        from portie_qt.core.collector import collect

        return any(e.local_port == port and e.state == "TIME_WAIT" for e in collect().endpoints)

    assert wait_until(waiting, timeout=10)
    found = explain(port)
    [cause] = [c for c in found.causes if c.kind == "time_wait"]
    assert "TIME_WAIT" in cause.text and "SO_REUSEADDR" in cause.text
    loopback = next(b for b in found.binds if b.address == "127.0.0.1")
    assert loopback.ok is False and loopback.code == "EADDRINUSE" and loopback.reuse_ok is True
    assert "connections in TIME_WAIT" in found.headline
    assert any("binds with SO_REUSEADDR" in line for line in found.lines())


@pytest.fixture
def netns_listener():
    """A TCP listener on 0.0.0.0 inside a network namespace of this test's own."""
    if os.geteuid() != 0:
        pytest.fail("This test builds a network namespace: run the tests as root (CI does).")
    name = f"ptwhy-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True, timeout=30)
    child = None
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True, timeout=30)
        port = free_port()
        prefix = ["ip", "netns", "exec", name]
        child = _start_in(prefix, port)
        yield name, port, child
    finally:
        if child is not None:
            child.stop()
        subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=30)


def _start_in(prefix: list[str], port: int) -> ChildListener:
    import tests.listeners as listeners

    argv = [*prefix, sys.executable, "-c", listeners._CHILD,
            json.dumps([["tcp", "0.0.0.0", port]]), "0", "300"]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    info = json.loads(proc.stdout.readline())
    return ChildListener(proc=proc, pid=info["pid"], ports=info["ports"])


def test_a_listener_in_another_network_namespace_is_named_and_does_not_block(netns_listener):
    name, port, child = netns_listener
    found = _why(port)
    [cause] = _causes(found, "namespace")
    assert f"network namespace {name}" in cause
    assert f"(PID {child.pid})" in cause and f"0.0.0.0:{port}" in cause
    assert found["busy"] is False  # it is another namespace's port
    assert all(b["ok"] for b in found["test_binds"] if b["error"] != "IPv6 is not available")
    assert found["headline"] == f"Port {port} is free on every address."


def _free_privileged_port() -> int:
    """A port below the unprivileged start that nothing holds on any address now."""
    with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as handle:
        start = int(handle.read())
    if start <= 1:
        pytest.fail("net.ipv4.ip_unprivileged_port_start is 0 here: no port is privileged.")
    for port in range(min(start, 1024) - 1, 0, -1):
        found = explain(port)
        if all(b.ok or b.unavailable for b in found.binds):
            return port
    pytest.fail("No free privileged port was found.")


def test_the_privileged_port_rule_for_a_user_without_root(tmp_path):
    port = _free_privileged_port()
    config = tmp_path / "nobody"
    config.mkdir()
    config.chmod(0o777)
    result = run_portie_as_nobody("why", str(port), "--json", config_dir=config)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    [cause] = [c for c in found["causes"] if c["kind"] == "privileged"]
    assert cause["blocking"] is True
    assert "net.ipv4.ip_unprivileged_port_start" in cause["text"] and "(nobody)" in cause["text"]
    assert all("EACCES" in b["error"] for b in found["test_binds"] if not b["ok"])
    assert _binds(found)["127.0.0.1"]["ok"] is False
    assert found["headline"] == (
        f"Port {port} is free, but this account may not bind it (permission denied)."
    )
    as_root = explain(port)  # the same port, for root: allowed
    assert next(c for c in as_root.causes if c.kind == "privileged").blocking is False


def test_a_free_port_says_so_and_what_it_usually_is():
    port = free_port()
    found = _why(port)
    assert found["busy"] is False
    assert found["headline"] == f"Port {port} is free on every address."
    assert found["usually"] == lookup(port).summary
    text = portie("why", str(port)).stdout
    assert text.splitlines()[0] == f"Port {port} is free on every address."
    assert "Usually: " in text


@pytest.mark.parametrize("bad", ["70000", "http", "-1", ""])
def test_a_bad_port_is_a_usage_error(bad):
    result = portie("why", bad)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "port" in result.stderr.lower()
