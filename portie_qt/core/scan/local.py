"""Scanning this machine: which ports really listen, and which process owns each.

A probe that reaches this machine through its own address may have met another probe
rather than a listener (see `engine`); the kernel's table of listening sockets is the
ground truth, read straight from ``/proc/net/tcp`` and ``tcp6`` on Linux (cheap: one
file read per settle, and only when such a probe connected), and from psutil
elsewhere where it is allowed. Owners come from the core collector. Qt-free.
"""

from __future__ import annotations

import ipaddress
import socket
import sys

from portie_qt.core.scan.targets import ScanTarget
from portie_qt.core.text import plain_or_none

_LISTEN = "0A"  # /proc/net/tcp's state column for LISTEN
_ANY4, _ANY6 = "0.0.0.0", "::"


def _bound_addresses(target: ScanTarget) -> set[str]:
    """Local addresses whose listeners a connect to ``target.address`` reaches."""
    address = target.address.split("%", 1)[0]
    if target.family == socket.AF_INET:
        # An IPv6 wildcard listener takes IPv4 too unless it is v6-only (Linux's default).
        return {address, _ANY4, _ANY6, f"::ffff:{address}"}
    return {str(ipaddress.ip_address(address)), _ANY6}


def _proc_net_listeners() -> list[tuple[str, int]] | None:
    """(address, port) of every listening TCP socket in this network namespace, or None."""
    found: list[tuple[str, int]] = []
    for name, size in (("tcp", 4), ("tcp6", 16)):
        try:
            with open(f"/proc/net/{name}", encoding="ascii") as handle:
                lines = handle.read().splitlines()[1:]
        except FileNotFoundError:
            continue  # no IPv6 in this kernel
        except OSError:
            return None
        for line in lines:
            fields = line.split(None, 4)
            if len(fields) < 4 or fields[3] != _LISTEN:
                continue
            hex_address, _, hex_port = fields[1].partition(":")
            raw = bytes.fromhex(hex_address)
            if size == 4:
                text = socket.inet_ntop(socket.AF_INET, raw[::-1])
            else:  # four 32-bit words, each in host (little-endian) order
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                text = socket.inet_ntop(socket.AF_INET6, words)
            found.append((text, int(hex_port, 16)))
    return found


def _psutil_listeners() -> list[tuple[str, int]] | None:
    import psutil  # only off Linux: keeps the scanner's import light

    try:
        rows = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):  # macOS without root (psutil issue #1219)
        return None
    return [(r.laddr.ip, r.laddr.port) for r in rows if r.status == psutil.CONN_LISTEN and r.laddr]


def listening_ports(target: ScanTarget) -> set[int] | None:
    """Ports with a TCP listener that a connect to ``target`` (this machine) would reach.

    None when this machine's listening table cannot be read here.
    """
    linux = sys.platform.startswith("linux") and sys.byteorder == "little"
    listeners = _proc_net_listeners() if linux else _psutil_listeners()
    if listeners is None:
        return None
    wanted = _bound_addresses(target)
    return {port for address, port in listeners if address.split("%", 1)[0] in wanted}


def owners(target: ScanTarget, ports: set[int]) -> dict[int, str]:
    """``port -> "vite · web-app (PID n)"`` (`endpoints.who`) for the listeners of
    ``ports`` on ``target`` (this machine).

    A listener whose owner this account may not see is named as such; a port with no
    listener any more is left out.
    """
    from portie_qt.core.collector import Collector  # reads every socket: only when asked
    from portie_qt.core.endpoints import who

    wanted = _bound_addresses(target)
    found: dict[int, str] = {}
    for endpoint in Collector().collect().endpoints:
        if (endpoint.protocol != "tcp" or endpoint.state != "LISTEN"
                or endpoint.local_port not in ports
                or endpoint.local_address.split("%", 1)[0] not in wanted):  # fmt: skip
            continue
        if endpoint.pid is None:
            text = "another user's process"
        else:
            text = f"{plain_or_none(who(endpoint)) or 'process'} (PID {endpoint.pid})"
        # An exact-address listener wins over a wildcard one on the same port.
        if endpoint.local_port not in found or endpoint.local_address == target.address:
            found[endpoint.local_port] = text
    return found
