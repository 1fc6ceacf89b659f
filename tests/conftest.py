"""Test-wide setup: no display needed, an isolated config dir, real child listeners."""

from __future__ import annotations

import os
import socket
import sys

# Before anything imports Qt: tests run on machines with no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests.listeners import ChildListener


def pytest_collection_modifyitems(config, items):
    """Tests marked ``linux_only`` are skipped on macOS and Windows, and only there: on
    Linux every test runs, and a missing tool or privilege is a failure, never a skip."""
    if sys.platform.startswith("linux"):
        return
    skip = pytest.mark.skip(reason=f"Linux only; this is {sys.platform}")
    for item in items:
        if item.get_closest_marker("linux_only") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    """Every test gets its own PORTIE_CONFIG_DIR (settings, license, activity log)."""
    path = tmp_path / "config"
    path.mkdir()
    monkeypatch.setenv("PORTIE_CONFIG_DIR", str(path))
    return path


@pytest.fixture
def spawn_listener():
    """Factory: ``spawn_listener([("tcp", "127.0.0.1", 0)])`` -> ChildListener; stopped after."""
    started: list[ChildListener] = []

    def start(specs=None, **kwargs) -> ChildListener:
        child = ChildListener.start(specs, **kwargs)
        started.append(child)
        return child

    yield start
    for child in started:
        child.stop()


@pytest.fixture
def start():
    """Factory for test servers (``tests/servers.py``); each is stopped (by PID) after.
    Returns what the factory returns (a server, or a server and more)."""
    started: list = []

    def run(factory, *args, **kwargs):
        found = factory(*args, **kwargs)
        started.append(found[0] if isinstance(found, tuple) else found)
        return found

    yield run
    for server in started:
        server.stop()


@pytest.fixture
def refused_port():
    """A port nobody can listen on while the test runs: held by a bound, non-listening socket."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    yield holder.getsockname()[1]
    holder.close()


@pytest.fixture
def licensed(config_dir):
    """Paid features unlocked with a development-signed key in this test's config dir."""
    from tests.licensing import activate_dev_license

    return activate_dev_license("Ada Lovelace", "ada@example.com")


@pytest.fixture(scope="session")
def ssh_server():
    """An OpenSSH server in a network namespace of its own, for the whole session."""
    from tests.sshd import TestSshServer, missing_requirements

    reason = missing_requirements()
    if reason:
        pytest.fail(f"No sshd for the remote-host tests: {reason}.")
    server = TestSshServer.start()
    yield server
    server.stop()


@pytest.fixture
def remote(ssh_server, monkeypatch):
    """The session's sshd, running, with Portie's ssh pointed at the test's client config."""
    from portie_qt.core.remote.address import SSH_CONFIG_ENV

    if ssh_server.proc is None:  # a test before this one stopped it on purpose
        ssh_server.start_sshd()
    monkeypatch.setenv(SSH_CONFIG_ENV, str(ssh_server.config))
    yield ssh_server
    if ssh_server.proc is None:
        ssh_server.start_sshd()


@pytest.fixture(scope="session")
def docker_engine():
    """A private Docker Engine for the session (benchmarks/docker_engine.py), stopped by
    PID at the end. Tests that use it fail with a sentence where Docker cannot run."""
    from benchmarks.docker_engine import EngineError, PrivateDockerEngine

    try:
        engine = PrivateDockerEngine.start()
    except EngineError as exc:
        pytest.fail(str(exc))
    yield engine
    engine.stop()


@pytest.fixture
def docker(docker_engine, monkeypatch):
    """The session's engine with its userland proxy on, as DOCKER_HOST; the containers a
    test starts are removed after it."""
    from tests.containers import TestContainers

    docker_engine.restart(userland_proxy=True)
    monkeypatch.setenv("DOCKER_HOST", docker_engine.host)
    containers = TestContainers(docker_engine)
    yield containers
    containers.remove_all()


@pytest.fixture
def docker_no_proxy(docker_engine, monkeypatch):
    """The same engine run again with ``--userland-proxy=false``: dockerd itself holds
    published ports."""
    from tests.containers import TestContainers

    docker_engine.restart(userland_proxy=False)
    monkeypatch.setenv("DOCKER_HOST", docker_engine.host)
    containers = TestContainers(docker_engine)
    yield containers
    containers.remove_all()
