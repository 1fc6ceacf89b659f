"""Whole-app figures: start to first rows, and CPU while idle-refreshing (window shown,
and hidden as Close to Tray leaves it).

Portie runs the way a user runs it, ``python -m portie_qt``, as a separate process on
Qt's offscreen platform with a fresh temporary config dir (so the default 3 s refresh
interval and no saved state); the hidden figure runs the same window from
``python -m benchmarks.app_process hidden``, which hides it as Close to Tray does. The
reference in each row is `benchmarks.bare_table`, a bare PySide6 table of
``psutil.net_connections()``, run the same way in the same run.
"""

from __future__ import annotations

import contextlib
import os
import re
import statistics
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
BARE_FIRST_ROWS = [sys.executable, "-m", "benchmarks.bare_table", "first-rows"]
PORTIE = [sys.executable, "-m", "portie_qt"]
PORTIE_HIDDEN = [sys.executable, "-m", "benchmarks.app_process", "hidden"]
BARE_IDLE = [sys.executable, "-m", "benchmarks.bare_table", "idle"]
STARTUP_TARGETS = {100: 1.3, 5_000: 1.5}  # sockets -> at most this times the bare script
IDLE_SOCKETS = 1_000
IDLE_SECONDS, QUICK_IDLE_SECONDS = 60.0, 15.0
HIDDEN_SECONDS, QUICK_HIDDEN_SECONDS = 90.0, 45.0  # at least a few 15 s refreshes
WARM_UP_S = 6.0
HIDE_AFTER_MS = 2000


def _first_rows(argv: list[str], config: str, first_rows: list[float]) -> None:
    """Spawn to the ``rows=`` line (printed once the first rows are painted).

    Wall time from outside: the self-test's own ``first_rows_ms`` dates the process
    start from the kernel's start time, exact only to a clock tick.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=_ROOT, env=child_env(config), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        line = proc.stdout.readline()  # both exit by themselves (the self-test within 10 s)
        shown = time.perf_counter() - started
        proc.stdout.read()
        proc.wait(60)
    finally:
        _stop(proc)
        proc.stdout.close()
    if proc.returncode != 0 or not re.search(r"rows=\d+", line):
        raise RuntimeError(f"`{' '.join(argv[2:])}` failed with status {proc.returncode}")
    first_rows.append(shown)


STARTUP_ROUNDS = 9  # start-ups are short and this machine has slow spells: more pairs


def run_startup(rounds: int = STARTUP_ROUNDS, quick: bool = False) -> list[dict]:
    """`portie --self-test`'s first rows against the bare PySide6 table, alternating."""
    rounds = max(rounds, STARTUP_ROUNDS)  # fewer pairs than this swing too much
    return [_startup_row(sockets, limit, rounds) for sockets, limit in STARTUP_TARGETS.items()]


def _startup_row(sockets: int, limit: float, rounds: int) -> dict:
    figure = f"start to first rows (`portie --self-test`), {sockets:,} sockets"
    target = f"≤ {limit}× bare"
    portie: list[float] = []
    bare: list[float] = []
    try:
        with (
            SocketFixture.start(sockets) as fixture,
            tempfile.TemporaryDirectory(prefix="portie-bench-") as config,
        ):
            for argv in (SELF_TEST, BARE_FIRST_ROWS):  # untimed: compiles the bytecode
                _first_rows(argv, config, [])
            alternate({"portie": lambda: _first_rows(SELF_TEST, config, portie),
                       "bare": lambda: _first_rows(BARE_FIRST_ROWS, config, bare)},
                      rounds)  # fmt: skip
            held = fixture.sockets
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        return failed(figure, f"The benchmark could not run: {exc}.", target)
    value, reference = median_ms(portie), median_ms(bare)
    # Each round runs both back to back: the ratio within a round is free of the slow
    # spells between rounds, so the figure's ratio is the median of the rounds' ratios.
    ratio = statistics.median(p / b for p, b in zip(portie, bare, strict=True))
    return entry(
        figure, value, "ms", reference=f"bare PySide6 table {reference:.0f} ms",
        ratio=ratio, target=target, met=ratio <= limit,
        note=f"ratio: the median of {len(portie)} rounds' ratios, each round both back "
        f"to back; spawn to the rows= line, rows painted, bytecode cached as installed; {held} "
        f"fixture sockets; after one untimed run of each; Portie "
        f"{spread(portie)}, bare {spread(bare)}; the bare script: "
        "`python -m benchmarks.bare_table first-rows`")  # fmt: skip


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(5)


