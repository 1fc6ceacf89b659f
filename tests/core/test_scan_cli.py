"""`portie scan`: run as a real subprocess against real loopback listeners."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from portie_qt.core.license import LOCKED_MESSAGE
from tests.core.test_scan import (
    HOSTILE_BANNER,
    service_child,  # noqa: F401 - a fixture used below
)
from tests.core.test_scan_hosts import ADDRESSES, holders, two_hosts  # noqa: F401 - fixtures
from tests.portie_cli import REPO
from tests.portie_cli import run_portie as portie

KEYS = {"host", "address", "port", "protocol", "state", "service", "banner"}


def test_locked_scan_says_so_and_exits_3(spawn_listener):
    child = spawn_listener()
    result = portie("scan", "127.0.0.1", "--ports", str(child.port))
    assert result.returncode == 3
    assert LOCKED_MESSAGE in result.stderr
    assert result.stdout == ""


def test_json_lists_every_scanned_port(licensed, spawn_listener, refused_port):
    child = spawn_listener([("tcp", "127.0.0.1", 0)] * 2)
    spec = ",".join(str(p) for p in [*child.ports, refused_port])
    result = portie("scan", "127.0.0.1", "--ports", spec, "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["port"] for row in rows] == sorted([*child.ports, refused_port])
    assert all(set(row) == KEYS for row in rows)
    states = {row["port"]: row["state"] for row in rows}
    assert states == {child.ports[0]: "open", child.ports[1]: "open", refused_port: "closed"}
    assert all(r["protocol"] == "tcp" and r["address"] == "127.0.0.1" for r in rows)
    assert "2 open, 1 closed, 0 filtered" in result.stderr


def test_json_of_a_full_scan_is_complete_and_valid(licensed, spawn_listener):
    child = spawn_listener()
    result = portie("scan", "127.0.0.1", "--ports", "all", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["port"] for row in rows] == list(range(1, 65536))
    assert rows[child.port - 1]["state"] == "open"
    assert rows[21]["service"] == "SSH"  # port 22, from the port reference


def test_table_shows_open_ports_and_a_summary(licensed, spawn_listener, refused_port):
    child = spawn_listener()
    result = portie("scan", "localhost", "-p", f"{child.port},{refused_port}", "--timeout", "0.5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["PORT", "STATE", "SERVICE", "BANNER"]
    assert lines[1].startswith(f"{child.port}/tcp")
    assert "open" in lines[1]
    assert lines[-1].startswith("1 open, 1 closed, 0 filtered on 127.0.0.1 in ")


def test_ipv6_literal_in_brackets(licensed, spawn_listener):
    child = spawn_listener([("tcp", "::1", 0)])
    result = portie("scan", "[::1]", "--ports", str(child.port), "--json")
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert (row["host"], row["address"], row["state"]) == ("::1", "::1", "open")


def test_no_open_ports_is_said_plainly(licensed, refused_port):
    result = portie("scan", "127.0.0.1", "--ports", str(refused_port))
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "No open ports among 1 scanned."


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["127.0.0.1", "--ports", "22,70000"], "'70000' is out of range: ports run 0–65535"),
        (["127.0.0.1", "--ports", "90-80"], "'90-80' runs backwards"),
        (["127.0.0.1", "--ports", "ssh"], "'ssh' is not a port"),
        (["bad host!"], "'bad host!' is not a valid host name"),
        (["127.0.0.1", "--timeout", "0"], "'0' is out of range"),
        (["127.0.0.1", "--timeout", "soon"], "'soon' is not a number of seconds"),
        (["127.0.0.1", "--concurrency", "0"], "'0' is out of range"),
        # The timeout takes what its help says, 0.05 to 60 seconds, and nothing else.
        (["127.0.0.1", "--timeout", "0.0001"], "'0.0001' is out of range: use 0.05 to 60"),
        (["127.0.0.1", "--timeout", "1e-300"], "'1e-300' is out of range: use 0.05 to 60"),
        (["127.0.0.1", "--timeout", "nan"], "'nan' is out of range: use 0.05 to 60"),
        (["127.0.0.1", "--timeout", "inf"], "'inf' is out of range: use 0.05 to 60"),
        (["127.0.0.1", "--timeout", "60.5"], "'60.5' is out of range: use 0.05 to 60"),
        (["127.0.0.0/15"], "is 131,072 addresses; Portie scans at most 65,536"),
        (["127.0.0.0/20", "--ports", "all"], "probes; one scan makes at most 16,777,216"),
        (["127.0.0.0/23", "--ports", "1"], "'127.0.0.0/23' is 512 addresses: add --yes"),
    ],
)
def test_bad_input_exits_2_with_one_sentence(licensed, args, says):
    result = portie("scan", *args)
    assert result.returncode == 2
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["not..a..host"], "'not..a..host' is not a valid host name"),
        (["127.0.0.1", "--ports", "bogus"], "'bogus' is not a port"),
        (["127.0.0.1", "--ports", "1-99999"], "'99999' is out of range: ports run 0–65535"),
        (["127.0.0.1", "--ports", "70000"], "'70000' is out of range"),
    ],
)
def test_locked_copy_checks_the_input_first(args, says):
    """A typo is a typo, locked or not: the input error (exit 2), not the paid message."""
    result = portie("scan", *args)
    assert result.returncode == 2
    assert says in result.stderr
    assert LOCKED_MESSAGE not in result.stderr


def test_five_thousand_digits_are_one_sentence():
    """Locked, too: the input is read first, and no integer-size limit escapes as a traceback."""
    result = portie("scan", "127.0.0.1", "-p", "9" * 5000)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("portie scan: '9999") and line.endswith("ports run 0–65535")
    assert len(line) < 120 and "Traceback" not in result.stderr


def test_timeout_edges_are_accepted(licensed, refused_port):
    for seconds in ("0.05", "60"):
        result = portie("scan", "127.0.0.1", "-p", str(refused_port), "--timeout", seconds)
        assert result.returncode == 0, result.stderr


def test_a_low_descriptor_limit_is_said_once_and_the_scan_uses_what_there_is(
    licensed, spawn_listener
):
    """`ulimit -n 64`: the scan keeps what descriptors there are in flight (not one), and
    says so once, with the limit and how to raise it."""
    child = spawn_listener()
    done = subprocess.run(
        ["prlimit", "--nofile=64:64", sys.executable, "-m", "portie_qt", "scan", "127.0.0.1",
         "-p", f"1-3000,{child.port}", "--json"],
        capture_output=True, text=True, timeout=120, cwd=REPO, env=os.environ.copy(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    notices = [ln for ln in done.stderr.splitlines() if "open files are allowed" in ln]
    assert len(notices) == 1
    assert notices[0].startswith("portie scan: Only 64 open files are allowed here (ulimit -n)")
    assert "ulimit -n 65536" in notices[0]
    in_flight = int(notices[0].split("keeps ")[1].split()[0])
    assert 1 < in_flight < 64
    rows = json.loads(done.stdout)
    assert len(rows) == len({*range(1, 3001), child.port})
    assert {r["port"] for r in rows if r["state"] == "open"} >= {child.port}


def test_hostile_banner_cannot_write_to_the_terminal(licensed, service_child):  # noqa: F811
    hostile = service_child("hostile")
    result = portie("scan", "127.0.0.1", "-p", str(hostile), "--banners")
    assert result.returncode == 0, result.stderr
    assert not any(ch in result.stdout for ch in "\x1b\x07\r\x9b")
    [row] = [ln for ln in result.stdout.splitlines() if ln.startswith(f"{hostile}/tcp")]
    assert row.endswith(HOSTILE_BANNER)
    assert len(result.stdout.splitlines()) == 3  # header, the one port, the summary
    as_json = portie("scan", "127.0.0.1", "-p", str(hostile), "--banners", "--json")
    assert json.loads(as_json.stdout)[0]["banner"] == HOSTILE_BANNER


# --- many hosts --------------------------------------------------------------------------


def test_many_hosts_json_stays_one_flat_array_of_port_rows(licensed, two_hosts):  # noqa: F811
    second, third, ports = two_hosts
    spec = ",".join(map(str, ports))
    result = portie("scan", "127.0.0.0/29", "-p", spec, "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert all(set(row) == KEYS for row in rows)
    assert [(r["address"], r["port"]) for r in rows] == [(a, p) for a in ADDRESSES for p in ports]
    assert {(r["address"], r["port"]) for r in rows if r["state"] == "open"} == {
        ("127.0.0.2", second.port), ("127.0.0.3", third.port)
    }  # fmt: skip
    assert "2 open, 14 closed, 0 filtered on 8 hosts (8 up) in " in result.stderr


def test_many_hosts_table_and_the_diff_after_a_listener_stops(
    licensed,
    two_hosts,  # noqa: F811
    holders,  # noqa: F811
):
    second, third, ports = two_hosts
    spec = ",".join(map(str, ports))
    first = portie("scan", "127.0.0.0/29", "-p", spec, "--diff")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].split() == ["HOST", "ADDRESS", "STATE", "OPEN", "CLOSED", "FILTERED"]
    assert lines[3].split() == ["127.0.0.2", "127.0.0.2", "up", "1", "1", "0"]
    assert f"127.0.0.3  {third.port}/tcp  open" in first.stdout
    assert lines[-1] == "First scan of 127.0.0.0/29: nothing earlier to compare with."
    second.stop()
    holders.hold("127.0.0.2", second.port)
    again = portie("scan", "127.0.0.0/29", "-p", spec, "--diff")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == (
        f"127.0.0.2: closed since last scan: {second.port}/tcp"
    )


def test_a_large_sweep_needs_yes(licensed):
    result = portie("scan", "127.0.2.0/23", "-p", "1", "--yes", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 512 and len({r["address"] for r in rows}) == 512
