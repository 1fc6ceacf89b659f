"""What a scan found: one `ScanResult` per port, and the `ScanReport` of a whole scan."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from portie_qt.core.scan.targets import ScanTarget

OPEN = "open"
CLOSED = "closed"
FILTERED = "filtered"
PROTOCOL = "tcp"


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The state of one scanned port."""

    host: str
    address: str
    port: int
    protocol: str
    state: str
    service: str
    banner: str | None = None

    def as_dict(self) -> dict:
        return {
            "host": self.host,
            "address": self.address,
            "port": self.port,
            "protocol": self.protocol,
            "state": self.state,
            "service": self.service,
            "banner": self.banner,
        }


@dataclass(frozen=True)
class ScanReport:
    """Outcome of a scan: open results in full, closed/filtered as port numbers (compact)."""

    target: ScanTarget
    ports_requested: int
    open: tuple[ScanResult, ...]
    closed: tuple[int, ...]
    filtered: tuple[int, ...]
    elapsed: float
    cancelled: bool = False
    notes: tuple[str, ...] = ()

    @property
    def scanned(self) -> int:
        return len(self.open) + len(self.closed) + len(self.filtered)

    @property
    def open_ports(self) -> tuple[int, ...]:
        return tuple(r.port for r in self.open)

    def results(self) -> list[ScanResult]:
        """Every scanned port as a ScanResult, ascending by port."""
        return list(self._every_result)

    @functools.cached_property  # built once, on demand: a full scan has 65,535 of them
    def _every_result(self) -> tuple[ScanResult, ...]:
        host, address = self.target.host, self.target.address
        made = list(self.open)
        for state, ports in ((CLOSED, self.closed), (FILTERED, self.filtered)):
            made += [ScanResult(host, address, p, PROTOCOL, state, tcp_service(p)) for p in ports]
        made.sort(key=lambda r: r.port)
        return tuple(made)

    def summary(self) -> str:
        """One line, e.g. '3 open, 997 closed, 0 filtered on 192.0.2.7 in 0.21 s'."""
        text = (
            f"{len(self.open)} open, {len(self.closed)} closed, {len(self.filtered)} filtered "
            f"on {self.target.address} in {self.elapsed:.2f} s"
        )
        if self.cancelled:
            text += f" (cancelled after {self.scanned} of {self.ports_requested} ports)"
        return text

    @classmethod
    def merge(
        cls,
        target: ScanTarget,
        reports: Sequence[ScanReport],
        ports_requested: int,
        cancelled: bool = False,
    ) -> ScanReport:
        """One report for a scan run in parts (batches or worker processes)."""
        return cls(
            target=target,
            ports_requested=ports_requested,
            open=tuple(sorted((r for rep in reports for r in rep.open), key=lambda r: r.port)),
            closed=tuple(sorted(p for rep in reports for p in rep.closed)),
            filtered=tuple(sorted(p for rep in reports for p in rep.filtered)),
            elapsed=max((rep.elapsed for rep in reports), default=0.0),
            cancelled=cancelled or any(rep.cancelled for rep in reports),
            notes=(target.note,) if target.note else (),
        )


def service_labels() -> dict[int, str]:
    """Port -> TCP service label, for every port that has one (shared; do not modify)."""
    from portie_qt.core.reference import service_labels as labels  # loads the port data

    return labels(PROTOCOL)


def tcp_service(port: int) -> str:
    """Service label of a TCP port (the port reference's practical or IANA name, or '')."""
    return service_labels().get(port, "")
