"""Collect every TCP/UDP endpoint on this machine into a `Snapshot`.

One ``psutil.net_connections`` call per refresh. Process names and users are cached
by ``(pid, create_time)``: a refresh with 10,000 sockets owned by 50 processes asks
about 50 processes, once each, and only for their start time when already cached.

On Linux the same rows are read straight from ``/proc/net/{tcp,tcp6,udp,udp6}`` and
``/proc/*/fd`` (what psutil does, minus its per-row address decoding, which costs
two thirds of its time at 10,000 sockets: see ``python -m benchmarks refresh``).
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import time

import psutil

from portie_qt.core.endpoints import BOUND, OWNERLESS_STATES, Endpoint, Snapshot
from portie_qt.core.platform import (
    WINDOWS,
    WINDOWS_SYSTEM_PIDS,
    elevation_hint,
    is_admin,
    user_name,
)

_FAMILY = {socket.AF_INET: "ipv4", socket.AF_INET6: "ipv6"}
_PROTO = {socket.SOCK_STREAM: "tcp", socket.SOCK_DGRAM: "udp"}


class ProcessCache:
    """Name, user and start time per process, keyed by ``(pid, create_time)``."""

    def __init__(self) -> None:
        self._by_pid: dict[int, tuple[float | None, str | None, str | None]] = {}

    def owner(self, pid: int) -> tuple[float | None, str | None, str | None]:
        """``(create_time, name, user)`` of ``pid``; Nones where it cannot be seen."""
        if WINDOWS and pid in WINDOWS_SYSTEM_PIDS:
            return (0.0, WINDOWS_SYSTEM_PIDS[pid], "SYSTEM")
        cached = self._by_pid.get(pid)
        try:
            proc = psutil.Process(pid)
            create_time = proc.create_time()
            if cached is not None and cached[0] == create_time:
                return cached
            with proc.oneshot():
                name = proc.name()
                user = user_name(proc)
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


# /proc/net/tcp's hex state -> psutil's status names (psutil/_pslinux.py TCP_STATUSES).
_TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1",
               "05": "FIN_WAIT2", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT",
               "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"}  # fmt: skip
_PROC_NET = (("tcp", "tcp", "ipv4"), ("tcp6", "tcp", "ipv6"), ("udp", "udp", "ipv4"),
             ("udp6", "udp", "ipv6"))  # fmt: skip
# Hex address -> text. Few distinct addresses recur (loopback, the host's own), so
# decoding each once instead of once per row is most of the speed-up.
_ADDRESSES: dict[str, str] = {}
_ADDRESS_CACHE_MAX = 4096


def _decode_ip(hex_ip: str) -> str:
    """``0100007F`` -> ``127.0.0.1``; /proc/net stores each 32-bit word in host order."""
    raw = bytes.fromhex(hex_ip)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    return socket.inet_ntop(socket.AF_INET6, struct.pack(">4I", *struct.unpack("<4I", raw)))


def _address(hex_ip: str) -> str:
    found = _ADDRESSES.get(hex_ip)
    if found is None:
        if len(_ADDRESSES) > _ADDRESS_CACHE_MAX:
            _ADDRESSES.clear()
        found = _ADDRESSES[hex_ip] = _decode_ip(hex_ip)
    return found


def _socket_owners() -> dict[str, int]:
    """Socket inode -> PID, from every ``/proc/PID/fd`` this user may read.

    Ascending PIDs with the later one winning, as psutil does, so a socket shared by a
    parent and its workers names the same process either way.
    """
    owners: dict[str, int] = {}
    pids = sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
    readlink = os.readlink
    for pid in pids:
        try:
            # One directory fd per process: readlink relative to it skips re-resolving
            # /proc/PID/fd for each of a busy process's thousands of descriptors.
            fd_dir = os.open(f"/proc/{pid}/fd", os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue  # exited meanwhile, or another user's process without root
        try:
            for fd in os.listdir(fd_dir):
                try:
                    target = readlink(fd, dir_fd=fd_dir)
                except OSError:
                    continue  # closed meanwhile
                if target.startswith("socket:["):
                    owners[target[8:-1]] = pid
        except OSError:
            pass  # the process exited while we listed it
        finally:
            os.close(fd_dir)
    return owners


class _ProcNetReader:
    """Endpoints straight from ``/proc/net/{tcp,tcp6,udp,udp6}``: psutil's rows, decoded
    the way ``Collector`` decodes psutil's, with the ``Endpoint`` of an unchanged socket
    reused from the previous refresh.

    Reuse matters beyond parsing time: ``Endpoint`` is a tuple subclass, which Python's
    cycle collector never untracks, so 10,000 fresh ones per refresh forced a full
    collection (12–28 ms with the GIL held) on almost every refresh.
    """

    def __init__(self) -> None:
        self._previous: dict[str, dict[str, Endpoint]] = {}

    def read(self, owner) -> tuple[list[Endpoint], int]:
        """Every endpoint, and how many have an owner this user may not see.

        ``owner(pid)`` gives ``(create_time, name, user)``.
        """
        inode_owner = _socket_owners()
        endpoints: list[Endpoint] = []
        append = endpoints.append
        hidden = 0
        for name, protocol, family in _PROC_NET:
            try:
                with open(f"/proc/net/{name}", encoding="ascii") as handle:
                    lines = handle.read().splitlines()[1:]
            except FileNotFoundError:
                continue  # no IPv6 in this kernel
            previous = self._previous.get(name, {})
            current: dict[str, Endpoint] = {}
            tcp = protocol == "tcp"
            for line in lines:
                fields = line.split(None, 10)
                local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
                if local.endswith(":0000"):
                    continue  # psutil reports no local address for port 0; so do we
                pid = inode_owner.get(inode)
                if pid is None:
                    create_time = process = user = None
                else:
                    create_time, process, user = owner(pid)
                key = f"{local} {remote} {state} {inode}"
                endpoint = previous.get(key)
                if (endpoint is None or endpoint[7] != pid or endpoint[10] != create_time
                        or endpoint[8] != process or endpoint[9] != user):  # fmt: skip
                    endpoint = _endpoint(protocol, family, local, remote, state, tcp, pid,
                                         process, user, create_time)  # fmt: skip
                current[key] = endpoint
                if pid is None and endpoint[6] not in OWNERLESS_STATES:
                    hidden += 1
                append(endpoint)
            self._previous[name] = current
        return endpoints, hidden


def _endpoint(protocol, family, local, remote, state, tcp, pid, process, user, create_time):
    """One /proc/net line's fields as an ``Endpoint`` (ports and addresses are hex)."""
    local_hex, local_port = local.split(":")
    remote_hex, remote_port_hex = remote.split(":")
    remote_port = int(remote_port_hex, 16)
    if remote_port:
        remote_address = _address(remote_hex)
    else:
        remote_address = remote_port = None  # psutil: no remote address for port 0
    udp_status = "CONNECTED" if remote_port else BOUND
    status = _TCP_STATES.get(state, "NONE") if tcp else udp_status
    return Endpoint(protocol, family, _address(local_hex), int(local_port, 16), remote_address,
                    remote_port, status, pid, process, user, create_time)  # fmt: skip


