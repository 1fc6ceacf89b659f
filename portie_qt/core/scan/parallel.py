"""Splitting a scan into parts: batches for the window's thread pool, forked worker
processes for the terminal. Scanning this machine is kernel work, so it scales with cores."""

from __future__ import annotations

import contextlib
import marshal
import os
import selectors
import signal
import sys
import threading

from portie_qt.core.scan.engine import _POLL_SLICE, ScanError, _Engine, _ResultFeed
from portie_qt.core.scan.report import service_labels
from portie_qt.core.scan.targets import ScanTarget

_WORKER_MIN_PORTS = 4096  # below this, forking costs more than it saves
_WORKER_MAX = 4


def parallel_processes(target: ScanTarget, port_count: int) -> int:
    """How many processes a scan should use: more than one only where it pays and is safe.

    Probing this machine over loopback spends its time in the kernel (each SYN and RST
    is handled inside ``connect()``), so it speeds up with more cores; a remote host's
    scan waits on the network and would not. Forking is only safe in a process with
    no other threads and no Qt loaded (the CLI), so anything else gets 1.
    """
    if not target.is_loopback or port_count < _WORKER_MIN_PORTS or not hasattr(os, "fork"):
        return 1
    if threading.active_count() != 1 or "PySide6.QtCore" in sys.modules:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, _WORKER_MAX))


def _run_in_workers(engine: _Engine, ports: list[int], workers: int) -> bool:
    """Probe ``ports`` in ``workers`` forked processes; merge their lists into ``engine``.

    Returns True if cancelled (the workers are then killed; their sockets die with them).
    """
    children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
    batches = split_batches(ports, workers)
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


def _worker_main(engine: _Engine, ports: list[int], share: int, write_fd: int) -> None:
    """Body of a forked worker: scan a share of the ports, send the lists, ``_exit``."""
    code = 0
    try:
        mine = _Engine(engine.target, engine.timeout, share, lambda: False, engine.retries)
        mine.run(ports, _ResultFeed(engine.target, mine, None, None, len(ports)))
        mine.close_all()
        payload = marshal.dumps((mine.open, mine.confirm, mine.closed, mine.filtered))
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
        opened, confirm, closed, filtered = result
        engine.open += opened
        engine.confirm += confirm
        engine.closed += closed
        engine.filtered += filtered
    return False


def split_batches(ports: list[int], count: int) -> list[list[int]]:
    """``ports`` dealt into ``count`` interleaved batches, so each sees low and high ports."""
    return [ports[i::count] for i in range(count) if ports[i::count]]
