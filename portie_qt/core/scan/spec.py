"""Port specifications: ``22,80,443``, ``8000-8100``, ``top100``, ``top1000``, ``all``."""

from __future__ import annotations

from portie_qt.core.ports import PORT_MAX, PortError, parse_port
from portie_qt.core.scan import top_ports
from portie_qt.core.text import plain

PRESETS = {"top100": top_ports.top100, "top1000": top_ports.top1000}
PRESET_ALL = "all"
_SHOWN = 24  # characters of a bad part quoted back


class PortSpecError(ValueError):
    """A port specification could not be read; the message quotes the bad part."""


def _quoted(text: str) -> str:
    """The user's text as quoted back in a message: one line, not too long."""
    text = plain(text).strip()
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _port_number(text: str, part: str) -> int:
    try:
        return parse_port(text)
    except PortError as exc:
        if text.isascii() and text.isdigit():
            raise PortSpecError(f"'{_quoted(text)}' is out of range: ports run 0–65535") from None
        raise PortSpecError(
            f"'{_quoted(part)}' is not a port, a range like 8000-8100, or one of top100, "
            "top1000, all"
        ) from exc


def parse_ports(spec: str) -> list[int]:
    """Ports named by ``spec`` ("22,80,443", "1-1024", "top100", "all" …), ascending, unique.

    Parts are separated by commas; whitespace around parts and dashes is ignored.
    ``all`` means 1–65535 (as nmap's ``-p-``); port 0 can still be named explicitly.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise PortSpecError("No ports given: use e.g. 22,80,443 or 1-1024 or top100")
    chosen: set[int] = set()
    for raw in spec.split(","):
        part = raw.strip()
        lowered = part.lower()
        if not part:
            raise PortSpecError(f"Empty part in '{_quoted(spec.strip())}': remove the extra comma")
        if lowered == PRESET_ALL:
            chosen.update(range(1, PORT_MAX + 1))
        elif lowered in PRESETS:
            chosen.update(PRESETS[lowered]())
        elif "-" in part:
            first_text, _, last_text = (s.strip() for s in part.partition("-"))
            if not first_text or not last_text:
                raise PortSpecError(
                    f"'{_quoted(part)}' is not a complete range: write it as 8000-8100"
                )
            first = _port_number(first_text, part)
            last = _port_number(last_text, part)
            if first > last:
                raise PortSpecError(f"'{_quoted(part)}' runs backwards: write it as {last}-{first}")
            chosen.update(range(first, last + 1))
        else:
            chosen.add(_port_number(part, part))
    return sorted(chosen)


def format_ports(ports) -> str:
    """The shortest spec naming exactly ``ports``: ``[1, 2, 3, 7]`` -> ``"1-3,7"`` ('' for none).

    `parse_ports` reads it back (for a non-empty set).
    """
    parts: list[str] = []
    run_first = run_last = None
    for port in sorted(set(ports)):
        if run_last is not None and port == run_last + 1:
            run_last = port
            continue
        if run_first is not None:
            parts.append(str(run_first) if run_first == run_last else f"{run_first}-{run_last}")
        run_first = run_last = port
    if run_first is not None:
        parts.append(str(run_first) if run_first == run_last else f"{run_first}-{run_last}")
    return ",".join(parts)
