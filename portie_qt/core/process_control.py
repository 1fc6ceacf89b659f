"""Stop the process that holds a port, without ever signalling the wrong one. Qt-free.

A process is identified by PID *and* start time: a PID that now belongs to another
program is refused, never signalled. On Linux the signal goes through a pidfd opened
while that identity check held (``os.pidfd_open`` + ``signal.pidfd_send_signal``), so
it can only reach the process that was checked, even when its PID is reused within
the start time's resolution; `describe` opens that pidfd when it names the process for
a confirmation, so the process confirmed is the one stopped. Elsewhere the signal goes
through the ``psutil.Process`` whose start time was just compared.
"""

from __future__ import annotations

import contextlib
import os
import select
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import NamedTuple

import psutil

from portie_qt.core.containers import engine_process
from portie_qt.core.platform import WINDOWS, WINDOWS_SYSTEM_PIDS, elevation, user_name
from portie_qt.core.ports import address_text
from portie_qt.core.system_processes import system_refusal

# Start times read twice from the same kernel field are equal; the slack only absorbs
# float rounding, far below the time a PID needs to wrap around and be reused.
_SAME_START = 0.01
# Linux: kthreadd (PID 2) is the parent of every kernel thread.
_KTHREADD = 2
# Order in which hidden fields are named in the details note.
_DETAIL_FIELDS = ("name", "user", "cmdline", "exe", "cwd", "status", "parent_pid", "parent")


class HeldPort(NamedTuple):
    """One socket a process holds, as the confirmation dialog lists it."""

    protocol: str  # "tcp" | "udp"
    address: str
    port: int
    listening: bool
    remote: str = ""  # a connection's peer: two connections from one port are two sockets

    @property
    def label(self) -> str:
        return f"{self.protocol.upper()} {address_text(self.address, self.port)}"


class ProcessHandle:
    """A Linux pidfd: refers to one process for good; a reused PID never redirects it.

    Closed when garbage-collected (a `Target` carrying one may travel between threads)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    @classmethod
    def open(cls, pid: int) -> ProcessHandle | None:
        """A handle on ``pid`` now; None where pidfds do not exist (other OSes, kernels
        before 5.3). Raises ProcessLookupError when there is no such process."""
        opener = getattr(os, "pidfd_open", None)
        if opener is None or not hasattr(signal, "pidfd_send_signal"):
            return None
        try:
            return cls(opener(pid))
        except ProcessLookupError:
            raise
        except OSError:
            return None  # ENOSYS and friends: fall back to the start-time check alone

    def alive(self) -> bool:
        """Whether the process this handle refers to still runs (signal 0)."""
        try:
            signal.pidfd_send_signal(self.fd, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # it exists; we may just not signal it
        return True

    def send(self, signum: int) -> None:
        signal.pidfd_send_signal(self.fd, signum)

    def exited(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s; True once the process has exited (even unreaped)."""
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        return bool(poller.poll(max(0, int(timeout * 1000))))

    def close(self) -> None:
        fd, self.fd = self.fd, -1
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)

    def __del__(self) -> None:
        self.close()


@dataclass(frozen=True)
class Target:
    """A process Portie may signal, identified by PID *and* start time."""

    pid: int
    create_time: float | None  # None: the identity cannot be confirmed, so never signalled
    name: str | None = None
    user: str | None = None
    cmdline: tuple[str, ...] | None = None  # None when hidden from this user
    ports: tuple[HeldPort, ...] = ()
    host: str = ""  # the remote host the process runs on; "" for this computer
    # Linux: a pidfd opened while the identity held (see `describe`); signals go through it.
    handle: ProcessHandle | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[int, float | None]:
        """Identity of the process: equal keys are the same process."""
        return (self.pid, self.create_time)

    @property
    def title(self) -> str:
        """``node (PID 1234)`` — how messages name the process."""
        return f"{self.name} (PID {self.pid})" if self.name else f"PID {self.pid}"

    @property
    def command(self) -> str:
        """The command line as a person would type it ('' when empty or hidden)."""
        if not self.cmdline:
            return ""
        return subprocess.list2cmdline(self.cmdline) if WINDOWS else shlex.join(self.cmdline)

    @property
    def listening_ports(self) -> tuple[HeldPort, ...]:
        return tuple(p for p in self.ports if p.listening)


class Result(Enum):
    """What happened when Portie was asked to stop a process."""

    TERMINATED = "terminated"
    KILLED = "killed"
    STILL_RUNNING = "still running"  # asked to stop, did not within the wait: offer Kill
    ALREADY_EXITED = "already exited"
    PID_REUSED = "pid reused"
    REFUSED = "refused"
    PERMISSION_DENIED = "permission denied"


