"""Real listening sockets in child processes, for tests and benchmarks.

`ChildListener.start(...)` runs a small Python child that binds the sockets asked for,
reports the ports it got on stdout, and sleeps until stopped. Tests stop what they start.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

_CHILD = r"""
import json, os, signal, socket, sys, time
specs = json.loads(sys.argv[1])
ignore_term = sys.argv[2] == "1"
reuse_port = len(sys.argv) > 4 and sys.argv[4] == "1"  # (older callers pass three)
if ignore_term:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
held, ports = [], []
for proto, host, port in specs:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:  # joins a port held by reserved_port() in the test process
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((host, port))
    if proto == "tcp":
        s.listen(16)
    held.append(s)
    ports.append(s.getsockname()[1])
print(json.dumps({"pid": os.getpid(), "ports": ports}), flush=True)
deadline = time.monotonic() + float(sys.argv[3])
while time.monotonic() < deadline:  # bounded: a forgotten child ends by itself
    time.sleep(0.2)
"""


@dataclass
class ChildListener:
    """A child process holding real sockets. ``ports[i]`` matches ``specs[i]``."""

    proc: subprocess.Popen
    pid: int
    ports: list[int]
    specs: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.ports[0]

    @classmethod
    def start(
        cls,
        specs: list[tuple[str, str, int]] | None = None,
        *,
        ignore_sigterm: bool = False,
        lifetime: float = 300.0,
        name: str | None = None,
        prefix: list[str] | None = None,
        reuse_port: bool = False,
    ) -> ChildListener:
        """Start a child; ``specs`` are ``(proto, host, port)`` with port 0 for any free one.

        ``prefix`` runs it through another command that ends by exec'ing it (``ip netns
        exec NS``, to hold the sockets in a network namespace), so its PID stays the same.
        ``reuse_port`` lets it listen on a port the test holds with `reserved_port`.
        """
        specs = specs or [("tcp", "127.0.0.1", 0)]
        argv = [*(prefix or []), sys.executable, "-c", _CHILD, json.dumps(specs),
                "1" if ignore_sigterm else "0", str(lifetime),
                "1" if reuse_port else "0"]  # fmt: skip
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        line = proc.stdout.readline()
        if not line:
            proc.kill()
            proc.wait(5)
            raise RuntimeError("listener child failed to start")
        info = json.loads(line)
        return cls(proc=proc, pid=info["pid"], ports=info["ports"], specs=list(specs))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        """Stop the child (by our own PID: SIGKILL, TerminateProcess on Windows) and reap it."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        if self.proc.stdout:
            self.proc.stdout.close()


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds pass (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@contextlib.contextmanager
def reserved_port(low: int = 24_000, high: int = 24_400) -> Iterator[int]:
    """A TCP port in [low, high) that only this test's children can listen on.

    For tests that need a port of a given band, free first and in use later, whatever
    else runs on the machine. The port is held for the whole block by bound, never
    listening sockets (invisible to a collector) on 0.0.0.0 and [::] with SO_REUSEPORT:
    any other program's bind fails, while children started with ``reuse_port=True`` can
    listen on it, one after another, with no moment where it is up for grabs. A lock
    file per port keeps other copies of the test suite (same user, also SO_REUSEPORT)
    off it too.
    """
    import fcntl  # POSIX only, like SO_REUSEPORT; conftest imports this module everywhere

    locks = Path(tempfile.gettempdir()) / "portie-test-ports"
    locks.mkdir(mode=0o1777, exist_ok=True)
    candidates = list(range(low, high))
    random.shuffle(candidates)  # concurrent suites rarely even try the same port
    for port in candidates:  # bounded
        lock = os.open(locks / f"{port}.lock", os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(lock)
            continue
        held = []
        try:
            for family, host in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
                s = socket.socket(family, socket.SOCK_STREAM)
                held.append(s)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                if family == socket.AF_INET6:
                    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.bind((host, port))
        except OSError:
            for s in held:
                s.close()
            os.close(lock)
            continue
        try:
            yield port
        finally:
            for s in held:
                s.close()
            os.close(lock)
        return
    raise RuntimeError(f"no TCP port in {low}–{high - 1} could be reserved")
