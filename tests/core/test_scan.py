"""The TCP connect scanner against real loopback listeners, plus its port-spec parser."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
import threading
import time

import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portie_qt.core import scan as scanner
from portie_qt.core.reference import service_label
from portie_qt.core.scan import (
    CLOSED,
    OPEN,
    PortSpecError,
    ScanResult,
    TargetError,
    engine,
    parse_ports,
    resolve_target,
    scan,
    targets,
)
from portie_qt.core.scan.top_ports import top100, top1000

# A child that serves a greeting (like SSH) or answers HEAD like a web server.
_SERVICE_CHILD = r"""
import socket, sys, threading, time
kind = sys.argv[1]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(64)
srv.settimeout(0.2)
print(srv.getsockname()[1], flush=True)
def serve(conn):
    try:
        conn.settimeout(3)
        if kind == "greeting":
            conn.sendall(b"SSH-2.0-PortieTest_1.0\r\n")
            time.sleep(0.5)
        elif kind == "hostile":  # escape sequences that retitle a terminal and fake a line
            conn.sendall(b"HTTP/1.0 200 OK\r\nServer: nginx\x1b]0;PWNED\x07\x1b[2K\rFAKE "
                         b"22/tcp open ssh\r\n\r\n")
            time.sleep(0.5)
        else:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(1024)
                if not chunk:
                    return
                data += chunk
            conn.sendall(b"HTTP/1.0 200 OK\r\nServer: PortieTestHTTP/2.1\r\n\r\n")
    except OSError:
        pass
    finally:
        conn.close()
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        continue
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""


@pytest.fixture
def service_child():
    """Factory for a child speaking first (greeting), answering HTTP HEAD, or hostile."""
    children: list[subprocess.Popen] = []

    def start(kind: str) -> int:
        proc = subprocess.Popen(
            [sys.executable, "-c", _SERVICE_CHILD, kind], stdout=subprocess.PIPE, text=True
        )
        children.append(proc)
        return int(proc.stdout.readline())

    yield start
    for proc in children:
        proc.kill()
        proc.wait(10)
        proc.stdout.close()


