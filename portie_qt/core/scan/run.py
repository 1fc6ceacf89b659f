"""``scan()`` and ``scan_targets()``: the entry points that scan one host or many, in this
process or in forked workers."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from portie_qt.core.ports import PortError, check_port
from portie_qt.core.scan.banners import grab_banners_of
from portie_qt.core.scan.engine import (
    BANNER_TIMEOUT,
    DEFAULT_TIMEOUT,
    HOST_SHIFT,
    _cancel_check,
    _Engine,
)
from portie_qt.core.scan.parallel import _run_in_workers
from portie_qt.core.scan.report import (
    CLOSED,
    FILTERED,
    OPEN,
    PROTOCOL,
    MultiScanReport,
    ScanReport,
    ScanResult,
    tcp_service,
)
from portie_qt.core.scan.spec import PortSpecError
from portie_qt.core.scan.tally import OnBatch, OnProgress, Tally
from portie_qt.core.scan.targets import ScanTarget, resolve_target

MAX_PROBES = 1 << 24  # hosts times ports in one scan (16,777,216: 256 hosts, every port)
_HOST_GROUP = 256  # hosts probed side by side; the next group starts as this one drains
OnBanner = Callable[[int, int, str], None]  # host index, port, banner


def probe_keys(host_count: int, ports: Sequence[int]) -> Iterator[int]:
    """Every probe's key, in the order sent: hosts in groups, a group's hosts port by port.

    Interleaving spreads the load over the hosts of a group (no host gets every probe
    at once), and the next group starts while this one's slow ports are still waiting.
    """
    if host_count == 1:
        yield from ports
        return
    for first in range(0, host_count, _HOST_GROUP):
        group = range(first, min(first + _HOST_GROUP, host_count))
        for port in ports:
            for host in group:
                yield host << HOST_SHIFT | port


def _check(ports: list[int], timeout: float, concurrency: int | None, hosts: int) -> None:
    for port in ports:
        try:
            check_port(port)
        except PortError as exc:
            raise PortSpecError(str(exc)) from None
    if not timeout > 0:
        raise ValueError("The timeout must be more than 0 seconds.")
    if concurrency is not None and concurrency < 1:
        raise ValueError("Concurrency must be at least 1.")
    if hosts * len(ports) > MAX_PROBES:
        raise ValueError(probes_refusal(hosts, len(ports)))


def probes_refusal(hosts: int, ports: int) -> str:
    """'' when ``hosts`` times ``ports`` is within one scan's bound, else why not."""
    if hosts * ports <= MAX_PROBES:
        return ""
    return (
        f"{hosts:,} hosts times {ports:,} ports is {hosts * ports:,} probes; one scan "
        f"makes at most {MAX_PROBES:,}: scan fewer ports or fewer hosts at a time."
    )


