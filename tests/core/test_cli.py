"""`portie --list` as a user runs it: a real process, a real listener."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from portie_qt import __version__
from tests.portie_cli import REPO
from tests.portie_cli import run_portie as portie


def test_list_json_parses_and_contains_a_test_listener(spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0), ("udp", "127.0.0.1", 0)])
    done = portie("--list", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    keys = {"protocol", "family", "local_address", "local_port", "remote_address", "remote_port",
            "state", "pid", "pids", "process", "user", "service", "range", "container", "app",
            "project", "cwd"}  # fmt: skip
    assert all(set(row) == keys for row in rows)
    mine = [r for r in rows if r["pid"] == child.pid]
    assert all(r["pids"] == [child.pid] for r in mine)
    assert {(r["protocol"], r["local_port"], r["state"]) for r in mine} == {
        ("tcp", child.ports[0], "LISTEN"),
        ("udp", child.ports[1], "BOUND"),
    }


def test_range_is_the_windows_range_group(spawn_listener):
    """A connection from the OS's outgoing range is "ephemeral", as the window's Range
    column says; the listener it reaches keeps its IANA range."""
    import socket

    from portie_qt.core.ranges import band_of, ephemeral_range

    child = spawn_listener([("tcp", "127.0.0.1", 0)])
    with socket.create_connection(("127.0.0.1", child.port), timeout=5) as client:
        mine = client.getsockname()[1]
        rows = json.loads(portie("--list", "--json").stdout)
    [listener] = [r for r in rows if r["pid"] == child.pid and r["state"] == "LISTEN"]
    assert listener["range"] == band_of(child.port).value
    [outgoing] = [r for r in rows if r["local_port"] == mine and r["remote_port"] == child.port]
    assert outgoing["range"] == ("ephemeral" if mine in ephemeral_range() else band_of(mine).value)


def test_listening_and_port_filters(spawn_listener):
    child = spawn_listener()
    rows = json.loads(portie("--list", "--json", "--listening", "--port", str(child.port)).stdout)
    assert [(r["pid"], r["state"]) for r in rows] == [(child.pid, "LISTEN")]
    assert all(r["state"] in ("LISTEN", "BOUND") for r in json.loads(
        portie("--list", "--json", "--listening").stdout))  # fmt: skip


def test_readable_table(spawn_listener):
    child = spawn_listener()
    out = portie("--list", "--port", str(child.port)).stdout
    header, row = out.splitlines()[:2]
    assert header.split()[:3] == ["PROTO", "LOCAL", "PORT"]
    assert str(child.port) in row and str(child.pid) in row and "LISTEN" in row


def test_bad_port_is_one_line_and_exit_2():
    for bad, words in (("70000", "out of range"), ("http", "not a port number")):
        done = portie("--list", "--port", bad)
        assert done.returncode == 2
        assert words in done.stderr and "Traceback" not in done.stderr
        assert done.stdout == ""


def test_version():
    done = portie("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"Portie {__version__}"


def test_list_flags_without_list_are_explained():
    done = portie("--json")
    assert done.returncode == 2 and "--list" in done.stderr


def test_core_and_cli_never_import_qt():
    code = (
        "import sys, portie_qt.core.collector, portie_qt.core.reference, portie_qt.core.filtering,"
        " portie_qt.core.endpoints, portie_qt.cli, portie_qt.core.paths;"
        "import pkgutil, importlib, portie_qt.core, portie_qt.commands;"
        "[importlib.import_module(m.name) for p in (portie_qt.core, portie_qt.commands)"
        " for m in pkgutil.iter_modules(p.__path__, p.__name__ + '.')];"
        "bad = [m for m in sys.modules if m.startswith('PySide6')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_release_build_with_the_development_key_refuses_to_run(tmp_path):
    import shutil
    from pathlib import Path

    from portie_qt.core.trust import DEV_PUBLIC_KEY_PEM, release_key_module_source

    root = Path(__file__).resolve().parents[2]
    copy = tmp_path / "src"
    shutil.copytree(root / "portie_qt", copy / "portie_qt",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copytree(root / "assets", copy / "assets")
    (copy / "portie_qt" / "_build_info.py").write_text("RELEASE = True\n")
    (copy / "portie_qt" / "_release_key.py").write_text(
        release_key_module_source(DEV_PUBLIC_KEY_PEM)
    )
    done = subprocess.run([sys.executable, "-m", "portie_qt", "--list"], capture_output=True,
                          text=True, timeout=60, cwd=copy)  # fmt: skip
    assert done.returncode == 1
    assert "trusts the development license key" in done.stderr
    assert done.stdout == ""


# No display at all: a command line that wrongly opened the window fails fast instead.
_NO_DISPLAY = {"QT_QPA_PLATFORM": None, "DISPLAY": None, "WAYLAND_DISPLAY": None}


@pytest.mark.parametrize(
    ("words", "nearest"),
    [
        (["frobnicate"], "is not a Portie command; the commands are license, scan, free"),
        (["lisence", "status"], "did you mean 'portie license'?"),
        (["scna", "127.0.0.1", "--ports", "22"], "did you mean 'portie scan'?"),
        (
            ["--list", "extra", "words"],
            "--list takes only --host NAME, --json, --listening and --port N",
        ),
        (["--list", "--jsno"], "did you mean '--json'?"),
        (["--lsit"], "did you mean 'portie --list'?"),
    ],
)
def test_unknown_words_get_one_line_with_the_nearest_command_and_exit_2(words, nearest):
    done = portie(*words, env=_NO_DISPLAY, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("portie: ") and nearest in line


def test_qt_options_still_reach_the_window():
    # -platform tells Qt where to draw: no DISPLAY needed, and the window really opens.
    done = portie("-platform", "offscreen", "-style", "fusion", "--self-test",
                  env=_NO_DISPLAY, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rows=")
    done = portie("--self-test", "-platform=offscreen", env=_NO_DISPLAY, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.linux_only
@pytest.mark.parametrize("args", [["--list", "--json"], ["--list"]])
def test_a_reader_that_leaves_early_gets_a_quiet_stop(args):
    # `portie --list --json | head`: the read end is closed before Portie writes a byte.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "portie_qt", *args], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60, cwd=REPO)  # fmt: skip
    finally:
        os.close(write_end)
    assert done.stderr == ""  # no BrokenPipeError traceback, no "Exception ignored"
    assert done.returncode == 141  # what a Unix tool stopped by SIGPIPE reports
