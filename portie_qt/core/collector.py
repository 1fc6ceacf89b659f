"""Collect every TCP/UDP endpoint on this machine into a consistent `Snapshot`.

On Linux the socket tables come straight from the kernel (netlink ``sock_diag``, else
``/proc/net/*``: see ``sockets_linux``), read *before* ``/proc/*/fd``: a socket in the
tables is then either found in its holders' descriptors or has closed meanwhile, never
"too new to have an owner". Every snapshot:

- holds each socket once (deduped on its identity: table, addresses, ports, inode);
- names every process holding a socket (forked workers share their parent's), the
  oldest as the primary holder;
- looks again for the owner of a listener not found on the first look, and drops the
  ones that closed meanwhile; one still not found is "owner not yet known", and a
  refresh later "outside this view". "Hidden" means only: Portie lacks the permission.

Elsewhere one ``psutil.net_connections`` call per refresh. Process details (name, user,
command line, working directory, app label, project) are read once per
``(pid, create_time)``: a refresh with 10,000 sockets owned by 50 processes asks about
50 processes, and only for their start time when already cached.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Iterable

import psutil

from portie_qt.core import sockets_linux as kernel
from portie_qt.core.endpoints import (
    BOUND,
    HOLDERS_AT,
    INODE_AT,
    OWNER_HIDDEN,
    OWNER_OUTSIDE,
    OWNER_PENDING,
    OWNER_SEEN,
    OWNER_STATUS_AT,
    OWNERLESS_STATES,
    PROGRAM_AT,
    Endpoint,
    Snapshot,
)
from portie_qt.core.platform import (
    WINDOWS,
    WINDOWS_SYSTEM_PIDS,
    elevation_hint,
    is_admin,
    user_name,
)
from portie_qt.core.programs import Program, program_of

_FAMILY = {socket.AF_INET: "ipv4", socket.AF_INET6: "ipv6"}
_PROTO = {socket.SOCK_STREAM: "tcp", socket.SOCK_DGRAM: "udp"}
_LISTENING = ("LISTEN", BOUND)
_UNKNOWN = (None, None, None, None)

# (create_time, name, user, program) of one process.
Owner = tuple


class ProcessCache:
    """Name, user, start time and `Program` per process, keyed by ``(pid, create_time)``.

    The command line and working directory are read once per process lifetime, here on
    the collector's thread, never per socket and never on the UI thread.
    """

    def __init__(self) -> None:
        self._by_pid: dict[int, Owner] = {}

    def owner(self, pid: int) -> Owner:
        """``(create_time, name, user, program)`` of ``pid``; Nones where it cannot be seen."""
        if WINDOWS and pid in WINDOWS_SYSTEM_PIDS:
            return (0.0, WINDOWS_SYSTEM_PIDS[pid], "SYSTEM", None)
        cached = self._by_pid.get(pid)
        try:
            proc = psutil.Process(pid)
            create_time = proc.create_time()
            if cached is not None and cached[0] == create_time:
                return cached
            with proc.oneshot():
                name = proc.name()
                user = user_name(proc)
                program = _program(proc, name)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            # The process exited between the socket scan and now: normal, not an error.
            self._by_pid.pop(pid, None)
            return _UNKNOWN
        except psutil.AccessDenied:
            return _UNKNOWN
        entry = (create_time, name, user, program)
        self._by_pid[pid] = entry
        return entry

    def prune(self, live_pids: set[int]) -> None:
        for pid in [p for p in self._by_pid if p not in live_pids]:
            del self._by_pid[pid]


def _program(proc: psutil.Process, name: str) -> Program:
    try:
        cmdline = proc.cmdline()
    except psutil.AccessDenied:
        cmdline = None  # another user's process on macOS/Windows: the name still shows
    try:
        cwd = proc.cwd() or None
    except psutil.AccessDenied:
        cwd = None  # Linux without root: other users' directories are private
    return program_of(name, cmdline, cwd)


class _Owners:
    """Owner records for one refresh, shared between endpoints and reused between
    refreshes, so an unchanged socket's record is the very same object (``is``)."""

    def __init__(self, cache: ProcessCache) -> None:
        self.cache = cache
        self._records: dict[tuple[int, ...], tuple[tuple, tuple]] = {}
        self.seen: set[int] = set()
        self._this_refresh: dict[int, Owner] = {}

    def begin(self) -> None:
        self._this_refresh = {}
        self.seen = set()

    def _owner(self, pid: int) -> Owner:
        found = self._this_refresh.get(pid)
        if found is None:
            found = self._this_refresh[pid] = self.cache.owner(pid)
            self.seen.add(pid)
        return found

    def record(self, pids: tuple[int, ...]) -> tuple:
        """``(pid, name, user, create_time, holders, program, owner_status)`` for the
        holders ``pids``
        (ascending): the primary holder is the oldest, the one that created the socket."""
        owners = tuple(self._owner(pid) for pid in pids)
        cached = self._records.get(pids)
        if cached is not None and all(a is b for a, b in zip(cached[0], owners, strict=True)):
            return cached[1]
        if len(pids) == 1:
            primary = 0
        else:
            # Oldest first (an unreadable start time last), then the lower PID.
            primary = min(range(len(pids)), key=lambda i: _age_order(owners[i][0], pids[i]))
        created, name, user, program = owners[primary]
        holders = tuple((pid, owner[0], owner[1]) for pid, owner in zip(pids, owners, strict=True))
        record = (pids[primary], name, user, created, holders, program, OWNER_SEEN)
        if len(self._records) > 4096:
            self._records.clear()
        self._records[pids] = (owners, record)
        return record


