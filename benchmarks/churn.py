"""Churn: is every snapshot true on a busy machine? A correctness figure, not a speed one.

Stable listeners live for the whole run (a process holding TCP and UDP listeners on
IPv4 and IPv6, and a pre-fork server: a parent and two workers sharing one socket)
while churn processes open and close hundreds of listeners and connections per second
(some in bursts of 25). Portie's refresh pipeline (collect, confirm, diff, events into
a real activity log) takes consecutive snapshots. Counted, all of which must be 0:

- duplicate sockets in a snapshot (the same socket listed twice);
- stable listeners missing from a snapshot, or shown with the wrong PID or name
  (the pre-fork socket's PID is the parent's);
- activity-log events about a stable listener (it never started, stopped or changed).

And one that must be true: a listener started and stopped during the run (the canary)
has exactly its start and its stop in the log.

``python -m benchmarks churn`` reports these rows; ``python -m benchmarks.churn --json``
prints the raw counts (the test suite runs it in a network namespace of its own).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter

from benchmarks.report import entry, failed

SNAPSHOTS = 50
FIGURE = "churn: stable listeners over {n} snapshots while others churn"
_START_TIMEOUT_S = 30.0

# Holds the stable listeners: argv lifetime. Prints {"pid", "sockets": [[proto, host, port]…]}.
_STABLE = r"""
import json, os, socket, sys, time
held, sockets = [], []
for proto, host in [("tcp", "127.0.0.1")] * 8 + [("tcp", "::1")] * 4 + [("udp", "127.0.0.1")] * 2:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    s.bind((host, 0))
    if proto == "tcp":
        s.listen(64)
    held.append(s)
    sockets.append([proto, host, s.getsockname()[1]])
print(json.dumps({"pid": os.getpid(), "sockets": sockets}), flush=True)
deadline = time.monotonic() + float(sys.argv[1])
while time.monotonic() < deadline:
    time.sleep(0.1)
"""

# A listener that starts and stops during the run: its start and stop must be logged.
_CANARY = r"""
import json, os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(json.dumps({"pid": os.getpid(), "port": s.getsockname()[1]}), flush=True)
deadline = time.monotonic() + float(sys.argv[1])
while time.monotonic() < deadline:
    time.sleep(0.1)
"""

# A parent and two forked workers sharing one listener: argv lifetime.
_PREFORK = r"""
import json, os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
deadline = time.monotonic() + float(sys.argv[1])
workers = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        while time.monotonic() < deadline:
            time.sleep(0.1)
        os._exit(0)
    workers.append(pid)
print(json.dumps({"pid": os.getpid(), "workers": workers, "port": s.getsockname()[1]}), flush=True)
while time.monotonic() < deadline:
    time.sleep(0.1)
"""

# Opens and closes listeners and connections as fast as it reasonably can, with a burst
# of 25 listeners every 40 rounds: argv lifetime. Prints its counts when done.
_CHURN = r"""
import json, signal, socket, struct, sys, time
reset = struct.pack("ii", 1, 0)  # close with RST: no TIME_WAIT pile-up
listeners = connections = 0
deadline = time.monotonic() + float(sys.argv[1])
stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
print("{}", flush=True)
started = time.monotonic()
rounds = 0
while time.monotonic() < deadline and not stop:
    rounds += 1
    family, host = (socket.AF_INET6, "::1") if rounds % 3 == 0 else (socket.AF_INET, "127.0.0.1")
    server = socket.socket(family)
    server.bind((host, 0))
    server.listen(8)
    listeners += 1
    client = socket.socket(family)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, reset)
    client.connect(server.getsockname()[:2])
    accepted, _ = server.accept()
    accepted.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, reset)
    connections += 1
    if rounds % 40 == 0:
        burst = []
        for _ in range(25):
            b = socket.socket()
            b.bind(("127.0.0.1", 0))
            b.listen(1)
            burst.append(b)
        listeners += 25
        time.sleep(0.02)
        for b in burst:
            b.close()
    for s in (client, accepted, server):
        s.close()
    time.sleep(0.001)
elapsed = time.monotonic() - started
print(json.dumps({"listeners": listeners, "connections": connections, "seconds": elapsed}),
      flush=True)
