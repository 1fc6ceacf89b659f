"""Another computer's sockets as a `Snapshot`, over SSH: what `Collector` is for this one. Qt-free.

Each refresh sends one short POSIX shell script through the host's shared SSH
connection. The remote picks the best tool it has: ``portie --list --json`` when Portie
is installed there, else ``ss -Htunap`` (Linux), else ``lsof`` (macOS); and it adds
``ps``'s start time and user of every process, so each socket's owner is known by PID
and start time, as locally. Sections are framed by a marker with a random part, so no
process name can end one early.

A host that stops answering is retried with back-off (1, 2, 4 … 60 s): ``collect()``
raises `HostDisconnected` at once until the next attempt is due, so the refresh loop
never waits on a dead host, and `retry_now()` (Refresh Now) cuts the wait short.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable

from portie_qt.core.endpoints import (
    BOUND,
    LISTEN,
    OWNER_HIDDEN,
    OWNER_OUTSIDE,
    OWNER_SEEN,
    OWNERLESS_STATES,
    Endpoint,
    Snapshot,
)
from portie_qt.core.remote.lsof import FIELDS as LSOF_FIELDS
from portie_qt.core.remote.lsof import parse_lsof
from portie_qt.core.remote.portie_json import parse_portie_json
from portie_qt.core.remote.records import Owner, RawSocket, parse_ps
from portie_qt.core.remote.session import RemoteError, SshSession
from portie_qt.core.remote.ss import parse_ss

COLLECT_TIMEOUT_S = 30.0
BACKOFF_MAX_S = 60.0
METHODS = ("portie", "ss", "lsof")
_GROUP = "collect"  # the session's name for this collector's commands (see `cancel`)

# {m} is the per-run marker. `out=$(…)` keeps a broken remote Portie from hiding ss.
_SCRIPT = """export LC_ALL=C
m='{m}'
echo "$m host $(uname -s 2>/dev/null) $(id -u 2>/dev/null)"
if command -v portie >/dev/null 2>&1 && out=$(portie --list --json 2>/dev/null) \\
   && [ -n "$out" ]; then
  echo "$m portie"; printf '%s\\n' "$out"
elif command -v ss >/dev/null 2>&1; then
  echo "$m ss"; ss -Htunap 2>/dev/null
elif PATH="$PATH:/usr/sbin:/sbin" command -v lsof >/dev/null 2>&1; then
  echo "$m lsof"; PATH="$PATH:/usr/sbin:/sbin" lsof -nP -iTCP -iUDP -F{fields}0 2>/dev/null
else
  echo "$m none"
fi
echo "$m ps"
TZ=UTC ps -eo pid=,uid=,lstart=,user= 2>/dev/null
echo "$m end"
"""


class HostDisconnected(RemoteError):
    """The host cannot be reached now; ``reason`` says why, ``retry_in`` when Portie tries again."""

    def __init__(self, reason: str, retry_in: float) -> None:
        self.reason = reason
        self.retry_in = retry_in
        wait = max(1, math.ceil(retry_in))
        super().__init__(f"{reason.rstrip('.')} (Portie tries again in {wait} s).")


def backoff(failures: int) -> float:
    """Seconds to wait after ``failures`` failed attempts in a row: 1, 2, 4 … 60."""
    return min(BACKOFF_MAX_S, 2.0 ** max(0, failures - 1))


def collect_script(marker: str) -> str:
    return _SCRIPT.format(m=marker, fields=LSOF_FIELDS)


def split_sections(text: str, marker: str) -> dict[str, str]:
    """The answer's sections by name (``host``, the method, ``ps``), and ``end`` if it came."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    prefix = marker + " "
    for line in text.split("\n"):
        if line.startswith(prefix):
            name, _, rest = line[len(prefix) :].partition(" ")
            current = sections.setdefault(name, [])
            if rest:
                current.append(rest)
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines) for name, lines in sections.items()}


