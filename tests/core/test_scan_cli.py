"""`portie scan`: run as a real subprocess against real loopback listeners."""

from __future__ import annotations

import json

import pytest

from portie_qt.core.license import LOCKED_MESSAGE
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
    ],
)
def test_bad_input_exits_2_with_one_sentence(licensed, args, says):
    result = portie("scan", *args)
    assert result.returncode == 2
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_bad_input_while_locked_still_says_locked():
    result = portie("scan", "127.0.0.1", "--ports", "70000")
    assert result.returncode == 3
