"""``ss -Htunap`` (Linux) -> sockets. Qt-free.

One line per socket: ``tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=7,fd=3))``.
ss prints a process name as the kernel holds it, so a name may contain quotes and even a
newline: a line that does not start with a protocol continues the one before it, and the
name ends at ``",pid=N,fd=N)`` (ss cuts names at the first ``)``, so that is unambiguous).
"""

from __future__ import annotations

import re

from portie_qt.core.endpoints import BOUND
from portie_qt.core.remote.records import (
    PROCESS_NAME_LIMIT,
    RawSocket,
    split_endpoint,
    tcp_state,
)
from portie_qt.core.text import plain_or_none

_LINE = re.compile(r"(tcp|udp)\s+(\S+)\s+\d+\s+\d+\s+(\S+)\s+(\S+)(?:\s+(.*))?", re.DOTALL)
_HOLDER = re.compile(r'\("([^)]*?)",pid=(\d{1,10}),fd=\d{1,10}\)')
_STARTS = ("tcp ", "udp ", "tcp\t", "udp\t")


def _records(text: str) -> list[str]:
    """Lines, with a process name's embedded newline joined back to its own line."""
    records: list[str] = []
    for line in text.split("\n"):
        if line.startswith(_STARTS) or not records:
            records.append(line)
        else:
            records[-1] += "\n" + line
    return records


def _holder(users: str) -> tuple[int | None, str | None]:
    """The process holding the socket: the highest PID among several (the local view's rule)."""
    best: tuple[int, str] | None = None
    for name, pid_text in _HOLDER.findall(users):
        pid = int(pid_text)
        if best is None or pid > best[0]:
            best = (pid, name)
    if best is None:
        return None, None
    return best[0], plain_or_none(best[1], PROCESS_NAME_LIMIT)


def parse_ss(text: str) -> list[RawSocket]:
    """Every TCP/UDP socket in ``ss -Htunap`` output; unreadable lines are skipped."""
    sockets: list[RawSocket] = []
    for record in _records(text):
        match = _LINE.fullmatch(record.strip(" \t\r"))
        if match is None:
            continue
        protocol, state_text, local_text, peer_text, rest = match.groups()
        # ss writes a socket bound to every IPv6 and IPv4 address (v6only off) as "*".
        local = split_endpoint(local_text, "::")
        peer = split_endpoint(peer_text, "::")
        if local is None or local[2] is None or peer is None:
            continue
        family, address, port = local
        remote_address, remote_port = (peer[1], peer[2]) if peer[2] else (None, None)
        if protocol == "udp":
            state = "CONNECTED" if remote_port else BOUND
        else:
            state = tcp_state(state_text)
        pid, name = _holder(rest or "")
        sockets.append(
            RawSocket(
                protocol, family, address, port, remote_address, remote_port, state, pid, name
            )
        )
    return sockets
