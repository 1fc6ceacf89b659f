"""Containers for the tests, on the session's private Docker Engine (see conftest)."""

from __future__ import annotations

import itertools
import os
import socket
from dataclasses import dataclass

from benchmarks.docker_engine import EngineError, PrivateDockerEngine

_serial = itertools.count(1)
_TRIES = 5


def free_port() -> int:
    """A TCP port free on every IPv4 and IPv6 address right now."""
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(("::", 0))
        return sock.getsockname()[1]


@dataclass
class Started:
    name: str
    id: str
    port: int
    project: str | None
    service: str | None

    @property
    def label(self) -> str:
        if self.project:
            return f"{self.name} (compose {self.project}/{self.service})"
        return self.name


class TestContainers:
    """Starts busybox containers for one test and removes them afterwards."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, engine: PrivateDockerEngine) -> None:
        self.engine = engine
        self.started: list[str] = []

    def web(self, project: str | None = "shop", service: str = "web", address: str = "",
            host_network: bool = False) -> Started:  # fmt: skip
        """A container serving HTTP, published on a fresh host port (or on the host's own
        network, listening on that port itself), with compose labels when ``project``."""
        labels = {}
        if project:
            labels = {"com.docker.compose.project": project,
                      "com.docker.compose.service": service}  # fmt: skip
        for _ in range(_TRIES):
            port = free_port()
            name = f"{service}-{os.getpid()}-{next(_serial)}"
            self.started.append(name)
            try:
                if host_network:
                    cid = self.engine.run(name, ["busybox", "httpd", "-f", "-p", str(port)],
                                          labels=labels, network="host")  # fmt: skip
                else:
                    spec = f"{address}:{port}:80" if address else f"{port}:80"
                    cid = self.engine.run(name, ["busybox", "httpd", "-f", "-p", "80"],
                                          publish=(spec,), labels=labels)  # fmt: skip
            except EngineError as exc:
                self.engine.remove(name)
                if "already" in str(exc) or "in use" in str(exc):
                    continue  # someone took the port in between: another one
                raise
            return Started(name, cid, port, project, service if project else None)
        raise EngineError(f"No free port could be published in {_TRIES} tries.")

    def running(self, name: str) -> bool:
        return name in self.engine.docker("ps", "--format", "{{.Names}}").split()

    def remove_all(self) -> None:
        for name in self.started:
            self.engine.remove(name)
        self.started.clear()
