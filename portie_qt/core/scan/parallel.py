"""Splitting a scan into parts: forked worker processes for the terminal's scans of this
machine, which are kernel work and so scale with cores. (The window's scan runs in a
process of its own instead: `worker`.)"""

from __future__ import annotations

import contextlib
import marshal
import os
import selectors
import signal
import sys
import threading
from collections.abc import Sequence

from portie_qt.core.scan.engine import _POLL_SLICE, ScanError, _Engine
from portie_qt.core.scan.report import service_labels
from portie_qt.core.scan.targets import ScanTarget

_WORKER_MIN_PORTS = 4096  # below this, forking costs more than it saves
_WORKER_MAX = 4


def parallel_processes(target: ScanTarget | Sequence[ScanTarget], port_count: int) -> int:
    """How many processes a scan should use: more than one only where it pays and is safe.

    Probing this machine over loopback spends its time in the kernel (each SYN and RST
    is handled inside ``connect()``), so it speeds up with more cores; a remote host's
    scan waits on the network and would not. Forking is only safe in a process with
    no other threads and no Qt loaded (the CLI), so anything else gets 1.
    ``port_count`` counts probes: ports times hosts.
    """
    targets = [target] if isinstance(target, ScanTarget) else list(target)
    loopback = bool(targets) and all(t.is_loopback for t in targets)
    if not loopback or port_count < _WORKER_MIN_PORTS or not hasattr(os, "fork"):
        return 1
    if threading.active_count() != 1 or "PySide6.QtCore" in sys.modules:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, _WORKER_MAX))


def _run_in_workers(engine: _Engine, keys: list[int], workers: int) -> bool:
    """Probe ``keys`` in ``workers`` forked processes; merge their lists into ``engine``.

    Returns True if cancelled (the workers are then killed; their sockets die with them).
    """
    children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
    batches = split_batches(keys, workers)
    share = max(1, engine.max_limit // workers)
    try:
        for index in range(workers):
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: never returns
                os.close(read_fd)
                _worker_main(engine, batches[index], share, write_fd)
            os.close(write_fd)
            children.append((pid, read_fd))
        service_labels()  # the parent's own work meanwhile: labels for the report
        return _collect(engine, children)
    finally:
        for pid, read_fd in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # a no-op for workers that already exited
            os.waitpid(pid, 0)
            os.close(read_fd)


class _Keep:
    """A worker's feed: keep everything in the engine's lists for the parent."""

    @staticmethod
    def flush(final: bool = False) -> None:
        pass


def _worker_main(engine: _Engine, keys: list[int], share: int, write_fd: int) -> None:
    """Body of a forked worker: scan a share of the keys, send the lists, ``_exit``."""
    code = 0
    try:
        mine = _Engine(engine.targets, engine.timeout, share, lambda: False, engine.retries)
        mine.run(keys, _Keep())
        mine.close_all()
        payload = marshal.dumps((mine.open, mine.confirm, mine.closed, mine.filtered,
                                 mine.refused))  # fmt: skip
    except BaseException as exc:  # anything, even Ctrl-C, must reach the parent as text
        payload = marshal.dumps(
            str(exc)
            if isinstance(exc, ScanError)
            else f"A scan worker stopped unexpectedly ({exc!r}); scan again."
        )
        code = 1
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(write_fd, view) :]
    finally:
        os._exit(code)  # no atexit handlers, no flushing the parent's buffers twice


def _collect(engine: _Engine, children: list[tuple[int, int]]) -> bool:
    buffers = {read_fd: bytearray() for _pid, read_fd in children}
    with selectors.DefaultSelector() as selector:
        for read_fd in buffers:
            selector.register(read_fd, selectors.EVENT_READ)
        open_pipes = len(buffers)
        while open_pipes:
            if engine.cancelled():
                return True
            for key, _mask in selector.select(_POLL_SLICE):
                chunk = os.read(key.fd, 1 << 20)
                if chunk:
                    buffers[key.fd] += chunk
                else:
                    selector.unregister(key.fd)
                    open_pipes -= 1
    for data in buffers.values():
        result = marshal.loads(bytes(data)) if data else "A scan worker died; scan again."
        if isinstance(result, str):
            raise ScanError(result)
        opened, confirm, closed, filtered, refused = result
        engine.open += opened
        engine.confirm += confirm
        engine.closed += closed
        engine.filtered += filtered
        engine.refused += refused
    return False


def split_batches(ports: list[int], count: int) -> list[list[int]]:
    """``ports`` (or keys) dealt into ``count`` interleaved batches: each sees low and high."""
    return [ports[i::count] for i in range(count) if ports[i::count]]