def measure_idle_cpu(seconds: float, argv: list[str], sockets: int = IDLE_SOCKETS) -> dict:
    """CPU seconds ``argv`` uses over ``seconds`` of idle refreshing, after a warm-up."""
    with SocketFixture.start(sockets), tempfile.TemporaryDirectory(prefix="portie-bench-") as cfg:
        # stderr to a file, not a pipe: a chatty app must never block on a full pipe.
        errors = open(os.path.join(cfg, "stderr.txt"), "w+b")  # noqa: SIM115
        proc = subprocess.Popen(argv, cwd=_ROOT, env=child_env(cfg), stdin=subprocess.DEVNULL,
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
    return {"cpu_s": used, "wall_s": wall, "rss": rss, "percent": used / wall * 100}


def _exit_reason(proc: subprocess.Popen, errors) -> str:
    errors.seek(0)
    lines = [ln for ln in errors.read().decode(errors="replace").splitlines()
             if "propagateSizeHints" not in ln]  # fmt: skip
    detail = lines[0] if lines else "no message"
    return f"the app exited with status {proc.returncode} ({detail})"


def run_idle_cpu(rounds: int = 5, quick: bool = False) -> list[dict]:
    seconds = QUICK_IDLE_SECONDS if quick else IDLE_SECONDS
    hidden_s = QUICK_HIDDEN_SECONDS if quick else HIDDEN_SECONDS
    shown_figure = f"idle CPU, 1,000 sockets, window visible, 3 s interval, {seconds:.0f} s"
    hidden_figure = f"idle CPU, 1,000 sockets, window hidden to the tray, {hidden_s:.0f} s"
    try:
        bare = measure_idle_cpu(seconds, BARE_IDLE)
        shown = measure_idle_cpu(seconds, PORTIE)
        hidden = measure_idle_cpu(hidden_s, PORTIE_HIDDEN)
    except (OSError, RuntimeError, psutil.Error) as exc:
        reason = f"The benchmark could not run: {exc}."
        return [failed(shown_figure, reason, "≤ 1%"), failed(hidden_figure, reason, "≤ 0.3%")]
    reference = f"bare PySide6 table re-read every 3 s {bare['percent']:.2f} %"
    return [
        entry(shown_figure, shown["percent"], "% of one core", reference=reference,
              ratio=shown["percent"] / bare["percent"] if bare["percent"] else None,
              target="≤ 1%", met=shown["percent"] <= 1.0,
              note=f"{shown['cpu_s']:.2f} s CPU in {shown['wall_s']:.0f} s after a "
              f"{WARM_UP_S:.0f} s warm-up, default 3 s interval; RSS "
              f"{shown['rss'] / 2**20:.0f} MB"),
        entry(hidden_figure, hidden["percent"], "% of one core", reference=reference,
              ratio=hidden["percent"] / bare["percent"] if bare["percent"] else None,
              target="≤ 0.3%", met=hidden["percent"] <= 0.3,
              note=f"{hidden['cpu_s']:.2f} s CPU in {hidden['wall_s']:.0f} s; hidden "
              f"{HIDE_AFTER_MS / 1000:.0f} s after start as Close to Tray does; while hidden "
              "Portie refreshes less often (refresh_control.HIDDEN_INTERVAL_MS)"
              + (" (--quick: 45 s, not 90)" if quick else "")),
    ]  # fmt: skip


def _run_hidden() -> int:
    """The window as ``portie`` builds it, hidden after a moment as Close to Tray does."""
    from PySide6.QtCore import QTimer

    from portie_qt.app import create_main_window, ensure_application

    app = ensure_application([])
    window = create_main_window(start=False, defer=True)
    window.show()
    window.start()
    QTimer.singleShot(HIDE_AFTER_MS, window.hide)
    return app.exec()


if __name__ == "__main__":
    if sys.argv[1:] != ["hidden"]:
        sys.exit("usage: python -m benchmarks.app_process hidden")
    sys.exit(_run_hidden())
