"""What the three remote parsers share: one socket as read off another machine, addresses,
TCP state names, and process start times from ``ps``. Qt-free.

Everything here reads text another computer printed, so nothing is trusted: a field that
does not parse drops its row (never the whole refresh), and names are made plain text.
"""

from __future__ import annotations

import calendar
import ipaddress
import re
import socket
import time
from typing import NamedTuple

from portie_qt.core.text import plain_or_none

# ss's and lsof's spellings (Linux and macOS) -> psutil's, which the local view uses.
TCP_STATES = {
    "LISTEN": "LISTEN",
    "ESTAB": "ESTABLISHED",
    "ESTABLISHED": "ESTABLISHED",
    "SYN-SENT": "SYN_SENT",
    "SYN_SENT": "SYN_SENT",
    "SYN-RECV": "SYN_RECV",
    "SYN_RECV": "SYN_RECV",
    "SYN_RECEIVED": "SYN_RECV",
    "FIN-WAIT-1": "FIN_WAIT1",
    "FIN_WAIT1": "FIN_WAIT1",
    "FIN_WAIT_1": "FIN_WAIT1",
    "FIN-WAIT-2": "FIN_WAIT2",
    "FIN_WAIT2": "FIN_WAIT2",
    "FIN_WAIT_2": "FIN_WAIT2",
    "TIME-WAIT": "TIME_WAIT",
    "TIME_WAIT": "TIME_WAIT",
    "CLOSE-WAIT": "CLOSE_WAIT",
    "CLOSE_WAIT": "CLOSE_WAIT",
    "LAST-ACK": "LAST_ACK",
    "LAST_ACK": "LAST_ACK",
    "CLOSING": "CLOSING",
    "UNCONN": "CLOSE",
    "CLOSE": "CLOSE",
    "CLOSED": "CLOSE",
}
PROCESS_NAME_LIMIT = 256
USER_LIMIT = 64
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})")


class RawSocket(NamedTuple):
    """One socket as a remote tool reported it; `user` is None when the tool does not say."""

    protocol: str
    family: str
    local_address: str
    local_port: int
    remote_address: str | None
    remote_port: int | None
    state: str
    pid: int | None
    process: str | None
    user: str | None = None


class Owner(NamedTuple):
    """A remote process as ``ps`` describes it."""

    create_time: float  # seconds since the epoch (UTC), as `ps -o lstart` gives it
    uid: int | None
    user: str | None


def tcp_state(text: str) -> str:
    return TCP_STATES.get(text.strip().upper(), "NONE")


def ip_text(text: str) -> str | None:
    """A textual IP address, normalised as the local view writes it; None when it is not one."""
    address = text.split("%", 1)[0]  # an interface scope (fe80::1%eth0, 127.0.0.53%lo)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    if parsed.version == 4:
        return str(parsed)
    # inet_ntop, as the local view writes it: ::ffff:10.0.0.1, not ::ffff:a00:1.
    return socket.inet_ntop(socket.AF_INET6, parsed.packed)


def port_number(text: str) -> int | None:
    if not text.isascii() or not text.isdigit() or len(text) > 5:
        return None
    value = int(text)
    return value if value <= 65535 else None


def split_endpoint(text: str, wildcard: str) -> tuple[str, str, int | None] | None:
    """``host:port`` as ss and lsof print it -> ``(family, address, port)``.

    ``[v6]:p``, ``[v6]%if:p``, ``v4%if:p``, ``*:p`` (the ``wildcard`` address) and
    ``*`` ports (no port: an unconnected peer). None when the text is not an endpoint.
    """
    host, colon, port_text = text.rpartition(":")
    if not colon or not host:
        return None
    if host.startswith("["):
        inside, bracket, _scope = host[1:].partition("]")
        if not bracket:
            return None
        host = inside
    if host == "*":
        host = wildcard
    address = ip_text(host)
    if address is None:
        return None
    family = "ipv6" if ":" in address else "ipv4"
    if port_text == "*":
        return family, address, None
    port = port_number(port_text)
    return None if port is None else (family, address, port)


def parse_ps(text: str) -> dict[int, Owner]:
    """``ps -eo pid=,uid=,lstart=,user=`` run with ``TZ=UTC LC_ALL=C`` -> owner by PID."""
    owners: dict[int, Owner] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 7 or not fields[0].isdigit():
            continue
        started = lstart_seconds(" ".join(fields[2:7]))
        if started is None:
            continue
        uid = int(fields[1]) if fields[1].isdigit() else None
        user = plain_or_none(" ".join(fields[7:]), USER_LIMIT) if len(fields) > 7 else None
        owners[int(fields[0])] = Owner(started, uid, user)
    return owners


def lstart_seconds(text: str) -> float | None:
    """``Wed Dec  2 00:49:33 2026`` (``ps -o lstart`` in UTC, C locale) -> epoch seconds.

    Parsed by hand: ``time.strptime``'s ``%b`` follows the process locale, which Qt sets.
    """
    fields = text.split()
    if len(fields) != 5 or fields[1] not in _MONTHS:
        return None
    clock = _CLOCK.fullmatch(fields[3])
    if not (fields[2].isdigit() and fields[4].isdigit() and clock):
        return None
    try:
        stamp = (int(fields[4]), _MONTHS[fields[1]], int(fields[2]), *map(int, clock.groups()))
        if not (1 <= stamp[2] <= 31 and stamp[3] < 24 and stamp[4] < 60 and stamp[5] < 61):
            return None
        return float(calendar.timegm((*stamp, 0, 0, 0)))
    except (ValueError, OverflowError):
        return None


def lstart_text(seconds: float) -> str:
    """The inverse of `lstart_seconds`, spaces collapsed: what a remote shell compares."""
    t = time.gmtime(seconds)
    month = next(m for m, i in _MONTHS.items() if i == t.tm_mon)
    return (
        f"{_WEEKDAYS[t.tm_wday]} {month} {t.tm_mday} {t.tm_hour:02d}:{t.tm_min:02d}:"
        f"{t.tm_sec:02d} {t.tm_year}"
    )
