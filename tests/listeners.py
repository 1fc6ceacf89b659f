"""Real listening sockets in child processes, for tests and benchmarks.

`ChildListener.start(...)` runs a small Python child that binds the sockets asked for,
reports the ports it got on stdout, and sleeps until stopped. Tests stop what they start.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

_CHILD = r"""
import json, os, signal, socket, sys, time
specs = json.loads(sys.argv[1])
ignore_term = sys.argv[2] == "1"
if ignore_term:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
held, ports = [], []
for proto, host, port in specs:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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
    ) -> ChildListener:
        """Start a child; ``specs`` are ``(proto, host, port)`` with port 0 for any free one.

        ``prefix`` runs it through another command that ends by exec'ing it (``ip netns
        exec NS``, to hold the sockets in a network namespace), so its PID stays the same.
        """
        specs = specs or [("tcp", "127.0.0.1", 0)]
        argv = [*(prefix or []), sys.executable, "-c", _CHILD, json.dumps(specs),
                "1" if ignore_sigterm else "0", str(lifetime)]  # fmt: skip
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
        """Stop the child (by our own PID, SIGKILL) and reap it."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
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
