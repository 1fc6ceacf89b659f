"""`portie free PORT`: the terminal way to free a busy port, run as a real subprocess."""

from __future__ import annotations

import pytest

from portie_qt.core.stopping import port_in_use
from tests.listeners import reserved_port, wait_until
from tests.portie_cli import run_portie as portie


def test_free_yes_stops_the_listener_and_frees_the_port(licensed, spawn_listener):
    child = spawn_listener()
    result = portie("free", str(child.port), "--yes")
    assert result.returncode == 0, result.stderr
    assert f"PID {child.pid}" in result.stdout
    assert f"Port {child.port} is free now." in result.stdout
    assert wait_until(lambda: not child.alive(), timeout=5)
    assert not port_in_use(child.port)


def test_free_asks_first_and_no_means_nothing_happens(licensed, spawn_listener):
    child = spawn_listener()
    result = portie("free", str(child.port), stdin="n\n")
    assert result.returncode == 1
    assert "[y/N]" in result.stdout and "Nothing was done." in result.stdout
    assert child.alive()


def test_free_yes_typed_at_the_prompt_stops_it(licensed, spawn_listener):
    child = spawn_listener()
    result = portie("free", str(child.port), stdin="y\n")
    assert result.returncode == 0, result.stderr
    assert wait_until(lambda: not child.alive(), timeout=5)


def test_free_reports_a_process_ignoring_sigterm_then_kill_frees_it(licensed, spawn_listener):
    child = spawn_listener(ignore_sigterm=True)
    stubborn = portie("free", str(child.port), "--yes")
    assert stubborn.returncode == 1
    assert f"portie free {child.port} --kill" in stubborn.stderr
    assert child.alive()
    killed = portie("free", str(child.port), "--yes", "--kill")
    assert killed.returncode == 0, killed.stderr
    assert "Killed python" in killed.stdout and f"(PID {child.pid})" in killed.stdout
    assert wait_until(lambda: not child.alive(), timeout=5)


def test_free_udp_port(licensed, spawn_listener):
    child = spawn_listener([("udp", "127.0.0.1", 0)])
    result = portie("free", str(child.port), "--udp", "--yes")
    assert result.returncode == 0, result.stderr
    assert f"UDP port {child.port} is free now." in result.stdout


@pytest.mark.linux_only
def test_free_on_a_free_port_says_so(licensed):
    with reserved_port() as port:  # nobody else can start listening on it meanwhile
        result = portie("free", str(port), "--yes")
    assert result.returncode == 0
    assert result.stdout.strip() == f"Port {port} is already free."


def test_free_is_locked_without_a_license(spawn_listener):
    child = spawn_listener()
    result = portie("free", str(child.port), "--yes")
    assert result.returncode == 3
    assert "portie license activate" in result.stderr
    assert "Traceback" not in result.stderr
    assert child.alive()


@pytest.mark.parametrize("bad", ["70000", "http", "-1"])
def test_free_bad_port_is_a_usage_error(licensed, bad):
    result = portie("free", bad, "--yes")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "port" in result.stderr


@pytest.mark.parametrize("bad", ["70000", "http", "٣", " 4_4_3 ", ""])
def test_a_locked_copy_checks_the_port_first(bad):
    # Bad input is bad input (exit 2) whether or not Portie is unlocked; not the paid notice.
    result = portie("free", bad, "--yes")
    assert result.returncode == 2
    assert "port" in result.stderr and "paid feature" not in result.stderr
    assert "Traceback" not in result.stderr
