"""One refresh (collect + confirm + diff) at 10,000 sockets against ss, lsof and bare psutil.

Portie's refresh and bare ``psutil.net_connections()`` are timed in this process,
alternating with each other. ``ss -tunap`` and ``lsof -n -P -i`` are timed as whole
processes (spawn to exit, their output read through a pipe): that is how a user runs
them, and it includes their start-up (about 1 ms for ss). All four name the owning
process of every socket, so all four walk /proc/*/fd: like is compared with like.
"""

from __future__ import annotations

import subprocess

import psutil

from benchmarks.fixture import SocketFixture
from benchmarks.report import alternate, entry, failed, median_ms, missing_tool, spread
from portie_qt.core.collector import Collector
from portie_qt.core.confirm import Confirmer
from portie_qt.core.endpoints import diff

SOCKETS = 10_000
SS = ["ss", "-tunap"]
LSOF = ["lsof", "-n", "-P", "-i"]
FIGURE = "one refresh (collect + diff), 10,000 sockets"
SOURCE_FIGURE = "  same, socket tables read from /proc/net instead of sock_diag (info)"


def _whole_process(argv: list[str]):
    def run() -> None:
        subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)

    return run


def _refresher(collector: Confirmer, state: dict):
    def refresh() -> None:
        snapshot = collector.collect()
        diff(state["previous"], snapshot)
        state["previous"] = snapshot

    return refresh


def measure(rounds: int, sockets: int = SOCKETS) -> dict[str, list[float]]:
    """Seconds per run for ``refresh``, ``psutil`` and whichever of ss/lsof exist; on
    Linux with sock_diag also ``refresh-proc``, the same refresh reading /proc/net."""
    collector = Confirmer(Collector())  # what the window's refresh worker runs
    state = {"previous": collector.collect()}  # warm: the process cache is filled once
    runs = {"refresh": _refresher(collector, state),
            "psutil": lambda: psutil.net_connections(kind="inet")}  # fmt: skip
    proc_collector = Collector()
    proc_state = {"previous": None}
    if proc_collector.source == "sock_diag":
        proc_collector._kernel.netlink = False  # the /proc/net text reader, for comparison
        proc_state["previous"] = proc_collector.collect()
        runs["refresh-proc"] = _refresher(Confirmer(proc_collector), proc_state)
    if not missing_tool("ss"):
        runs["ss"] = _whole_process(SS)
    if not missing_tool("lsof"):
        runs["lsof"] = _whole_process(LSOF)
    with SocketFixture.start(sockets):
        state["previous"] = collector.collect()
        if "refresh-proc" in runs:
            proc_state["previous"] = proc_collector.collect()
        runs["psutil"]()
        times = alternate(runs, rounds)
        times["_rows"] = [float(len(state["previous"].endpoints))]
    return times


def run(rounds: int = 5, quick: bool = False) -> list[dict]:
    """Table rows: the refresh against each reference, with the targets of issue 8."""
    try:
        times = measure(rounds)
    except (OSError, RuntimeError) as exc:
        return [failed(FIGURE, f"The benchmark could not run: {exc}")]
    ours = median_ms(times["refresh"])
    rows_seen = int(times["_rows"][0])
    note = f"{rows_seen} sockets in view; {spread(times['refresh'])}"
    rows = []
    references = (
        ("ss", "`ss -tunap` (whole process)", 1.5),
        ("psutil", "bare `psutil.net_connections()` (in-process)", 1.1),
        ("lsof", "`lsof -n -P -i` (whole process)", None),
    )
    for key, label, limit in references:
        tool = {"ss": "ss", "lsof": "lsof"}.get(key)
        target = f"≤ {limit}× {key}" if limit else "—"
        if tool and missing_tool(tool):
            rows.append(failed(f"{FIGURE} vs {key}", missing_tool(tool), target))
            continue
        reference = median_ms(times[key])
        ratio = ours / reference
        rows.append(entry(f"{FIGURE} vs {key}", ours, "ms", reference=f"{label} {reference:.0f} ms",
                          ratio=ratio, target=target, met=(ratio <= limit) if limit else None,
                          note=note if key == "ss" else spread(times[key])))  # fmt: skip
    if "refresh-proc" in times:
        text = median_ms(times["refresh-proc"])
        rows.append(entry(SOURCE_FIGURE, text, "ms", reference=f"sock_diag {ours:.0f} ms",
                          ratio=text / ours, note=spread(times["refresh-proc"])))  # fmt: skip
    return rows
