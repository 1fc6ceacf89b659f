"""Scan targets: what the user typed, resolved to the address to scan."""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass


class TargetError(ValueError):
    """A host could not be resolved or is not a valid name or address."""


_HOSTNAME = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")


@dataclass(frozen=True, slots=True)
class ScanTarget:
    """A resolved host: what the user typed, the address scanned, and a note if it chose one."""

    host: str
    address: str
    family: int
    scope_id: int = 0
    note: str = ""
    addresses: tuple[str, ...] = ()

    @property
    def is_loopback(self) -> bool:
        return ipaddress.ip_address(self.address).is_loopback

    def sockaddr(self, port: int) -> tuple:
        if self.family == socket.AF_INET6 and self.scope_id:
            return (self.address, port, 0, self.scope_id)
        return (self.address, port)


def is_this_machine(address: str) -> bool:
    """True when ``address`` is loopback or one of this machine's own interface addresses."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.is_loopback or ip.is_unspecified:
        return True
    import psutil  # only needed here; keeps the scanner's import light for the CLI

    for addrs in psutil.net_if_addrs().values():
        for entry in addrs:
            if entry.family in (socket.AF_INET, socket.AF_INET6):
                try:
                    if ipaddress.ip_address(entry.address.split("%", 1)[0]) == ip:
                        return True
                except ValueError:
                    continue
    return False


def _literal(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def resolve_target(text: str) -> ScanTarget:
    """Resolve a host name, IPv4 or IPv6 address (``::1`` or ``[::1]``) to the address to scan.

    Host names prefer IPv4, like nmap; when a name has several addresses the first is
    scanned and ``Target.note`` says which.
    """
    host = (text or "").strip()
    if not host:
        raise TargetError("Enter a host name or IP address to scan.")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1].strip()
        if _literal(host) is None or ":" not in host:
            raise TargetError(f"'{text.strip()}' is not an IPv6 address in brackets like [::1].")
    literal = _literal(host)
    if literal is None:
        labels = host.rstrip(".").split(".")
        if len(host) > 253 or not all(_HOSTNAME.fullmatch(label) for label in labels):
            raise TargetError(
                f"'{host}' is not a valid host name or IP address "
                "(use letters, digits, dots and dashes, or an address like 192.0.2.1)."
            )
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        reason = exc.strerror or str(exc)
        raise TargetError(
            f"Could not resolve '{host}' ({reason}): check the name or use an IP address."
        ) from None
    except UnicodeError:
        raise TargetError(f"'{host}' is not a valid host name.") from None
    found: dict[str, tuple[int, int]] = {}
    for family, _type, _proto, _canon, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            scope = sockaddr[3] if family == socket.AF_INET6 else 0
            found.setdefault(sockaddr[0], (family, scope))
    if not found:
        raise TargetError(f"'{host}' has no IPv4 or IPv6 address to scan.")
    # IPv4 first, as nmap does for names; a typed literal is used as is.
    ordered = sorted(found, key=lambda a: found[a][0] != socket.AF_INET)
    address = ordered[0]
    family, scope = found[address]
    note = ""
    if len(ordered) > 1:
        note = f"{host} has {len(ordered)} addresses; scanning the first, {address}."
    return ScanTarget(host, address, family, scope, note, tuple(ordered))
