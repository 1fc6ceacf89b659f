"""collect(): real listeners in child processes show up with owner, band and service."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys

import psutil
import pytest

from portie_qt.core import sockets_linux as kernel
from portie_qt.core.collector import Collector, collect
from portie_qt.core.endpoints import (
    BOUND,
    LISTEN,
    OWNER_HIDDEN,
    OWNER_OUTSIDE,
    OWNER_PENDING,
    OWNER_SEEN,
    process_text,
)
from portie_qt.core.ranges import Band
from tests.listeners import wait_until
from tests.portie_cli import REPO


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


# Run inside a network namespace of its own: 5173 there is ours in every family, whatever
# listens on 5173 on the machine. Prints the endpoints on 5173 that collect() sees.
_IN_PRIVATE_NETNS = r"""
import json, subprocess, sys
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
from portie_qt.core.collector import collect
from tests.listeners import ChildListener, wait_until
child = ChildListener.start([("tcp", "127.0.0.1", 5173)], lifetime=60)
try:
    def on_5173():
        return [e for e in collect().endpoints if e.local_port == 5173]
    wait_until(lambda: bool(on_5173()), timeout=10)
    rows = [e.as_dict() | {"listening": e.listening, "pid": e.pid} for e in on_5173()]
    print(json.dumps({"pid": child.pid, "rows": rows}))
finally:
    child.stop()
