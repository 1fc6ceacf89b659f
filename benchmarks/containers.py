"""The container engine's cost: its start-up, and what it adds to each refresh.

Portie asks the engine once per refresh (``ContainerOwners.annotate`` after
``collect()``), so the figures are: the first look at the engine in a fresh process
(import, find the socket, list the containers) against the first refresh without the
engine in a fresh process; and one refresh with the engine against one without it, in
this process, alternating. Where the Docker SDK for Python is installed, its import and
its container list are measured against Portie's ``http.client`` client too: that is
why Portie has no SDK dependency.

It needs a running engine: the one ``DOCKER_HOST`` (or the usual socket) names, else a
private one started here (root, ``docker.io``; see ``benchmarks/docker_engine.py``)
with ``CONTAINERS`` containers publishing a port each.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from contextlib import contextmanager

from benchmarks.report import alternate, entry, failed, median_ms, spread
from portie_qt.core import engine
from portie_qt.core.collector import Collector
from portie_qt.core.containers import ContainerOwners
from portie_qt.core.endpoints import diff

CONTAINERS = 10
FIGURE = "container engine"
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_COLD_ENGINE = (
    "import time; t = time.perf_counter(); from portie_qt.core.containers import look; "
    "v = look(); print(time.perf_counter() - t, len(v.containers))"
)
_COLD_REFRESH = (
    "import time; t = time.perf_counter(); from portie_qt.core.collector import collect; "
    "collect(); print(time.perf_counter() - t, 0)"
)
_SDK_IMPORT = (
    "import time; t = time.perf_counter(); import docker; print(time.perf_counter() - t, 0)"
)


@contextmanager
def _an_engine():
    """The DOCKER_HOST of a reachable engine: the machine's own, or a private one."""
    found = engine.discover()
    if isinstance(found, engine.Endpoint):
        try:
            engine.list_containers(found)
            yield f"unix://{found.path}", "the machine's engine"
            return
        except engine.EngineError:
            pass
    from benchmarks.docker_engine import PrivateDockerEngine

    private = PrivateDockerEngine.start()
    try:
        for n in range(CONTAINERS):
            private.run(f"bench-{os.getpid()}-{n}", ["busybox", "httpd", "-f", "-p", "80"],
                        publish=("127.0.0.1::80",),
                        labels={"com.docker.compose.project": "bench",
                                "com.docker.compose.service": f"s{n}"})  # fmt: skip
        yield private.host, f"a private engine with {CONTAINERS} containers"
    finally:
        private.stop()


def _cold(code: str, host: str, rounds: int) -> list[float]:
    env = {**os.environ, "DOCKER_HOST": host}
    times = []
    for _ in range(rounds):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=_ROOT, env=env, timeout=120, check=True)  # fmt: skip
        times.append(float(done.stdout.split()[0]))
    return times


def measure(rounds: int) -> tuple[dict[str, list[float]], str, int]:
    """Seconds per run of each contender, where the engine was, how many containers."""
    with _an_engine() as (host, where):
        before = os.environ.get("DOCKER_HOST")
        os.environ["DOCKER_HOST"] = host
        try:
            collector, owners = Collector(), ContainerOwners()
            state = {"plain": collector.collect()}
            state["annotated"] = owners.annotate(collector.collect())

            def plain() -> None:
                snapshot = collector.collect()
                diff(state["plain"], snapshot)
                state["plain"] = snapshot

            def annotated() -> None:
                snapshot = owners.annotate(collector.collect())
                diff(state["annotated"], snapshot)
                state["annotated"] = snapshot

            runs = {"refresh": plain, "refresh+engine": annotated}
            where_ = owners.view.where
            runs["list"] = lambda: engine.list_containers(where_)
            sdk = importlib.util.find_spec("docker") is not None
            if sdk:
                import docker

                client = docker.DockerClient(base_url=host)
                runs["sdk list"] = client.api.containers
            times = alternate(runs, max(rounds, 5) * 4)
            times["cold refresh"] = _cold(_COLD_REFRESH, host, rounds)
            times["cold engine"] = _cold(_COLD_ENGINE, host, rounds)
            times["cold ours"] = _cold("import time; t = time.perf_counter(); import "
                                       "portie_qt.core.engine; print(time.perf_counter() - t)",
                                       host, rounds)  # fmt: skip
            if sdk:
                times["cold sdk"] = _cold(_SDK_IMPORT, host, rounds)
            return times, where, len(owners.view.containers)
        finally:
            if before is None:
                os.environ.pop("DOCKER_HOST", None)
            else:
                os.environ["DOCKER_HOST"] = before


def run(rounds: int = 5, quick: bool = False) -> list[dict]:
    """Rows: start-up and per-refresh cost of the engine, and the SDK comparison."""
    try:
        times, where, count = measure(rounds)
    except Exception as exc:  # no engine here: one row saying why, the others still run
        return [failed(f"{FIGURE}: per refresh", f"Not measured: {exc}")]
    note = f"{where}; {count} containers listed"
    ours, plain = median_ms(times["refresh+engine"]), median_ms(times["refresh"])
    cold, cold_plain = median_ms(times["cold engine"]), median_ms(times["cold refresh"])
    rows = [
        entry(f"{FIGURE}: one refresh with the engine asked", ours, "ms",
              reference=f"the same refresh without the engine {plain:.1f} ms",
              ratio=ours / plain, note=f"{note}; {spread(times['refresh+engine'])}"),
        entry(f"{FIGURE}: start-up (import, find, first list), fresh process", cold, "ms",
              reference=f"first refresh without the engine {cold_plain:.0f} ms",
              ratio=cold / cold_plain, note=spread(times["cold engine"])),
    ]  # fmt: skip
    if "sdk list" in times:
        sdk, mine = median_ms(times["sdk list"]), median_ms(times["list"])
        rows.append(entry(f"{FIGURE}: list containers, http.client", mine, "ms",
                          reference=f"Docker SDK `client.api.containers()` {sdk:.1f} ms",
                          ratio=mine / sdk, note=spread(times["list"])))  # fmt: skip
        cold_sdk, cold_ours = median_ms(times["cold sdk"]), median_ms(times["cold ours"])
        rows.append(entry(f"{FIGURE}: import the client, fresh process", cold_ours, "ms",
                          reference=f"`import docker` {cold_sdk:.0f} ms",
                          ratio=cold_ours / cold_sdk, note=spread(times["cold ours"])))  # fmt: skip
    else:
        rows.append(failed(f"{FIGURE}: http.client against the Docker SDK",
                           "Not measured: the Docker SDK for Python is not installed here "
                           "(pip install docker, in a virtual environment)."))  # fmt: skip
    return rows