def _age_order(created: float | None, pid: int) -> tuple:
    return (created is None, created or 0.0, pid)


class _KernelReader:
    """Endpoints from the kernel's socket tables plus ``/proc/*/fd`` (Linux)."""

    def __init__(self) -> None:
        self.netlink = True
        self._previous: dict[tuple, Endpoint] = {}  # last refresh's endpoint per row
        self._unknown: set[int] = set()  # listener inodes whose owner was not found last time

    def rows(self, listeners_only: bool = False) -> list[list[tuple]]:
        """One list of rows per table (``kernel.TABLES``); see ``kernel.parts_of``."""
        if self.netlink:
            try:
                return kernel.netlink_rows(listeners_only=listeners_only)
            except kernel.SocketSourceError:
                self.netlink = False  # no sock_diag in this kernel: /proc says the same
        return kernel.proc_rows(listeners_only=listeners_only)

    def fields(self, table: int, row: tuple) -> tuple:
        if self.netlink:
            return kernel.netlink_fields(table, row)
        return kernel.proc_fields(table, row)

    def read(self, owners: _Owners, admin: bool) -> tuple[list[Endpoint], int]:
        """Every endpoint, and how many have an owner this user lacks the permission to see."""
        parts_of = kernel.netlink_parts if self.netlink else kernel.proc_parts
        tables = [_deduped(rows, parts_of) for rows in self.rows()]
        holders = kernel.socket_holders()
        endpoints, pending = self._build(tables, holders, owners, admin)
        if pending:
            # Root that still cannot find an owner after a second walk, where some
            # processes' descriptors are out of reach (protected, or outside this PID
            # namespace): the owner is outside this view, not merely not found yet.
            outside = admin and (holders.unreadable > 0 or _in_child_pid_namespace())
            endpoints = self._look_again(endpoints, pending, owners, outside)
        unknown = set()
        hidden = 0
        for endpoint in endpoints:
            if endpoint[7] is None:
                status = endpoint[OWNER_STATUS_AT]
                if status == OWNER_HIDDEN:
                    hidden += 1
                elif status in (OWNER_PENDING, OWNER_OUTSIDE):
                    unknown.add(endpoint[INODE_AT])
        self._unknown = unknown
        return endpoints, hidden

    def _build(self, tables, holders: kernel.Holders, owners: _Owners, admin: bool):
        previous, current = self._previous, {}
        first_holder, shared = holders.first.get, holders.shared
        fields_of = kernel.netlink_fields if self.netlink else kernel.proc_fields
        parts_of = kernel.netlink_parts if self.netlink else kernel.proc_parts
        me = os.geteuid()
        unknown_before = self._unknown
        single: dict[int, tuple] = {}  # pid -> its record, for sockets it holds alone
        no_owner: dict[str, tuple] = {}
        endpoints: list[Endpoint] = []
        append = endpoints.append
        pending: list[int] = []  # indexes of listeners whose owner was not found
        for table, rows in enumerate(tables):
            for row in rows:
                state, uid, inode = parts_of(row)
                pid = first_holder(inode)
                if pid is None:
                    status = _status(table, state, uid, me, admin, inode in unknown_before)
                    record = no_owner.get(status)
                    if record is None:
                        record = no_owner[status] = (None, None, None, None, (), None, status)
                elif inode in shared:
                    record = owners.record(tuple(shared[inode]))
                else:
                    record = single.get(pid)
                    if record is None:
                        record = single[pid] = owners.record((pid,))
                # The previous refresh's Endpoint for this very row (its addresses, state,
                # uid and inode) is reused while its owner is the same. Only the Endpoint is
                # kept: a new tuple per row per refresh would feed the cycle collector, whose
                # full passes hold the GIL for tens of ms and stall the window.
                endpoint = previous.get(row)
                if endpoint is None or not _same_owner(endpoint, record):
                    fields = fields_of(table, row)
                    if not fields[1]:
                        continue  # local port 0: psutil lists no local address for those
                    endpoint = _endpoint(table, fields, state, record, inode)
                current[row] = endpoint
                if record[6] == OWNER_PENDING:
                    pending.append(len(endpoints))
                append(endpoint)
        self._previous = current
        return endpoints, pending

    def _look_again(self, endpoints, pending, owners, outside: bool):
        """A second look for listeners whose owner was not found: drop those that closed
        meanwhile, find the owners of the rest in a fresh walk of ``/proc/*/fd``; the ones
        still without one are owned outside this view when ``outside``."""
        still = self.listening_identities()
        gone = {i for i in pending if (endpoints[i][:6], endpoints[i][INODE_AT]) not in still}
        holders = kernel.socket_holders() if len(gone) < len(pending) else None
        out = []
        for index, endpoint in enumerate(endpoints):
            if index in gone:
                continue
            unfound = endpoint[7] is None and endpoint[OWNER_STATUS_AT] == OWNER_PENDING
            if holders is not None and unfound:
                pid = holders.first.get(endpoint[INODE_AT])
                if pid is not None:
                    inode = endpoint[INODE_AT]
                    pids = tuple(holders.shared[inode]) if inode in holders.shared else (pid,)
                    pid, name, user, created, held, program, _seen = owners.record(pids)
                    endpoint = endpoint._replace(
                        pid=pid, process=name, user=user, create_time=created, holders=held,
                        owner_status=OWNER_SEEN, program=program,
                    )  # fmt: skip
                elif outside:
                    endpoint = endpoint._replace(owner_status=OWNER_OUTSIDE)
            out.append(endpoint)
        return out

    def listening_identities(self) -> set[tuple]:
        """``(key, inode)`` of every listening socket now, from a small listeners-only read."""
        found = set()
        for table, rows in enumerate(self.rows(listeners_only=True)):
            protocol, family = kernel.TABLES[table]
            for row in rows:
                local, port, remote, remote_port = self.fields(table, row)
                if port:
                    identity = (protocol, family, local, port, remote, remote_port)
                    found.add((identity, kernel.parts_of(row)[2]))
        return found


