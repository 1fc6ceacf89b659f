"""Port reference: IANA assignments per protocol plus Portie's practical labels."""

from __future__ import annotations

import functools
import json
from typing import NamedTuple

from portie_qt.core.curated_ports import CURATED
from portie_qt.core.paths import resource_path
from portie_qt.core.ports import PortError, check_port, parse_port
from portie_qt.core.ranges import Band, band_of

DATA_FILE = "assets/iana_ports.json"


class Assignment(NamedTuple):
    """One IANA registration: service name (empty for reserved) and description."""

    protocol: str
    name: str
    description: str


class PortInfo(NamedTuple):
    """Everything Portie knows about a port number."""

    port: int
    band: Band
    assignments: tuple[Assignment, ...]
    practical: str | None
    note: str | None

    @property
    def assigned(self) -> bool:
        return any(a.name for a in self.assignments)

    @property
    def reserved(self) -> bool:
        return bool(self.assignments) and not self.assigned

    def for_protocol(self, protocol: str) -> tuple[Assignment, ...]:
        return tuple(a for a in self.assignments if a.protocol == protocol)

    @property
    def summary(self) -> str:
        """One line: the practical label, else the IANA names, else 'unassigned'."""
        if self.practical:
            return self.practical
        names = sorted({a.name for a in self.assignments if a.name})
        if names:
            return "IANA: " + ", ".join(names)  # a registry keyword, not a description
        return "reserved (IANA)" if self.reserved else "unassigned (IANA)"


@functools.lru_cache(maxsize=1)
def _data() -> dict:
    with resource_path(DATA_FILE).open(encoding="utf-8") as handle:
        return json.load(handle)


def data_source() -> dict:
    """Provenance of the IANA data (name, url, licence, newest entry)."""
    return dict(_data()["source"])


@functools.lru_cache(maxsize=8192)
def lookup(port: int, protocol: str | None = None) -> PortInfo:
    """IANA assignments for ``port`` (every protocol, or ``protocol``) and the practical label."""
    check_port(port)
    data = _data()
    per_proto = data["ports"].get(str(port), {})
    assignments = [
        Assignment(proto, name, description)
        for proto, pairs in per_proto.items()
        if protocol is None or proto == protocol
        for name, description in pairs
    ]
    for first, last, proto, name, description in data["ranges"]:
        if first <= port <= last and (protocol is None or proto in ("", protocol)):
            for each in (proto,) if proto else ("tcp", "udp"):
                if protocol is None or each == protocol:
                    assignments.append(Assignment(each, name, f"{description} ({first}–{last})"))
    practical = note = None
    curated = CURATED.get(port)
    if curated and (protocol is None or protocol in curated[2]):
        practical, note = curated[0], curated[1]
    return PortInfo(port, band_of(port), tuple(assignments), practical, note)


@functools.lru_cache(maxsize=16384)
def service_label(port: int, protocol: str) -> str:
    """Short label for a table cell: practical label, else IANA service name, else ''."""
    info = lookup(port, protocol)
    if info.practical:
        return info.practical
    for assignment in info.assignments:
        if assignment.name:
            return assignment.name
    return ""


def is_curated(port: int, protocol: str) -> bool:
    """Whether Portie's own table labels ``port`` for ``protocol`` (else a label is IANA's)."""
    curated = CURATED.get(port)
    return curated is not None and bool(curated[0]) and protocol in curated[2]


@functools.lru_cache(maxsize=4)
def service_labels(protocol: str) -> dict[int, str]:
    """``service_label(port, protocol)`` for every port that has one, built in one pass.

    Equal to calling `service_label` per port (a test checks that), but labelling a full
    scan's 65,535 results one lookup at a time would cost more than the scan. Shared:
    do not modify the returned dict.
    """
    data = _data()
    labels: dict[int, str] = {}
    for first, last, proto, name, _desc in reversed(data["ranges"]):
        if name and proto in ("", protocol):
            for port in range(first, last + 1):
                labels[port] = name
    for key, per_proto in data["ports"].items():
        for name, _desc in per_proto.get(protocol, ()):
            if name:
                labels[int(key)] = name
                break
    for port, (label, _note, protos) in CURATED.items():
        if protocol in protos and label:
            labels[port] = label
    return labels


@functools.lru_cache(maxsize=4)
def named_ports(protocol: str) -> tuple[int, ...]:
    """Ports IANA assigns a service name for ``protocol``, ascending (ranges not included)."""
    named = (
        int(key)
        for key, per_proto in _data()["ports"].items()
        if any(name for name, _ in per_proto.get(protocol, ()))
    )
    return tuple(sorted(named))


def search(text: str, limit: int = 200) -> list[PortInfo]:
    """Ports whose number, service name, description or practical label matches ``text``."""
    needle = text.strip().lower()
    if not needle:
        return []
    if needle.isascii() and needle.isdigit():
        try:
            return [lookup(parse_port(needle))]
        except PortError:
            return []
    found: list[int] = []
    for port, (label, note, _protos) in CURATED.items():
        if needle in label.lower() or needle in note.lower():
            found.append(port)
    for key, per_proto in _data()["ports"].items():
        for pairs in per_proto.values():
            if any(needle == name.lower() for name, _ in pairs):
                found.append(int(key))
    for key, per_proto in _data()["ports"].items():
        for pairs in per_proto.values():
            if any(needle in name.lower() or needle in d.lower() for name, d in pairs):
                found.append(int(key))
    ordered = list(dict.fromkeys(found))[:limit]
    return [lookup(port) for port in ordered]