"""


@pytest.mark.linux_only
@pytest.mark.netns
def test_known_port_gets_service_label():
    if os.geteuid() != 0:
        pytest.fail("this test makes a network namespace: run the tests as root (CI does)")
    done = subprocess.run(["unshare", "--net", sys.executable, "-c", _IN_PRIVATE_NETNS],
                          capture_output=True, text=True, timeout=60, cwd=REPO)  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    [row] = found["rows"]  # only our listener: nothing else on this machine can be seen
    assert row["pid"] == found["pid"] and row["listening"]
    assert row["service"] == "Vite dev server"
    assert row["range"] == "registered"


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


def _mine(snapshot, child):
    return [e for e in snapshot.endpoints if e.pid == child.pid]


def test_a_socket_listed_twice_by_the_kernel_is_in_the_snapshot_once(monkeypatch, spawn_listener):
    # The kernel lists its tables in chunks while sockets move, so a socket can come
    # twice; simulate that at the source, for this child's sockets.
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("udp", "::1", 0)])
    collector = Collector()
    assert collector.source in ("sock_diag", "/proc/net"), collector.source
    before = _mine(collector.collect(), child)
    inodes = {e.inode for e in before}
    real = kernel.netlink_rows if collector.source == "sock_diag" else kernel.proc_rows

    def twice(*args, **kwargs):
        tables = real(*args, **kwargs)  # one list of rows per table
        return [rows + [row for row in rows if kernel.parts_of(row)[2] in inodes]
                for rows in tables]  # fmt: skip

    monkeypatch.setattr(kernel, "netlink_rows", twice)
    monkeypatch.setattr(kernel, "proc_rows", twice)
    after = _mine(collector.collect(), child)
    assert sorted(e.inode for e in after) == sorted(inodes) and len(after) == 2


def test_sock_diag_and_proc_net_agree(spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("tcp", "::1", 0), ("udp", "127.0.0.1", 0)])
    with socket.create_connection(("127.0.0.1", child.port)):
        netlink, text = Collector(), Collector()
        if netlink.source != "sock_diag":
            pytest.fail("this kernel offers no sock_diag (inet_diag); Portie reads /proc/net")
        text._kernel.netlink = False
        assert text.source == "/proc/net"
        ports = set(child.ports)

        def fields(snapshot):
            return {(*e[:11], e.inode, e.owner_status) for e in snapshot.endpoints
                    if e.local_port in ports or e.remote_port in ports}  # fmt: skip

        both = fields(netlink.collect()), fields(text.collect())
        assert both[0] == both[1]
        # Three listeners, our client side, and the server side waiting in the accept
        # queue (no process holds that one yet: no owner, and not "hidden").
        assert len(both[0]) == 5
        assert {(e[7] is None, e[12]) for e in both[0]} == {(False, OWNER_SEEN), (True, OWNER_SEEN)}


def test_every_endpoint_knows_its_inode_and_holders(spawn_listener):
    child = spawn_listener()
    [endpoint] = _find(collect(), child.port)
    assert endpoint.inode > 0
    assert endpoint.pids == (child.pid,)
    assert endpoint.holders == ((child.pid, endpoint.create_time, endpoint.process),)


def _with_uid(row, uid: int):
    """The same kernel-table row, owned by ``uid`` (a sock_diag row is bytes, a /proc one
    a tuple)."""
    if isinstance(row, bytes):
        return row[:39] + uid.to_bytes(4, sys.byteorder) + row[43:]
    return (*row[:3], uid, row[4])


def test_without_root_only_other_users_sockets_are_hidden(monkeypatch, spawn_listener):
    # Portie as uid 4242 (not root): the kernel tables still give each socket's uid, and
    # /proc/PID/fd of root's processes is unreadable. Simulated at those two points.
    mine, theirs, lost = spawn_listener(), spawn_listener(), spawn_listener()
    real = kernel.socket_holders

    def unreadable_for_uid_4242():
        found = real()
        first = {i: p for i, p in found.first.items() if p == mine.pid}
        return kernel.Holders(first, {}, found.unreadable + 1)

    rows_of = kernel.netlink_rows if Collector().source == "sock_diag" else kernel.proc_rows

    def owned_by_4242(*args, **kwargs):
        # uid 4242's own sockets: `mine`, and `lost`, whose holder is not found (as if
        # the socket appeared while Portie looked).
        mine_inodes = {i for i, p in real().first.items() if p in (mine.pid, lost.pid)}
        return [[_with_uid(r, 4242) if kernel.parts_of(r)[2] in mine_inodes else r for r in rows]
                for rows in rows_of(*args, **kwargs)]  # fmt: skip

    monkeypatch.setattr(kernel, "socket_holders", unreadable_for_uid_4242)
    monkeypatch.setattr(kernel, "netlink_rows", owned_by_4242)
    monkeypatch.setattr(kernel, "proc_rows", owned_by_4242)
    monkeypatch.setattr(os, "geteuid", lambda: 4242)
    collector = Collector()
    collector.admin = False
    snapshot = collector.collect()
    [own] = _find(snapshot, mine.port)
    [other] = _find(snapshot, theirs.port)
    [unfound] = _find(snapshot, lost.port)
    assert own.pid == mine.pid and own.owner_status == OWNER_SEEN
    assert unfound.pid is None and unfound.owner_status == OWNER_PENDING
    assert process_text(unfound) == "(owner not yet known)"  # its own: never "hidden"
    assert other.pid is None and other.owner_status == OWNER_HIDDEN
    assert process_text(other) == "(hidden)"
    assert snapshot.limited and snapshot.hidden_owners >= 1
    assert "belong to other users and are hidden" in snapshot.notice or (
        "belongs to another user and is hidden" in snapshot.notice
    )


# Runs in a fresh PID namespace sharing this network namespace: the listener's process is
# outside its view, as when Portie runs in a container. Root, yet nothing is "hidden".
# (OWNER_PENDING, "owner not yet known", is what a socket gets when root looked twice in
# the first refresh, saw every process, and still found no owner.)
_OUTSIDE = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from portie_qt.core.collector import Collector
from portie_qt.core.endpoints import process_text
port = int(sys.argv[2])
collector = Collector()
looks = []
for _ in range(2):
    snapshot = collector.collect()
    [row] = [e for e in snapshot.endpoints if e.local_port == port and e.listening]
    looks.append({"pid": row.pid, "status": row.owner_status, "text": process_text(row),
                  "hidden": snapshot.hidden_owners, "notice": snapshot.notice})
print(json.dumps(looks))
"""


def test_as_root_an_owner_outside_this_pid_namespace_is_not_hidden(spawn_listener):
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.fail("this test needs root and unshare (util-linux) to make a PID namespace")
    child = spawn_listener()
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-c",
                           _OUTSIDE, repo, str(child.port)], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    first, second = json.loads(done.stdout)
    # Looked for twice in the first refresh, then known not to be findable: outside.
    for look in (first, second):
        assert look["pid"] is None and look["status"] == OWNER_OUTSIDE, look
        assert look["text"] == "(owner outside this view)"
        assert look["hidden"] == 0 and "other users" not in look["notice"]