_INITIAL_PID_NAMESPACE = 0xEFFFFFFC  # PROC_PID_INIT_INO in the kernel


def _in_child_pid_namespace() -> bool:
    """Whether Portie runs in a PID namespace of its own (a container): processes outside
    it may hold sockets in its network namespace, and it cannot see them."""
    try:
        return os.stat("/proc/self/ns/pid").st_ino != _INITIAL_PID_NAMESPACE
    except OSError:
        return False


def _same_owner(endpoint: Endpoint, record: tuple) -> bool:
    """Whether ``endpoint`` was built from an owner record equal to ``record``. Holders
    and programs are shared objects, so ``is`` settles them."""
    return (
        endpoint[HOLDERS_AT] is record[4]
        and endpoint[PROGRAM_AT] is record[5]
        and endpoint[7] == record[0]
        and endpoint[OWNER_STATUS_AT] == record[6]
        and endpoint[8] == record[1]
        and endpoint[9] == record[2]
        and endpoint[10] == record[3]
    )


def _deduped(rows: list, parts_of) -> list:
    """Each socket once: the tables are read in chunks while sockets move, so one socket
    can be listed twice. The later listing (the fresher state) wins."""
    by_identity: dict = {}
    for row in rows:
        inode = parts_of(row)[2]
        if not inode:  # TIME_WAIT has none: its addresses name it
            inode = row[3:39] if isinstance(row, bytes) else row[2]
        by_identity[inode] = row
    if len(by_identity) == len(rows):
        return rows
    return list(by_identity.values())


def _status(table: int, state: int, uid: int, me: int, admin: bool, unknown_before: bool) -> str:
    """Why a socket from the kernel's tables has no owner (one of ``OWNER_*``)."""
    tcp = table < 2
    name = kernel.TCP_STATES.get(state, "NONE") if tcp else None
    if tcp and name in OWNERLESS_STATES:
        return OWNER_SEEN
    if not admin and uid != me:
        return OWNER_HIDDEN
    listening = state == 10 if tcp else state == 7
    if not listening:
        return OWNER_SEEN  # a connection waiting to be accepted: no process holds it yet
    return OWNER_OUTSIDE if unknown_before else OWNER_PENDING


def _endpoint(table, fields, state, record, inode) -> Endpoint:
    protocol, family = kernel.TABLES[table]
    local, local_port, remote, remote_port = fields
    if protocol == "tcp":
        status = kernel.TCP_STATES.get(state, "NONE")
    else:
        status = "CONNECTED" if remote_port else BOUND
    pid, name, user, created, holders, program, owner_status = record
    return Endpoint(protocol, family, local, local_port, remote, remote_port, status, pid, name,
                    user, created, holders=holders, inode=inode, owner_status=owner_status,
                    program=program)  # fmt: skip


