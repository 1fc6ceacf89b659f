"""The benchmark harness works end to end: a real socket fixture, a real measurement.

No timing assertions: figures are for `python -m benchmarks`, not for tests.
"""

from __future__ import annotations

import json
import subprocess
import sys

import psutil
import pytest

from portie_qt.core.collector import Collector
from tests.listeners import wait_until

# The harness is Linux's (resource limits, /proc, network namespaces): imported only there,
# so collecting this file on macOS or Windows works and its tests are skipped.
pytestmark = pytest.mark.linux_only
if sys.platform.startswith("linux"):
    from benchmarks import refresh, run
    from benchmarks.fixture import SocketFixture, plan
    from benchmarks.netns import private_netns
    from benchmarks.report import entry, failed, format_table, missing_tool

SMALL = 200


def _owned_by(pid: int):
    return [e for e in Collector().collect().endpoints if e.pid == pid]


def test_fixture_holds_exactly_the_sockets_asked_for_and_stops():
    pairs, udp = plan(SMALL)
    assert 1 + 2 * pairs + udp == SMALL
    fixture = SocketFixture.start(SMALL)
    try:
        assert fixture.sockets == SMALL
        mine = _owned_by(fixture.pid)
        assert len(mine) == SMALL
        tcp = [e for e in mine if e.protocol == "tcp"]
        assert sum(e.state == "LISTEN" for e in tcp) == 1
        assert sum(e.state == "ESTABLISHED" for e in tcp) == 2 * pairs
        assert sorted({e.state for e in mine if e.protocol == "udp"}) == ["BOUND", "CONNECTED"]
        assert all(e.local_address == "127.0.0.1" for e in mine)
    finally:
        fixture.stop()
    assert not fixture.alive()
    assert not psutil.pid_exists(fixture.pid)


def test_fixture_ends_by_itself_after_its_lifetime():
    fixture = SocketFixture.start(10, lifetime=1.0)
    try:
        assert wait_until(lambda: not fixture.alive(), timeout=15)
    finally:
        fixture.stop()


def test_refresh_benchmark_measures_every_contender_at_small_n():
    times = refresh.measure(rounds=2, sockets=SMALL)
    expected = {"refresh", "psutil"} | {t for t in ("ss", "lsof") if not missing_tool(t)}
    assert expected <= set(times)
    for name in expected:
        assert len(times[name]) == 2 and all(t > 0 for t in times[name])
    assert times["_rows"][0] >= SMALL


def test_table_and_json_carry_every_row(capsys, monkeypatch):
    monkeypatch.setitem(run.BENCHMARKS, "demo", ("benchmarks.no_such_module", "run", "demo"))
    assert run.main(["demo", "--json", "--no-netns"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows[0]["value"] is None and "could not be imported" in rows[0]["note"]
    measured = entry("x", 12.5, "ms", reference="y 10 ms", ratio=1.25, target="≤ 1.5× y", met=True)
    table = format_table([measured, failed("z", "Not measured.")])
    assert "1.25×" in table and "not measured" in table and "Not measured." in table


@pytest.mark.netns
def test_private_namespace_shows_none_of_the_machines_sockets():
    with SocketFixture.start(20), private_netns() as prefix:  # 20 sockets outside it
        probe = "print(len(open('/proc/net/tcp').read().splitlines()) - 1)"
        done = subprocess.run([*prefix, sys.executable, "-c", probe], capture_output=True,
                              text=True, timeout=30, check=True)  # fmt: skip
        assert done.stdout.strip() == "0"
        name = prefix[-1]
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=30)
    assert name not in listed.stdout  # deleted on the way out


def test_unknown_benchmark_is_one_sentence_and_exit_2(capsys):
    assert run.main(["nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Unknown benchmark nope") and "\n" not in err


def test_missing_tool_says_how_to_install():
    assert missing_tool("sh") == ""
    message = missing_tool("portie-no-such-tool")
    assert "not installed" in message and message.endswith(".")


@pytest.mark.netns
def test_remote_benchmark_measures_a_real_host_and_its_references():
    from benchmarks import bench_remote

    times = bench_remote.measure(rounds=1, sockets=SMALL)
    for name in ("remote_cpu", "local_cpu", "first_rows", "ssh_ss"):
        assert times[name] and sum(times[name]) > 0, name
    assert times["rows"][0] >= SMALL  # the host's fixture, plus its sshd and our login
    assert len(times["remote_cpu"]) == len(times["local_cpu"]) == 4


def test_container_benchmark_measures_with_and_without_the_engine(docker):
    from benchmarks import containers

    docker.web()
    times, where, count = containers.measure(rounds=1)
    assert where == "the machine's engine" and count >= 1  # DOCKER_HOST names the session's
    for name in ("refresh", "refresh+engine", "list", "cold refresh", "cold engine"):
        assert times[name] and all(t > 0 for t in times[name])


def test_bare_table_reference_shows_this_machines_sockets(spawn_listener, config_dir):
    from benchmarks.ui import child_env

    spawn_listener()  # at least one socket to show
    for mode in ("first-rows", "memory"):
        done = subprocess.run([sys.executable, "-m", "benchmarks.bare_table", mode],
                              env=child_env(str(config_dir)), capture_output=True, text=True,
                              timeout=60, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        line = done.stdout.strip().splitlines()[-1]
        if mode == "first-rows":
            assert int(line.removeprefix("rows=")) >= 1
        else:
            measured = json.loads(line)
            assert measured["rows"] >= 1 and measured["rss"] > 0 and measured["painted_s"] > 0