@pytest.fixture
def stuffed_port():
    """A listener whose one-slot accept queue is full: every SYN to it is dropped, so a
    probe waits for its whole timeout. Keeps a scan running for as long as a test needs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    filler = socket.create_connection(server.getsockname(), timeout=5)  # takes the slot
    yield server.getsockname()[1]
    filler.close()
    server.close()


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def listening_ipv4_ports() -> set[int]:
    """TCP ports listening where 127.0.0.1 reaches them, per the kernel (psutil)."""
    found = set()
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.ip in ("127.0.0.1", "0.0.0.0", "::"):
            found.add(conn.laddr.port)
    return found


class ListeningSampler:
    """Every port seen listening while a scan runs: other programs' listeners come and go.

    Samples the kernel's table (psutil) about every 10 ms on a helper thread that the
    ``with`` block starts and always joins; bounded to a minute.
    """

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        deadline = time.monotonic() + 60
        while not self._stop.wait(0.005) and time.monotonic() < deadline:
            self.seen |= listening_ipv4_ports()

    def __enter__(self) -> ListeningSampler:
        self.seen |= listening_ipv4_ports()
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(10)
        self.seen |= listening_ipv4_ports()


# --- port specs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("22,80,443", [22, 80, 443]),
        ("443,22,80,22", [22, 80, 443]),
        (" 8000 - 8003 , 9000 ", [8000, 8001, 8002, 8003, 9000]),
        ("1-5", [1, 2, 3, 4, 5]),
        ("0", [0]),
        ("65535", [65535]),
        ("7-7", [7]),
    ],
)
def test_parse_ports_reads_lists_and_ranges(spec, expected):
    assert parse_ports(spec) == expected


def test_parse_ports_presets():
    assert parse_ports("all") == list(range(1, 65536))
    assert parse_ports(" TOP100 ") == sorted(top100())
    assert parse_ports("top1000") == sorted(top1000())
    assert len(parse_ports("top1000")) == 1000
    assert parse_ports("top100,1") == sorted({1, *top100()})


def test_top_ports_are_ranked_and_start_with_the_usual_suspects():
    assert len(set(top100())) == 100
    assert top1000()[:100] == top100()
    assert {22, 80, 443, 3306, 5432, 8080, 3000}.issubset(top100())
    assert all(0 < port <= 65535 for port in top1000())


@pytest.mark.parametrize(
    ("spec", "quoted", "says"),
    [
        ("70000", "'70000'", "out of range: ports run 0–65535"),
        ("22,70000", "'70000'", "out of range: ports run 0–65535"),
        ("80-70000", "'70000'", "out of range"),
        ("90-80", "'90-80'", "runs backwards: write it as 80-90"),
        ("22,,80", "'22,,80'", "Empty part"),
        ("22, ,80", "'22, ,80'", "Empty part"),
        ("http", "'http'", "is not a port"),
        ("22,abc", "'abc'", "is not a port"),
        ("1-", "'1-'", "not a complete range"),
        ("-5", "'-5'", "not a complete range"),
        ("1-2-3", "'1-2-3'", "is not a port"),
        ("8o", "'8o'", "is not a port"),
        ("top10", "'top10'", "is not a port"),
        ("+80", "'+80'", "is not a port"),
        ("٨٠", "'٨٠'", "is not a port"),  # Arabic-Indic digits are not port numbers
    ],
)
def test_parse_ports_errors_name_the_bad_part(spec, quoted, says):
    with pytest.raises(PortSpecError) as caught:
        parse_ports(spec)
    assert quoted in str(caught.value)
    assert says in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("spec", ["", "   "])
def test_parse_ports_rejects_nothing(spec):
    with pytest.raises(PortSpecError, match="No ports given"):
        parse_ports(spec)


_port = st.integers(0, 65535)
_space = st.sampled_from(["", " ", "  ", "\t"])
_part = st.one_of(
    _port.map(lambda p: ("single", p, p)),
    st.tuples(_port, _port).map(lambda t: ("range", min(t), max(t))),
)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.tuples(_part, _space, _space), min_size=1, max_size=8))
def test_parse_ports_property_matches_the_union_of_parts(parts):
    texts, expected = [], set()
    for (kind, first, last), before, after in parts:
        body = str(first) if kind == "single" else f"{first}{before}-{after}{last}"
        texts.append(f"{before}{body}{after}")
        expected.update(range(first, last + 1))
    assert parse_ports(",".join(texts)) == sorted(expected)


_junk = st.text(alphabet="abcxyz!#%*/+.:;_~ 0123456789-", min_size=1, max_size=8).filter(
    lambda t: t.strip() and "," not in t
)


@settings(max_examples=300, deadline=None)
@given(good=st.lists(_port, max_size=3), bad=_junk, where=st.integers(0, 3))
def test_parse_ports_property_errors_quote_the_bad_part(good, bad, where):
    """Any part that is not a valid port, range or preset is refused and quoted back."""
    try:
        parse_ports(bad)
    except PortSpecError:
        pass
    else:
        return  # the "junk" happened to be valid, e.g. "12" or " 3-9"
    parts = [str(p) for p in good]
    parts.insert(min(where, len(parts)), bad)
    with pytest.raises(PortSpecError) as caught:
        parse_ports(",".join(parts))
    message = str(caught.value)
    stripped = bad.strip()
    # The message quotes the part, or the offending number inside a range.
    numbers = [n.strip() for n in stripped.split("-")]
    assert f"'{stripped}'" in message or any(f"'{n}'" in message for n in numbers if n)


# --- targets -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address", "family"),
    [
        ("127.0.0.1", "127.0.0.1", socket.AF_INET),
        (" 127.0.0.1 ", "127.0.0.1", socket.AF_INET),
        ("::1", "::1", socket.AF_INET6),
        ("[::1]", "::1", socket.AF_INET6),
        ("localhost", "127.0.0.1", socket.AF_INET),
    ],
)
def test_resolve_target_accepts_names_and_both_address_families(text, address, family):
    target = resolve_target(text)
    assert (target.address, target.family) == (address, family)
    assert target.is_loopback


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("bad host!", "'bad host!'"),
        ("-leading.example", "'-leading.example'"),
        ("[127.0.0.1]", "'[127.0.0.1]'"),
        ("[nonsense]", "'[nonsense]'"),
        ("a" * 300, "'" + "a" * 39 + "…'"),  # a long name is quoted, not repeated whole
    ],
)
def test_resolve_target_refuses_malformed_hosts_by_name(text, quoted):
    with pytest.raises(TargetError) as caught:
        resolve_target(text)
    assert quoted in str(caught.value)


def test_resolve_target_wants_something():
    with pytest.raises(TargetError, match="Enter a host name or IP address"):
        resolve_target("  ")


def test_resolve_target_failure_is_one_clear_sentence(monkeypatch):
    # No DNS traffic in tests: the resolver's answer is stood in for, the message is real.
    def no_such_host(*_args, **_kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(targets.socket, "getaddrinfo", no_such_host)
    with pytest.raises(TargetError) as caught:
        resolve_target("printer.example")
    message = str(caught.value)
    assert "'printer.example'" in message
    assert "Name or service not known" in message
    assert "\n" not in message


def test_resolve_target_with_several_addresses_scans_the_first_and_says_so(monkeypatch):
    def two_addresses(host, *_args, **_kwargs):
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", 0, 0, 0)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", 0)),
        ]

    monkeypatch.setattr(targets.socket, "getaddrinfo", two_addresses)
    target = resolve_target("multi.example")
    assert target.address == "127.0.0.1"  # IPv4 first, like nmap
    assert target.addresses == ("127.0.0.1", "127.0.0.2", "::1")
    assert "3 addresses" in target.note
    assert "127.0.0.1" in target.note


# --- labels and records ------------------------------------------------------------------


def test_bulk_service_labels_match_the_port_reference():
    for port in range(65536):
        assert scanner.tcp_service(port) == service_label(port, "tcp"), port


def test_scan_result_is_immutable():
    result = ScanResult("h", "127.0.0.1", 22, "tcp", OPEN, "SSH", None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.state = CLOSED  # type: ignore[misc]


def test_banner_text_prefers_the_http_server_header():
    assert scanner.banner_text(b"HTTP/1.1 200 OK\r\nServer: nginx/1.25\r\n\r\n") == "nginx/1.25"
    assert scanner.banner_text(b"HTTP/1.1 404 Not Found\r\n\r\n") == "HTTP/1.1 404 Not Found"
    assert scanner.banner_text(b"SSH-2.0-OpenSSH_9.2\r\n") == "SSH-2.0-OpenSSH_9.2"
    assert scanner.banner_text(b"220 mail ESMTP\x00\x01\r\nmore") == "220 mail ESMTP"
    assert scanner.banner_text(b"") is None


HOSTILE_BANNER = "nginx]0;PWNED[2K FAKE 22/tcp open ssh"


def test_banner_text_never_carries_control_characters():
    hostile = (
        b"HTTP/1.1 200 OK\r\nServer: nginx\x1b]0;PWNED\x07\x1b[2K\rFAKE 22/tcp open ssh\r\n\r\n"
    )
    assert scanner.banner_text(hostile) == HOSTILE_BANNER
    status_only = b"HTTP/1.1 200 \x1b[31mOK\x9b2J\r\n\r\n"  # C1 CSI too (latin-1 \x9b)
    assert scanner.banner_text(status_only) == "HTTP/1.1 200 [31mOK2J"
    assert scanner.banner_text("SSH-2.0-x\u202eevil\r\n".encode()) == "SSH-2.0-xevil"


def test_hostile_server_banner_arrives_as_plain_text(service_child):
    hostile = service_child("hostile")
    report = scan("127.0.0.1", [hostile], banners=True)
    [result] = report.open
    assert result.banner == HOSTILE_BANNER
    assert result.banner.isprintable()


# --- loopback scans ----------------------------------------------------------------------


def test_loopback_scan_finds_listeners_open_and_free_ports_closed(spawn_listener, refused_port):
    child = spawn_listener([("tcp", "127.0.0.1", 0)] * 3)
    ports = [*child.ports, refused_port]
    seen: list[ScanResult] = []
    progress: list[tuple[int, int, int]] = []
    report = scan(
        "127.0.0.1", ports, on_result=seen.append, on_progress=lambda *a: progress.append(a)
    )
    assert report.open_ports == tuple(sorted(child.ports))
    assert report.closed == (refused_port,)
    assert report.filtered == ()
    assert not report.cancelled
    assert sorted(r.port for r in seen) == sorted(ports)
    assert {r.port: r.state for r in seen}[refused_port] == CLOSED
    assert progress[-1] == (4, 4, 3)
    every = report.results()
    assert [r.port for r in every] == sorted(ports)
    assert all(r.protocol == "tcp" and r.address == "127.0.0.1" for r in every)


def test_ipv6_loopback_scan(spawn_listener):
    child = spawn_listener([("tcp", "::1", 0)])
    report = scan("[::1]", [child.port, child.port + 1 if child.port < 65535 else 1])
    assert report.open_ports == (child.port,)
    assert report.target.family == socket.AF_INET6


def test_full_range_scan_reports_only_real_listeners(spawn_listener, refused_port):
    """1–65535 on 127.0.0.1: ours open, nothing else open that the kernel does not list.

    Ports in the ephemeral range are where a probe can connect to itself (TCP
    simultaneous open); such a port must never come back open.
    """
    child = spawn_listener([("tcp", "127.0.0.1", 0)] * 4)
    with ListeningSampler() as listening:
        report = scan("127.0.0.1", parse_ports("all"))
    assert report.scanned == 65535
    assert set(child.ports) <= set(report.open_ports)
    assert refused_port in report.closed
    # Other programs on this machine may open or close listeners meanwhile: any port the
    # kernel listed as listening during the scan may be open, no other.
    assert set(report.open_ports) <= listening.seen
    # A listener whose accept queue is full drops SYNs, so it can look filtered (nmap agrees);
    # any other port on loopback answers at once.
    assert set(report.filtered) <= listening.seen
    assert not report.cancelled


def test_self_connect_is_detected_and_reported_closed():
    """A socket bound to P connecting to P opens a connection to itself; that is not a listener."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.settimeout(5)
    probe.connect(("127.0.0.1", port))  # simultaneous open with itself
    try:
        assert probe.getsockname() == probe.getpeername()
        assert engine._connected_state(probe) == (CLOSED, False)
    finally:
        probe.close()


