"""Containers as owners, against a real Docker Engine the session starts: `--list`,
`portie free`, the refusal to signal the engine's helpers, and an engine that is absent,
out of reach or forbidden."""

from __future__ import annotations

import json
import os
import signal

import psutil
import pytest

from portie_qt.core import process_control
from portie_qt.core.containers import ContainerOwners, container_from_api
from portie_qt.core.process_control import Result, Target
from tests.listeners import wait_until
from tests.portie_cli import run_portie as portie
from tests.portie_cli import run_portie_as_nobody

pytestmark = pytest.mark.linux_only  # a private dockerd


def _rows(port: int, *extra: str) -> list[dict]:
    result = portie("--list", "--json", "--port", str(port), *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _nobody_config(tmp_path):
    path = tmp_path / "nobody"
    path.mkdir()
    path.chmod(0o777)
    return path


def test_list_json_names_the_container_and_its_compose_project(docker):
    web = docker.web(project="shop", service="web")
    rows = [r for r in _rows(web.port) if r["state"] == "LISTEN"]
    assert rows, "the published port is not listed"
    for row in rows:
        assert row["process"] == "docker-proxy"  # the helper stays visible, as the holder
        assert row["container"] == {"id": web.id, "name": web.name,
                                    "image": "portie-test/busybox:1", "project": "shop",
                                    "service": "web"}  # fmt: skip
    table = portie("--list", "--port", str(web.port))
    assert f"container {web.name} (compose shop/web) [docker-proxy]" in table.stdout
    assert table.stderr == ""


def test_other_rows_have_no_container(docker, spawn_listener):
    docker.web()
    child = spawn_listener()
    [row] = _rows(child.port)
    assert row["pid"] == child.pid and row["container"] is None


def test_a_member_of_the_docker_group_sees_containers_without_root(docker, tmp_path):
    web = docker.web(project="shop", service="api")
    config = _nobody_config(tmp_path)
    result = run_portie_as_nobody(
        "--list", "--json", "--port", str(web.port), groups=("docker",), config_dir=config
    )
    assert result.returncode == 0, result.stderr
    rows = [r for r in json.loads(result.stdout) if r["state"] == "LISTEN"]
    assert rows
    for row in rows:
        assert row["pid"] is None  # root's docker-proxy is hidden from nobody…
        assert row["container"]["name"] == web.name  # …but the container is named
        assert row["container"]["service"] == "api"
    assert "permission denied" not in result.stderr


def test_permission_denied_on_the_socket_is_one_sentence(docker, tmp_path):
    web = docker.web()
    config = _nobody_config(tmp_path)
    result = run_portie_as_nobody("--list", "--json", "--port", str(web.port), config_dir=config)
    assert result.returncode == 0, result.stderr
    assert all(row["container"] is None for row in json.loads(result.stdout))
    notes = [line for line in result.stderr.splitlines() if "Docker" in line]
    assert len(notes) == 1, result.stderr
    assert "permission denied on" in notes[0] and "docker group" in notes[0]
    assert notes[0].count(". ") == 0 and notes[0].endswith(".")  # one sentence


def test_no_engine_means_no_container_and_no_word(spawn_listener, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    child = spawn_listener()
    result = portie("--list", "--json", "--port", str(child.port))
    assert result.returncode == 0
    assert result.stderr == ""
    assert [row["container"] for row in json.loads(result.stdout)] == [None]


def test_a_tcp_docker_host_is_named_not_contacted(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    owners = ContainerOwners()
    from portie_qt.core.collector import collect

    owners.annotate(collect())
    assert owners.notice.startswith("DOCKER_HOST is tcp://")
    assert "unix socket" in owners.notice


def test_a_process_inside_a_host_network_container_is_matched_by_its_cgroup(docker):
    web = docker.web(project="shop", service="edge", host_network=True)
    assert wait_until(lambda: any(r["state"] == "LISTEN" for r in _rows(web.port)), timeout=30)
    [row] = [r for r in _rows(web.port) if r["state"] == "LISTEN"]
    assert row["process"] in ("busybox", "httpd")  # the process in the container itself
    assert row["container"]["name"] == web.name
    assert row["container"]["service"] == "edge"


def test_a_published_port_no_host_socket_holds_is_its_own_row(docker):
    web = docker.web()
    proxies = docker.engine.proxies(web.port)
    assert proxies, "docker-proxy was expected to hold the port"
    for pid in proxies:  # processes of the engine this session started
        os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: not any(r["state"] == "LISTEN" for r in _rows(web.port)))
    rows = _rows(web.port, "--listening")
    published = [r for r in rows if r["state"] == "PUBLISHED"]
    assert published and {r["local_address"] for r in published} >= {"0.0.0.0"}
    for row in published:
        assert row["pid"] is None and row["process"] is None
        assert row["container"]["name"] == web.name
    table = portie("--list", "--port", str(web.port))
    assert "PUBLISHED" in table.stdout and f"container {web.name}" in table.stdout
    why = portie("why", str(web.port))
    assert why.returncode == 0
    assert f"Container {web.name} (compose shop/web)" in why.stdout
    assert "no process on this machine holds the port" in why.stdout


def test_the_activity_log_names_the_container_not_its_proxy(docker):
    from portie_qt.core.activity import events_from_diff
    from portie_qt.core.collector import collect
    from portie_qt.core.endpoints import diff

    owners = ContainerOwners()
    before = owners.annotate(collect())
    web = docker.web(project="shop", service="web")

    def started() -> list[str]:
        after = owners.annotate(collect())
        return [e.message for e in events_from_diff(diff(before, after), 0.0)
                if e.port == web.port and "started listening" in e.message]  # fmt: skip

    assert wait_until(started, timeout=30)
    messages = started()  # one per proxy process (Docker runs one for IPv4, one for IPv6)
    for message in messages:
        assert message.startswith(f"container {web.label} [docker-proxy] (PID "), messages

    # Without a host socket (its proxy gone), the container itself is what listens.
    proxied = owners.annotate(collect())
    for pid in docker.engine.proxies(web.port):  # processes of the engine this session started
        os.kill(pid, signal.SIGKILL)

    def published() -> list[str]:
        after = owners.annotate(collect())
        return [e.message for e in events_from_diff(diff(proxied, after), 0.0)
                if e.port == web.port and "PUBLISHED" not in e.message]  # fmt: skip

    assert wait_until(lambda: any(f"now container {web.label}" in m for m in published()),
                      timeout=30), published()  # fmt: skip
    # The Port Reference's phrase for such a row names the container too.
    from portie_qt.core.endpoints import owner_phrase, who

    rows = [e for e in owners.annotate(collect()).endpoints
            if e.local_port == web.port and e.state == "PUBLISHED"]  # fmt: skip
    assert rows and {owner_phrase(e, who(e)) for e in rows} == {f"container {web.label}"}


def test_portie_refuses_to_signal_docker_proxy_and_says_what_to_do(docker, licensed):
    web = docker.web()
    [pid, *_] = docker.engine.proxies(web.port)
    proxy = psutil.Process(pid)
    outcome = process_control.terminate(Target(pid, proxy.create_time(), "docker-proxy"))
    assert outcome.result is Result.REFUSED
    assert "container engine" in outcome.message and "Stop the container" in outcome.message
    assert proxy.is_running() and proxy.status() != psutil.STATUS_ZOMBIE


def test_free_asks_in_the_windows_words_and_no_leaves_the_container(docker, licensed):
    web = docker.web()
    result = portie("free", str(web.port), stdin="n\n")
    assert result.returncode == 1
    assert f"Port {web.port} is held by Docker container {web.label}" in result.stdout
    assert "On the host: docker-proxy (PID" in result.stdout
    assert f"Stop container {web.label}? [y/N]" in result.stdout
    assert "Nothing was done." in result.stdout
    assert docker.running(web.name)


def test_free_stops_the_container_not_its_proxy(docker, licensed):
    web = docker.web()
    proxies = [psutil.Process(pid) for pid in docker.engine.proxies(web.port)]
    result = portie("free", str(web.port), "--yes")
    assert result.returncode == 0, result.stderr
    assert f"Stopped container {web.label}." in result.stdout
    assert f"Port {web.port} is free now." in result.stdout
    assert not docker.running(web.name)
    for proxy in proxies:  # the engine ended its helpers itself; Portie sent no signal
        assert not proxy.is_running() or proxy.status() == psutil.STATUS_ZOMBIE
    assert _rows(web.port) == []


def test_podman_shaped_entries_read_the_same():
    raw = {"Id": "f" * 64, "Names": ["db"], "Image": "docker.io/library/postgres:16",
           "Labels": None, "State": "running", "Status": "Up 2 hours",
           "Ports": [{"IP": "", "PrivatePort": 5432, "PublicPort": 15432, "Type": "tcp"},
                     {"PrivatePort": 9000, "Type": "tcp"}]}  # fmt: skip
    container = container_from_api(raw, "Podman")
    assert container.owner == "container db"
    assert [(p.address, p.port) for p in container.ports] == [("0.0.0.0", 15432)]


def test_userland_proxy_off_names_the_container_not_dockerd(docker_no_proxy):
    web = docker_no_proxy.web(project="shop", service="web")
    [row] = [r for r in _rows(web.port) if r["state"] == "LISTEN"]
    assert row["process"] == "dockerd" and row["local_address"] == "0.0.0.0"
    assert row["container"]["name"] == web.name
    table = portie("--list", "--port", str(web.port))
    assert f"container {web.label} [dockerd]" in table.stdout
    why = json.loads(portie("why", str(web.port), "--json").stdout)
    assert why["busy"] is True
    assert why["headline"].startswith(f"Port {web.port} is busy on")
    assert f"container {web.label}" in why["headline"] and "dockerd" not in why["headline"]
    binds = {b["address"]: b for b in why["test_binds"]}
    # Docker 20.10 without the proxy holds 0.0.0.0 only: IPv4 fails, ::1 binds.
    assert binds["127.0.0.1"]["ok"] is False and "EADDRINUSE" in binds["127.0.0.1"]["error"]
    assert binds["::1"]["ok"] is True
