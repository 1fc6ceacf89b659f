"""Scanning a "remote" host: a network namespace built by the test, reached over a veth pair.

Inside the namespace: real listeners (open), nothing on some ports (closed), and
iptables rules that DROP (silent) or REJECT with "host prohibited" (ICMP) for others
(both filtered). Traffic only ever goes to the namespace's own address. Needs root
(CI runs as root); everything built here is torn down afterwards.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pytest

from portie_qt.core.scan import CLOSED, FILTERED, OPEN, resolve_target, scan

pytestmark = [pytest.mark.netns, pytest.mark.linux_only]

_LISTENER = r"""
import json, socket, sys, time
held, ports = [], []
for port in json.loads(sys.argv[2]):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], port))
    s.listen(128)
    held.append(s)
    ports.append(s.getsockname()[1])
print(json.dumps(ports), flush=True)
deadline = time.monotonic() + 300
while time.monotonic() < deadline:  # bounded: a forgotten child ends by itself
    for s in held:
        s.settimeout(0.05)
        try:
            s.accept()[0].close()
        except OSError:
            pass
"""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=check)


def _used_networks() -> list[ipaddress.IPv4Network]:
    out = _ip("-j", "-4", "addr", "show").stdout
    nets = []
    for link in json.loads(out or "[]"):
        for addr in link.get("addr_info", []):
            nets.append(ipaddress.ip_network(f"{addr['local']}/{addr['prefixlen']}", strict=False))
    return nets


@dataclass
class Namespace:
    """A namespace with one veth link: ``address`` is the "remote" host to scan."""

    name: str
    host_link: str
    address: str
    children: list[subprocess.Popen] = field(default_factory=list)

    def run(self, *argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["ip", "netns", "exec", self.name, *argv],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )

    def listen(self, ports: list[int]) -> list[int]:
        """Start listeners inside the namespace (0 = any free port); return their ports."""
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.name, sys.executable, "-c", _LISTENER, self.address,
             json.dumps(ports)],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        self.children.append(proc)
        line = proc.stdout.readline()
        assert line, "listener inside the namespace did not start"
        return json.loads(line)

    def drop(self, port: int) -> None:
        self.run("iptables", "-A", "INPUT", "-p", "tcp", "--dport", str(port), "-j", "DROP")

    def prohibit(self, port: int) -> None:
        self.run("iptables", "-A", "INPUT", "-p", "tcp", "--dport", str(port), "-j", "REJECT",
                 "--reject-with", "icmp-host-prohibited")  # fmt: skip

    def drop_range(self, first: int, last: int) -> None:
        self.run("iptables", "-A", "INPUT", "-p", "tcp", "--dport", f"{first}:{last}", "-j", "DROP")


def _build(name: str, host_link: str, peer_link: str, net: ipaddress.IPv4Network) -> Namespace:
    host_ip, ns_ip = (str(a) for a in list(net.hosts())[:2])
    _ip("netns", "add", name)
    _ip("link", "add", host_link, "type", "veth", "peer", "name", peer_link)
    _ip("link", "set", peer_link, "netns", name)
    _ip("addr", "add", f"{host_ip}/{net.prefixlen}", "dev", host_link)
    _ip("link", "set", host_link, "up")
    ns = Namespace(name, host_link, ns_ip)
    ns.run("ip", "addr", "add", f"{ns_ip}/{net.prefixlen}", "dev", peer_link)
    ns.run("ip", "link", "set", peer_link, "up")
    ns.run("ip", "link", "set", "lo", "up")
    return ns


@pytest.fixture
def namespace():
    """A fresh, uniquely named namespace on a /30 inside 10.250.0.0/16 no interface uses."""
    if os.geteuid() != 0:
        pytest.fail("building a network namespace needs root (run the netns tests as root)")
    tag = f"{os.getpid() % 100000}{random.randrange(100):02d}"
    name, host_link, peer_link = f"ptscan{tag}", f"pts{tag}h", f"pts{tag}n"
    used = _used_networks()
    free = [
        net
        for net in ipaddress.ip_network("10.250.0.0/16").subnets(new_prefix=30)
        if not any(net.overlaps(u) for u in used)
    ]
    net = random.choice(free)
    ns = None
    try:
        ns = _build(name, host_link, peer_link, net)
        yield ns
    finally:
        for proc in ns.children if ns else []:
            proc.kill()  # by our own child's PID
            proc.wait(10)
            proc.stdout.close()
        _ip("netns", "del", name, check=False)  # takes the veth peer (and so the pair) with it
        _ip("link", "del", host_link, check=False)
        assert name not in _ip("netns", "list").stdout
        assert _ip("link", "show", host_link, check=False).returncode != 0


def _nmap_states(address: str, ports: list[int]) -> dict[int, str]:
    out = subprocess.run(
        ["nmap", "-sT", "-n", "-Pn", "-p", ",".join(map(str, ports)), address, "-oX", "-"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    states = {}
    for port in ET.fromstring(out).iter("port"):
        states[int(port.get("portid"))] = port.find("state").get("state")
    for extra in ET.fromstring(out).iter("extraports"):  # "Not shown: N closed ports"
        for reason in extra.iter("extrareasons"):
            for number in _ports_in(reason.get("ports", "")):
                states[number] = extra.get("state")
    return states


def _ports_in(text: str) -> list[int]:
    found = []
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        found.extend(range(int(first), int(last or first) + 1))
    return found


def test_remote_scan_reports_open_closed_and_filtered_exactly(namespace):
    open_ports = namespace.listen([0, 0, 0])
    closed_ports = [p for p in range(20000, 20010) if p not in open_ports]
    dropped = [21000, 21001]
    prohibited = [21002]
    guarded_listener = namespace.listen([21003])  # listening, but behind a DROP rule
    for port in [*dropped, *guarded_listener]:
        namespace.drop(port)
    for port in prohibited:
        namespace.prohibit(port)
    ports = [*open_ports, *closed_ports, *dropped, *prohibited, *guarded_listener]

    report = scan(namespace.address, ports, timeout=0.5)

    assert set(report.open_ports) == set(open_ports)
    assert set(report.closed) == set(closed_ports)
    assert set(report.filtered) == {*dropped, *prohibited, *guarded_listener}
    assert report.target.address == namespace.address
    assert not report.target.is_loopback


def test_remote_scan_agrees_with_nmap(namespace):
    """The same open/closed/filtered verdict as ``nmap -sT`` for every port."""
    open_ports = namespace.listen([0, 0])
    for port in (22000, 22001):
        namespace.drop(port)
    namespace.prohibit(22002)
    ports = sorted({*open_ports, 22000, 22001, 22002, *range(22003, 22013)})
    ours = {r.port: r.state for r in scan(namespace.address, ports, timeout=0.5).results()}
    theirs = _nmap_states(namespace.address, ports)
    assert ours == theirs
    assert {p for p, s in ours.items() if s == OPEN} == set(open_ports)
    assert ours[22000] == FILTERED and ours[22002] == FILTERED and ours[22003] == CLOSED


def test_many_filtered_ports_are_waited_on_together(namespace):
    namespace.drop_range(30000, 30999)
    report = scan(namespace.address, list(range(30000, 31000)), timeout=0.3)
    assert report.filtered == tuple(range(30000, 31000))
    # Every port waits its timeout (and one retry) in parallel, not one after another.
    assert report.elapsed < 30


def test_cancel_with_probes_in_flight_closes_them_all(namespace):
    namespace.drop_range(40000, 40999)
    fds_before = len(os.listdir("/proc/self/fd"))
    threads_before = threading.active_count()
    cancel = threading.Event()
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    started = time.monotonic()
    report = scan(namespace.address, list(range(40000, 41000)), timeout=30, cancel=cancel)
    took = time.monotonic() - started
    timer.join()
    assert report.cancelled
    assert report.filtered == ()  # nothing had timed out yet
    assert took < 10  # returned on cancel, not after the 30 s timeouts
    assert len(os.listdir("/proc/self/fd")) == fds_before
    assert threading.active_count() == threads_before


def test_target_resolution_of_the_namespace_address(namespace):
    target = resolve_target(f" {namespace.address} ")
    assert target.address == namespace.address
    assert target.note == ""


_STARVED_SCAN = r"""
import json, os, resource, sys, threading
from portie_qt.core import scan as scanner
from portie_qt.core.scan import engine

