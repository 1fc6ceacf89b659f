"""UI-thread figures at 10,000 rows: apply one refresh, the longest stall, resident memory.

Each runs in a child process (``python -m benchmarks.ui MODE``) with a real
``MainWindow`` on Qt's offscreen platform and its own temporary config dir, so the
harness never loads Qt and one figure's allocations never pollute another's.

- ``apply``: the window's worker is not started; it is fed synthetic but realistic
  refreshes (10,000 endpoints, then 1% removed, 1% added, 1% changed), and each
  ``window._on_worker_refreshed(refresh)`` is timed together with the events it
  leaves pending, including one paint of every visible row.
- ``stall``: the real worker refreshes against the 10,000-socket fixture while a 5 ms
  heartbeat timer measures event-loop latency (longest gap minus the interval).
- ``memory``: the same window; RSS once it has shown 10,000+ rows for two refreshes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time

from benchmarks.fixture import SocketFixture
from benchmarks.report import entry, failed, median_ms

ROWS = 10_000
CHURN = 0.01
HEARTBEAT_MS = 5
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_CHILD_TIMEOUT_S = 300

_PROCESSES = ["nginx", "postgres", "node", "python3", "java", "redis-server", "sshd", "chrome",
              "firefox", "dockerd", "containerd", "code", "slack", "systemd-resolve", "cupsd",
              "avahi-daemon", "mysqld", "dnsmasq", "Xorg", "pulseaudio"]  # fmt: skip
_LISTEN_PORTS = [22, 25, 53, 80, 443, 631, 3000, 3306, 5173, 5432, 6379, 8000, 8080, 8443,
                 9090, 9200, 27017, 5353, 11211, 4200]  # fmt: skip


# -- synthetic refreshes ----------------------------------------------------------------------
class _Endpoints:
    """Realistic endpoints: listeners, loopback and remote connections, UDP, TIME_WAIT."""

    def __init__(self, seed: int = 8) -> None:
        self.rng = random.Random(seed)
        self.next_port = 32768
        self.owners = [(1000 + i, name, "root" if i % 3 == 0 else "dev", 1_700_000_000.0 + i)
                       for i, name in enumerate(_PROCESSES * 2)]  # fmt: skip

    def make(self, index: int):
        from portie_qt.core.endpoints import Endpoint

        rng = self.rng
        pid, name, user, started = rng.choice(self.owners)
        self.next_port = 32768 + (self.next_port - 32768 + 1) % 28000
        port = self.next_port
        ipv6 = rng.random() < 0.2
        loopback = "::1" if ipv6 else "127.0.0.1"
        family = "ipv6" if ipv6 else "ipv4"
        kind = index % 50
        if kind == 0:  # a listener on a familiar port or a random high one
            listen = _LISTEN_PORTS[index // 50 % len(_LISTEN_PORTS)] + index // 1000 * 10000
            host = "::" if ipv6 else "0.0.0.0"
            return Endpoint("tcp", family, host, listen % 65536, None, None, "LISTEN", pid,
                            name, user, started)  # fmt: skip
        if kind == 1:  # UDP, bound
            return Endpoint("udp", family, loopback, port, None, None, "BOUND", pid, name, user,
                            started)  # fmt: skip
        if kind == 2:  # a finished connection: no owner any more
            return Endpoint("tcp", family, loopback, port, loopback, 8080, "TIME_WAIT", None,
                            None, None, None)  # fmt: skip
        outside = f"2001:db8::{index % 4096:x}" if ipv6 else f"10.0.{index % 250}.{index % 7 + 1}"
        remote = loopback if kind % 2 else outside
        return Endpoint("tcp", family, loopback, port, remote, 443 if kind % 3 else 5432,
                        "ESTABLISHED", pid, name, user, started)  # fmt: skip


def synthetic_refreshes(rows: int, rounds: int, criteria, churn: float = CHURN) -> list:
    """``rounds + 1`` Refresh objects: a first fill of ``rows``, then ``churn`` each round."""
    from portie_qt.core.endpoints import Snapshot, diff
    from portie_qt.core.filtering import band_counts
    from portie_qt.refresh_worker import Refresh

    maker = _Endpoints()
    current = [maker.make(i) for i in range(rows)]
    snapshots = [current]
    count = max(1, int(rows * churn))
    for round_ in range(rounds):
        current = list(current)
        rng = maker.rng
        for index in sorted(rng.sample(range(len(current)), count), reverse=True):
            del current[index]
        for index in rng.sample(range(len(current)), count):
            endpoint = current[index]
            state = "CLOSE_WAIT" if endpoint.state == "ESTABLISHED" else "ESTABLISHED"
            current[index] = endpoint._replace(state=state)
        current += [maker.make(rows + round_ * count + i) for i in range(count)]
        snapshots.append(current)
    refreshes, previous = [], None
    for endpoints in snapshots:
        snapshot = Snapshot(endpoints=tuple(endpoints), taken_at=time.time())
        listening = sum(1 for e in snapshot.endpoints if e.listening)
        refreshes.append(Refresh(snapshot, diff(previous, snapshot), criteria,
                                 band_counts(snapshot.endpoints, criteria), listening))  # fmt: skip
        previous = snapshot
    return refreshes


# -- the child's measurements ---------------------------------------------------------------
def _window():
    from portie_qt.app import create_main_window, ensure_application

    app = ensure_application([])
    window = create_main_window(start=False)
    window.resize(1280, 720)
    window.show()
    app.processEvents()
    return app, window


def measure_apply(rows: int, rounds: int, docks: bool = True) -> dict:
    """Seconds for the first fill and for each 1%-churn refresh, on the UI thread.

    ``docks=False`` hides the activity and watch docks: the ports table's share alone.
    """
    app, window = _window()
    if not docks:
        for name in ("activity_dock", "watch_dock"):
            dock = getattr(window, name, None)
            if dock is not None:
                dock.hide()
    refreshes = synthetic_refreshes(rows, rounds, window.filters.criteria)
    times, events = [], []
    for refresh in refreshes:
        started = time.perf_counter()
        window._on_worker_refreshed(refresh)
        applied = time.perf_counter()
        # Qt repaints only rows that changed on screen; asking for the whole viewport makes
        # every round pay for exactly one paint of the visible rows (the worst case).
        window.ports.table.viewport().update()
        app.processEvents()
        times.append(time.perf_counter() - started)
        events.append(time.perf_counter() - applied)
    shown = window.ports.model.rowCount()
    window.close()
    return {"first_fill": times[0], "apply": times[1:], "events": events[1:], "rows": shown}


def measure_window(refreshes: int, interval_ms: int, min_rows: int) -> dict:
    """Event-loop gaps while the real worker refreshes; RSS after ``min_rows`` are shown."""
    import psutil
    from PySide6.QtCore import Qt, QTimer

    app, window = _window()
    ticks: list[float] = []
    applied: list[float] = []
    deadline = time.monotonic() + 60 + refreshes * interval_ms / 1000 * 3
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(HEARTBEAT_MS)

    def on_tick() -> None:
        ticks.append(time.perf_counter())
        full = window.ports.model.rowCount() >= min_rows and len(applied) >= refreshes + 1
        if full or time.monotonic() > deadline:
            app.quit()

    heartbeat.timeout.connect(on_tick)
    window.refresh_applied.connect(lambda _r: applied.append(time.perf_counter()))
    window.loop.set_interval(interval_ms)
    heartbeat.start()
    window.start()
    app.exec()
    heartbeat.stop()
    rss = psutil.Process().memory_info().rss
    rows = window.ports.model.rowCount()
    window.close()
    window.loop.stop()
    settle = applied[0] + 0.25 if applied else float("inf")
    gaps = [(b - a, b) for a, b in itertools.pairwise(ticks)]
    steady = [g for g, at in gaps if at > settle]
    first = [g for g, at in gaps if at <= settle]
    return {
        "steady_max": max(steady, default=None),
        "steady_p99": sorted(steady)[int(len(steady) * 0.99)] if steady else None,
        "first_fill_max": max(first, default=None),
        "refreshes": len(applied),
        "rows": rows,
        "rss": rss,
    }


# -- the harness side -----------------------------------------------------------------------
def child_env(config_dir: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PORTIE_CONFIG_DIR=config_dir)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH")) if p)
    return env


def _child(mode: str, *args: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="portie-bench-") as config:
        done = subprocess.run([sys.executable, "-m", "benchmarks.ui", mode, *args], cwd=_ROOT,
                              env=child_env(config), capture_output=True, text=True,
                              timeout=_CHILD_TIMEOUT_S, check=False)  # fmt: skip
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"the {mode} child failed ({reason})")
    return json.loads(lines[-1])


def run_apply(rounds: int = 5, quick: bool = False) -> list[dict]:
    figure = "UI-thread time to apply one refresh, 10,000 rows, 1% churn"
    count = str(max(rounds, 5) * 3)
    try:
        result = _child("apply", "--rounds", count)
        table_only = _child("apply", "--rounds", count, "--no-docks")
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        return [failed(figure, f"The benchmark could not run: {exc}.", "≤ 16 ms")]
    value = median_ms(result["apply"])
    worst = max(result["apply"]) * 1000
    alone = median_ms(table_only["apply"])
    return [
        entry(figure, value, "ms", target="≤ 16 ms", met=value <= 16,
              note=f"median of {len(result['apply'])} refreshes, worst {worst:.0f} ms; of the "
              f"median, {median_ms(result['events']):.0f} ms is the pending events (one paint of "
              "all visible rows, the docks' updates)"),
        entry("  same, activity and watch docks hidden (info)", alone, "ms",
              note=f"the ports table's share: worst {max(table_only['apply']) * 1000:.0f} ms; "
              f"pending events and paint {median_ms(table_only['events']):.0f} ms"),
        entry("UI-thread time of the first fill, 10,000 rows (info)",
              result["first_fill"] * 1000, "ms"),
    ]  # fmt: skip


def _window_child(refreshes: int, churn: float = 0.0) -> dict:
    with SocketFixture.start(ROWS, churn=churn):
        return _child("window", "--refreshes", str(refreshes))


def run_stall(rounds: int = 5, quick: bool = False) -> list[dict]:
    figure = "longest UI-thread stall during a refresh, 10,000 rows"
    refreshes = max(3, rounds)
    try:
        steady = _window_child(refreshes)
        churning = _window_child(refreshes, churn=CHURN)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        return [failed(figure, f"The benchmark could not run: {exc}.", "≤ 50 ms")]
    if steady["steady_max"] is None or churning["steady_max"] is None:
        return [failed(figure, "No refresh arrived within the time allowed.", "≤ 50 ms")]
    stall = steady["steady_max"] * 1000 - HEARTBEAT_MS
    p99 = steady["steady_p99"] * 1000 - HEARTBEAT_MS
    busy = churning["steady_max"] * 1000 - HEARTBEAT_MS
    first = (steady["first_fill_max"] or 0) * 1000 - HEARTBEAT_MS
    return [
        entry(figure, stall, "ms", target="≤ 50 ms", met=stall <= 50,
              note=f"{steady['refreshes']} refreshes of {steady['rows']} rows, 1 s apart; "
              f"5 ms heartbeat, p99 stall {p99:.0f} ms"),
        entry("  same, 1% of the fixture's connections replaced every second (info)", busy, "ms",
              note=f"{churning['refreshes']} refreshes; p99 stall "
              f"{churning['steady_p99'] * 1000 - HEARTBEAT_MS:.0f} ms"),
        entry("longest UI-thread stall at start-up, filling 10,000 rows (info)", first, "ms"),
    ]  # fmt: skip


def run_memory(rounds: int = 5, quick: bool = False) -> list[dict]:
    figure = "resident memory with 10,000 rows"
    try:
        result = _window_child(2)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        return [failed(figure, f"The benchmark could not run: {exc}.", "≤ 150 MB")]
    rss = result["rss"] / 2**20
    return [entry(figure, rss, "MB", target="≤ 150 MB", met=rss <= 150,
                  note=f"RSS of the window process showing {result['rows']} rows")]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="UI-thread benchmark child (offscreen).")
    parser.add_argument("mode", choices=("apply", "window"))
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--refreshes", type=int, default=5)
    parser.add_argument("--no-docks", action="store_true", help="apply: hide the docks")
    args = parser.parse_args(argv)
    if args.mode == "apply":
        result = measure_apply(ROWS, args.rounds, docks=not args.no_docks)
    else:
        result = measure_window(args.refreshes, 1000, ROWS)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