def scan_targets(
    targets: Sequence[ScanTarget],
    ports: Iterable[int],
    timeout: float = DEFAULT_TIMEOUT,
    concurrency: int | None = None,
    banners: bool = False,
    cancel=None,
    retries: int = 1,
    on_batch: OnBatch | None = None,
    on_progress: OnProgress | None = None,
    on_banner: OnBanner | None = None,
    processes: int = 1,
    targets_text: str = "",
    ports_spec: str = "",
) -> MultiScanReport:
    """TCP connect scan of ``ports`` on every host of ``targets``, in one concurrency budget.

    ``on_batch(changes)`` gets what is new between rounds of the loop: a list of
    ``(host index, opened ports, closed ports, filtered ports)``; ``on_progress(done,
    total, open, hosts_done)`` a few times a second; ``on_banner(host index, port,
    banner)`` each banner found. Cancelling keeps what was found (see `scan`).
    """
    targets = tuple(targets)
    ports = list(ports)
    _check(ports, timeout, concurrency, len(targets))
    if processes > 1 and (on_batch or on_progress or on_banner or not hasattr(os, "fork")):
        raise ValueError("Several processes need os.fork and cannot report through callbacks.")
    cancelled = _cancel_check(cancel)
    started, wall = time.monotonic(), time.time()
    engine = _Engine(targets, timeout, concurrency, cancelled, max(0, retries))
    tally = Tally(engine, len(ports), on_batch, on_progress)
    keys = probe_keys(len(targets), ports)
    found: dict[tuple[int, int], str] = {}
    try:
        if processes > 1 and tally.total > 1:
            keyed = list(keys)
            was_cancelled = _run_in_workers(engine, keyed, min(processes, len(keyed)))
        else:
            was_cancelled = engine.run(keys, tally)
        engine.close_all()
        # Even a cancelled scan settles what it found on this machine: it is kept.
        engine.confirm_local()
        tally.flush()
        was_cancelled = was_cancelled or cancelled()
        if banners and not was_cancelled:
            jobs = [(index, port) for index, host in enumerate(tally.hosts)
                    for port in sorted(set(host.open))]  # fmt: skip
            if jobs:
                grabbed = grab_banners_of([(targets[i], p) for i, p in jobs], BANNER_TIMEOUT,
                                          cancelled)  # fmt: skip
                for job, text in sorted(grabbed.items()):
                    found[jobs[job]] = text
                    if on_banner is not None:
                        on_banner(*jobs[job], text)
                was_cancelled = cancelled()
    finally:
        engine.close_all()
    tally.flush(final=True)
    elapsed = time.monotonic() - started
    notes = tuple(dict.fromkeys(t.note for t in targets if t.note))
    return MultiScanReport(
        targets=targets_text or ",".join(t.host for t in targets),
        ports_spec=ports_spec,
        ports_requested=len(ports),
        hosts=tally.reports(targets, elapsed, was_cancelled, found),
        elapsed=elapsed,
        started=wall,
        cancelled=was_cancelled,
        notes=notes,
    )


def scan(
    target: ScanTarget | str,
    ports: Iterable[int],
    timeout: float = DEFAULT_TIMEOUT,
    concurrency: int | None = None,
    banners: bool = False,
    cancel=None,
    retries: int = 1,
    on_result: Callable[[ScanResult], None] | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
    processes: int = 1,
) -> ScanReport:
    """TCP connect scan of ``ports`` on one ``target``; see the engine's doc for states and traps.

    ``cancel`` is a ``threading.Event`` or a no-argument callable; once it is set the
    scan closes every socket and returns the partial report (``cancelled=True``), with
    every port found so far.
    ``on_result`` gets each ScanResult as it is known, and an open port a second time
    (same port, now with ``banner``) if its banner grab found one;
    ``on_progress`` gets ``(done, total, open_so_far)`` a few times a second.
    A port that does not answer within ``timeout`` is tried ``retries`` more times
    (waiting half as long each time) before it is called filtered.
    ``processes`` > 1 splits the probing across forked worker processes (see
    ``parallel_processes``); it needs ``os.fork`` and cannot be combined with callbacks.
    """
    if isinstance(target, str):
        target = resolve_target(target)
    host, address = target.host, target.address

    def result(port: int, state: str, banner: str | None = None) -> ScanResult:
        return ScanResult(host, address, port, PROTOCOL, state, tcp_service(port), banner)

    def each_result(changes) -> None:
        for _index, opened, closed, filtered in changes:
            for state, ports_now in ((OPEN, opened), (CLOSED, closed), (FILTERED, filtered)):
                for port in ports_now:
                    on_result(result(port, state))

    report = scan_targets(
        [target],
        ports,
        timeout=timeout,
        concurrency=concurrency,
        banners=banners,
        cancel=cancel,
        retries=retries,
        on_batch=each_result if on_result else None,
        on_progress=(lambda d, t, o, _h: on_progress(d, t, o)) if on_progress else None,
        on_banner=(lambda _i, p, text: on_result(result(p, OPEN, text))) if on_result else None,
        processes=processes,
    )
    return report.hosts[0]