throttled = []  # how often the scan met EMFILE and held back (counted, not changed)
backed_off = threading.Event()
_throttle = engine._Engine._throttle
def counting_throttle(self):
    throttled.append(len(self.pending))
    backed_off.set()
    _throttle(self)
engine._Engine._throttle = counting_throttle

# The hog empties the descriptor table while the scan has probes in flight and is about
# to start more. The scan thread waits for that here, so its next socket() meets EMFILE
# for certain; the hog gives the descriptors back once the scan has backed off. Both
# wait on conditions, not on time, so a busy machine cannot reorder them.
in_flight, emptied = threading.Event(), threading.Event()
_submit = engine._Engine.submit
def submit_after_the_hog(self, keys):
    if self.pending and not emptied.is_set():
        in_flight.set()
        emptied.wait(60)
    return _submit(self, keys)
engine._Engine.submit = submit_after_the_hog

address, ports = sys.argv[1], json.loads(sys.argv[2])
in_use = len(os.listdir("/proc/self/fd"))
limit = in_use + engine._FD_RESERVE + 40  # room for a few dozen probes at once
resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
hogged, events = [], []

def hog():
    if not in_flight.wait(60):
        return
    while True:  # take every free descriptor
        try:
            hogged.append(os.open("/dev/null", os.O_RDONLY))
        except OSError as exc:
            events.append(exc.errno)
            break
    emptied.set()
    backed_off.wait(60)  # until the scan has backed off
    for fd in hogged:
        os.close(fd)

