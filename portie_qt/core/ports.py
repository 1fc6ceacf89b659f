"""Port numbers and socket addresses: the one place their rules live. Qt-free.

Every entry point (the terminal's ``--port``, ``free``, ``why``, scan specs, the watch
list, the filter's ``:3000``) reads a port with `parse_port`, so ``٣``, ``4_4_3`` and
``99999`` get the same sentence everywhere.
"""

from __future__ import annotations

import re

from portie_qt.core.text import plain

PORT_MIN = 0
PORT_MAX = 65535
# ASCII digits only: int() and str.isdigit() also take other scripts' digits ("٣" is 3)
# and underscores ("4_4_3"), which no user means as a port.
_DIGITS = re.compile(r"[0-9]{1,12}")


class PortError(ValueError):
    """Text that is not a port number; the message is a sentence to show as is."""


def parse_port(text: str) -> int:
    """The port ``text`` names (surrounding blanks ignored), or `PortError` saying why not."""
    if not isinstance(text, str):
        raise PortError(f"{text!r} is not a port number: use 0–65535.")
    stripped = text.strip()
    if not stripped:
        raise PortError("No port given: type a number from 0 to 65535, for example 3000.")
    if not _DIGITS.fullmatch(stripped):
        shown = stripped if len(stripped) <= 20 else stripped[:19] + "…"
        # Quoted back as typed, but never a control character (a terminal would obey it).
        shown = plain(shown)
        raise PortError(f"'{shown}' is not a port number: use digits 0–65535, e.g. 5432.")
    value = int(stripped)
    if value > PORT_MAX:
        raise PortError(f"'{stripped}' is out of range: ports run 0–65535.")
    return value


def check_port(port: int) -> int:
    """``port`` itself when it is a port number, else `PortError`."""
    if isinstance(port, bool) or not isinstance(port, int):
        raise PortError(f"{port!r} is not a port number: use 0–65535.")
    if not PORT_MIN <= port <= PORT_MAX:
        raise PortError(f"'{port}' is out of range: ports run 0–65535.")
    return port


def is_port(port: object) -> bool:
    return isinstance(port, int) and not isinstance(port, bool) and PORT_MIN <= port <= PORT_MAX


def host_text(address: str) -> str:
    """An address as it is written before ``:port``: IPv6 in brackets."""
    return f"[{address}]" if ":" in address else address


def address_text(address: str, port: int | None) -> str:
    """``127.0.0.1:80``, ``[::1]:80``; just the host when there is no port."""
    return host_text(address) if port is None else f"{host_text(address)}:{port}"


RANGES_SHOWN = 6  # a burst of ports reads as a few ranges, then "… last"


def port_ranges(ports: list[int]) -> str:
    """``[4100, 4101, …, 4124, 5000]`` -> ``4100–4124, 5000`` (sorted input)."""
    spans: list[list[int]] = []
    for port in ports:
        if spans and port == spans[-1][1] + 1:
            spans[-1][1] = port
        else:
            spans.append([port, port])
    parts = [str(a) if a == b else f"{a}–{b}" for a, b in spans]
    if len(parts) > RANGES_SHOWN:
        parts = [*parts[: RANGES_SHOWN - 1], f"… {ports[-1]}"]
    return ", ".join(parts)
