"""``lsof -nP -iTCP -iUDP -F…0`` (macOS, and Linux without ss) -> sockets. Qt-free.

lsof's field output is made for programs: each field is one letter plus its value,
ended by NUL; a line ending closes a set. A ``p`` set names a process (``c`` command,
``L`` login); the sets after it are its sockets (``t`` IPv4/IPv6, ``d`` the socket's
identity, ``P`` TCP/UDP, ``n`` ``local->peer``, ``TST=`` the TCP state). lsof escapes
odd bytes in names itself; the names are made plain text anyway.

A socket shared by several processes (a server and its forked workers) is listed once
per process; it is kept once, with the highest PID, as the local view does.
"""

from __future__ import annotations

from portie_qt.core.endpoints import BOUND
from portie_qt.core.remote.records import (
    PROCESS_NAME_LIMIT,
    USER_LIMIT,
    RawSocket,
    split_endpoint,
    tcp_state,
)
from portie_qt.core.text import plain_or_none

FIELDS = "pcLPnTtd"  # what `lsof -F` is asked for (with 0: NUL-terminated fields)
_FAMILIES = {"IPv4": ("ipv4", "0.0.0.0"), "IPv6": ("ipv6", "::")}


def _socket(fields: dict[str, str], pid, name, user) -> RawSocket | None:
    family_wildcard = _FAMILIES.get(fields.get("t", ""))
    protocol = fields.get("P", "").lower()
    if family_wildcard is None or protocol not in ("tcp", "udp"):
        return None
    _family, wildcard = family_wildcard
    local_text, arrow, peer_text = fields.get("n", "").partition("->")
    local = split_endpoint(local_text, wildcard)
    if local is None or local[2] is None:
        return None
    peer = split_endpoint(peer_text, wildcard) if arrow else None
    remote_address, remote_port = (peer[1], peer[2]) if peer and peer[2] else (None, None)
    if protocol == "udp":
        state = "CONNECTED" if remote_port else BOUND
    else:
        state = tcp_state(fields.get("TST", ""))
    return RawSocket(
        protocol, local[0], local[1], local[2], remote_address, remote_port, state, pid, name, user
    )


def parse_lsof(text: str) -> list[RawSocket]:
    """Every TCP/UDP socket in lsof's NUL-terminated field output; odd sets are skipped."""
    by_identity: dict[tuple, RawSocket] = {}
    anonymous: list[RawSocket] = []
    pid = name = user = None
    for line in text.split("\n"):
        fields: dict[str, str] = {}
        for field in line.split("\0"):
            if field.startswith("T") and "=" in field:  # TST=LISTEN, TQR=0
                key, _, value = field.partition("=")
                fields.setdefault(key, value)
            elif field:
                fields.setdefault(field[0], field[1:])
        if "p" in fields:
            digits = fields["p"]
            pid = (
                int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 11 else None
            )
            name = plain_or_none(fields.get("c"), PROCESS_NAME_LIMIT)
            user = plain_or_none(fields.get("L"), USER_LIMIT)
            continue
        if pid is None or "n" not in fields:
            continue
        found = _socket(fields, pid, name, user)
        if found is None:
            continue
        identity = fields.get("d")
        if not identity:
            anonymous.append(found)
            continue
        key = (identity, *found[:6])
        kept = by_identity.get(key)
        if kept is None or (kept.pid or 0) < pid:
            by_identity[key] = found
    return [*by_identity.values(), *anonymous]