@dataclass(frozen=True)
class Outcome:
    """The result of one terminate/kill, with the sentence to show the user."""

    target: Target
    result: Result
    message: str

    @property
    def gone(self) -> bool:
        """True when the process no longer runs (its ports are released)."""
        return self.result in (Result.TERMINATED, Result.KILLED, Result.ALREADY_EXITED)


@dataclass(frozen=True)
class ProcessDetails:
    """Everything the details pane shows about one process; hidden fields are None."""

    pid: int
    create_time: float
    name: str | None
    user: str | None
    cmdline: tuple[str, ...] | None
    exe: str | None
    cwd: str | None
    started: datetime | None
    parent_pid: int | None
    parent_name: str | None
    status: str | None
    hidden: tuple[str, ...] = ()  # names of the fields the OS would not show
    note: str = ""  # why some fields are empty, and how to see them

    @property
    def command(self) -> str:
        if not self.cmdline:
            return ""
        return subprocess.list2cmdline(self.cmdline) if WINDOWS else shlex.join(self.cmdline)


def _started(create_time: float) -> str:
    stamp = datetime.fromtimestamp(create_time)
    fmt = "%H:%M:%S" if stamp.date() == datetime.now().date() else "%Y-%m-%d %H:%M"
    return stamp.strftime(fmt)


def _same_start(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) < _SAME_START


def _ports_of(proc: psutil.Process) -> tuple[HeldPort, ...]:
    try:
        conns = proc.net_connections(kind="inet")
    except psutil.AccessDenied:
        # Another user's process (or macOS without root, psutil #1219): fall back to the
        # system-wide view, which may still show its sockets.
        from portie_qt.core.collector import collect

        found = {
            HeldPort(e.protocol, e.local_address, e.local_port, e.listening, e.remote)
            for e in collect().endpoints
            if e.pid == proc.pid
        }
    else:
        found = set()
        for conn in conns:
            if not conn.laddr:
                continue
            protocol = "udp" if conn.type == socket.SOCK_DGRAM else "tcp"
            listening = conn.status == psutil.CONN_LISTEN or (protocol == "udp" and not conn.raddr)
            peer = address_text(conn.raddr[0], conn.raddr[1]) if conn.raddr else ""
            found.add(HeldPort(protocol, conn.laddr[0], conn.laddr[1], listening, peer))
    return tuple(sorted(found, key=lambda p: (not p.listening, p.port, p.protocol, p.address)))


def describe(pid: int, create_time: float | None) -> Target:
    """Fresh name, user, command line and every port of the process, for the dialog.

    When the process has exited or the PID now belongs to another process, the target
    keeps only the recorded identity: acting on it will report that, not signal.
    """
    target = Target(pid=pid, create_time=create_time)
    try:
        # Opened before the identity check: if the check passes and the handle's process
        # is still alive afterwards, the handle is the checked process (see `_probe`).
        handle = ProcessHandle.open(pid)
    except ProcessLookupError:
        return target
    try:
        proc = psutil.Process(pid)
        if not _same_start(proc.create_time(), create_time):
            return target
        with proc.oneshot():
            name = proc.name()
            user = user_name(proc)
            try:
                cmdline = tuple(proc.cmdline())
            except psutil.AccessDenied:
                cmdline = None
        ports = _ports_of(proc)
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return target  # exited meanwhile: terminate() will say "already exited"
    except psutil.AccessDenied:
        return target
    if handle is not None and not handle.alive():
        return target
    return Target(pid, create_time, name, user, cmdline, ports, handle=handle)


def targets_for(endpoints, host: str = "") -> list[Target]:
    """One target per distinct process (by PID and start time) holding ``endpoints``:
    every holder of a shared socket (forked workers hold their parent's), oldest first,
    so a parent is stopped before the workers it would otherwise respawn.

    Endpoints whose owner is not visible (no PID) are left out: there is nothing to signal.
    ``host`` names the remote host the endpoints are on ("" for this computer).
    """
    by_key: dict[tuple, Target] = {}
    ports: dict[tuple, list[HeldPort]] = {}
    for e in endpoints:
        if e.pid is None:
            continue
        held = HeldPort(e.protocol, e.local_address, e.local_port, e.listening, e.remote)
        for pid, created, name in e.holders or ((e.pid, e.create_time, e.process),):
            key = (pid, created)
            if key not in by_key:
                user = e.user if pid == e.pid else None
                by_key[key] = Target(pid, created, name, user, host=host)
                ports[key] = []
            if held not in ports[key]:
                ports[key].append(held)
    found = [replace(t, ports=tuple(ports[k])) for k, t in by_key.items()]
    return sorted(found, key=oldest_first)


def oldest_first(target: Target) -> tuple:
    """Sort key: parents before their children (a child never started before its parent);
    an unknown start time last."""
    return (target.create_time is None, target.create_time or 0.0, target.pid)