def test_banners_report_greetings_and_http_server_headers(service_child):
    greeting = service_child("greeting")
    http = service_child("http")
    seen: list[ScanResult] = []
    report = scan("127.0.0.1", [greeting, http], banners=True, on_result=seen.append)
    banners = {r.port: r.banner for r in report.open}
    assert banners[greeting] == "SSH-2.0-PortieTest_1.0"
    assert banners[http] == "PortieTestHTTP/2.1"
    assert all(r.service == service_label(r.port, "tcp") for r in report.open)
    # Open ports are reported at once, then again when their banner is known.
    assert [(r.port, r.banner) for r in seen if r.port == greeting] == [
        (greeting, None),
        (greeting, "SSH-2.0-PortieTest_1.0"),
    ]


@pytest.mark.linux_only
def test_cancel_mid_scan_returns_promptly_and_closes_every_socket(spawn_listener):
    spawn_listener()
    threads_before = threading.active_count()
    fds_before = fd_count()
    cancel = threading.Event()
    calls = []

    def on_progress(done, total, open_so_far):
        calls.append(done)
        if done >= 5000:
            cancel.set()

    report = scan("127.0.0.1", parse_ports("all"), cancel=cancel, on_progress=on_progress)
    assert report.cancelled
    assert 5000 <= report.scanned < 65535
    assert "cancelled after" in report.summary()
    assert fd_count() == fds_before
    assert threading.active_count() == threads_before


