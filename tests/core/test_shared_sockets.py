"""Every holder of a shared socket: a pre-fork server's parent and workers are all named,
the parent is the primary holder, and freeing the port stops them all, parent first."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import psutil

from portie_qt.core import stopping
from portie_qt.core.collector import Collector
from portie_qt.core.endpoints import process_text
from portie_qt.core.process_control import targets_for
from tests import servers
from tests.listeners import wait_until
from tests.portie_cli import run_portie as portie


def _listener(port: int):
    found = [e for e in Collector().collect().endpoints if e.local_port == port
             and e.listening and e.local_address == "127.0.0.1"]  # fmt: skip
    assert len(found) == 1, found
    return found[0]


def _ours(rows: list[dict]) -> list[dict]:
    """The test server's listening rows (127.0.0.1: the port number may be in use on ::1
    or for UDP by another test)."""
    return [r for r in rows if r["state"] == "LISTEN" and r["local_address"] == "127.0.0.1"]


def test_prefork_server_lists_the_parent_as_pid_and_every_holder_as_pids(start):
    server = start(servers.prefork, 3)
    rows = json.loads(portie("--list", "--json", "--port", str(server.port)).stdout)
    listening = _ours(rows)
    assert len(listening) == 1, listening  # one socket, not one row per holder
    [row] = listening
    assert row["pid"] == server.pid  # the parent created the socket: the oldest holder
    assert row["pids"] == server.pids and len(server.pids) == 4
    endpoint = _listener(server.port)
    # The table names the primary holder (its app, else its process name) and marks the
    # three others.
    assert process_text(endpoint).startswith(endpoint.app or psutil.Process(server.pid).name())
    assert process_text(endpoint).endswith(" +3")
    assert [h[0] for h in endpoint.holders] == server.pids


def test_free_stops_the_parent_first_then_every_worker_and_exits_0(licensed, start):
    server = start(servers.prefork, 3, respawn=True)
    result = portie("free", str(server.port), "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"Port {server.port} is free now." in out
    assert "these 4 processes, parents first" in out
    # Named before acting, the parent first: it cannot respawn the workers stopped after it.
    listed = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(listed) == 4, out
    assert listed[0].split(":")[0].endswith(f"(PID {server.pid})")
    assert all(f"PID {pid}" in out for pid in server.pids)
    assert servers.gone(server.pids)
    assert not stopping.port_in_use(server.port)


def test_targets_for_a_shared_socket_are_every_holder_oldest_first(start):
    server = start(servers.prefork, 3)
    targets = targets_for([_listener(server.port)])
    assert [t.pid for t in targets] == [server.pid, *sorted(server.workers)]
    assert all(t.create_time == psutil.Process(t.pid).create_time() for t in targets)


def test_a_launchers_child_holding_the_port_is_the_holder(licensed, start, tmp_path):
    server = start(servers.launcher)
    [child] = server.workers
    rows = json.loads(portie("--list", "--json", "--port", str(server.port)).stdout)
    assert [(r["pid"], r["pids"]) for r in _ours(rows)] == [(child, [child])]
    result = portie("free", str(server.port), "--yes")
    assert result.returncode == 0, result.stderr
    assert f"PID {child}" in result.stdout and f"PID {server.pid}" not in result.stdout
    assert servers.gone([child])


def test_tree_stop_takes_a_respawning_parents_children_after_it(licensed, start):
    # The parent holds the port; its three workers hold nothing but are respawned when
    # they die. Stopping children first would only make it start new ones.
    server = start(servers.prefork, 3, respawn=True, child_holds=False)
    rows = json.loads(portie("--list", "--json", "--port", str(server.port)).stdout)
    assert [r["pids"] for r in _ours(rows)] == [[server.pid]]
    result = portie("free", str(server.port), "--tree", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "these 4 processes, parents first" in result.stdout
    assert result.stdout.count("a child process") == 3
    assert servers.gone(server.pids)
    # Nothing was respawned: the parent went first, so no worker outlived the stop.
    assert not [p for p in psutil.process_iter(["ppid"]) if p.info["ppid"] == server.pid]


def test_without_tree_free_stops_only_the_holder(licensed, start):
    server = start(servers.prefork, 2, child_holds=False)
    result = portie("free", str(server.port), "--yes")
    assert result.returncode == 0, result.stderr
    assert servers.gone([server.pid])
    assert all(servers.running(pid) for pid in server.workers)  # not asked to: left alone


_INHERITING = r"""
import json, os, socket, subprocess, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
port = s.getsockname()[1]
# A server that runs `portie free` from a hook: Portie inherits the listening socket.
with open(sys.argv[2], "w") as out:
    portie = subprocess.Popen([sys.executable, "-m", "portie_qt", "free", str(port), "--yes"],
                              pass_fds=(s.fileno(),), stdout=out, stderr=subprocess.STDOUT,
                              cwd=sys.argv[1])
print(json.dumps({"pid": os.getpid(), "port": port, "portie": portie.pid}), flush=True)
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    time.sleep(0.1)
"""


def test_free_run_with_an_inherited_socket_names_the_real_holder(licensed, tmp_path):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    log = tmp_path / "portie.out"
    server = subprocess.Popen([sys.executable, "-c", _INHERITING, repo, str(log)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        info = json.loads(server.stdout.readline())
        assert servers.gone([info["portie"]], timeout=60), "portie free did not finish"
        out = log.read_text()
        assert "That is Portie itself" not in out
        assert f"PID {info['pid']}" in out  # the server that made the socket is named
        assert f"PID {info['portie']}" not in out  # Portie's inherited copy is not a target
        assert f"Port {info['port']} is free now." in out, out
        assert servers.gone([info["pid"]])
    finally:
        server.kill()
        server.wait(10)
        server.stdout.close()


def test_owners_notice_says_1_socket_not_1_sockets():
    from portie_qt.core.collector import hidden_notice

    assert hidden_notice(1).startswith("The owner of 1 socket belongs to another user")
    assert hidden_notice(3).startswith("The owners of 3 sockets belong to other users")


def test_released_port_is_free_at_once_for_a_new_server(licensed, start):
    server = start(servers.prefork, 3)
    assert portie("free", str(server.port), "--yes").returncode == 0
    probe = socket.socket()
    try:
        probe.bind(("127.0.0.1", server.port))  # really free: a new server can take it
    finally:
        probe.close()
    assert wait_until(lambda: not stopping.port_in_use(server.port), timeout=5)
