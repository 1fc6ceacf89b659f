"""The longest UI-thread stall while the scan dialog scans all 65,535 ports of 127.0.0.1.

A child process (``python -m benchmarks.scan_ui``) opens the real `ScanDialog` on Qt's
offscreen platform, licensed from a temporary config dir, with a few loopback
listeners to find. A 5 ms heartbeat timer on the UI thread measures event-loop
latency (each gap minus the interval) while the dialog runs a full scan, from the
Start click to the report. Same-run references, alternating with it round by round:

* the same full scan on threads inside the window's own process, reporting to the UI
  thread by signals (the dialog's design before the scan moved to a worker process);
* the heartbeat with no scan at all (the machine's own noise).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.report import entry, failed

HEARTBEAT_MS = 5
TARGET_MS = 50
_ROOT = Path(__file__).resolve().parent.parent
_CHILD_TIMEOUT_S = 600


# -- the child ------------------------------------------------------------------------------


def _stalls(ticks: list[float]) -> list[float]:
    """Milliseconds each heartbeat came late."""
    return [max(0.0, (b - a) * 1000 - HEARTBEAT_MS) for a, b in itertools.pairwise(ticks)]


def _measure(app, run) -> dict:
    """Heartbeat gaps in the real event loop while ``run(done)`` works until ``done()``.

    ``done`` may be called from any thread: it reaches the loop as a queued signal.
    """
    from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal

    class Finish(QObject):
        reached = Signal()

    ticks: list[float] = []
    finished: list[float] = []
    loop = QEventLoop()
    finish = Finish()
    finish.reached.connect(lambda: (finished.append(time.perf_counter()), loop.quit()),
                           Qt.ConnectionType.QueuedConnection)  # fmt: skip
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    QTimer.singleShot(120_000, loop.quit)  # bounded, whatever happens
    heartbeat.start()
    started = time.perf_counter()
    run(finish.reached.emit)
    loop.exec()
    heartbeat.stop()
    if not finished:
        raise RuntimeError("the scan did not finish within 120 s")
    stalls = sorted(_stalls(ticks))
    return {"worst": stalls[-1] if stalls else 0.0,
            "p99": stalls[int(len(stalls) * 0.99)] if stalls else 0.0,
            "ticks": len(ticks), "seconds": finished[0] - started}  # fmt: skip


def _dialog_scan(dialog):
    def run(done) -> None:
        def finished(_report) -> None:
            dialog.scan_finished.disconnect(finished)
            done()

        dialog.scan_finished.connect(finished)
        dialog.start_button.click()

    return run


def _threaded_scan(dialog):
    """The old design: four scan threads in this process, results to the UI by signals."""
    from PySide6.QtCore import QObject, Signal

    from portie_qt.core import scan as scanner

    class Relay(QObject):
        results = Signal(object)

    relay = Relay()
    shown: list[int] = []
    relay.results.connect(lambda batch: shown.append(len(batch)))

    def run(done) -> None:
        target = scanner.resolve_target("127.0.0.1")
        batches = scanner.split_batches(scanner.parse_ports("all"), 4)
        left = [len(batches)]
        lock = threading.Lock()

        def one(ports) -> None:
            pending: list = []

            def send(*_args) -> None:
                if pending:
                    relay.results.emit(tuple(pending))
                    pending.clear()

            scanner.scan(target, ports, concurrency=512, on_result=pending.append,
                         on_progress=send)  # fmt: skip
            send()
            with lock:
                left[0] -= 1
                if not left[0]:
                    done()

        for ports in batches:
            threading.Thread(target=one, args=(ports,), daemon=True).start()

    return run


def _idle(seconds: float):
    def run(done) -> None:
        threading.Timer(seconds, done).start()

    return run


def child_main(rounds: int) -> dict:
    from portie_qt.app import ensure_application
    from portie_qt.entitlements import Entitlements
    from portie_qt.scan_dialog import ScanDialog
    from portie_qt.settings import open_settings

    app = ensure_application([])
    settings, _notice = open_settings()
    dialog = ScanDialog(settings, Entitlements())
    dialog.resize(860, 600)
    dialog.show()
    dialog.host_edit.setText("127.0.0.1")
    dialog.preset_combo.setCurrentIndex(2)  # all ports
    app.processEvents()
    _measure(app, _dialog_scan(dialog))  # warm-up: bytecode, page cache, the port data
    results: dict[str, list[dict]] = {"dialog": [], "threads": [], "idle": []}
    for _ in range(rounds):
        results["dialog"].append(_measure(app, _dialog_scan(dialog)))
        results["threads"].append(_measure(app, _threaded_scan(dialog)))
        results["idle"].append(_measure(app, _idle(results["dialog"][-1]["seconds"])))
    results["open_rows"] = dialog.model.counts()["open"]
    dialog.close()
    return results


# -- the harness side -----------------------------------------------------------------------


def _licensed_env(config: Path) -> dict:
    from benchmarks.bench_scan import _licensed_env as licensed

    env = licensed(config)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def _listed(rows: list[dict], key: str, spec: str) -> str:
    return ", ".join(format(row[key], spec) for row in rows)


def run(rounds: int = 5, quick: bool = False) -> list[dict]:
    figure = "longest UI-thread stall while the scan dialog scans all 65,535 ports of 127.0.0.1"
    target = f"≤ {TARGET_MS} ms worst"
    from benchmarks.bench_scan import _start_listeners, _stop

    try:
        listener, _ports = _start_listeners("127.0.0.1", 4)
    except (OSError, ValueError) as exc:
        return [failed(figure, f"The listeners could not start: {exc}.", target)]
    try:
        with tempfile.TemporaryDirectory(prefix="portie-bench-") as config:
            done = subprocess.run(
                [sys.executable, "-m", "benchmarks.scan_ui", "--rounds", str(max(1, rounds))],
                cwd=_ROOT, env=_licensed_env(Path(config)), capture_output=True, text=True,
                timeout=_CHILD_TIMEOUT_S, check=False,
            )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        return [failed(figure, f"The benchmark could not run: {exc}.", target)]
    finally:
        _stop(listener)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [failed(figure, f"The benchmark child failed ({reason}).", target)]
    result = json.loads(lines[-1])
    ours, old, idle = result["dialog"], result["threads"], result["idle"]
    worst = max(r["worst"] for r in ours)
    p99 = max(r["p99"] for r in ours)
    old_worst = max(r["worst"] for r in old)
    return [
        entry(figure, round(worst, 1), "ms",
              reference=f"same scan on threads in the window's process {old_worst:.0f} ms",
              ratio=round(worst / old_worst, 2) if old_worst else None, target=target,
              met=worst <= TARGET_MS,
              note=f"worst of {len(ours)} scans from Start to the report (each "
              f"{_listed(ours, 'worst', '.0f')} ms), {HEARTBEAT_MS} ms heartbeat; p99 {p99:.1f} "
              f"ms; scans took {_listed(ours, 'seconds', '.2f')} s; threads in-process: worst "
              f"{_listed(old, 'worst', '.0f')} ms, p99 {max(r['p99'] for r in old):.0f} ms"),
        entry("  same, heartbeat with no scan at all (info)",
              round(max(r["worst"] for r in idle), 1), "ms",
              note=f"the machine's own noise over the same time; p99 "
              f"{max(r['p99'] for r in idle):.1f} ms"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Scan-dialog stall child (offscreen).")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    print(json.dumps(child_main(args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
