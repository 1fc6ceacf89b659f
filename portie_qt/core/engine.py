"""The container engine's API: Docker Engine (or Podman's compatible socket) over a unix
socket. Qt-free.

A few lines of ``http.client`` over ``AF_UNIX`` rather than the Docker SDK for Python
(docker 7.1). Measured with ``python -m benchmarks containers`` on the shared 2-core
Debian 12 machine (indicative figures; the benchmark repeats the comparison wherever the
SDK is installed): importing this client takes 28 ms in a fresh process against 94 ms
for ``import docker`` (requests, urllib3, charset detection); listing the containers
takes about 1–2 ms against 2–3 ms for the SDK's low-level ``client.api.containers()``
and 8–14 ms for its ``client.containers.list()``, which inspects each container again.
A refresh that asks the engine costs about 2 ms more than one that does not. The SDK
would also add five packages to every bundle, and needs ``ssl``, which the bundle
leaves out. Portie makes three calls (list, stop, restart): the SDK buys nothing here.

Which engine: ``DOCKER_HOST`` when it is set (``unix://`` only: a ``tcp://`` or
``ssh://`` engine is not read, and the notice says so), else the first socket that
exists among Docker's (``/var/run/docker.sock``, rootless ``$XDG_RUNTIME_DIR/docker.sock``,
Docker Desktop's ``~/.docker/run/docker.sock``) and Podman's
(``$XDG_RUNTIME_DIR/podman/podman.sock``, ``/run/podman/podman.sock``). No root is
needed: membership of the ``docker`` group opens Docker's socket.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

# Listing containers is quick; stopping one waits for its grace period (10 s by default).
LIST_TIMEOUT = 2.0
ACTION_TIMEOUT = 45.0
STOP_GRACE = 10
_MAX_BODY = 16 * 1024 * 1024  # a list of thousands of containers is still far below this


class EngineError(Exception):
    """The engine could not be asked; the message is one sentence for the user."""


class EngineUnavailable(EngineError):
    """No engine here, or it is not running: Portie says nothing about containers."""


class EngineDenied(EngineError):
    """The socket exists but this account may not open it: the status bar says why."""


class Endpoint(NamedTuple):
    """Where the engine listens: a unix socket path, and which engine it probably is.
    (Looked for on every refresh until found, the first before the first rows: a named
    tuple, not a dataclass, to keep that cheap.)"""

    path: str
    engine: str  # "Docker" | "Podman"
    from_env: bool = False


def _runtime_dir() -> str | None:
    return os.environ.get("XDG_RUNTIME_DIR") or (
        f"/run/user/{os.getuid()}" if hasattr(os, "getuid") else None
    )


def candidates() -> list[Endpoint]:
    """The sockets worth trying, in order (they need not exist)."""
    found = [Endpoint("/var/run/docker.sock", "Docker")]
    runtime = _runtime_dir()
    if runtime:
        found.append(Endpoint(f"{runtime}/docker.sock", "Docker"))
    found.append(Endpoint(str(Path.home() / ".docker" / "run" / "docker.sock"), "Docker"))
    if runtime:
        found.append(Endpoint(f"{runtime}/podman/podman.sock", "Podman"))
    found.append(Endpoint("/run/podman/podman.sock", "Podman"))
    return found


def configured() -> Endpoint | str | None:
    """The engine ``DOCKER_HOST`` names: an `Endpoint`, None when unset, or a sentence
    saying why Portie cannot read it (a ``tcp://`` engine)."""
    host = os.environ.get("DOCKER_HOST", "").strip()
    if not host:
        return None
    if host.startswith("unix://"):
        path = host[len("unix://") :]
        return Endpoint(path, "Podman" if "podman" in path else "Docker", from_env=True)
    scheme = host.split("://", 1)[0] if "://" in host else host
    return (
        f"DOCKER_HOST is {scheme}://…; Portie reads containers only through a local unix "
        "socket (unix://…), so ports published by containers are shown without their "
        "container."
    )


def discover() -> Endpoint | str | None:
    """The engine to ask: an `Endpoint`, a sentence when one is configured but unusable,
    or None when there is none here (not installed, not running: say nothing)."""
    chosen = configured()
    if chosen is not None:
        return chosen
    if sys.platform == "win32" or not hasattr(socket, "AF_UNIX"):
        return None  # Docker Desktop on Windows listens on a named pipe: not read
    for candidate in candidates():
        try:
            if Path(candidate.path).is_socket():
                return candidate
        except OSError:
            continue  # a directory we may not look into
    return None


def _unix_connection(path: str, timeout: float):
    """An HTTP connection over the engine's unix socket. The class is made on first use:
    ``http.client`` (with ``email`` and ``ssl``) costs 40 ms to load, and most machines
    have no engine to ask."""
    import http.client

    class UnixConnection(http.client.HTTPConnection):
        def connect(self) -> None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(path)
            except BaseException:
                sock.close()
                raise
            self.sock = sock

    return UnixConnection("localhost", timeout=timeout)


def _denied_sentence(where: Endpoint) -> str:
    if where.engine == "Podman":
        how = "run Portie as the user who runs Podman, or as root"
    else:
        how = (
            "add your account to the docker group (sudo usermod -aG docker $USER) and log "
            "in again, or run Portie as root"
        )
    return (
        f"Portie may not read {where.engine}'s containers (permission denied on "
        f"{where.path}): {how} to see which container owns each published port."
    )


def request(where: Endpoint, method: str, path: str, timeout: float = LIST_TIMEOUT):
    """One API call; the decoded JSON body (None when empty) or an `EngineError`."""
    import http.client

    connection = _unix_connection(where.path, timeout)
    try:
        try:
            connection.request(method, path, headers={"Host": "docker"})
            response = connection.getresponse()
            body = response.read(_MAX_BODY)
        except PermissionError as exc:
            raise EngineDenied(_denied_sentence(where)) from exc
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise EngineUnavailable(f"{where.engine} is not running.") from exc
        except TimeoutError as exc:
            raise EngineUnavailable(f"{where.engine} did not answer in {timeout:g} s.") from exc
        except (OSError, http.client.HTTPException) as exc:
            if getattr(exc, "errno", None) == errno.EACCES:
                raise EngineDenied(_denied_sentence(where)) from exc
            raise EngineUnavailable(f"{where.engine} could not be asked: {exc}.") from exc
    finally:
        connection.close()
    if response.status >= 400:
        raise EngineError(_api_error(where, response.status, body))
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError as exc:
        raise EngineUnavailable(f"{where.engine} answered with something else than JSON.") from exc


def _api_error(where: Endpoint, status: int, body: bytes) -> str:
    try:
        message = str(json.loads(body).get("message", "")).strip()
    except (ValueError, AttributeError):
        message = ""
    message = message or f"HTTP status {status}"
    return f"{where.engine} refused: {message.rstrip('.')}."


def list_containers(where: Endpoint) -> list[dict]:
    """The running containers, as the engine's ``GET /containers/json`` gives them."""
    found = request(where, "GET", "/containers/json")
    if not isinstance(found, list):
        raise EngineUnavailable(f"{where.engine} answered the container list with no list.")
    return [c for c in found if isinstance(c, dict)]


def stop(where: Endpoint, container_id: str, grace: int = STOP_GRACE) -> None:
    """Stop a container (SIGTERM, then SIGKILL after ``grace`` s); already stopped is fine."""
    request(where, "POST", f"/containers/{quote(container_id, safe='')}/stop?t={grace}",
            timeout=ACTION_TIMEOUT + grace)  # fmt: skip


def restart(where: Endpoint, container_id: str, grace: int = STOP_GRACE) -> None:
    """Restart a container through the engine."""
    request(where, "POST", f"/containers/{quote(container_id, safe='')}/restart?t={grace}",
            timeout=ACTION_TIMEOUT + grace)  # fmt: skip
