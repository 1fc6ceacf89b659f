"""The real program and project behind a port: ``python -m http.server`` in a project
folder, in a git repository, a ``vite.js`` script; the JSON fields, the filter, the
one-sentence answer and what ``portie free`` says, all from real processes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import psutil
import pytest

from portie_qt.core.answer import port_answer, uptime_text
from portie_qt.core.collector import Collector
from portie_qt.core.endpoints import Endpoint
from portie_qt.core.filtering import FilterCriteria
from portie_qt.core.programs import project_of
from tests import servers
from tests.listeners import wait_until
from tests.portie_cli import run_portie as portie


def _row(port: int) -> Endpoint:
    found = []

    def listed() -> bool:
        found[:] = [e for e in Collector().collect().endpoints if e.local_port == port
                    and e.listening and e.local_address == "127.0.0.1"]  # fmt: skip
        return len(found) == 1

    assert wait_until(listed, timeout=5), found
    return found[0]


def _json_row(port: int) -> dict:
    rows = json.loads(portie("--list", "--json", "--port", str(port)).stdout)
    [row] = [r for r in rows if r["state"] == "LISTEN" and r["local_address"] == "127.0.0.1"]
    return row


def test_http_server_in_a_project_folder(start, tmp_path):
    folder = tmp_path / "web-app"
    folder.mkdir()
    server = start(servers.http_server, folder)
    row = _json_row(server.port)
    assert row["app"] == "http.server"
    assert row["project"] == "web-app"
    assert row["cwd"] == str(folder)
    assert (row["pid"], row["pids"]) == (server.pid, [server.pid])
    assert row["process"] == psutil.Process(server.pid).name()


def test_project_is_the_git_repository_root(start, tmp_path):
    repo = tmp_path / "shop"
    deep = repo / "backend" / "api"
    deep.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True, timeout=60)
    server = start(servers.http_server, deep)
    row = _json_row(server.port)
    assert (row["project"], row["cwd"], row["app"]) == ("shop", str(deep), "http.server")


def test_a_vite_js_script_is_vite_whatever_runs_it(start, tmp_path):
    folder = tmp_path / "storefront"
    folder.mkdir()
    server, runtime = start(servers.vite_script, folder)
    row = _json_row(server.port)
    assert row["app"] == "vite"
    assert row["project"] == "storefront"
    assert runtime in row["process"]  # node, or python where no node is installed


def test_unknown_fields_are_null_not_guessed(start):
    server = start(servers.http_server, Path("/"))  # a daemon-like working directory
    row = _json_row(server.port)
    assert row["cwd"] == "/" and row["project"] is None
    assert project_of(None) is None


def test_list_table_has_app_and_project_columns(start, tmp_path):
    folder = tmp_path / "web-app"
    folder.mkdir()
    server = start(servers.http_server, folder)
    header, line = portie("--list", "--port", str(server.port)).stdout.splitlines()[:2]
    assert header.split()[6:9] == ["PROCESS", "APP", "PROJECT"]
    assert "http.server" in line and "web-app" in line


def test_filter_finds_rows_by_command_line_and_folder(start, tmp_path):
    folder = tmp_path / "billing-service"
    folder.mkdir()
    server = start(servers.http_server, folder)
    row = _row(server.port)
    for text in ("http.server", "HTTP.SERVER", "billing-service", str(folder), "-m http"):
        assert FilterCriteria(text=text).matches(row), text
    assert not FilterCriteria(text="no-such-project-here").matches(row)
    assert FilterCriteria(text=f":{server.port}").matches(row)
    assert FilterCriteria(text=str(server.port)).matches(row)  # a bare number: that port


def test_a_bare_number_means_that_port_not_ports_containing_it(start, tmp_path):
    server = start(servers.http_server, tmp_path)
    row = _row(server.port)
    criteria = FilterCriteria(text=str(server.port))
    assert criteria.port_query == server.port
    assert criteria.matches(row)
    assert FilterCriteria(text=str(row.pid)).matches(row)  # PIDs are still found
    assert FilterCriteria(text="web").port_query is None
    near = [Endpoint("tcp", "ipv4", "127.0.0.1", port, None, None, "LISTEN", 1, "x", "u", 1.0)
            for port in (3000, 13000, 30001)]  # fmt: skip
    assert [FilterCriteria(text="3000").matches(e) for e in near] == [True, False, False]
    assert [FilterCriteria(text="300").matches(e) for e in near] == [False, False, False]


def test_the_answer_for_a_held_port(start, tmp_path):
    folder = tmp_path / "web-app"
    folder.mkdir()
    server = start(servers.http_server, folder)
    row = _row(server.port)
    name = psutil.Process(server.pid).name()
    answer = port_answer(server.port, [row], now=row.create_time + 2 * 3600 + 5)
    assert answer == (
        f"Port {server.port} — http.server ({name}) in web-app, PID {server.pid}, up 2 h, "
        "listening on 127.0.0.1"
    )


def test_the_answer_for_a_free_port(start, tmp_path):
    server = start(servers.http_server, tmp_path)
    port = server.port
    server.stop()

    def ours(endpoints):  # 127.0.0.1: another test may use the number on ::1 or for UDP
        return [e for e in endpoints if e.local_address == "127.0.0.1"]

    assert wait_until(lambda: not [e for e in ours(Collector().collect().endpoints)
                                   if e.local_port == port and e.listening], timeout=5)  # fmt: skip
    answer = port_answer(port, ours(Collector().collect().endpoints))
    assert answer.startswith(f"Port {port} is free — ")
    assert port_answer(5173, []) == "Port 5173 is free — usually Vite dev server."
    assert port_answer(5432, []) == "Port 5432 is free — usually PostgreSQL."


def test_free_says_what_it_will_stop_in_the_answers_words(licensed, start, tmp_path):
    folder = tmp_path / "web-app"
    folder.mkdir()
    server = start(servers.http_server, folder)
    name = psutil.Process(server.pid).name()
    result = portie("free", str(server.port), "--yes")
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith(
        f"Port {server.port} — http.server ({name}) in web-app, PID {server.pid}, up "
    )
    assert first.endswith("listening on 127.0.0.1")
    assert "-m http.server" in result.stdout  # the command line of what it stops
    assert servers.gone([server.pid])


@pytest.mark.parametrize(("seconds", "text"), [(5, "5 s"), (125, "2 min"), (7300, "2 h"),
                                               (3 * 86400, "3 days")])  # fmt: skip
def test_uptime_reads_as_people_say_it(seconds, text):
    assert uptime_text(seconds) == text