# The reader is used only while psutil's own function is in place, so a replaced
# psutil.net_connections (a test simulating macOS or a non-root view) is honoured.
_PSUTIL_NET_CONNECTIONS = psutil.net_connections
_USE_KERNEL = sys.platform.startswith("linux") and os.access("/proc/net/tcp", os.R_OK)


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


def hidden_notice(hidden: int) -> str:
    """The status bar's sentence for owners Portie lacks the permission to see."""
    if hidden == 1:
        what = "The owner of 1 socket belongs to another user and is hidden."
    else:
        what = f"The owners of {hidden} sockets belong to other users and are hidden."
    return f"{what} {elevation_hint()}"


class Collector:
    """Collects snapshots, remembering process details between refreshes."""

    def __init__(self) -> None:
        self.cache = ProcessCache()
        self.admin = is_admin()
        self._owners = _Owners(self.cache)
        self._kernel = _KernelReader() if _USE_KERNEL else None
        self._unknown: set[tuple] = set()  # psutil path: listeners without an owner last time

    @property
    def source(self) -> str:
        """Where the socket tables come from: ``sock_diag``, ``/proc/net`` or ``psutil``."""
        if not self._fast():
            return "psutil"
        return "sock_diag" if self._kernel.netlink else "/proc/net"

    def _fast(self) -> bool:
        return self._kernel is not None and psutil.net_connections is _PSUTIL_NET_CONNECTIONS

    def listening_identities(self) -> set[tuple] | None:
        """``(key, inode)`` of every listening socket right now, from a small second read
        of the kernel's tables; None where there is no cheap second look (psutil)."""
        if not self._fast():
            return None
        try:
            return self._kernel.listening_identities()
        except (OSError, ValueError, IndexError):
            return None

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

    def collect(self) -> Snapshot:
        self._owners.begin()
        if self._fast():
            try:
                endpoints, hidden = self._kernel.read(self._owners, self.admin)
            except (OSError, ValueError, IndexError):
                pass  # an unexpected kernel layout: psutil knows more kernels than we do
            else:
                return self._snapshot(endpoints, hidden, "")
        raw, notice = self._raw()
        endpoints, hidden = self._from_psutil(raw)
        return self._snapshot(endpoints, hidden, notice)

    def _from_psutil(self, raw: Iterable) -> tuple[list[Endpoint], int]:
        """Endpoints from psutil rows. Rows for the same socket address from several
        processes (one row per holder on macOS and Windows) become one endpoint with
        every holder; there is no inode to tell a shared socket from a twin."""
        grouped: dict[tuple, list[int | None]] = {}
        for _fd, fam, typ, laddr, raddr, status, pid in raw:
            family = _FAMILY.get(fam)
            protocol = _PROTO.get(typ)
            if family is None or protocol is None or not laddr:
                continue
            if raddr:
                remote_address, remote_port = raddr[0], raddr[1]
            else:
                remote_address = remote_port = None
            if protocol == "udp":
                status = "CONNECTED" if raddr else BOUND
            key = (protocol, family, laddr[0], laddr[1], remote_address, remote_port, status)
            pids = grouped.setdefault(key, [])
            if pid not in pids:
                pids.append(pid)
        endpoints = []
        hidden = 0
        unknown = set()
        for key, pids in grouped.items():
            known = tuple(sorted(p for p in pids if p is not None))
            status = key[6]
            if known:
                pid, name, user, created, holders, program, seen = self._owners.record(known)
                endpoints.append(Endpoint(*key, pid, name, user, created, holders=holders,
                                          owner_status=seen, program=program))  # fmt: skip
                continue
            if status in OWNERLESS_STATES:
                why = OWNER_SEEN
            elif not self.admin:
                why = OWNER_HIDDEN
                hidden += 1
            elif status in _LISTENING:
                why = OWNER_OUTSIDE if key in self._unknown else OWNER_PENDING
                unknown.add(key)
            else:
                why = OWNER_SEEN
            endpoints.append(Endpoint(*key, None, None, None, None, owner_status=why))
        self._unknown = unknown
        return endpoints, hidden

    def _snapshot(self, endpoints: list[Endpoint], hidden: int, notice: str) -> Snapshot:
        self.cache.prune(self._owners.seen)
        limited = bool(notice) or (hidden > 0 and not self.admin)
        if limited and not notice:
            notice = hidden_notice(hidden)
        return Snapshot(
            endpoints=tuple(endpoints),
            taken_at=time.time(),
            limited=limited,
            notice=notice,
            hidden_owners=hidden,
        )


_default: Collector | None = None


def default_collector() -> Collector:
    """The process-wide collector (its process cache is shared by every caller)."""
    global _default
    if _default is None:
        _default = Collector()
    return _default


def collect() -> Snapshot:
    """One snapshot of every endpoint, using a process-wide cache."""
    return default_collector().collect()