thread = threading.Thread(target=hog)
thread.start()
report = scanner.scan(address, ports, timeout=0.5)
in_flight.set()  # (never needed: a scan that did not wait still lets the hog finish)
thread.join()
print(json.dumps({"open": report.open_ports, "closed": report.closed,
                  "filtered": report.filtered, "hogged": len(hogged), "events": events,
                  "throttled": len(throttled)}))
"""


def test_running_out_of_descriptors_slows_the_scan_but_never_misreports(namespace):
    """EMFILE mid-scan: ports are retried once descriptors return, every state still exact."""
    open_ports = namespace.listen([0, 0])
    namespace.drop_range(23000, 23199)
    closed_ports = list(range(24000, 24050))
    ports = [*open_ports, *range(23000, 23200), *closed_ports]
    done = subprocess.run(
        [sys.executable, "-c", _STARVED_SCAN, namespace.address, json.dumps(ports)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["events"] == [24]  # EMFILE: the hog really emptied the table
    assert result["hogged"] > 0
    assert result["throttled"] > 0  # the scan itself met EMFILE and backed off
    assert sorted(result["open"]) == sorted(open_ports)
    assert result["closed"] == closed_ports
    assert result["filtered"] == list(range(23000, 23200))


def test_hosts_are_up_filtered_or_down_as_their_answers_say():
    """Three addresses of one namespace: one answers (up), one's firewall refuses with
    ICMP "host prohibited" (filtered), one's drops everything silently (down)."""
    if os.geteuid() != 0:
        pytest.fail("building a network namespace needs root (run the netns tests as root)")
    from portie_qt.core.scan import (
        HOST_DOWN,
        HOST_FILTERED,
        HOST_UP,
        parse_targets,
        resolve_targets,
        scan_targets,
    )

    tag = f"{os.getpid() % 100000}{random.randrange(100):02d}"
    name, host_link, peer_link = f"pthost{tag}", f"pth{tag}h", f"pth{tag}n"
    used = _used_networks()
    net = random.choice([
        n for n in ipaddress.ip_network("10.253.0.0/16").subnets(new_prefix=29)
        if not any(n.overlaps(u) for u in used)
    ])  # fmt: skip
    up, refusing, silent = (str(a) for a in list(net.hosts())[1:4])
    ns = None
    try:
        ns = _build(name, host_link, peer_link, net)  # the namespace holds `up`
        for extra in (refusing, silent):
            ns.run("ip", "addr", "add", f"{extra}/{net.prefixlen}", "dev", peer_link)
        ns.run("iptables", "-A", "INPUT", "-d", refusing, "-p", "tcp", "-j", "REJECT",
               "--reject-with", "icmp-host-prohibited")  # fmt: skip
        ns.run("iptables", "-A", "INPUT", "-d", silent, "-p", "tcp", "-j", "DROP")
        [listening] = ns.listen([0])
        ports = [listening, 20000, 20001]
        targets = parse_targets(f"{up}-{silent.rsplit('.', 1)[1]}")
        report = scan_targets(resolve_targets(targets), ports, timeout=0.3)
        states = {h.target.address: h.state for h in report.hosts}
        assert states == {up: HOST_UP, refusing: HOST_FILTERED, silent: HOST_DOWN}
        by_address = {h.target.address: h for h in report.hosts}
        assert by_address[up].open_ports == (listening,)
        assert by_address[refusing].filtered == tuple(sorted(ports))
        assert by_address[silent].filtered == tuple(sorted(ports))
    finally:
        for proc in ns.children if ns else []:
            proc.kill()
            proc.wait(10)
            proc.stdout.close()
        _ip("netns", "del", name, check=False)
        _ip("link", "del", host_link, check=False)
