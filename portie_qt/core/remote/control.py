"""Terminate, kill and describe processes on a remote host, over its SSH connection. Qt-free.

The same promise as `core.process_control`: a process is identified by PID *and* start
time, and a PID that now belongs to another program is refused, never signalled. The
start time is read on the remote (``ps -o lstart``, in UTC) in the same shell script that
sends the signal, so nothing can slip in between Portie's check and the ``kill``. The
same refusals apply (PID 0 and 1, Linux kernel threads, an unproven identity). ``sudo``
is used only when the user enabled it for that host, and only non-interactively
(``sudo -n``): Portie never types a password.

`RemoteProcesses` has the methods `ProcessActions` and `DetailsPane` call on
`core.process_control` (``describe``, ``terminate``, ``kill``, ``process_details``), so
the window hands either one to them.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime

from portie_qt.core.process_control import (
    HeldPort,
    Outcome,
    ProcessDetails,
    Result,
    Target,
    refusal,
)
from portie_qt.core.remote.collector import RemoteCollector, split_sections
from portie_qt.core.remote.records import (
    PROCESS_NAME_LIMIT,
    USER_LIMIT,
    lstart_seconds,
    lstart_text,
)
from portie_qt.core.remote.session import RemoteError, SshSession
from portie_qt.core.text import plain, plain_or_none

SCRIPT_TIMEOUT_S = 20.0
_COMMAND_LIMIT = 4096
_STATUS = {
    "R": "running",
    "S": "sleeping",
    "D": "disk-sleep",
    "Z": "zombie",
    "T": "stopped",
    "t": "tracing-stop",
    "I": "idle",
    "U": "waiting",
    "W": "paging",
}

# Shared head: {m} marker, {pid} an int, {want} the start time as `lstart_text` writes it.
# `set -- $line` collapses ps's padding, so the comparison is word for word.
_IDENTITY = """export LC_ALL=C TZ=UTC
m='{m}'; pid={pid}; want='{want}'
line=$(ps -o lstart= -p "$pid" 2>/dev/null)
if [ -z "$line" ]; then echo "$m exited"; echo "$m end"; exit 0; fi
set -- $line
if [ "$*" != "$want" ]; then
  echo "$m reused $*"; ps -o comm= -p "$pid" 2>/dev/null; echo "$m end"; exit 0
fi
"""
_SIGNAL = """ppid=$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')
if [ "$(uname -s)" = Linux ] && {{ [ "$pid" = 2 ] || [ "$ppid" = 2 ]; }}; then
  echo "$m kernel"; echo "$m end"; exit 0
fi
case "$(ps -o stat= -p "$pid" 2>/dev/null)" in Z*) echo "$m exited"; echo "$m end"; exit 0;; esac
owner=$(ps -o user= -p "$pid" 2>/dev/null)
if ! err=$({sudo}kill -s {sig} "$pid" 2>&1); then
  echo "$m denied $owner"; printf '%s\\n' "$err"; echo "$m end"; exit 0
fi
i=0
while [ "$i" -lt {tenths} ]; do
  st=$(ps -o stat= -p "$pid" 2>/dev/null)
  case "$st" in ''|Z*) echo "$m gone"; echo "$m end"; exit 0;; esac
  sleep 0.1; i=$((i+1))
done
echo "$m still"; echo "$m end"
"""
_DESCRIBE = """echo "$m same"
echo "$m user"; ps -o user= -p "$pid" 2>/dev/null
echo "$m name"; ps -o comm= -p "$pid" 2>/dev/null
echo "$m args"; ps -o args= -p "$pid" 2>/dev/null
echo "$m ppid"; ps -o ppid= -p "$pid" 2>/dev/null
echo "$m stat"; ps -o stat= -p "$pid" 2>/dev/null
ppid=$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')
echo "$m pname"; [ -n "$ppid" ] && ps -o comm= -p "$ppid" 2>/dev/null
if [ -d "/proc/$pid" ]; then
  echo "$m exe"; readlink "/proc/$pid/exe" 2>/dev/null || echo "$m hidden exe"
  echo "$m cwd"; readlink "/proc/$pid/cwd" 2>/dev/null || echo "$m hidden cwd"
