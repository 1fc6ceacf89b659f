"""Port range bands: what a port number says about what is behind it.

IANA (RFC 6335) splits ports into well-known 0–1023, registered 1024–49151 and
dynamic/private 49152–65535. Operating systems pick outgoing (ephemeral) ports from
their own range, which on Linux starts at 32768, so a registered-band port inside
that range is usually also a passing outbound connection.

The ports view groups rows by these bands plus a fourth, ``Band.EPHEMERAL``: the
connections passing by from the OS's own range (`Endpoint.group`). Every row is in
exactly one group, and its marker, its count and the range filter all say that group.
`band_of` answers IANA's band only.
"""

from __future__ import annotations

import enum
import functools
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from portie_qt.core.ports import PORT_MAX, PORT_MIN, check_port

WELL_KNOWN_MAX = 1023
REGISTERED_MAX = 49151
IANA_DYNAMIC = (49152, 65535)


class Band(enum.Enum):
    """IANA range band of a port number."""

    WELL_KNOWN = "well-known"
    REGISTERED = "registered"
    DYNAMIC = "dynamic"
    EPHEMERAL = "ephemeral"  # not IANA's: the OS's outgoing ports, in use by a connection

    @property
    def title(self) -> str:
        return _TITLES[self]

    @property
    def span(self) -> tuple[int, int]:
        if self is Band.EPHEMERAL:
            found = ephemeral_range()
            return found.first, found.last
        return _SPANS[self]

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]

    @property
    def usually(self) -> str:
        """``usually an application or dev tool``: the meaning with its article."""
        meaning = _MEANINGS[self]
        return f"usually {'an' if meaning[0] in 'aeiou' else 'a'} {meaning}"


IANA_BANDS = (Band.WELL_KNOWN, Band.REGISTERED, Band.DYNAMIC)
_TITLES = {Band.WELL_KNOWN: "Well-known", Band.REGISTERED: "Registered", Band.DYNAMIC: "Dynamic",
           Band.EPHEMERAL: "Ephemeral"}  # fmt: skip
_SPANS = {
    Band.WELL_KNOWN: (0, WELL_KNOWN_MAX),
    Band.REGISTERED: (WELL_KNOWN_MAX + 1, REGISTERED_MAX),
    Band.DYNAMIC: IANA_DYNAMIC,
}
_MEANINGS = {
    Band.WELL_KNOWN: "system service",
    Band.REGISTERED: "application or dev tool",
    Band.DYNAMIC: "passing outbound connection or private service",
    Band.EPHEMERAL: "passing outbound connection",
}


def band_of(port: int) -> Band:
    """The IANA band of ``port`` (0–65535)."""
    check_port(port)
    if port <= WELL_KNOWN_MAX:
        return Band.WELL_KNOWN
    if port <= REGISTERED_MAX:
        return Band.REGISTERED
    return Band.DYNAMIC


class EphemeralRange(NamedTuple):
    """The OS's range for outgoing ports, and where that figure came from."""

    first: int
    last: int
    source: str

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.first <= port <= self.last

    def __str__(self) -> str:
        return f"{self.first}–{self.last}"


def _linux_range() -> EphemeralRange | None:
    path = Path("/proc/sys/net/ipv4/ip_local_port_range")
    try:
        first, last = (int(part) for part in path.read_text().split()[:2])
    except (OSError, ValueError):
        return None
    return EphemeralRange(first, last, str(path))


def _run(args: list[str]) -> str | None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=3, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _macos_range() -> EphemeralRange | None:
    out = _run(["sysctl", "-n", "net.inet.ip.portrange.first", "net.inet.ip.portrange.last"])
    try:
        first, last = (int(part) for part in (out or "").split()[:2])
    except ValueError:
        return None
    return EphemeralRange(first, last, "sysctl net.inet.ip.portrange")


def _windows_range() -> EphemeralRange | None:
    out = _run(["netsh", "int", "ipv4", "show", "dynamicport", "tcp"]) or ""
    numbers = [int(n) for n in re.findall(r":\s*(\d+)", out)]
    if len(numbers) < 2:
        return None
    start, count = numbers[0], numbers[1]
    return EphemeralRange(start, min(PORT_MAX, start + count - 1), "netsh dynamicport tcp")


@functools.lru_cache(maxsize=1)
def ephemeral_range() -> EphemeralRange:
    """The OS's ephemeral port range, read once; IANA's dynamic range as fallback."""
    reader = {"linux": _linux_range, "darwin": _macos_range, "win32": _windows_range}.get(
        sys.platform
    )
    found = reader() if reader else None
    if found and PORT_MIN < found.first <= found.last <= PORT_MAX:
        return found
    return EphemeralRange(*IANA_DYNAMIC, "IANA dynamic range (the OS did not say)")