def refusal(target: Target, system: str = sys.platform, own_pid: int | None = None) -> str | None:
    """Why Portie will not signal this PID at all, or None when it may.

    ``system`` is the ``sys.platform`` of the machine the process runs on; ``own_pid`` is
    Portie's own PID when the process runs on this computer.
    """
    pid = target.pid
    if system == "win32" and pid in WINDOWS_SYSTEM_PIDS:
        return (
            f"PID {pid} is Windows' own {WINDOWS_SYSTEM_PIDS[pid]} process; Windows does "
            "not let it be stopped, so Portie did not try."
        )
    if pid == 0:
        return "PID 0 is the operating system's kernel, not a program; Portie did not signal it."
    if pid == 1:
        init = "launchd" if system == "darwin" else "the init process"
        return (
            f"PID 1 is {init}, which runs the whole system; stopping it would bring the "
            "computer down, so Portie did not signal it."
        )
    if pid < 0:
        return f"PID {pid} is not a process; Portie did not signal it."
    if pid == own_pid:
        return "That is Portie itself; quit Portie instead of stopping its own process."
    if target.create_time is None:
        return (
            f"Portie could not read when PID {pid} started, so it cannot be sure which "
            "process that is and did not signal it. Refresh and try again."
        )
    return None


def _kernel_thread(proc: psutil.Process) -> bool:
    """Linux kernel threads: children of kthreadd, with no executable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        if proc.pid == _KTHREADD or proc.ppid() == _KTHREADD:
            return True
        return not proc.cmdline() and not proc.exe()
    except (psutil.AccessDenied, psutil.ZombieProcess):
        return False  # an ordinary process we may not inspect: the signal decides


def _probe(target: Target, force: bool) -> tuple[psutil.Process, Target] | Outcome:
    """The live process behind ``target`` (name and handle filled in), or why we must not
    act. The handle is the target's own (opened when it was described) or one opened now,
    before the start time is compared; either way it must still be alive after the
    comparison, which proves it refers to the process that was compared."""
    refused = refusal(target, sys.platform, os.getpid())
    if refused:
        return Outcome(target, Result.REFUSED, refused)
    if target.handle is None:
        try:
            target = replace(target, handle=ProcessHandle.open(target.pid))
        except ProcessLookupError:
            return _exited(target)
    try:
        proc = psutil.Process(target.pid)
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return _exited(target)
    try:
        started = proc.create_time()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return _exited(target)
    except psutil.AccessDenied:
        # Cannot even read its start time: the identity is unproven, so no signal.
        return _denied(target, proc, force)
    if not _same_start(started, target.create_time):
        try:
            now = proc.name()
        except psutil.Error:
            now = "another program"
        return Outcome(
            target,
            Result.PID_REUSED,
            f"PID {target.pid} now belongs to a different process ({now}, started "
            f"{_started(started)}); Portie did not signal it.",
        )
    if target.handle is not None and not target.handle.alive():
        # The process the handle refers to is gone: whatever has its PID now is not it,
        # even when it started within the same clock tick.
        return _exited(target)
    current = None
    with contextlib.suppress(psutil.Error):  # messages fall back to "PID 1234"
        current = proc.name()
    if target.name is None and current is not None:
        target = replace(target, name=current)
    if engine_process(current):
        return Outcome(target, Result.REFUSED, engine_refusal(target))
    if _kernel_thread(proc):
        return Outcome(
            target,
            Result.REFUSED,
            f"{target.title} is a Linux kernel thread; it cannot be stopped by a signal, "
            "so Portie did not try.",
        )
    system = system_refusal(proc, target.title)  # init, sessions, the display, sshd…
    if system is not None:
        return Outcome(target, Result.REFUSED, system)
    return proc, target


def engine_refusal(target: Target) -> str:
    """Why Portie never signals a container engine's own process, and what to do instead."""
    return (
        f"{target.title} is part of the container engine: it holds ports for containers, "
        "and stopping it would break the engine while the containers keep running, so "
        "Portie did not signal it. Stop the container instead (Stop Container in Portie, "
        "`portie free PORT`, or `docker stop NAME`)."
    )


def _exited(target: Target) -> Outcome:
    return Outcome(target, Result.ALREADY_EXITED, f"{target.title} had already exited.")


def _denied(target: Target, proc: psutil.Process, force: bool) -> Outcome:
    owner = user_name(proc) or target.user or "another user"
    if WINDOWS:
        how = (
            f"Run Portie as Administrator, or run `taskkill /PID {target.pid}"
            f"{' /F' if force else ''}` in an Administrator prompt."
        )
    else:
        how = f"Run `sudo kill {'-9 ' if force else ''}{target.pid}`, or run Portie as root."
    return Outcome(
        target,
        Result.PERMISSION_DENIED,
        f"Permission denied: {target.title} belongs to {owner}, and this account may not "
        f"stop it. {how}",
    )


