"""A child process holding N real sockets, so benchmark figures don't depend on the host.

``SocketFixture.start(10_000)`` runs ``python -m benchmarks.fixture --sockets 10000`` and
waits until the child reports it holds them all: one TCP listener on 127.0.0.1, connected
client/server TCP pairs through it, and about 2% UDP sockets (half bound, half
connected). The child raises RLIMIT_NOFILE as far as it needs, and exits by itself after
``lifetime`` seconds so a crashed benchmark never leaves it behind; the benchmark stops
it by PID when done. With ``churn`` it replaces that fraction of its TCP pairs every
second, for figures under a steady trickle of changes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import signal
import socket
import struct
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


# Linger 0: closing (or being killed) resets the connection instead of leaving TIME_WAIT
# behind, which would add thousands of rows to the next benchmark for a minute.
_RESET_ON_CLOSE = struct.pack("ii", 1, 0)


def _pair(listener: socket.socket) -> list[socket.socket]:
    # Loopback connect completes at once; accepting right away keeps the backlog short.
    client = socket.create_connection(listener.getsockname(), timeout=5)
    server, _peer = listener.accept()
    for sock in (client, server):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_ON_CLOSE)
    return [client, server]


def hold(sockets: int, lifetime: float, churn: float = 0.0) -> None:
    """Open the sockets, report them on stdout as one JSON line, then hold them (bounded).

    ``churn`` > 0 replaces that fraction of the TCP pairs every second, keeping the total
    steady.
    """
    pairs, udp = plan(sockets)
    _raise_fd_limit(sockets + 64)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    address = listener.getsockname()
    connected = [_pair(listener) for _ in range(pairs)]
    datagram: list[socket.socket] = []
    for index in range(udp):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        if index % 2:
            sock.connect(address)  # a UDP "connection": has a peer, so state CONNECTED
        datagram.append(sock)
    held = 1 + 2 * len(connected) + len(datagram)
    print(json.dumps({"pid": os.getpid(), "sockets": held, "port": address[1]}), flush=True)
    replace = int(pairs * churn)
    deadline = time.monotonic() + lifetime
    while time.monotonic() < deadline:  # bounded: a forgotten fixture ends by itself
        time.sleep(1.0 if replace else 0.5)
        for _ in range(min(replace, len(connected))):
            for sock in connected.pop(random.randrange(len(connected))):
                sock.close()
            connected.append(_pair(listener))


@dataclass
class SocketFixture:
    """A running fixture child. Use as a context manager, or call ``stop()``."""

    proc: subprocess.Popen
    pid: int
    sockets: int
    port: int

    @classmethod
    def start(cls, sockets: int, lifetime: float = DEFAULT_LIFETIME_S,
              churn: float = 0.0, prefix: list[str] | None = None) -> SocketFixture:  # fmt: skip
        """Start the child; ``prefix`` runs it through a command that execs it (``ip netns
        exec NS``: the sockets of another network namespace)."""
        argv = [*(prefix or []), sys.executable, "-m", "benchmarks.fixture", "--sockets",
                str(sockets), "--lifetime", str(lifetime), "--churn", str(churn)]  # fmt: skip
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
    parser.add_argument("--churn", type=float, default=0.0, help="fraction of pairs per second")
    args = parser.parse_args(argv)
    hold(args.sockets, args.lifetime, args.churn)
    return 0


if __name__ == "__main__":
    sys.exit(main())