def test_cancel_keeps_the_open_ports_found_on_this_machine(spawn_listener, stuffed_port):
    """Ports that connected through this machine's own address are settled at once
    (against its listening table), so they are reported before the end and a Cancel
    keeps them; nothing is called closed or filtered that did not answer."""
    child = spawn_listener([("tcp", "127.0.0.1", 0)] * 2)
    seen: list[ScanResult] = []
    cancel = threading.Event()

    def on_progress(done: int, total: int, _open: int) -> None:
        if done >= total - 1:  # everything but the stuffed port has answered
            cancel.set()

    report = scan("127.0.0.1", [*child.ports, stuffed_port], timeout=30, cancel=cancel,
                  on_result=seen.append, on_progress=on_progress)  # fmt: skip
    assert report.cancelled
    assert set(report.open_ports) == set(child.ports)
    assert {r.port for r in seen if r.state == OPEN} == set(child.ports)  # before the end
    assert stuffed_port not in (*report.closed, *report.filtered)


@pytest.mark.linux_only
def test_forked_workers_find_the_same_ports_and_leave_nothing_behind(spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0)] * 3)
    me = psutil.Process()
    children_before = {p.pid for p in me.children()}
    fds_before = fd_count()
    ports = parse_ports("all")
    with ListeningSampler() as listening:
        alone = scan("127.0.0.1", ports)
        shared = scan("127.0.0.1", ports, processes=2)
    assert set(child.ports) <= set(shared.open_ports)
    assert set(child.ports) <= set(alone.open_ports)
    assert shared.scanned == alone.scanned == 65535
    # Other programs' listeners may come and go meanwhile; nothing else is ever open.
    assert set(shared.open_ports) <= listening.seen
    assert set(alone.open_ports) <= listening.seen
    assert fd_count() == fds_before
    assert {p.pid for p in me.children()} == children_before  # workers reaped


