"""Counting a running scan's results per host, between rounds of the connect loop.

The engine appends keys (``host_index << 16 | port``) to its open/closed/filtered
lists; `Tally.flush` drains them into each host's compact arrays (two bytes a port),
tells the caller what is new, and builds the `ScanReport` of each host at the end. A
sweep of thousands of hosts therefore never holds a Python object per probe.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable, Sequence

from portie_qt.core.scan.engine import HOST_SHIFT, PORT_MASK, _Engine
from portie_qt.core.scan.report import OPEN, PROTOCOL, ScanReport, ScanResult, tcp_service
from portie_qt.core.scan.targets import ScanTarget

# What's new since the last flush: (host index, opened, closed, filtered) per changed host.
Changes = list[tuple[int, list[int], list[int], list[int]]]
OnBatch = Callable[[Changes], None]
OnProgress = Callable[[int, int, int, int], None]  # probes done, total, open, hosts done
_PROGRESS_EVERY = 0.05  # seconds between progress reports
_PORT_INTS: tuple[int, ...] = ()


def _port_ints() -> tuple[int, ...]:
    """One shared int object per port number: per-host tuples then cost a pointer a port."""
    global _PORT_INTS
    if not _PORT_INTS:
        _PORT_INTS = tuple(range(PORT_MASK + 1))
    return _PORT_INTS


class HostTally:
    """One host's results so far."""

    __slots__ = ("closed", "done", "filtered", "open", "refusals")

    def __init__(self) -> None:
        self.open: list[int] = []
        self.closed = array("H")
        self.filtered = array("H")
        self.refusals = 0
        self.done = 0


class Tally:
    """Drains ``engine``'s result lists into per-host tallies; see the module doc."""

    def __init__(
        self,
        engine: _Engine,
        ports_per_host: int,
        on_batch: OnBatch | None = None,
        on_progress: OnProgress | None = None,
    ) -> None:
        self.engine = engine
        self.ports_per_host = ports_per_host
        self.hosts = [HostTally() for _ in engine.targets]
        self.total = ports_per_host * len(self.hosts)
        self.on_batch, self.on_progress = on_batch, on_progress
        self.done = self.open_count = self.hosts_done = 0
        self.last_progress = 0.0

    def flush(self, final: bool = False) -> None:
        """Take what the engine found since the last call; report it and the progress."""
        e = self.engine
        e.settle_confirms()
        if e.open or e.closed or e.filtered or e.refused:
            opened, closed, filtered, refused = e.open, e.closed, e.filtered, e.refused
            e.open, e.closed, e.filtered, e.refused = [], [], [], []
            changes = self._take(opened, closed, filtered, refused)
            if self.on_batch is not None and changes:
                self.on_batch(changes)
        if self.on_progress is not None:
            now = time.monotonic()
            if final or now - self.last_progress >= _PROGRESS_EVERY:
                self.last_progress = now
                pending = len(e.confirm)
                self.on_progress(self.done + pending, self.total, self.open_count + pending,
                                 self.hosts_done)  # fmt: skip

    def _take(self, opened, closed, filtered, refused) -> Changes:
        self.done += len(opened) + len(closed) + len(filtered)
        self.open_count += len(opened)
        if len(self.hosts) == 1:  # keys are the ports themselves
            host = self.hosts[0]
            host.open += opened
            host.closed.extend(closed)
            host.filtered.extend(filtered)
            host.refusals += len(refused)
            self._count_done(host, len(opened) + len(closed) + len(filtered))
            return [(0, opened, closed, filtered)]
        split: dict[int, tuple[list[int], list[int], list[int]]] = {}
        for slot, keys in enumerate((opened, closed, filtered)):
            for key in keys:
                lists = split.get(key >> HOST_SHIFT)
                if lists is None:
                    lists = split[key >> HOST_SHIFT] = ([], [], [])
                lists[slot].append(key & PORT_MASK)
        for key in refused:
            self.hosts[key >> HOST_SHIFT].refusals += 1
        changes: Changes = []
        for index, (o, c, f) in sorted(split.items()):
            host = self.hosts[index]
            host.open += o
            host.closed.extend(c)
            host.filtered.extend(f)
            self._count_done(host, len(o) + len(c) + len(f))
            changes.append((index, o, c, f))
        return changes

    def _count_done(self, host: HostTally, added: int) -> None:
        before = host.done
        host.done += added
        if before < self.ports_per_host <= host.done:
            self.hosts_done += 1

    def reports(
        self,
        targets: Sequence[ScanTarget],
        elapsed: float,
        cancelled: bool,
        banners: dict[tuple[int, int], str],
    ) -> tuple[ScanReport, ...]:
        """One `ScanReport` per host (its open ports with their banners, if grabbed)."""
        ints = _port_ints()
        made = []
        for index, (target, host) in enumerate(zip(targets, self.hosts, strict=True)):
            open_results = tuple(
                ScanResult(
                    target.host,
                    target.address,
                    p,
                    PROTOCOL,
                    OPEN,
                    tcp_service(p),
                    banners.get((index, p)),
                )
                for p in sorted(set(host.open))
            )
            made.append(ScanReport(
                target=target,
                ports_requested=self.ports_per_host,
                open=open_results,
                closed=tuple([ints[p] for p in sorted(host.closed)]),
                filtered=tuple([ints[p] for p in sorted(host.filtered)]),
                elapsed=elapsed,
                cancelled=cancelled,
                notes=(target.note,) if target.note else (),
                refusals=host.refusals,
            ))  # fmt: skip
        return tuple(made)
