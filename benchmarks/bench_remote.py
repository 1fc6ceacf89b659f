"""A remote host's refresh, as it costs this computer: CPU per refresh, and time to first rows.

The host is real: ``sshd`` in a network namespace of its own (`benchmarks.sshd`), holding
a socket fixture of 1,000 sockets, reached with the system's ssh exactly as the window
reaches one (`RemoteHost`). The references are measured in the same run:

- CPU per refresh: this process's user + system time, plus that of the ssh clients it
  starts and reaps, for one `RemoteCollector.collect()` through the shared connection,
  against one local `Collector().collect()` of a 1,000-socket fixture here. The shared
  connection's own ssh process (the ControlMaster: encryption) is reported beside it.
- Time to first rows: a new `RemoteHost` with no connection yet (login included) to its
  first snapshot, against ``ssh HOST ss -Htunap`` with a fresh login, as a person would
  look by hand.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import statistics
import subprocess
import time

import psutil

from benchmarks.fixture import SocketFixture
from benchmarks.report import entry, failed, median_ms
from benchmarks.sshd import ALIAS, SshServer, missing_requirements
from portie_qt.core.collector import Collector
from portie_qt.core.remote import RemoteHost
from portie_qt.core.remote.address import SSH_CONFIG_ENV

SOCKETS = 1_000
CPU_FIGURE = "remote refresh: Portie's CPU per refresh (with its ssh), 1,000 sockets there"
FIRST_FIGURE = "remote host: new login to first rows, 1,000 sockets there"


def _cpu() -> float:
    """CPU seconds of this process and of its reaped children (the ssh clients)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _master(host: RemoteHost) -> psutil.Process | None:
    """The host's shared-connection ssh process (``ssh -O check`` names its PID)."""
    argv = host.session.argv()[:-1]  # without the host: options go before -O
    done = subprocess.run(
        [*argv, "-O", "check", host.address.host],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    found = re.search(r"pid=(\d+)", done.stderr + done.stdout)
    return psutil.Process(int(found.group(1))) if found else None


def _master_cpu(master: psutil.Process | None) -> float:
    if master is None:
        return 0.0
    with contextlib.suppress(psutil.Error):
        times = master.cpu_times()
        return times.user + times.system
    return 0.0


def _ssh_ss(server: SshServer) -> None:
    """``ssh HOST ss -Htunap`` with a login of its own (no shared connection)."""
    subprocess.run(
        [
            "ssh",
            "-F",
            str(server.config),
            "-o",
            "BatchMode=yes",
            "-o",
            "ControlPath=none",
            "-T",
            ALIAS,
            "ss",
            "-Htunap",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        timeout=60,
        check=True,
    )


def _first_rows(times: dict[str, list[float]]) -> None:
    """A new host, nothing shared yet: login, script and parse, to its first snapshot."""
    started = time.perf_counter()
    host = RemoteHost(ALIAS)
    snapshot = host.collector.collect()
    times["first_rows"].append(time.perf_counter() - started)
    times["rows"].append(float(len(snapshot.endpoints)))
    host.close()


def _by_hand(times: dict[str, list[float]], server: SshServer) -> None:
    started = time.perf_counter()
    _ssh_ss(server)
    times["ssh_ss"].append(time.perf_counter() - started)


def _refreshes(times: dict[str, list[float]], rounds: int) -> None:
    """Warm refreshes, remote and local alternating, each with its CPU time."""
    host, local = RemoteHost(ALIAS), Collector()
    host.collector.collect()
    local.collect()  # both warm: process caches and the shared connection
    master = _master(host)
    try:
        for round_ in range(rounds):
            for name in ("remote", "local") if round_ % 2 == 0 else ("local", "remote"):
                cpu, wall, master_cpu = _cpu(), time.perf_counter(), _master_cpu(master)
                (host.collector if name == "remote" else local).collect()
                times[f"{name}_cpu"].append(_cpu() - cpu)
                if name == "remote":
                    times["remote_wall"].append(time.perf_counter() - wall)
                    times["master_cpu"].append(_master_cpu(master) - master_cpu)
    finally:
        host.close()


def measure(rounds: int, sockets: int = SOCKETS) -> dict[str, list[float]]:
    """Seconds per run: ``remote_cpu``, ``local_cpu``, ``master_cpu``, ``remote_wall``,
    ``first_rows``, ``ssh_ss``, and the ``rows`` each first snapshot had."""
    names = ("remote_cpu", "local_cpu", "master_cpu", "remote_wall", "first_rows", "ssh_ss", "rows")
    times: dict[str, list[float]] = {name: [] for name in names}
    server = SshServer.start()
    saved = os.environ.get(SSH_CONFIG_ENV)
    os.environ[SSH_CONFIG_ENV] = str(server.config)
    try:
        there = SocketFixture.start(sockets, prefix=server.prefix)
        server.adopt(there.proc)
        with there, SocketFixture.start(sockets):
            for round_ in range(rounds):
                RemoteHost(ALIAS).close()  # no shared connection left from the last round
                if round_ % 2 == 0:
                    _first_rows(times)
                    _by_hand(times, server)
                else:
                    _by_hand(times, server)
                    RemoteHost(ALIAS).close()
                    _first_rows(times)
            _refreshes(times, rounds * 4)
    finally:
        if saved is None:
            os.environ.pop(SSH_CONFIG_ENV, None)
        else:
            os.environ[SSH_CONFIG_ENV] = saved
        server.stop()
    return times


def run(rounds: int = 5, quick: bool = False) -> list[dict]:
    reason = missing_requirements()
    if reason:
        return [
            failed(CPU_FIGURE, f"Not measured: {reason}."),
            failed(FIRST_FIGURE, f"Not measured: {reason}."),
        ]
    try:
        times = measure(rounds)
    except (OSError, RuntimeError, subprocess.SubprocessError, psutil.Error) as exc:
        return [
            failed(CPU_FIGURE, f"The benchmark could not run: {exc}."),
            failed(FIRST_FIGURE, f"The benchmark could not run: {exc}."),
        ]
    remote, local = median_ms(times["remote_cpu"]), median_ms(times["local_cpu"])
    first, by_hand = median_ms(times["first_rows"]), median_ms(times["ssh_ss"])
    rows_seen = int(statistics.median(times["rows"]))
    return [
        entry(
            CPU_FIGURE,
            remote,
            "ms CPU",
            reference=f"a local refresh of 1,000 sockets {local:.1f} ms CPU",
            ratio=remote / local if local else None,
            target="—",
            note=f"{rows_seen} rows from the host; the shared connection's own ssh process used "
            f"{sum(times['master_cpu']) * 1000:.0f} ms CPU over all of them besides; "
            f"{median_ms(times['remote_wall']):.0f} ms wall per refresh; "
            f"{len(times['remote_cpu'])} refreshes each",
        ),
        entry(
            FIRST_FIGURE,
            first,
            "ms",
            reference=f"`ssh HOST ss -Htunap`, new login {by_hand:.0f} ms",
            ratio=first / by_hand if by_hand else None,
            target="—",
            note="a new RemoteHost (login, script, parse) against a person's own look; "
            "sshd in a network namespace on this machine, so no network delay",
        ),
    ]
