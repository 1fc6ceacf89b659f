"""Many hosts per scan and the scan history, on the loopback range only.

127.0.0.2, 127.0.0.3 … are distinct hosts of this machine. Every port the tests
expect closed is held on every scanned address by a bound, non-listening socket
(without SO_REUSEADDR, so nobody else can listen there meanwhile): the expected
states are exact whatever else runs on the machine.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portie_qt.core.export import scan_json, scan_text
from portie_qt.core.scan import (
    CLOSED,
    HOST_DOWN,
    HOST_UP,
    MAX_ADDRESSES,
    OPEN,
    PortSpecError,
    TargetError,
    parse_ports,
    parse_targets,
    resolve_targets,
    scan_targets,
)
from portie_qt.core.scan.history import (
    ScanHistory,
    changes,
    decode_report,
    encode_report,
    record_and_compare,
)
from portie_qt.core.scan.spec import format_ports

BLOCK = "127.0.0.0/29"
ADDRESSES = [f"127.0.0.{n}" for n in range(8)]


class PortHolders:
    """Bound, non-listening sockets on (address, port): a connect there is refused, and no
    other program can listen there while they are held."""

    def __init__(self) -> None:
        self.held: dict[tuple[str, int], socket.socket] = {}

    def hold(self, address: str, port: int) -> None:
        sock = socket.socket()
        try:
            sock.bind((address, port))
        except OSError as exc:
            sock.close()
            pytest.fail(f"{address}:{port} is in use by another program ({exc}); run again")
        self.held[(address, port)] = sock

    def close(self) -> None:
        for sock in self.held.values():
            sock.close()


@pytest.fixture
def holders():
    made = PortHolders()
    yield made
    made.close()


@pytest.fixture
def two_hosts(spawn_listener, holders):
    """A listener on 127.0.0.2 and one on 127.0.0.3; both ports refused everywhere else."""
    second = spawn_listener([("tcp", "127.0.0.2", 0)])
    third = spawn_listener([("tcp", "127.0.0.3", 0)])
    ports = sorted({second.port, third.port})
    for address in ADDRESSES:
        for port in ports:
            if (address, port) not in {("127.0.0.2", second.port), ("127.0.0.3", third.port)}:
                holders.hold(address, port)
    return second, third, ports


def sweep(spec: str, ports: list[int], **kwargs):
    targets = parse_targets(spec)
    return scan_targets(resolve_targets(targets), ports, targets_text=targets.text,
                        ports_spec=format_ports(ports), **kwargs)  # fmt: skip


# --- what the user types -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hosts", "canonical"),
    [
        ("192.0.2.0/30", ["192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3"], "192.0.2.0/30"),
        (" 192.0.2.5/30 ", ["192.0.2.4", "192.0.2.5", "192.0.2.6", "192.0.2.7"], "192.0.2.4/30"),
        ("192.0.2.10-12", ["192.0.2.10", "192.0.2.11", "192.0.2.12"], "192.0.2.10-192.0.2.12"),
        ("192.0.2.254-192.0.3.1", ["192.0.2.254", "192.0.2.255", "192.0.3.0", "192.0.3.1"],
         "192.0.2.254-192.0.3.1"),
        ("192.0.2.7, NAS.example ,[::1]", ["192.0.2.7", "NAS.example", "::1"],
         "192.0.2.7,nas.example,::1"),
        ("2001:db8::/126", ["2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"],
         "2001:db8::/126"),
        ("192.0.2.1,192.0.2.0/31", ["192.0.2.1", "192.0.2.0"], "192.0.2.1,192.0.2.0/31"),
        ("my-host", ["my-host"], "my-host"),
    ],
)  # fmt: skip
def test_targets_read_blocks_ranges_lists_and_names(text, hosts, canonical):
    targets = parse_targets(text)
    assert targets.hosts() == hosts
    assert targets.text == canonical
    assert parse_targets(canonical).text == canonical  # the canonical text reads back


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("192.0.2.0/33", "'192.0.2.0/33' is not a CIDR block: the prefix length runs 0–32"),
        ("nas.local/24", "is not a CIDR block: it needs an address"),
        ("192.0.2.20-10", "'192.0.2.20-10' runs backwards: write it as 192.0.2.10-192.0.2.20"),
        ("192.0.2.10-300", "is not a range of addresses"),
        ("192.0.2.1-2001:db8::1", "is not a range of addresses"),
        ("192.0.2.1,,192.0.2.2", "Empty part"),
        ("not..a..host", "'not..a..host' is not a valid host name"),
        ("10.0.0.0/15", "is 131,072 addresses; Portie scans at most 65,536"),
        ("2001:db8::/64", "addresses; Portie scans at most 65,536"),
        ("", "Enter a host name or IP address"),
    ],
)
def test_bad_targets_get_one_sentence(text, says):
    with pytest.raises(TargetError) as caught:
        parse_targets(text)
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)


def test_sizes_are_counted_without_expanding_and_large_ones_ask_first():
    assert parse_targets("10.0.0.0/16").count == MAX_ADDRESSES  # the largest allowed
    assert parse_targets("10.0.0.0/24").needs_confirmation is False  # 256: no question
    assert parse_targets("10.0.0.0/24,10.0.1.1").needs_confirmation is True  # 257
    with pytest.raises(TargetError, match="65,537 addresses"):
        parse_targets("10.0.0.0/16,10.1.0.1")


def test_resolving_keeps_order_and_scans_each_address_once():
    resolved = resolve_targets(parse_targets("127.0.0.3,127.0.0.1-3,localhost"))
    assert [t.address for t in resolved] == ["127.0.0.3", "127.0.0.1", "127.0.0.2"]


_ANY_TEXT = st.text(
    alphabet=st.sampled_from([*list("0123456789abcdefx.:/-,[]% "), "٣", "\x1b", "\u202e", "é"]),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(_ANY_TEXT, st.text(max_size=40)))
def test_target_parser_returns_targets_or_one_clear_error(text):
    """Whatever is typed: a target list within the bounds, or TargetError, never another."""
    try:
        targets = parse_targets(text)
    except TargetError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 300
        return
    assert 1 <= targets.count <= MAX_ADDRESSES
    assert parse_targets(targets.text).count == targets.count


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(max_size=30), st.text(alphabet="0123456789-, ", max_size=30)))
def test_port_spec_parser_returns_ports_or_one_clear_error(text):
    """Any text: sorted unique ports 0–65535, or PortSpecError with one line, never another."""
    try:
        ports = parse_ports(text)
    except PortSpecError as exc:
        assert str(exc) and "\n" not in str(exc) and len(str(exc)) < 200
        return
    assert ports == sorted(set(ports)) and all(0 <= p <= 65535 for p in ports)
    assert parse_ports(format_ports(ports)) == ports  # and its short form reads back


def test_thousands_of_digits_are_one_sentence():
    with pytest.raises(PortSpecError, match="out of range: ports run 0–65535"):
        parse_ports("9" * 5000)
    with pytest.raises(TargetError, match="is not a range of addresses"):
        parse_targets("192.0.2.1-" + "9" * 5000)


# --- scanning many hosts -----------------------------------------------------------------


def test_block_of_eight_loopback_hosts_gets_exact_per_host_states(two_hosts):
    second, third, ports = two_hosts
    seen: dict[tuple[int, int], str] = {}

    def on_batch(found):
        for index, opened, closed, filtered in found:
            for state, numbers in ((OPEN, opened), (CLOSED, closed), ("filtered", filtered)):
                for port in numbers:
                    assert (index, port) not in seen  # each probe reported once
                    seen[(index, port)] = state

    report = sweep(BLOCK, ports, on_batch=on_batch)
    assert [h.target.address for h in report.hosts] == ADDRESSES
    assert [h.state for h in report.hosts] == [HOST_UP] * 8  # every one answered (RST)
    states = {h.target.address: {r.port: r.state for r in h.results()} for h in report.hosts}
    for address in ADDRESSES:
        expected = {port: CLOSED for port in ports}
        if address == "127.0.0.2":
            expected[second.port] = OPEN
        if address == "127.0.0.3":
            expected[third.port] = OPEN
        assert states[address] == expected, address
    assert seen == {(i, p): states[a][p] for i, a in enumerate(ADDRESSES) for p in ports}
    assert report.counts() == {OPEN: 2, CLOSED: 14, "filtered": 0}
    assert report.summary().startswith("2 open, 14 closed, 0 filtered on 8 hosts (8 up) in ")


def test_an_address_with_no_route_is_down_beside_one_that_answers(holders):
    holders.hold("127.255.255.254", 0)
    port = holders.held[("127.255.255.254", 0)].getsockname()[1]
    # 127.255.255.255 is loopback's broadcast address: nothing can be reached there.
    report = sweep("127.255.255.254-255", [port])
    assert [(h.target.address, h.state) for h in report.hosts] == [
        ("127.255.255.254", HOST_UP),
        ("127.255.255.255", HOST_DOWN),
    ]
    assert report.hosts[1].filtered == (port,)


def test_json_of_many_hosts_is_one_flat_array_naming_host_and_address(two_hosts):
    second, third, ports = two_hosts
    rows = json.loads(scan_json(sweep("127.0.0.2-3", ports)))
    assert [(r["address"], r["port"], r["state"]) for r in rows] == [
        ("127.0.0.2", p, OPEN if p == second.port else CLOSED) for p in ports
    ] + [("127.0.0.3", p, OPEN if p == third.port else CLOSED) for p in ports]
    assert all(r["host"] == r["address"] for r in rows)
    table = scan_text(sweep("127.0.0.2-3", ports), "csv").splitlines()
    assert table[0] == "host,address,port,protocol,state,service,banner" and len(table) == 5


# --- history -----------------------------------------------------------------------------


def test_history_says_what_closed_after_a_listener_stops(two_hosts, holders):
    second, _third, ports = two_hosts
    history = ScanHistory()
    first_id, text, notice = record_and_compare(sweep(BLOCK, ports), history)
    assert (first_id, notice) == (1, "")
    assert text == "First scan of 127.0.0.0/29: nothing earlier to compare with."
    second.stop()
    holders.hold("127.0.0.2", second.port)  # and nobody else takes it meanwhile
    again = sweep(" 127.0.0.0/29 ", ports)  # typed differently: the same target
    second_id, text, notice = record_and_compare(again, history)
    assert second_id == 2
    assert text == f"127.0.0.2: closed since last scan: {second.port}/tcp"
    _, text, _ = record_and_compare(sweep(BLOCK, ports), history)
    assert text.startswith("No change since the last scan (")
    assert [p.id for p in history.past()] == [3, 2, 1]
    assert history.past()[-1].open == 2 and history.past()[0].open == 1


def test_changes_count_only_ports_both_scans_covered(two_hosts):
    second, _third, ports = two_hosts
    everything = sweep("127.0.0.2", ports)
    narrower = sweep("127.0.0.2", [p for p in ports if p != second.port])
    assert changes(everything, narrower).empty  # the open port was not looked at again
    assert changes(narrower, everything).empty  # ... nor was it looked at before
    assert changes(narrower, everything).lines()[0].startswith("No change since the last scan")


def test_a_reopened_scan_is_the_same_scan(two_hosts):
    _second, _third, ports = two_hosts
    report = sweep(BLOCK, ports, banners=True)
    history = ScanHistory()
    scan_id = history.record(report)
    again = history.load(scan_id)
    assert again == decode_report(encode_report(report))
    assert [(h.target, h.open, h.closed, h.filtered, h.state) for h in again.hosts] == [
        (h.target, h.open, h.closed, h.filtered, h.state) for h in report.hosts
    ]
    assert scan_json(again) == scan_json(report)
    assert (again.targets, again.ports_spec, again.cancelled) == (BLOCK, report.ports_spec, False)


def test_history_file_is_private_bounded_and_survives_damage(config_dir, two_hosts):
    _second, _third, ports = two_hosts
    report = sweep("127.0.0.2", ports)
    history = ScanHistory(max_scans=3)
    for _ in range(5):
        history.record(report)
    assert [p.id for p in history.past()] == [5, 4, 3]  # only the newest three kept
    assert stat.S_IMODE(os.stat(config_dir).st_mode) == 0o700
    for name in os.listdir(config_dir):
        assert stat.S_IMODE(os.stat(config_dir / name).st_mode) == 0o600, name
    history.path.write_bytes(b"this is not a database" * 100)
    fresh = ScanHistory()
    assert fresh.record(report) == 1
    assert "damaged" in fresh.notice and "kept as scan_history.sqlite3.damaged-" in fresh.notice
    assert [p.id for p in fresh.past()] == [1]


def test_history_in_an_unwritable_place_says_so_and_the_scan_still_counts(tmp_path, two_hosts):
    _second, _third, ports = two_hosts
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    history = ScanHistory(blocker / "scan_history.sqlite3")
    scan_id, text, notice = record_and_compare(sweep("127.0.0.2", ports), history)
    assert scan_id is None
    assert notice.startswith("This scan could not be saved to the history")
    assert text.startswith("First scan of 127.0.0.2")


def test_a_damaged_stored_scan_is_reported_not_raised(two_hosts):
    _second, _third, ports = two_hosts
    history = ScanHistory()
    scan_id = history.record(sweep("127.0.0.2", ports))
    with sqlite3.connect(history.path) as conn:
        conn.execute("UPDATE scans SET body = ? WHERE id = ?", (b"garbage", scan_id))
    assert history.load(scan_id) is None
    assert f"Scan {scan_id} in the history is damaged" in history.notice
