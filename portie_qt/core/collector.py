"""Collect every TCP/UDP endpoint on this machine into a `Snapshot`.

One ``psutil.net_connections`` call per refresh. Process names and users are cached
by ``(pid, create_time)``: a refresh with 10,000 sockets owned by 50 processes asks
about 50 processes, once each, and only for their start time when already cached.
"""

from __future__ import annotations

import os
import socket
import sys
import time

import psutil

from portie_qt.core.endpoints import BOUND, PASSING_STATES, Endpoint, Snapshot

_FAMILY = {socket.AF_INET: "ipv4", socket.AF_INET6: "ipv6"}
_PROTO = {socket.SOCK_STREAM: "tcp", socket.SOCK_DGRAM: "udp"}
# Windows' pseudo-processes: they own kernel sockets and have no executable.
WINDOWS_SYSTEM_PIDS = {0: "System Idle Process", 4: "System"}
# Sockets that never have an owner, even for root: not a visibility problem.
_OWNERLESS_STATES = PASSING_STATES | {"NONE"}


def _is_admin() -> bool:
    if sys.platform == "win32":
        try:
            import ctypes

            return bool(ctypes.windll.shell32.IsUserAnAdmin())
        except (AttributeError, OSError):
            return False
    return os.geteuid() == 0


ELEVATE_HINT = (
    "Run Portie as Administrator to see them."
    if sys.platform == "win32"
    else "Run Portie as root (sudo portie) to see them."
)


class ProcessCache:
    """Name, user and start time per process, keyed by ``(pid, create_time)``."""

    def __init__(self) -> None:
        self._by_pid: dict[int, tuple[float | None, str | None, str | None]] = {}

    def owner(self, pid: int) -> tuple[float | None, str | None, str | None]:
        """``(create_time, name, user)`` of ``pid``; Nones where it cannot be seen."""
        if sys.platform == "win32" and pid in WINDOWS_SYSTEM_PIDS:
            return (0.0, WINDOWS_SYSTEM_PIDS[pid], "SYSTEM")
        cached = self._by_pid.get(pid)
        try:
            proc = psutil.Process(pid)
            create_time = proc.create_time()
            if cached is not None and cached[0] == create_time:
                return cached
            with proc.oneshot():
                name = proc.name()
                try:
                    user = proc.username()
                except (psutil.AccessDenied, KeyError):
                    # KeyError: a uid with no passwd entry (containers); show the number.
                    user = str(proc.uids().real) if hasattr(proc, "uids") else None
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            # The process exited between the socket scan and now: normal, not an error.
            self._by_pid.pop(pid, None)
            return (None, None, None)
        except psutil.AccessDenied:
            return (None, None, None)
        entry = (create_time, name, user)
        self._by_pid[pid] = entry
        return entry

    def prune(self, live_pids: set[int]) -> None:
        for pid in [p for p in self._by_pid if p not in live_pids]:
            del self._by_pid[pid]


def _per_process_connections() -> tuple[list, int]:
    """macOS without root: the user's own processes, one at a time (psutil #1219)."""
    rows = []
    denied = 0
    for proc in psutil.process_iter():
        try:
            for conn in proc.net_connections(kind="inet"):
                rows.append((*conn[:6], proc.pid))
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue  # exited while we looked
        except psutil.AccessDenied:
            denied += 1  # another user's process: expected without root
    return rows, denied


class Collector:
    """Collects snapshots, remembering process details between refreshes."""

    def __init__(self) -> None:
        self.cache = ProcessCache()
        self.admin = _is_admin()

    def _raw(self) -> tuple[list, str]:
        try:
            return psutil.net_connections(kind="inet"), ""
        except psutil.AccessDenied:
            # https://github.com/giampaolo/psutil/issues/1219: macOS needs root for
            # the system-wide call; fall back to the processes we may inspect.
            rows, denied = _per_process_connections()
            return rows, (
                f"Showing only your own processes' sockets ({denied} other processes "
                f"could not be inspected). {ELEVATE_HINT}"
            )

    def collect(self) -> Snapshot:
        started = time.perf_counter()
        raw, notice = self._raw()
        owner = self.cache.owner
        owners: dict[int, tuple] = {}
        endpoints = []
        append = endpoints.append
        hidden = 0
        family_of, proto_of = _FAMILY, _PROTO
        for _fd, fam, typ, laddr, raddr, status, pid in raw:
            family = family_of.get(fam)
            protocol = proto_of.get(typ)
            if family is None or protocol is None or not laddr:
                continue
            if raddr:
                remote_address, remote_port = raddr[0], raddr[1]
            else:
                remote_address = remote_port = None
            if protocol == "udp":
                status = "CONNECTED" if raddr else BOUND
            if pid is None:
                create_time = name = user = None
                if status not in _OWNERLESS_STATES:
                    hidden += 1
            else:
                found = owners.get(pid)
                if found is None:
                    found = owners[pid] = owner(pid)
                create_time, name, user = found
            append(Endpoint(protocol, family, laddr[0], laddr[1], remote_address, remote_port,
                            status, pid, name, user, create_time))  # fmt: skip
        self.cache.prune(set(owners))
        limited = bool(notice) or (hidden > 0 and not self.admin)
        if limited and not notice:
            notice = (
                f"The owners of {hidden} sockets belong to other users and are hidden. "
                f"{ELEVATE_HINT}"
            )
        return Snapshot(
            endpoints=tuple(endpoints),
            taken_at=time.time(),
            limited=limited,
            notice=notice,
            hidden_owners=hidden,
            duration=time.perf_counter() - started,
        )


_default: Collector | None = None


def collect() -> Snapshot:
    """One snapshot of every endpoint, using a process-wide cache."""
    global _default
    if _default is None:
        _default = Collector()
    return _default.collect()
