"""``scan()``: the one entry point that scans a host, in this process or in forked workers."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

from portie_qt.core.ports import PortError, check_port
from portie_qt.core.scan.banners import grab_banners
from portie_qt.core.scan.engine import (
    BANNER_TIMEOUT,
    DEFAULT_TIMEOUT,
    _cancel_check,
    _Engine,
    _ResultFeed,
)
from portie_qt.core.scan.parallel import _run_in_workers
from portie_qt.core.scan.report import OPEN, PROTOCOL, ScanReport, ScanResult, tcp_service
from portie_qt.core.scan.spec import PortSpecError
from portie_qt.core.scan.targets import ScanTarget, resolve_target


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
    """TCP connect scan of ``ports`` on ``target``; see the module doc for states and traps.

    ``cancel`` is a ``threading.Event`` or a no-argument callable; once it is set the
    scan closes every socket and returns the partial report (``cancelled=True``).
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
    ports = list(ports)
    for port in ports:
        try:
            check_port(port)
        except PortError as exc:
            raise PortSpecError(str(exc)) from None
    if not timeout > 0:
        raise ValueError("The timeout must be more than 0 seconds.")
    if concurrency is not None and concurrency < 1:
        raise ValueError("Concurrency must be at least 1.")
    if processes > 1 and (on_result or on_progress or not hasattr(os, "fork")):
        raise ValueError("Several processes need os.fork and cannot report through callbacks.")
    cancelled = _cancel_check(cancel)
    started = time.monotonic()
    engine = _Engine(target, timeout, concurrency, cancelled, max(0, retries))
    feed = _ResultFeed(target, engine, on_result, on_progress, len(ports))
    total = len(ports)
    try:
        if processes > 1 and total > 1:
            was_cancelled = _run_in_workers(engine, ports, min(processes, total))
        else:
            was_cancelled = engine.run(ports, feed)
        engine.close_all()
        if not was_cancelled:
            engine.confirm_local()
            was_cancelled = cancelled()
        found = {}
        if banners and engine.open and not was_cancelled:
            found = grab_banners(target, sorted(engine.open), BANNER_TIMEOUT, cancelled)
            was_cancelled = cancelled()
    finally:
        engine.close_all()
    open_results = tuple(
        ScanResult(target.host, target.address, p, PROTOCOL, OPEN, tcp_service(p), found.get(p))
        for p in sorted(engine.open)
    )
    feed.finish(open_results)
    notes = (target.note,) if target.note else ()
    return ScanReport(
        target=target,
        ports_requested=total,
        open=open_results,
        closed=tuple(sorted(engine.closed)),
        filtered=tuple(sorted(engine.filtered)),
        elapsed=time.monotonic() - started,
        cancelled=was_cancelled,
        notes=notes,
    )
