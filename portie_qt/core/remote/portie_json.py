"""``portie --list --json`` run on the remote -> sockets. Qt-free.

When Portie is installed on the other machine it reads its own sockets best (every
platform, every owner it may see); its JSON rows carry the same fields as the local
view. Rows are still checked one by one: another version may add fields (ignored) or
change one (that row is dropped), and names are made plain text.
"""

from __future__ import annotations

import json

from portie_qt.core.remote.records import (
    PROCESS_NAME_LIMIT,
    USER_LIMIT,
    RawSocket,
    ip_text,
)
from portie_qt.core.text import plain, plain_or_none

_STATE_LIMIT = 32


def _port(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535:
        return value
    return None


def _row(row: dict) -> RawSocket | None:
    protocol, family = row.get("protocol"), row.get("family")
    if protocol not in ("tcp", "udp") or family not in ("ipv4", "ipv6"):
        return None
    local_address = (
        ip_text(row.get("local_address")) if isinstance(row.get("local_address"), str) else None
    )
    local_port = _port(row.get("local_port"))
    if local_address is None or local_port is None:
        return None
    remote_address = row.get("remote_address")
    remote_port = _port(row.get("remote_port"))
    if isinstance(remote_address, str) and remote_port is not None:
        remote_address = ip_text(remote_address)
        if remote_address is None:
            return None
    else:
        remote_address = remote_port = None
    state = row.get("state")
    if not isinstance(state, str) or not state:
        return None
    pid = row.get("pid")
    if isinstance(pid, bool) or not isinstance(pid, int) or pid < 0:
        pid = None
    process = row.get("process") if isinstance(row.get("process"), str) else None
    user = row.get("user") if isinstance(row.get("user"), str) else None
    return RawSocket(
        protocol,
        family,
        local_address,
        local_port,
        remote_address,
        remote_port,
        plain(state, _STATE_LIMIT).upper(),
        pid,
        plain_or_none(process, PROCESS_NAME_LIMIT),
        plain_or_none(user, USER_LIMIT),
    )


def parse_portie_json(text: str) -> list[RawSocket] | None:
    """The sockets in ``text``; None when it is not a JSON array at all (an old or broken
    remote Portie), so the caller can say so."""
    try:
        rows = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(rows, list):
        return None
    return [found for row in rows if isinstance(row, dict) and (found := _row(row)) is not None]