def parse_answer(text: str, marker: str, host: str) -> tuple[str, str, int | None, list, dict]:
    """``(method, system, uid, sockets, owners)`` from one answer, or `RemoteError`."""
    sections = split_sections(text, marker)
    if "host" not in sections:
        raise RemoteError(
            f"{host} did not run Portie's shell commands: Portie can show the "
            f"ports of Linux and macOS hosts that have a POSIX sh."
        )
    if "end" not in sections:
        raise RemoteError(f"The answer from {host} was cut short; Portie will try again.")
    system, _, uid_text = sections["host"].strip().partition(" ")
    uid = int(uid_text) if uid_text.strip().isdigit() else None
    method = next((m for m in METHODS if m in sections), "none")
    if method == "none":
        raise RemoteError(
            f"{host} has neither ss nor lsof to list its sockets: install iproute2 "
            f"(ss) or lsof there, or install Portie there."
        )
    body = sections[method]
    if method == "portie":
        sockets = parse_portie_json(body)
        if sockets is None:
            raise RemoteError(
                f"Portie on {host} answered something other than a port list: "
                f"update it there with pip install -U portie."
            )
    elif method == "ss":
        sockets = parse_ss(body)
    else:
        sockets = parse_lsof(body)
    return method, system, uid, sockets, parse_ps(sections.get("ps", ""))


def build_snapshot(
    host: str,
    method: str,
    uid: int | None,
    sockets: list[RawSocket],
    owners: dict[int, Owner],
    taken_at: float,
) -> Snapshot:
    """Endpoints with their owners' start times and users, and the visibility notice."""
    endpoints = []
    hidden = 0
    root = uid == 0
    for raw in sockets:
        owner = owners.get(raw.pid) if raw.pid is not None else None
        status = OWNER_SEEN
        if raw.pid is None and raw.state not in OWNERLESS_STATES:
            hidden += 1
            # "Hidden" only when the login lacks the permission; as root, a listener
            # without an owner belongs to a process outside the view (a container).
            if not root:
                status = OWNER_HIDDEN
            elif raw.state in (LISTEN, BOUND):
                status = OWNER_OUTSIDE
        endpoints.append(
            Endpoint(
                protocol=raw.protocol,
                family=raw.family,
                local_address=raw.local_address,
                local_port=raw.local_port,
                remote_address=raw.remote_address,
                remote_port=raw.remote_port,
                state=raw.state,
                pid=raw.pid,
                process=raw.process,
                user=raw.user or (owner.user if owner else None),
                create_time=owner.create_time if owner else None,
                owner_status=status,
            )
        )
    notice = ""
    if not root and method == "lsof":
        notice = (
            f"Showing only the login's own processes' sockets on {host}: lsof shows no "
            f"others without root. Log in to {host} as root to see them all."
        )
    elif not root and hidden:
        whose = (
            f"The owner of 1 socket on {host} belongs to another user and is"
            if hidden == 1
            else f"The owners of {hidden} sockets on {host} belong to other users and are"
        )
        notice = f"{whose} hidden. Log in to {host} as root to see them."
    return Snapshot(
        endpoints=tuple(endpoints),
        taken_at=taken_at,
        limited=bool(notice),
        notice=notice,
        hidden_owners=hidden,
        host=host,
    )


class RemoteCollector:
    """Collects snapshots of one remote host through its `SshSession`."""

    def __init__(
        self,
        session: SshSession,
        name: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.host_name = name or session.name
        self._clock = clock
        self._failures = 0
        self._retry_at = 0.0
        self._reason = ""
        self.method = ""  # the tool the host used last: portie, ss or lsof
        self.system = ""  # `uname -s` of the host: Linux, Darwin
        self.last: Snapshot | None = None

    @property
    def connected(self) -> bool:
        return self.last is not None and not self._failures

    def collect(self) -> Snapshot:
        """One snapshot of the host, or `HostDisconnected` (at once while backing off)."""
        now = self._clock()
        if self._failures and now < self._retry_at:
            raise HostDisconnected(self._reason, self._retry_at - now)
        marker = f"@@portie-{secrets.token_hex(8)}"
        try:
            answer = self.session.run(collect_script(marker), COLLECT_TIMEOUT_S, _GROUP)
            method, system, uid, sockets, owners = parse_answer(
                answer.stdout, marker, self.host_name
            )
        except RemoteError as exc:
            self._failures += 1
            delay = backoff(self._failures)
            self._retry_at = self._clock() + delay
            self._reason = str(exc)
            raise HostDisconnected(self._reason, delay) from exc
        self._failures = 0
        self.method, self.system = method, system
        self.last = build_snapshot(self.host_name, method, uid, sockets, owners, time.time())
        return self.last

    def retry_now(self) -> None:
        """Let the next `collect()` try at once, whatever the back-off says."""
        self._retry_at = 0.0

    def cancel(self) -> None:
        """Stop a collection in flight (it raises `HostDisconnected`); a terminate or a
        details read running on the same connection goes on."""
        self.session.cancel(_GROUP)

    def close(self) -> None:
        self.session.close()
