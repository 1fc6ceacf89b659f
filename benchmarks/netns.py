"""A private network namespace for the benchmarks, so the figures count only our sockets.

``/proc/net/*``, ``ss`` and ``lsof`` see the sockets of the network namespace they run
in. On a shared machine that can be tens of thousands of other people's TIME_WAITs;
inside a fresh namespace holding only the fixture's sockets, "10,000 sockets" means
10,000. Creating one needs root and iproute2; without them the benchmarks run in the
machine's own namespace and say so.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator

# Set in the re-run inside the namespace, so it does not try to nest another one.
INSIDE_ENV = "PORTIE_BENCH_NETNS"


def unavailable_reason() -> str:
    """'' when a private namespace can be made here, else why not (one sentence)."""
    if os.environ.get(INSIDE_ENV):
        return f"already inside the namespace {os.environ[INSIDE_ENV]}"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "a private one needs root"
    if not shutil.which("ip"):
        return "a private one needs iproute2: run `sudo apt-get install iproute2`"
    return ""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@contextlib.contextmanager
def private_netns() -> Iterator[list[str]]:
    """A namespace with only ``lo`` up; yields the ``ip netns exec`` prefix, then deletes it."""
    name = f"portie-bench-{os.getpid()}"
    _ip("netns", "add", name)
    try:
        _ip("-n", name, "link", "set", "lo", "up")
        yield ["ip", "netns", "exec", name]
    finally:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=30)