def _wait_gone(proc: psutil.Process, timeout: float, handle: ProcessHandle | None) -> bool:
    """Wait up to ``timeout`` s for the process to end; a zombie counts as ended."""
    if handle is not None:
        if not handle.exited(timeout):
            return False
        with contextlib.suppress(psutil.Error, ChildProcessError):
            proc.wait(timeout=0)  # reap it when it is our own child
        return True
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        try:
            # Reaps it when it is our own child; otherwise polls for the PID to vanish.
            proc.wait(timeout=max(0.01, min(0.1, remaining)))
            return True
        except psutil.TimeoutExpired:
            pass
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return True
        try:
            # Exited but not yet reaped by its parent: its sockets are already closed.
            if proc.status() == psutil.STATUS_ZOMBIE:
                return True
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return True
        except psutil.AccessDenied:
            pass
        if remaining <= 0:
            return False


def _signal(target: Target, force: bool, timeout: float) -> Outcome:
    probed = _probe(target, force)
    if isinstance(probed, Outcome):
        return probed
    proc, target = probed
    try:
        if target.handle is not None:
            target.handle.send(signal.SIGKILL if force else signal.SIGTERM)
        elif force:
            # Through the very object whose start time matched: psutil refuses to
            # signal it if the PID has been reused since (NoSuchProcess).
            proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows
        else:
            proc.terminate()  # SIGTERM on POSIX, TerminateProcess on Windows
    except (psutil.NoSuchProcess, psutil.ZombieProcess, ProcessLookupError):
        return _exited(target)
    except (psutil.AccessDenied, PermissionError):
        return _denied(target, proc, force)
    if _wait_gone(proc, timeout, target.handle):
        if force:
            return Outcome(target, Result.KILLED, f"Killed {target.title}.")
        return Outcome(target, Result.TERMINATED, f"Stopped {target.title}.")
    if force:
        return Outcome(
            target,
            Result.STILL_RUNNING,
            f"{target.title} was killed but has not exited yet; it may be stuck in the "
            "kernel (for example on a dead network drive).",
        )
    return Outcome(
        target,
        Result.STILL_RUNNING,
        f"{target.title} is still running {timeout:g} seconds after being asked to stop; "
        "it may be ignoring the request. Kill it to force it to stop.",
    )


def terminate(target: Target, timeout: float = 3.0) -> Outcome:
    """Ask the process to stop (SIGTERM) and wait up to ``timeout`` s for it to exit."""
    return _signal(target, force=False, timeout=timeout)


def kill(target: Target, timeout: float = 3.0) -> Outcome:
    """Force the process to stop (SIGKILL) and wait up to ``timeout`` s for it to go."""
    return _signal(target, force=True, timeout=timeout)


def process_details(pid: int, create_time: float | None) -> ProcessDetails | None:
    """Details of the process, or None when it has exited or the PID was reused.

    Slow-ish (several /proc reads): call it off the UI thread.
    """
    try:
        proc = psutil.Process(pid)
        started_at = proc.create_time()
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return None
    if not _same_start(started_at, create_time):
        return None
    values: dict = {}
    hidden: list[str] = []

    def read(name, getter):
        try:
            values[name] = getter()
        except psutil.AccessDenied:
            values[name] = None
            hidden.append(name)

    try:
        with proc.oneshot():
            read("name", proc.name)
            read("user", lambda: user_name(proc))
            read("cmdline", lambda: tuple(proc.cmdline()))
            read("exe", lambda: proc.exe() or None)
            read("cwd", proc.cwd)
            read("status", proc.status)
            read("parent_pid", proc.ppid)
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    parent_name = None
    if values.get("parent_pid"):
        try:
            parent_name = psutil.Process(values["parent_pid"]).name()
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            pass  # the parent exited; its PID is still worth showing
        except psutil.AccessDenied:
            hidden.append("parent")
    if values.get("user") is None and "user" not in hidden:
        hidden.append("user")
    hidden = [h for h in _DETAIL_FIELDS if h in hidden]
    note = ""
    if hidden:
        note = (
            f"The system hides this process's {', '.join(h.replace('_', ' ') for h in hidden)} "
            f"from this account; {elevation()} to see them."
        )
    return ProcessDetails(
        pid=pid,
        create_time=started_at,
        name=values.get("name"),
        user=values.get("user"),
        cmdline=values.get("cmdline"),
        exe=values.get("exe"),
        cwd=values.get("cwd"),
        started=datetime.fromtimestamp(started_at),
        parent_pid=values.get("parent_pid"),
        parent_name=parent_name,
        status=values.get("status"),
        hidden=tuple(hidden),
        note=note,
    )
