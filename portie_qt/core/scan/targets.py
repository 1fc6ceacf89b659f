"""Scan targets: what the user typed, resolved to the address to scan."""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass

from portie_qt.core.text import plain


class TargetError(ValueError):
    """A host could not be resolved or is not a valid name or address."""


_HOSTNAME = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")
_SHOWN = 40  # characters of a bad target quoted back


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


def _quoted(text: str) -> str:
    """The user's text as quoted back in a message: one line, not too long."""
    text = plain(text).strip()
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _checked_host(text: str) -> tuple[str, bool]:
    """(host, is a literal address) for one host as typed, or `TargetError` saying why not.

    Accepts a name, an IPv4 or IPv6 address (``fe80::1%eth0`` too) or ``[::1]``.
    """
    host = (text or "").strip()
    if not host:
        raise TargetError("Enter a host name or IP address to scan.")
    if host.startswith("[") and host.endswith("]"):
        inner = host[1:-1].strip()
        if _literal(inner) is None or ":" not in inner:
            raise TargetError(f"'{_quoted(host)}' is not an IPv6 address in brackets like [::1].")
        return inner, True
    if _literal(host) is not None:
        return host, True
    labels = host.rstrip(".").split(".")
    if len(host) > 253 or not all(_HOSTNAME.fullmatch(label) for label in labels):
        raise TargetError(
            f"'{_quoted(host)}' is not a valid host name or IP address "
            "(use letters, digits, dots and dashes, or an address like 192.0.2.1)."
        )
    return host, False


def resolve_target(text: str) -> ScanTarget:
    """Resolve a host name, IPv4 or IPv6 address (``::1`` or ``[::1]``) to the address to scan.

    Host names prefer IPv4, like nmap; when a name has several addresses the first is
    scanned and ``Target.note`` says which.
    """
    host, _literal_address = _checked_host(text)
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


# --- many hosts: CIDR blocks, ranges, lists -------------------------------------------------

MAX_ADDRESSES = 65_536  # a /16: more is refused
CONFIRM_ABOVE = 256  # more addresses than a /24 asks the user first
_RANGE_HELP = "write it as 192.0.2.10-20 or 192.0.2.10-192.0.2.20"


@dataclass(frozen=True, slots=True)
class _Block:
    """Consecutive addresses ``first``..``last`` (as integers) of one IP version."""

    version: int
    first: int
    last: int
    text: str  # as it is written in `TargetList.text`

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def addresses(self) -> list[str]:
        make = ipaddress.IPv4Address if self.version == 4 else ipaddress.IPv6Address
        return [str(make(n)) for n in range(self.first, self.last + 1)]


@dataclass(frozen=True, slots=True)
class TargetList:
    """What the user asked to scan, checked and counted but not resolved (no DNS yet).

    ``text`` is the canonical spelling (``192.0.2.0/28,nas.local``): the same targets
    typed differently give the same text, which is how scan history finds "the last
    scan of this target".
    """

    text: str
    parts: tuple[str | _Block, ...]  # a host (name or one address) or a block
    count: int  # addresses, each name counting as one

    @property
    def needs_confirmation(self) -> bool:
        return self.count > CONFIRM_ABOVE

    def hosts(self) -> list[str]:
        """Every host to scan, in the order typed, each once."""
        seen: dict[str, None] = {}
        for part in self.parts:
            for host in part.addresses() if isinstance(part, _Block) else (part,):
                seen.setdefault(host, None)
        return list(seen)


def parse_targets(text: str) -> TargetList:
    """Read ``192.0.2.7``, ``nas.local``, ``192.0.2.0/28``, ``192.0.2.10-20`` or a comma list.

    Only the spelling is checked here (names are resolved by `resolve_targets`); more
    than `MAX_ADDRESSES` addresses are refused with `TargetError`.
    """
    if not isinstance(text, str) or not text.strip():
        raise TargetError("Enter a host name or IP address to scan.")
    parts: list[str | _Block] = []
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            raise TargetError(f"Empty part in '{_quoted(text.strip())}': remove the extra comma.")
        parts.append(_parse_part(part))
    count = sum(p.count if isinstance(p, _Block) else 1 for p in parts)
    if count > MAX_ADDRESSES:
        raise TargetError(
            f"'{_quoted(text.strip())}' is {count:,} addresses; Portie scans at most "
            f"{MAX_ADDRESSES:,} (a /16) at once: scan a smaller block or range."
        )
    canonical = ",".join(p.text if isinstance(p, _Block) else p.lower() for p in parts)
    return TargetList(canonical, tuple(parts), count)


def _parse_part(part: str) -> str | _Block:
    if "/" in part:
        return _network(part)
    if "-" in part:
        first_text, _, last_text = (s.strip() for s in part.partition("-"))
        first = _literal(first_text) if "%" not in first_text else None
        if first is not None:
            return _range(part, first, last_text)
    host, literal = _checked_host(part)
    if literal:
        return host.lower() if "%" not in host else host
    return host


def _network(part: str) -> _Block:
    address, _, prefix = part.partition("/")
    if _literal(address.strip()) is None or "%" in address:
        raise TargetError(
            f"'{_quoted(part)}' is not a CIDR block: it needs an address and a prefix "
            "length, like 192.0.2.0/24."
        )
    prefix = prefix.strip()
    if not (prefix.isascii() and prefix.isdigit() and len(prefix) <= 3):
        raise TargetError(f"'{_quoted(part)}' is not a CIDR block: the prefix length is a "
                          "number, like 192.0.2.0/24.")  # fmt: skip
    try:
        network = ipaddress.ip_network(f"{address.strip()}/{int(prefix)}", strict=False)
    except ValueError:
        most = 32 if ":" not in address else 128
        raise TargetError(
            f"'{_quoted(part)}' is not a CIDR block: the prefix length runs 0–{most}."
        ) from None
    first, last = int(network.network_address), int(network.broadcast_address)
    return _Block(network.version, first, last, str(network))


def _range(part: str, first: ipaddress.IPv4Address | ipaddress.IPv6Address, last_text: str):
    if first.version == 4 and last_text.isascii() and last_text.isdigit() and len(last_text) <= 3:
        octet = int(last_text)
        if octet > 255:
            raise TargetError(f"'{_quoted(part)}' is not a range of addresses: {_RANGE_HELP}.")
        last = ipaddress.IPv4Address((int(first) & ~0xFF) | octet)
    else:
        last = _literal(last_text) if "%" not in last_text else None
        if last is None or last.version != first.version:
            raise TargetError(f"'{_quoted(part)}' is not a range of addresses: {_RANGE_HELP}.")
    if int(last) < int(first):
        raise TargetError(f"'{_quoted(part)}' runs backwards: write it as {last}-{first}.")
    text = f"{first}-{last}"
    return _Block(first.version, int(first), int(last), text)


def resolve_targets(targets: TargetList) -> tuple[ScanTarget, ...]:
    """Every host of ``targets`` resolved (names through DNS), each address once, in order."""
    resolved: dict[str, ScanTarget] = {}
    for host in targets.hosts():
        literal = _literal(host) if "%" not in host else None
        if literal is not None:
            family = socket.AF_INET if literal.version == 4 else socket.AF_INET6
            target = ScanTarget(host, str(literal), family, 0, "", (str(literal),))
        else:
            target = resolve_target(host)
        resolved.setdefault(target.address, target)
    return tuple(resolved.values())
