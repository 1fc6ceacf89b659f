"""A child process holding N real sockets, so benchmark figures don't depend on the host.

``SocketFixture.start(10_000)`` runs ``python -m benchmarks.fixture --sockets 10000`` and
waits until the child reports it holds them all: one TCP listener on 127.0.0.1, connected
client/server TCP pairs through it, and about 2% UDP sockets (half bound, half
connected). The child raises RLIMIT_NOFILE as far as it needs, and exits by itself after
``lifetime`` seconds so a crashed benchmark never leaves it behind; the benchmark stops
it by PID when done.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

DEFAULT_LIFETIME_S = 600.0
_START_TIMEOUT_S = 60.0


def plan(sockets: int) -> tuple[int, int]:
    """``(tcp_pairs, udp)`` so that listener + 2 * pairs + udp == ``sockets`` (at least 4)."""
    sockets = max(4, sockets)
    udp = max(2, sockets // 50)
    pairs = (sockets - 1 - udp) // 2
    udp = sockets - 1 - 2 * pairs  # absorb the odd one so the total is exact
    return pairs, udp


def _raise_fd_limit(needed: int) -> None:
    """Raise the soft (and, as root, the hard) open-file limit to ``needed``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))
            return
        except (ValueError, OSError):
            raise SystemExit(
                f"This fixture needs {needed} open files but the hard limit is {hard}: "
                f"raise it (ulimit -Hn {needed}) or run as root."
            ) from None
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def hold(sockets: int, lifetime: float) -> None:
    """Open the sockets, report them on stdout as one JSON line, then sleep (bounded)."""
    pairs, udp = plan(sockets)
    _raise_fd_limit(sockets + 64)
    held: list[socket.socket] = []
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    held.append(listener)
    address = listener.getsockname()
    for _ in range(pairs):
        # Loopback connect completes at once; accepting right away keeps the backlog short.
        client = socket.create_connection(address, timeout=5)
        server, _peer = listener.accept()
        held += (client, server)
    for index in range(udp):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        if index % 2:
            sock.connect(address)  # a UDP "connection": has a peer, so state CONNECTED
        held.append(sock)
    print(json.dumps({"pid": os.getpid(), "sockets": len(held), "port": address[1]}), flush=True)
    deadline = time.monotonic() + lifetime
    while time.monotonic() < deadline:  # bounded: a forgotten fixture ends by itself
        time.sleep(0.5)


@dataclass
class SocketFixture:
    """A running fixture child. Use as a context manager, or call ``stop()``."""

    proc: subprocess.Popen
    pid: int
    sockets: int
    port: int

    @classmethod
    def start(cls, sockets: int, lifetime: float = DEFAULT_LIFETIME_S) -> SocketFixture:
        argv = [sys.executable, "-m", "benchmarks.fixture", "--sockets", str(sockets),
                "--lifetime", str(lifetime)]  # fmt: skip
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        proc = subprocess.Popen(argv, cwd=root, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        line = _read_line(proc, _START_TIMEOUT_S)
        if not line:
            _kill(proc)
            reason = (proc.stderr.read() if proc.stderr else "").strip().splitlines()
            raise RuntimeError(
                f"The {sockets}-socket fixture did not start: "
                f"{reason[-1] if reason else 'no output'}"
            )
        info = json.loads(line)
        return cls(proc=proc, pid=info["pid"], sockets=info["sockets"], port=info["port"])

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        """Kill the child by its own PID and reap it."""
        _kill(self.proc)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()

    def __enter__(self) -> SocketFixture:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


def _read_line(proc: subprocess.Popen, timeout: float) -> str:
    """The child's first stdout line, or "" if it exits or ``timeout`` passes first."""
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return proc.stdout.readline()


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Hold N loopback sockets for benchmarks.")
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--lifetime", type=float, default=DEFAULT_LIFETIME_S)
    args = parser.parse_args(argv)
    hold(args.sockets, args.lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