fi
echo "$m end"
"""


def _first_line(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    return plain_or_none(line.strip(), limit)


class RemoteProcesses:
    """Process control and details for the processes of one remote host."""

    def __init__(
        self,
        session: SshSession,
        host: str,
        *,
        sudo: bool = False,
        collector: RemoteCollector | None = None,
    ) -> None:
        self.session = session
        self.host = host
        self.sudo = sudo
        self._collector = collector

    @property
    def system(self) -> str:
        """The host's OS in ``sys.platform`` spelling, as its last refresh said."""
        system = self._collector.system if self._collector is not None else ""
        return "darwin" if system == "Darwin" else "linux"

    # -- running scripts ------------------------------------------------------------------
    def _ask(
        self, pid: int, create_time: float, body: str, timeout: float = SCRIPT_TIMEOUT_S, **fields
    ) -> dict[str, str]:
        marker = f"@@portie-{secrets.token_hex(8)}"
        head = _IDENTITY.format(m=marker, pid=int(pid), want=lstart_text(create_time))
        answer = self.session.run(head + body.format(**fields), timeout)
        sections = split_sections(answer.stdout, marker)
        if "end" not in sections:
            raise RemoteError(
                f"The answer from {self.host} was cut short; nothing is known to "
                f"have happened, so check the process and try again."
            )
        return sections

    def _ports(self, pid: int, create_time: float | None) -> tuple[HeldPort, ...]:
        snapshot = self._collector.last if self._collector is not None else None
        if snapshot is None:
            return ()
        found = {
            HeldPort(e.protocol, e.local_address, e.local_port, e.listening, e.remote)
            for e in snapshot.endpoints
            if e.pid == pid and e.create_time == create_time
        }
        return tuple(sorted(found, key=lambda p: (not p.listening, p.port, p.protocol, p.address)))

    # -- what ProcessActions calls --------------------------------------------------------
    def describe(self, pid: int, create_time: float | None) -> Target:
        """Fresh name, user, command line and ports of the process, for the dialog."""
        target = Target(pid, create_time, host=self.host)
        if create_time is None or pid <= 0:
            return target
        sections = self._ask(pid, create_time, _DESCRIBE)
        if "same" not in sections:
            return target
        args = _first_line(sections.get("args"), _COMMAND_LIMIT)
        return Target(
            pid,
            create_time,
            _first_line(sections.get("name"), PROCESS_NAME_LIMIT),
            _first_line(sections.get("user"), USER_LIMIT),
            tuple(args.split()) if args else None,
            self._ports(pid, create_time),
            self.host,
        )

    def terminate(self, target: Target, timeout: float = 3.0) -> Outcome:
        """Ask the process to stop (SIGTERM) and wait up to ``timeout`` s for it to exit."""
        return self._signal(target, force=False, timeout=timeout)

    def kill(self, target: Target, timeout: float = 3.0) -> Outcome:
        """Force the process to stop (SIGKILL) and wait up to ``timeout`` s for it to go."""
        return self._signal(target, force=True, timeout=timeout)

    def process_details(self, pid: int, create_time: float | None) -> ProcessDetails | None:
        """What the details pane shows, read on the host; None when the process is gone."""
        if create_time is None or pid <= 0:
            return None
        sections = self._ask(pid, create_time, _DESCRIBE)
        if "same" not in sections:
            return None
        hidden = [h.strip() for h in sections.get("hidden", "").splitlines() if h.strip()]
        ppid_text = (sections.get("ppid") or "").strip()
        stat = (sections.get("stat") or "").strip()
        args = _first_line(sections.get("args"), _COMMAND_LIMIT)
        note = ""
        if hidden:
            note = (
                f"{self.host} hides this process's {', '.join(hidden)} from this login; "
                f"log in to {self.host} as root to see them."
            )
        return ProcessDetails(
            pid=pid,
            create_time=create_time,
            name=_first_line(sections.get("name"), PROCESS_NAME_LIMIT),
            user=_first_line(sections.get("user"), USER_LIMIT),
            cmdline=tuple(args.split()) if args else None,
            exe=None if "exe" in hidden else _first_line(sections.get("exe"), _COMMAND_LIMIT),
            cwd=None if "cwd" in hidden else _first_line(sections.get("cwd"), _COMMAND_LIMIT),
            started=datetime.fromtimestamp(create_time),
            parent_pid=int(ppid_text) if ppid_text.isdigit() else None,
            parent_name=_first_line(sections.get("pname"), PROCESS_NAME_LIMIT),
            status=_STATUS.get(stat[:1]) if stat else None,
            hidden=tuple(hidden),
            note=note,
        )

    # -- signalling -----------------------------------------------------------------------
    def _signal(self, target: Target, force: bool, timeout: float) -> Outcome:
        target = replace(target, host=self.host)
        refused = refusal(target, self.system)
        if refused:
            return Outcome(target, Result.REFUSED, self._on_host(refused))
        sections = self._ask(
            target.pid,
            target.create_time,
            _SIGNAL,
            timeout=timeout + SCRIPT_TIMEOUT_S,
            sig="KILL" if force else "TERM",
            sudo="sudo -n " if self.sudo else "",
            tenths=max(1, round(timeout * 10)),
        )
        return self._outcome(target, sections, force, timeout)

    def _on_host(self, sentence: str) -> str:
        """A local refusal's sentence, said about the host."""
        return sentence.replace("the computer down", f"{self.host} down")

    def _outcome(
        self, target: Target, sections: dict[str, str], force: bool, timeout: float
    ) -> Outcome:
        title, host = target.title, self.host
        if "exited" in sections:
            return Outcome(target, Result.ALREADY_EXITED, f"{title} on {host} had already exited.")
        if "reused" in sections:
            lines = sections["reused"].splitlines()
            started = lstart_seconds(lines[0]) if lines else None
            now = _first_line("\n".join(lines[1:]), PROCESS_NAME_LIMIT) or "another program"
            when = (
                f", started {datetime.fromtimestamp(started):%Y-%m-%d %H:%M:%S}" if started else ""
            )
            return Outcome(
                target,
                Result.PID_REUSED,
                f"PID {target.pid} on {host} now belongs to a different process "
                f"({now}{when}); Portie did not signal it.",
            )
        if "kernel" in sections:
            return Outcome(
                target,
                Result.REFUSED,
                f"{title} is a Linux kernel thread on {host}; it cannot be stopped by "
                f"a signal, so Portie did not try.",
            )
        if "denied" in sections:
            return self._denied(target, sections["denied"], force)
        if "gone" in sections:
            if force:
                return Outcome(target, Result.KILLED, f"Killed {title} on {host}.")
            return Outcome(target, Result.TERMINATED, f"Stopped {title} on {host}.")
        if force:
            return Outcome(
                target,
                Result.STILL_RUNNING,
                f"{title} on {host} was killed but has not exited yet; it may be "
                f"stuck in the kernel there.",
            )
        return Outcome(
            target,
            Result.STILL_RUNNING,
            f"{title} on {host} is still running {timeout:g} seconds after being "
            f"asked to stop; it may be ignoring the request. Kill it to force it "
            f"to stop.",
        )

    def _denied(self, target: Target, text: str, force: bool) -> Outcome:
        lines = text.splitlines()
        owner = plain_or_none(lines[0], USER_LIMIT) if lines else None
        error = plain(" ".join(lines[1:]), 400).lower()
        title, host = target.title, self.host
        command = f"sudo kill {'-9 ' if force else ''}{target.pid}"
        if "no such process" in error:
            return Outcome(target, Result.ALREADY_EXITED, f"{title} on {host} had already exited.")
        if self.sudo and "password" in error:
            message = (
                f"sudo on {host} asks for a password, which Portie never types: allow "
                f"this login to run kill without one, or run {command} there yourself."
            )
        elif self.sudo and ("not found" in error or "no such file" in error):
            message = (
                f"{host} has no sudo, so Portie could not stop {title}, which belongs to "
                f"{owner or 'another user'}: log in as its owner or as root."
            )
        elif self.sudo:
            message = (
                f"sudo on {host} did not let this login stop {title}: run {command} there yourself."
            )
        else:
            message = (
                f"Permission denied: {title} belongs to {owner or 'another user'} on "
                f"{host}, and this login may not stop it; allow sudo for {host} in "
                f"Portie's host list, or run {command} there."
            )
        return Outcome(target, Result.PERMISSION_DENIED, message)