"""


def _spawn(code: str, lifetime: float) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen([sys.executable, "-c", code, str(lifetime)], stdout=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)  # fmt: skip
    line = proc.stdout.readline()
    if not line:
        _stop(proc)
        raise RuntimeError("a churn helper process did not start")
    return proc, json.loads(line)


def _stop(proc: subprocess.Popen, pids: list[int] = ()) -> None:
    for pid in [proc.pid, *pids]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)


def _duplicates(snapshot) -> int:
    """Sockets listed more than once in one snapshot."""
    seen = Counter(
        (*e[:7], e.inode) if e.inode else (*e[:7], "no inode")
        for e in snapshot.endpoints
        if e.state != "PUBLISHED"  # a container's published port is not a socket here
    )
    return sum(count - 1 for count in seen.values() if count > 1)


def _listening(snapshot, protocol: str, address: str, port: int) -> list:
    return [e for e in snapshot.endpoints if e.protocol == protocol and e.local_port == port
            and e.local_address == address and e.listening]  # fmt: skip


def measure(snapshots: int = SNAPSHOTS, churners: int = 3) -> dict:
    """Run the churn harness; the counts (see the module doc) as a dict."""
    import psutil

    from portie_qt.core.activity import events_from_diff
    from portie_qt.core.activity_store import ActivityStore
    from portie_qt.core.collector import Collector
    from portie_qt.core.confirm import Confirmer
    from portie_qt.core.endpoints import diff

    lifetime = 60.0 + snapshots
    started: list[tuple[subprocess.Popen, list[int]]] = []
    try:
        stable_proc, stable = _spawn(_STABLE, lifetime)
        started.append((stable_proc, []))
        fork_proc, fork = _spawn(_PREFORK, lifetime)
        started.append((fork_proc, fork["workers"]))
        churn = [_spawn(_CHURN, lifetime) for _ in range(churners)]
        started += [(proc, []) for proc, _info in churn]
        name = psutil.Process(stable["pid"]).name()
        # (protocol, address, port) -> (expected pid, expected holders). Churn may use the
        # same port number on the other loopback address: that is another socket.
        expected = {(proto, host, port): (stable["pid"], [stable["pid"]])
                    for proto, host, port in stable["sockets"]}  # fmt: skip
        fork_pids = sorted([fork["pid"], *fork["workers"]])
        expected[("tcp", "127.0.0.1", fork["port"])] = (fork["pid"], fork_pids)
        collector = Collector()
        confirmer = Confirmer(collector)
        counts = Counter()
        with tempfile.TemporaryDirectory() as folder:
            store = ActivityStore(os.path.join(folder, "activity.sqlite3"))
            previous = canary = None
            first_at = time.monotonic()
            for index in range(snapshots):
                if index == snapshots // 5:
                    canary_proc, canary = _spawn(_CANARY, lifetime)
                    started.append((canary_proc, []))
                elif index == snapshots * 3 // 5:
                    _stop(canary_proc)
                raw = collector.collect()
                snapshot = confirmer.confirm(raw)
                if previous is not None:
                    store.add(events_from_diff(diff(previous, snapshot), snapshot.taken_at))
                previous = snapshot
                counts["duplicates"] += _duplicates(snapshot)
                for (proto, host, port), (pid, holders) in expected.items():
                    rows = _listening(snapshot, proto, host, port)
                    if rows and not _listening(raw, proto, host, port):
                        counts["first_look_misses_caught"] += 1
                    if len(rows) != 1:
                        counts["missing_or_twice"] += 1
                        continue
                    row = rows[0]
                    wrong_name = pid == stable["pid"] and row.process != name
                    if row.pid != pid or list(row.pids) != holders or wrong_name:
                        counts["wrong_owners"] += 1
            seconds = time.monotonic() - first_at
            logged = store.recent(100_000)
            store.close()
        stable_ports = {(proto, port) for proto, _host, port in expected}
        stable_pids = {stable["pid"], *fork_pids}
        canary_events = sorted(e.kind for e in logged
                               if e.pid == canary["pid"] and e.port == canary["port"])  # fmt: skip
        counts["false_events"] = sum(
            1
            for e in logged
            if (e.protocol, e.port) in stable_ports
            and (e.pid in stable_pids or e.previous_pid in stable_pids)
        )
        listeners = connections = 0
        for proc, _info in churn:
            proc.send_signal(signal.SIGTERM)
            line = proc.stdout.readline() if proc.poll() is None or proc.stdout else ""
            report = json.loads(line) if line.strip() else {}
            listeners += report.get("listeners", 0)
            connections += report.get("connections", 0)
        return {
            "snapshots": snapshots,
            "stable_listeners": len(expected),
            "seconds": round(seconds, 2),
            "source": collector.source,
            "duplicates": counts["duplicates"],
            "missing_or_twice": counts["missing_or_twice"],
            "wrong_owners": counts["wrong_owners"],
            "false_events": counts["false_events"],
            "events_logged": len(logged),
            # A listener started and stopped during the run: both must be in the log.
            "canary_events": canary_events,
            "first_look_misses_caught": counts["first_look_misses_caught"],
            "churn_listeners_per_s": round(listeners / seconds) if seconds else 0,
            "churn_connections_per_s": round(connections / seconds) if seconds else 0,
        }
    finally:
        for proc, pids in started:
            _stop(proc, pids)


def run(rounds: int = 5, quick: bool = False) -> list[dict]:
    """Table rows: each count against its target of 0, and how much churn there was."""
    title = FIGURE.format(n=SNAPSHOTS)
    try:
        found = measure(SNAPSHOTS)
    except (OSError, RuntimeError, ValueError) as exc:
        return [failed(title, f"The churn harness could not run: {exc}")]
    churn = (f"{found['churn_listeners_per_s']} listeners/s and "
             f"{found['churn_connections_per_s']} connections/s opened and closed meanwhile; "
             f"{found['events_logged']} events logged for them; {found['stable_listeners']} "
             f"stable listeners; source {found['source']}")  # fmt: skip
    rows = []
    labels = (("duplicates", "duplicate sockets"),
              ("false_events", "false events about stable listeners"),
              ("wrong_owners", "stable listeners with a wrong owner"),
              ("missing_or_twice", "stable listeners missing or shown twice"))  # fmt: skip
    for key, label in labels:
        note = churn if key == "duplicates" else ""
        rows.append(entry(f"{title}: {label}", found[key], "", target="0", met=found[key] == 0,
                          note=note))  # fmt: skip
    canary = found["canary_events"] == ["listen_started", "listen_stopped"]
    rows.append(entry(f"{title}: a listener started and stopped meanwhile is logged as both",
                      1 if canary else 0, "", target="1", met=canary,
                      note=", ".join(found["canary_events"]) or "no event"))  # fmt: skip
    rows.append(entry("  first reads that missed a stable listener, caught by the second look "
                      "(info)", found["first_look_misses_caught"], ""))  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the churn harness and print its counts.")
    parser.add_argument("--snapshots", type=int, default=SNAPSHOTS)
    parser.add_argument("--churners", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    args = parser.parse_args(argv)
    found = measure(args.snapshots, args.churners)
    print(json.dumps(found) if args.json else "\n".join(f"{k}: {v}" for k, v in found.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
