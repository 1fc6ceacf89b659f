"""What a scan found: one `ScanResult` per port, a `ScanReport` per host, and the
`MultiScanReport` of a scan of several hosts.

A host is *up* when anything answered (an open or a closed port), *filtered* when no
port answered but a router or firewall refused for it (ICMP unreachable or
prohibited, or this machine's firewall), and *down* when nothing came back at all
(every probe timed out, or there is no route to it).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from portie_qt.core.scan.targets import ScanTarget

OPEN = "open"
CLOSED = "closed"
FILTERED = "filtered"
PROTOCOL = "tcp"
HOST_UP = "up"
HOST_DOWN = "down"
HOST_FILTERED = "filtered"
HOST_UNSCANNED = "not scanned"


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
    refusals: int = 0  # filtered ports that got an error answer rather than silence

    @property
    def scanned(self) -> int:
        return len(self.open) + len(self.closed) + len(self.filtered)

    @property
    def state(self) -> str:
        """The host's state: up, down, filtered, or not scanned (see the module doc)."""
        if self.open or self.closed:
            return HOST_UP
        if not self.filtered:
            return HOST_UNSCANNED
        return HOST_FILTERED if self.refusals else HOST_DOWN

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


@dataclass(frozen=True)
class MultiScanReport:
    """Outcome of one scan of one or more hosts: a `ScanReport` per host, in order typed.

    ``targets`` is the canonical target text (``192.0.2.0/28,nas.local``), the key under
    which scan history finds the previous scan of the same target.
    """

    targets: str
    ports_spec: str
    ports_requested: int  # ports per host
    hosts: tuple[ScanReport, ...]
    elapsed: float
    started: float  # wall-clock time.time() when the scan began
    cancelled: bool = False
    notes: tuple[str, ...] = ()

    @property
    def scanned(self) -> int:
        return sum(h.scanned for h in self.hosts)

    @property
    def open(self) -> tuple[ScanResult, ...]:
        return tuple(r for h in self.hosts for r in h.open)

    def counts(self) -> dict[str, int]:
        """Ports per state over every host."""
        return {
            OPEN: sum(len(h.open) for h in self.hosts),
            CLOSED: sum(len(h.closed) for h in self.hosts),
            FILTERED: sum(len(h.filtered) for h in self.hosts),
        }

    def host_counts(self) -> dict[str, int]:
        """Hosts per state (up, down, filtered, not scanned)."""
        counts = dict.fromkeys((HOST_UP, HOST_DOWN, HOST_FILTERED, HOST_UNSCANNED), 0)
        for host in self.hosts:
            counts[host.state] += 1
        return counts

    def results(self) -> list[ScanResult]:
        """Every scanned port of every host, host by host, each ascending by port."""
        return [r for h in self.hosts for r in h.results()]

    def summary(self) -> str:
        """One line: ports per state, hosts per state, time, and whether it was cancelled."""
        if len(self.hosts) == 1:
            return self.hosts[0].summary()
        counts, hosts = self.counts(), self.host_counts()
        states = ", ".join(f"{n} {s}" for s, n in hosts.items() if n)
        text = (
            f"{counts[OPEN]} open, {counts[CLOSED]} closed, {counts[FILTERED]} filtered on "
            f"{_plural(len(self.hosts), 'host')} ({states or 'none scanned'}) in "
            f"{self.elapsed:.2f} s"
        )
        if self.cancelled:
            total = self.ports_requested * len(self.hosts)
            text += f" (cancelled after {self.scanned} of {total} ports)"
        return text


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def service_labels() -> dict[int, str]:
    """Port -> TCP service label, for every port that has one (shared; do not modify)."""
    from portie_qt.core.reference import service_labels as labels  # loads the port data

    return labels(PROTOCOL)


def tcp_service(port: int) -> str:
    """Service label of a TCP port (the port reference's practical or IANA name, or '')."""
    return service_labels().get(port, "")
