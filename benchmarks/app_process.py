"""Whole-app figures: start to first rows, and CPU while idle-refreshing.

Both run Portie the way a user does, ``python -m portie_qt``, as a separate process on
Qt's offscreen platform with a fresh temporary config dir (so the default 3 s refresh
interval and no saved state).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time

import psutil

from benchmarks.fixture import SocketFixture
from benchmarks.report import alternate, entry, failed, median_ms, spread
from benchmarks.ui import child_env

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SELF_TEST = [sys.executable, "-m", "portie_qt", "--self-test"]
QT_IMPORT = [sys.executable, "-c", "import PySide6.QtWidgets"]
STARTUP_SOCKETS = 100
IDLE_SOCKETS = 1_000
IDLE_SECONDS, QUICK_IDLE_SECONDS = 60.0, 15.0
WARM_UP_S = 6.0


def _self_test(config: str, first_rows: list[float]) -> None:
    """Spawn to the self-test's ``rows=`` line: an upper bound on start to first rows.

    The self-test's own ``first_rows_ms`` dates the process start from psutil's
    ``create_time()``, which on Linux inherits /proc/stat's whole-second boot time and
    so can be off by up to a second; the wall clock here has no such error.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(SELF_TEST, cwd=_ROOT, env=child_env(config), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        line = proc.stdout.readline()  # the self-test exits within its own 10 s timeout
        shown = time.perf_counter() - started
        proc.stdout.read()
        proc.wait(60)
    finally:
        _stop(proc)
        proc.stdout.close()
    if proc.returncode != 0 or not re.search(r"rows=\d+", line):
        raise RuntimeError(f"`portie --self-test` failed with status {proc.returncode}")
    first_rows.append(shown)


def _qt_import(config: str) -> None:
    subprocess.run(QT_IMPORT, cwd=_ROOT, env=child_env(config), capture_output=True,
                   timeout=60, check=True)  # fmt: skip


def run_startup(rounds: int = 5, quick: bool = False) -> list[dict]:
    """`portie --self-test`'s first rows against a bare PySide6 import, alternating."""
    figure = "start to first rows (`portie --self-test`), 100 sockets"
    first_rows: list[float] = []
    try:
        # A few sockets to show: in a private network namespace there would be none.
        with (
            SocketFixture.start(STARTUP_SOCKETS),
            tempfile.TemporaryDirectory(prefix="portie-bench-") as config,
        ):
            times = alternate({"self_test": lambda: _self_test(config, first_rows),
                               "qt_import": lambda: _qt_import(config)}, rounds)  # fmt: skip
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        return [failed(figure, f"The benchmark could not run: {exc}.", "≤ 1.0 s")]
    value = median_ms(first_rows)
    reference = median_ms(times["qt_import"])
    return [
        entry(figure, value, "ms",
              reference=f"`python -c 'import PySide6.QtWidgets'` {reference:.0f} ms",
              ratio=value / reference, target="≤ 1000 ms", met=value <= 1000,
              note=f"spawn to the self-test's rows= line (rows shown, window closed); whole "
              f"process incl. exit {median_ms(times['self_test']):.0f} ms; {spread(first_rows)}"),
    ]  # fmt: skip


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(5)


def measure_idle_cpu(seconds: float, sockets: int = IDLE_SOCKETS) -> dict:
    """CPU seconds the app uses over ``seconds`` of idle refreshing, after a warm-up."""
    with SocketFixture.start(sockets), tempfile.TemporaryDirectory(prefix="portie-bench-") as cfg:
        # stderr to a file, not a pipe: a chatty app must never block on a full pipe.
        errors = open(os.path.join(cfg, "stderr.txt"), "w+b")  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, "-m", "portie_qt"], cwd=_ROOT,
                                env=child_env(cfg), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=errors)  # fmt: skip
        try:
            app = psutil.Process(proc.pid)
            time.sleep(WARM_UP_S)
            if proc.poll() is not None:
                raise RuntimeError(_exit_reason(proc, errors))
            before, started = app.cpu_times(), time.monotonic()
            time.sleep(seconds)
            after, wall = app.cpu_times(), time.monotonic() - started
            if proc.poll() is not None:
                raise RuntimeError(_exit_reason(proc, errors))
            rss = app.memory_info().rss
        finally:
            _stop(proc)
            errors.close()
    used = (after.user + after.system) - (before.user + before.system)
    return {"cpu_s": used, "wall_s": wall, "rss": rss}


def _exit_reason(proc: subprocess.Popen, errors) -> str:
    errors.seek(0)
    lines = [ln for ln in errors.read().decode(errors="replace").splitlines()
             if "propagateSizeHints" not in ln]  # fmt: skip
    detail = lines[0] if lines else "no message"
    return f"the app exited with status {proc.returncode} ({detail})"


def run_idle_cpu(rounds: int = 5, quick: bool = False) -> list[dict]:
    seconds = QUICK_IDLE_SECONDS if quick else IDLE_SECONDS
    figure = f"CPU while idle-refreshing, 1,000 sockets, {seconds:.0f} s"
    try:
        result = measure_idle_cpu(seconds)
    except (OSError, RuntimeError, psutil.Error) as exc:
        return [failed(figure, f"The benchmark could not run: {exc}.", "≤ 1% of one core")]
    percent = result["cpu_s"] / result["wall_s"] * 100
    return [entry(figure, percent, "% of one core", target="≤ 1%", met=percent <= 1.0,
                  note=f"{result['cpu_s']:.2f} s CPU in {result['wall_s']:.0f} s after a "
                  f"{WARM_UP_S:.0f} s warm-up, default 3 s interval; RSS "
                  f"{result['rss'] / 2**20:.0f} MB")]  # fmt: skip