# The reader is used only while psutil's own function is in place, so a replaced
# psutil.net_connections (a test simulating macOS or a non-root view) is honoured.
_PSUTIL_NET_CONNECTIONS = psutil.net_connections
_USE_PROC_NET = (
    sys.platform.startswith("linux")
    and sys.byteorder == "little"
    and os.access("/proc/net/tcp", os.R_OK)
)


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
        self.admin = is_admin()
        self._proc_net = _ProcNetReader() if _USE_PROC_NET else None

    def _raw(self) -> tuple[list, str]:
        try:
            return psutil.net_connections(kind="inet"), ""
        except psutil.AccessDenied:
            # https://github.com/giampaolo/psutil/issues/1219: macOS needs root for
            # the system-wide call; fall back to the processes we may inspect.
            rows, denied = _per_process_connections()
            return rows, (
                f"Showing only your own processes' sockets ({denied} other processes "
                f"could not be inspected). {elevation_hint()}"
            )

    def _from_proc_net(self) -> tuple[list[Endpoint], int, set[int]] | None:
        """Linux: the endpoints read from /proc, or None to use psutil instead."""
        if self._proc_net is None or psutil.net_connections is not _PSUTIL_NET_CONNECTIONS:
            return None
        owners: dict[int, tuple] = {}
        owner = self.cache.owner

        def owner_once(pid: int) -> tuple:
            found = owners.get(pid)
            if found is None:
                found = owners[pid] = owner(pid)
            return found

        try:
            endpoints, hidden = self._proc_net.read(owner_once)
        except (OSError, ValueError, IndexError):
            return None  # an unexpected /proc layout: psutil knows more kernels than we do
        return endpoints, hidden, set(owners)

    def collect(self) -> Snapshot:
        fast = self._from_proc_net()
        if fast is not None:
            endpoints, hidden, pids = fast
            return self._snapshot(endpoints, hidden, pids, "")
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
                if status not in OWNERLESS_STATES:
                    hidden += 1
            else:
                found = owners.get(pid)
                if found is None:
                    found = owners[pid] = owner(pid)
                create_time, name, user = found
            append(Endpoint(protocol, family, laddr[0], laddr[1], remote_address, remote_port,
                            status, pid, name, user, create_time))  # fmt: skip
        return self._snapshot(endpoints, hidden, set(owners), notice)

    def _snapshot(self, endpoints: list[Endpoint], hidden: int,
                  pids: set[int], notice: str) -> Snapshot:  # fmt: skip
        self.cache.prune(pids)
        limited = bool(notice) or (hidden > 0 and not self.admin)
        if limited and not notice:
            notice = (
                f"The owners of {hidden} sockets belong to other users and are hidden. "
                f"{elevation_hint()}"
            )
        return Snapshot(
            endpoints=tuple(endpoints),
            taken_at=time.time(),
            limited=limited,
            notice=notice,
            hidden_owners=hidden,
        )


_default: Collector | None = None


def collect() -> Snapshot:
    """One snapshot of every endpoint, using a process-wide cache."""
    global _default
    if _default is None:
        _default = Collector()
    return _default.collect()
