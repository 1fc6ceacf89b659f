"""Containers as the owners of ports. Qt-free.

A port published by a container is held on the host by a helper (``docker-proxy``,
``dockerd`` itself with the userland proxy off, ``com.docker.backend`` on macOS,
``rootlessport`` or ``conmon`` for rootless engines) or by nothing at all (the engine's
firewall rules forward it). Killing the helper breaks the engine while the container
keeps running, so Portie names the container instead: `ContainerOwners.annotate` adds a
`Container` to each endpoint it owns, and a row of its own, state ``PUBLISHED``, for a
published port that no host socket holds.

A socket held by a process *inside* a container (host networking) is matched through
the process's cgroup, which names the container's id.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import NamedTuple

from portie_qt.core import engine
from portie_qt.core.endpoints import PUBLISHED, Endpoint, Snapshot

# The engine's own processes: they hold ports for containers and must never be killed
# for one (process_control refuses them).
ENGINE_PROCESSES = frozenset({
    "docker-proxy", "dockerd", "containerd", "com.docker.backend", "com.docker.vpnkit",
    "vpnkit", "vpnkit-bridge", "wslrelay", "rootlessport", "rootlesskit", "conmon",
    "gvproxy", "slirp4netns", "pasta", "podman",
})  # fmt: skip


def engine_process(name: str | None) -> bool:
    """Whether a process of this name is part of a container engine (never to be killed)."""
    return bool(name) and (name in ENGINE_PROCESSES or name.startswith("containerd-shim"))


_CONTAINER_ID = re.compile(r"[0-9a-f]{64}")
_WILDCARDS = ("0.0.0.0", "::")


class PublishedPort(NamedTuple):
    """One host port a container publishes."""

    protocol: str  # "tcp" | "udp"
    address: str  # the host address, "0.0.0.0" or "::" for every address
    port: int
    container_port: int

    @property
    def family(self) -> str:
        return "ipv6" if ":" in self.address else "ipv4"


@dataclass(frozen=True)
class Container:
    """A running container, as the table, the details pane and ``--list --json`` show it."""

    id: str
    name: str
    image: str
    project: str | None = None  # com.docker.compose.project
    service: str | None = None  # com.docker.compose.service
    state: str = ""  # running, paused, …
    status: str = ""  # the engine's words: "Up 5 minutes"
    engine: str = "Docker"
    ports: tuple[PublishedPort, ...] = ()

    @property
    def label(self) -> str:
        """``web (compose shop/web)``, or just ``web``."""
        return compose_label(self.name, self.project, self.service)

    @property
    def owner(self) -> str:
        """How the table names a port's owner: ``container web (compose shop/web)``."""
        return f"container {self.label}"

    @property
    def short_id(self) -> str:
        return self.id[:12]

    def as_dict(self) -> dict:
        """The ``container`` object of ``--list --json``."""
        return {"id": self.id, "name": self.name, "image": self.image,
                "project": self.project, "service": self.service}  # fmt: skip


def compose_label(name: str, project: str | None, service: str | None) -> str:
    """How a container is named everywhere: ``web (compose shop/web)``, or ``web``."""
    if project and service:
        return f"{name} (compose {project}/{service})"
    if project:
        return f"{name} (compose {project})"
    return name


def _text(value, default: str = "") -> str:
    return value if isinstance(value, str) else default


def container_from_api(raw: dict, engine_name: str = "Docker") -> Container | None:
    """A `Container` from one entry of ``GET /containers/json``; None when malformed."""
    container_id = _text(raw.get("Id"))
    if not container_id:
        return None
    names = raw.get("Names") or []
    name = _text(names[0] if names else "", container_id[:12]).lstrip("/")
    labels = raw.get("Labels") if isinstance(raw.get("Labels"), dict) else {}
    ports = []
    for port in raw.get("Ports") or ():
        if not isinstance(port, dict) or not isinstance(port.get("PublicPort"), int):
            continue  # exposed but not published: nothing on the host
        protocol = _text(port.get("Type"), "tcp").lower()
        if protocol not in ("tcp", "udp"):
            continue
        address = _text(port.get("IP")) or "0.0.0.0"  # Podman leaves it empty for all
        private = port.get("PrivatePort")
        ports.append(PublishedPort(protocol, address, port["PublicPort"],
                                   private if isinstance(private, int) else 0))  # fmt: skip
    return Container(
        id=container_id,
        name=name,
        image=_text(raw.get("Image"), "?"),
        project=_text(labels.get("com.docker.compose.project")) or None,
        service=_text(labels.get("com.docker.compose.service")) or None,
        state=_text(raw.get("State")),
        status=_text(raw.get("Status")),
        engine=engine_name,
        ports=tuple(dict.fromkeys(ports)),
    )


@dataclass(frozen=True)
class EngineView:
    """What one look at the engine found: its running containers, and any notice."""

    containers: tuple[Container, ...] = ()
    notice: str = ""  # a sentence for the status bar ('' says nothing)
    where: engine.Endpoint | None = None


def look() -> EngineView:
    """Ask the engine once for its running containers (nothing, silently, when there is none)."""
    where = engine.discover()
    if where is None:
        return EngineView()
    if isinstance(where, str):
        return EngineView(notice=where)
    try:
        raw = engine.list_containers(where)
    except engine.EngineDenied as exc:
        return EngineView(notice=str(exc), where=where)
    except engine.EngineError:
        return EngineView(where=where)  # not running, or not answering: as if absent
    found = (container_from_api(c, where.engine) for c in raw)
    return EngineView(tuple(c for c in found if c is not None), where=where)