@pytest.mark.linux_only
def test_cancelling_forked_workers_kills_them_and_closes_everything(spawn_listener):
    spawn_listener()
    me = psutil.Process()
    children_before = {p.pid for p in me.children()}
    fds_before = fd_count()
    started = []

    def cancel() -> bool:
        started.append(None)
        return len(started) > 2  # a couple of checks in, mid-scan

    report = scan("127.0.0.1", parse_ports("all"), cancel=cancel, processes=2)
    assert report.cancelled
    assert fd_count() == fds_before
    assert {p.pid for p in me.children()} == children_before


def test_parallel_processes_only_for_big_scans_of_this_machine():
    loopback = resolve_target("127.0.0.1")
    assert scanner.parallel_processes(loopback, 100) == 1
    assert scanner.parallel_processes(resolve_target("192.0.2.1"), 65535) == 1
    expected = 1 if threading.active_count() > 1 or "PySide6.QtCore" in sys.modules else None
    got = scanner.parallel_processes(loopback, 65535)
    assert got == expected if expected else 1 <= got <= 4
    with pytest.raises(ValueError, match="callbacks"):
        scan("127.0.0.1", [1, 2], processes=2, on_progress=lambda *a: None)


@pytest.mark.linux_only
def test_cancel_before_start_scans_nothing():
    fds_before = fd_count()
    report = scan("127.0.0.1", [1, 2, 3], cancel=lambda: True)
    assert report.cancelled and report.scanned == 0
    assert fd_count() == fds_before


def test_scan_rejects_bad_arguments():
    with pytest.raises(PortSpecError, match="'70000'"):
        scan("127.0.0.1", [70000])
    with pytest.raises(ValueError, match="timeout"):
        scan("127.0.0.1", [1], timeout=0)
    with pytest.raises(ValueError, match="Concurrency"):
        scan("127.0.0.1", [1], concurrency=0)


@pytest.mark.linux_only
def test_concurrency_respects_the_descriptor_limit():
    import resource
    import selectors

    soft = scanner.raise_fd_limit()
    assert soft == resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    with selectors.DefaultSelector() as selector:
        assert scanner.effective_concurrency(None, selector) <= soft - fd_count()
        assert scanner.effective_concurrency(10, selector) == 10
        assert scanner.effective_concurrency(10**9, selector) < soft
    with selectors.SelectSelector() as selector:  # what Windows gets: capped at 512
        assert scanner.effective_concurrency(None, selector) <= 512


def test_scan_leaves_no_time_wait_pile(spawn_listener):
    child = spawn_listener()
    for _ in range(5):
        scan("127.0.0.1", [child.port])
    waiting = [
        c
        for c in psutil.net_connections(kind="tcp")
        if c.status == psutil.CONN_TIME_WAIT and c.raddr and c.raddr.port == child.port
    ]
    assert waiting == []


def test_report_results_serialise_to_json(spawn_listener):
    child = spawn_listener()
    report = scan("localhost", [child.port, child.port - 1])
    rows = [r.as_dict() for r in report.results()]
    assert json.loads(json.dumps(rows))[0].keys() == {
        "host", "address", "port", "protocol", "state", "service", "banner"
    }  # fmt: skip
    assert rows[0]["host"] == "localhost"
