"""`portie --self-test` opens the real window: offscreen, and on a real X server (Xvfb)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

SELF_TEST = [sys.executable, "-m", "portie_qt", "--self-test"]


def _run(env_extra: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PORTIE_CONFIG_DIR": str(tmp_path / "cfg"), **env_extra}
    return subprocess.run(SELF_TEST, capture_output=True, text=True, timeout=60, env=env)


def _check(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 0, done.stdout + done.stderr
    match = re.fullmatch(r"rows=(\d+) first_rows_ms=(\d+)", done.stdout.strip())
    assert match, done.stdout
    assert int(match.group(1)) > 0
    assert "Traceback" not in done.stderr


def test_self_test_offscreen(tmp_path, spawn_listener):
    spawn_listener()  # at least one row, whatever the machine runs
    _check(_run({"QT_QPA_PLATFORM": "offscreen"}, tmp_path))


@pytest.fixture
def xvfb_display():
    """A private Xvfb server for this test (stopped after)."""
    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb is not installed: apt-get install xvfb (CI installs it)"
    for number in range(90, 140):
        if (
            not Path(f"/tmp/.X11-unix/X{number}").exists()
            and not Path(f"/tmp/.X{number}-lock").exists()
        ):
            break
    proc = subprocess.Popen([xvfb, f":{number}", "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "Xvfb did not start"
    yield f":{number}"
    proc.terminate()
    proc.wait(10)


@pytest.mark.linux_only
@pytest.mark.xcb
def test_self_test_on_real_x11_window(tmp_path, spawn_listener, xvfb_display):
    spawn_listener()
    _check(_run({"QT_QPA_PLATFORM": "xcb", "DISPLAY": xvfb_display}, tmp_path))


def test_self_test_fails_with_a_reason_when_a_resource_is_missing(tmp_path, monkeypatch):
    # A copy of the package without its port data: the self-test must say what is missing.
    root = Path(__file__).resolve().parents[2]
    copy = tmp_path / "src"
    shutil.copytree(root / "portie_qt", copy / "portie_qt",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copytree(root / "assets", copy / "assets",
                    ignore=shutil.ignore_patterns("iana_ports.json"))  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(copy), "QT_QPA_PLATFORM": "offscreen",
           "PORTIE_CONFIG_DIR": str(tmp_path / "cfg")}  # fmt: skip
    done = subprocess.run(SELF_TEST, capture_output=True, text=True, timeout=60, env=env,
                          cwd=copy)  # fmt: skip
    assert done.returncode != 0
    assert "missing resources" in done.stderr and "iana_ports.json" in done.stderr


@pytest.mark.linux_only
def test_no_desktop_gets_a_sentence_not_a_qt_abort(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}  # fmt: skip
    env["PORTIE_CONFIG_DIR"] = str(tmp_path / "cfg")
    done = subprocess.run([sys.executable, "-m", "portie_qt"], capture_output=True, text=True,
                          timeout=60, env=env)  # fmt: skip
    assert done.returncode == 1
    assert "needs a graphical desktop" in done.stderr and "portie --list" in done.stderr
    assert "Traceback" not in done.stderr and "core dumped" not in done.stderr