def cgroup_container(pid: int) -> str | None:
    """The 64-hex container id in ``/proc/PID/cgroup``, if the process runs in one."""
    try:
        with open(f"/proc/{pid}/cgroup", encoding="ascii", errors="replace") as handle:
            text = handle.read(8192)
    except OSError:
        return None  # exited, or another user's process without root
    found = _CONTAINER_ID.findall(text)
    return found[-1] if found else None


def _same_address(published: str, endpoint: Endpoint) -> bool:
    return published == endpoint.local_address


class ContainerOwners:
    """Annotates snapshots with the containers that own their ports.

    Keeps the container id of each process (by PID and start time) between refreshes,
    so a refresh reads ``/proc/PID/cgroup`` only for processes it has not seen.
    """

    def __init__(self, looker=look) -> None:
        self._look = looker
        self._cgroups: dict[tuple, str | None] = {}
        self.view = EngineView()

    @property
    def notice(self) -> str:
        return self.view.notice

    def annotate(self, snapshot: Snapshot) -> Snapshot:
        """``snapshot`` with each container-owned endpoint naming its container, plus a
        ``PUBLISHED`` row per published port no host socket holds. Asks the engine once."""
        self.view = self._look()
        if not self.view.containers:
            self._cgroups.clear()
            return snapshot
        endpoints = annotate_endpoints(snapshot.endpoints, self.view.containers,
                                       self._container_of_pid)  # fmt: skip
        return snapshot._replace(endpoints=tuple(endpoints))

    def _container_of_pid(self, pid: int, create_time: float | None) -> str | None:
        if not sys.platform.startswith("linux"):
            return None
        key = (pid, create_time)
        if key not in self._cgroups:
            if len(self._cgroups) > 4096:
                self._cgroups.clear()
            self._cgroups[key] = cgroup_container(pid)
        return self._cgroups[key]


def annotate_endpoints(endpoints, containers, container_of_pid=lambda pid, start: None):
    """The endpoints with their `Container` set where one owns them, then the
    ``PUBLISHED`` rows. ``container_of_pid(pid, create_time)`` gives a container id.

    Runs on every refresh over every socket, so the loop touches tuple fields by index
    and asks about each process once, not once per socket.
    """
    by_id = {c.id: c for c in containers}
    published: dict[tuple[str, int], list[tuple[PublishedPort, Container]]] = {}
    for container in containers:
        for port in container.ports:
            published.setdefault((port.protocol, port.port), []).append((port, container))
    boxed: dict[int, Container] = {}  # pid -> the container it runs in
    for pid, create_time in {(e[7], e[10]) for e in endpoints if e[7] is not None}:
        owner = by_id.get(container_of_pid(pid, create_time))
        if owner is not None:
            boxed[pid] = owner
    out: list[Endpoint] = []
    append = out.append
    held: set[tuple[str, str, int]] = set()
    for endpoint in endpoints:
        owner = boxed.get(endpoint[7]) if boxed else None
        candidates = published.get((endpoint[0], endpoint[3]))
        if candidates is not None and endpoint.listening:
            held.add((endpoint[0], endpoint[2], endpoint[3]))
            if owner is None:
                owner = _publisher(endpoint, candidates)
        append(endpoint if owner is None else endpoint._replace(container=owner))
    for container in containers:
        for port in container.ports:
            if (port.protocol, port.address, port.port) not in held:
                held.add((port.protocol, port.address, port.port))
                append(Endpoint(port.protocol, port.family, port.address, port.port, None,
                                None, PUBLISHED, None, None, None, None,
                                container=container))  # fmt: skip
    return out


def _publisher(endpoint: Endpoint, candidates) -> Container | None:
    """The container publishing ``endpoint``'s port, when the engine holds it for one.

    A socket of the engine's own helpers matches on protocol and port (``docker-proxy``
    listens on ``[::]`` for a port published on ``0.0.0.0`` too); one whose owner is
    hidden (root's ``docker-proxy`` seen by a member of the docker group) must match the
    published address as well. Any other process is itself the owner.
    """
    if not candidates:
        return None
    if endpoint.pid is not None and endpoint.process not in ENGINE_PROCESSES:
        return None
    exact = [c for port, c in candidates if _same_address(port.address, endpoint)]
    if exact:
        return exact[0]
    if endpoint.process in ENGINE_PROCESSES:
        return candidates[0][1]
    return None


def holding(port: int, protocol: str = "tcp", view: EngineView | None = None) -> list[Container]:
    """The running containers that publish ``port`` (one look at the engine)."""
    view = look() if view is None else view
    return [c for c in view.containers
            if any(p.port == port and p.protocol == protocol for p in c.ports)]  # fmt: skip


def question(container: Container, action: str) -> str:
    """The confirmation question, the same words in the terminal and the window."""
    verb = {"restart": "Restart", "kill": "Kill"}.get(action, "Stop")
    return f"{verb} container {container.label}?"


def describe(container: Container) -> str:
    """One line on a container: name, compose project, image, status."""
    status = f", {container.status}" if container.status else ""
    return (f"{container.engine} container {container.label}, image {container.image}"
            f"{status} (id {container.short_id})")  # fmt: skip


def act(container: Container, action: str, where: engine.Endpoint | None = None) -> str:
    """Stop or restart ``container`` through the engine; the sentence to show.

    Raises `engine.EngineError` with a sentence when the engine refuses or is gone.
    """
    if where is None:
        found = engine.discover()
        if not isinstance(found, engine.Endpoint):
            raise engine.EngineUnavailable(found or "No container engine is running here any more.")
        where = found
    if action == "restart":
        engine.restart(where, container.id)
        return f"Restarted container {container.label}."
    engine.stop(where, container.id)
    return f"Stopped container {container.label}."
