"""What the operating system lets this account bind: the privileged-port rule, reserved
and excluded port ranges, and a real test bind on each loopback and wildcard address.
Qt-free.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import subprocess
import sys
from typing import NamedTuple

from portie_qt.core.platform import LINUX, MACOS, WINDOWS

_CAP_NET_BIND_SERVICE = 10
# The addresses a server usually binds, in the order they are reported.
TEST_ADDRESSES = (
    ("127.0.0.1", "IPv4 loopback"),
    ("::1", "IPv6 loopback"),
    ("0.0.0.0", "every IPv4 address"),
    ("::", "every IPv6 address"),
)


class PrivilegedRule(NamedTuple):
    """Ports below ``start`` need privilege; ``source`` names where that figure is from."""

    start: int
    source: str
    allowed: bool  # this account may bind them anyway (root, CAP_NET_BIND_SERVICE)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def _has_bind_capability() -> bool:
    """Linux: CAP_NET_BIND_SERVICE in this process's effective set."""
    status = _read("/proc/self/status") or ""
    found = re.search(r"^CapEff:\s*([0-9a-fA-F]+)", status, re.MULTILINE)
    return bool(found) and bool(int(found.group(1), 16) >> _CAP_NET_BIND_SERVICE & 1)


def privileged_rule() -> PrivilegedRule | None:
    """The privileged-port rule here, or None where there is none (Windows)."""
    if WINDOWS:
        return None
    root = os.geteuid() == 0
    if LINUX:
        text = _read("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        start = int(text) if text and text.strip().isdigit() else 1024
        source = "net.ipv4.ip_unprivileged_port_start"
        return PrivilegedRule(start, source, root or _has_bind_capability())
    source = "macOS" if MACOS else sys.platform
    return PrivilegedRule(1024, source, root)


def _spans(text: str) -> list[tuple[int, int]]:
    """``8080,9000-9010`` -> ``[(8080, 8080), (9000, 9010)]``."""
    spans = []
    for part in text.replace("\n", ",").split(","):
        bounds = part.strip().split("-")
        if all(b.strip().isdigit() for b in bounds) and 1 <= len(bounds) <= 2:
            first, last = int(bounds[0]), int(bounds[-1])
            spans.append((min(first, last), max(first, last)))
    return spans


def reserved_ranges(protocol: str = "tcp") -> tuple[list[tuple[int, int]], str]:
    """The OS's reserved or excluded port ranges and what they mean here (a clause).

    Linux's ``ip_local_reserved_ports`` only keeps ports out of the ephemeral pool;
    Windows' excluded port ranges (Hyper-V, WSL, Docker Desktop reserve them) refuse
    every bind. macOS has none.
    """
    if LINUX:
        text = _read("/proc/sys/net/ipv4/ip_local_reserved_ports") or ""
        return _spans(text), "linux"
    if WINDOWS:
        try:
            done = subprocess.run(
                ["netsh", "int", "ipv4", "show", "excludedportrange", f"protocol={protocol}"],
                capture_output=True, text=True, timeout=5, check=False,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            return [], "windows"
        spans = [(int(a), int(b)) for a, b in re.findall(r"^\s*(\d+)\s+(\d+)", done.stdout, re.M)]
        return spans, "windows"
    return [], "none"


class BindResult(NamedTuple):
    """One test bind: did ``address`` take the port, and if not, the error."""

    address: str
    label: str  # "IPv4 loopback", …
    ok: bool
    error: str = ""  # "Address already in use (EADDRINUSE)"; "" when ok
    code: str = ""  # "EADDRINUSE", "EACCES", …
    unavailable: bool = False  # the address family does not exist here (no IPv6)
    reuse_ok: bool = False  # failed plainly, but binds with SO_REUSEADDR (TIME_WAIT)

    def as_dict(self) -> dict:
        return {"address": self.address, "ok": self.ok, "error": self.error or None,
                "reuse_address_ok": self.reuse_ok}  # fmt: skip


def _error_text(exc: OSError) -> tuple[str, str]:
    number = exc.errno
    winerror = getattr(exc, "winerror", None)
    if winerror == 10013:  # WSAEACCES: an excluded range, or another socket's exclusive use
        return ("Access forbidden by the OS (WSAEACCES, an excluded port range or an "
                "exclusive socket)", "WSAEACCES")  # fmt: skip
    code = errno.errorcode.get(number, str(number)) if number is not None else "error"
    text = exc.strerror or str(exc)
    return f"{text} ({code})", code


def _try_bind(family: int, kind: int, address: str, port: int, reuse: bool) -> None:
    with socket.socket(family, kind) as sock:
        if reuse:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        if kind == socket.SOCK_STREAM:
            sock.listen(1)  # some conflicts (SO_REUSEPORT groups) show only at listen()


def probe_bind(address: str, label: str, port: int, protocol: str = "tcp") -> BindResult:
    """Bind (and listen, for TCP) ``address:port`` for an instant, then let go."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    kind = socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM
    try:
        _try_bind(family, kind, address, port, reuse=False)
    except OSError as exc:
        if exc.errno in (errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL) and family == socket.AF_INET6:
            return BindResult(address, label, False, "IPv6 is not available on this machine",
                              errno.errorcode.get(exc.errno, ""), unavailable=True)  # fmt: skip
        text, code = _error_text(exc)
        reuse_ok = False
        if exc.errno == errno.EADDRINUSE and protocol == "tcp" and not WINDOWS:
            # On Windows SO_REUSEADDR would steal a live port: never tried there.
            try:
                _try_bind(family, kind, address, port, reuse=True)
                reuse_ok = True
            except OSError:
                pass
        return BindResult(address, label, False, text, code, reuse_ok=reuse_ok)
    return BindResult(address, label, True)


def probe_binds(port: int, protocol: str = "tcp") -> tuple[BindResult, ...]:
    """A real test bind on 127.0.0.1, ::1, 0.0.0.0 and ::, each reported with its error."""
    return tuple(probe_bind(address, label, port, protocol) for address, label in TEST_ADDRESSES)
