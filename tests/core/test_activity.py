"""Activity events from real refresh diffs, watched-port status and the notification policy."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import psutil
import pytest

from portie_qt.core.activity import (
    CONNECTIONS_CLOSED,
    CONNECTIONS_OPENED,
    LISTEN_STARTED,
    LISTEN_STOPPED,
    OWNER_CHANGED,
    Event,
    NotificationPolicy,
    WatchStatus,
    events_from_diff,
    watched_status,
    who,
)
from portie_qt.core.collector import collect
from portie_qt.core.endpoints import Snapshot, diff
from tests.listeners import wait_until


def _listening_on(snapshot: Snapshot, port: int, pid: int | None = None) -> bool:
    return any(
        e.local_port == port and e.listening and (pid is None or e.pid == pid)
        for e in snapshot.endpoints
    )


def _name_in(snapshot: Snapshot, pid: int) -> str:
    """The owner's name as the table shows it: ``python · project`` (the process's
    program and the folder it runs in), which the activity log uses too."""
    [name] = {who(e) for e in snapshot.endpoints if e.pid == pid}
    assert name.startswith(psutil.Process(pid).name())
    return name


def _collect_until(predicate, timeout: float = 10.0) -> Snapshot:
    """Collect until ``predicate(snapshot)`` holds (bounded); the last snapshot either way."""
    box: list[Snapshot] = []

    def check() -> bool:
        box[:] = [collect()]
        return predicate(box[0])

    assert wait_until(check, timeout=timeout, interval=0.1), (
        "the expected socket state never showed"
    )
    return box[0]


def _for_port(events: list[Event], port: int) -> list[Event]:
    return [e for e in events if e.port == port]


def test_child_listening_then_exiting_gives_two_events(spawn_listener):
    before = collect()
    child = spawn_listener([("tcp", "127.0.0.1", 0)])
    during = _collect_until(lambda s: _listening_on(s, child.port, child.pid))
    name = _name_in(during, child.pid)
    child.stop()
    after = _collect_until(lambda s: not _listening_on(s, child.port))

    events = _for_port(events_from_diff(diff(before, during), during.taken_at), child.port)
    events += _for_port(events_from_diff(diff(during, after), after.taken_at), child.port)

    assert [e.kind for e in events] == [LISTEN_STARTED, LISTEN_STOPPED]
    for event in events:
        assert (event.protocol, event.port, event.pid, event.process) == (
            "tcp", child.port, child.pid, name,
        )  # fmt: skip
    assert events[0].address == "127.0.0.1"
    assert events[0].timestamp == during.taken_at
    assert f"{name} (PID {child.pid}) started listening on TCP port {child.port}" in (
        events[0].message
    )
    assert f"stopped listening on TCP port {child.port}" in events[1].message


def test_dual_stack_listener_is_one_event(spawn_listener):
    before = collect()
    child = spawn_listener([("tcp", "127.0.0.1", 0)])
    child.stop()
    # The same port on both loopbacks, one process: one line, both addresses.
    child = spawn_listener([("tcp", "127.0.0.1", child.port), ("tcp", "::1", child.port)])
    during = _collect_until(
        lambda s: sum(e.pid == child.pid and e.listening for e in s.endpoints) == 2
    )
    events = _for_port(events_from_diff(diff(before, during)), child.port)
    assert [e.kind for e in events] == [LISTEN_STARTED]
    assert events[0].address == "127.0.0.1, ::1"


def test_same_socket_taken_by_another_process_is_an_owner_change(spawn_listener):
    first = spawn_listener([("tcp", "127.0.0.1", 0)])
    port = first.port
    held = _collect_until(lambda s: _listening_on(s, port, first.pid))
    first.stop()
    # SO_REUSEADDR in the child: the second process can bind the port at once.
    second = spawn_listener([("tcp", "127.0.0.1", port)])
    taken = _collect_until(lambda s: _listening_on(s, port, second.pid))

    events = _for_port(events_from_diff(diff(held, taken)), port)

    assert [e.kind for e in events] == [OWNER_CHANGED]
    event = events[0]
    assert (event.previous_pid, event.pid) == (first.pid, second.pid)
    assert event.process == event.previous_process == _name_in(taken, second.pid)
    assert f"TCP port {port} was {event.previous_process} (PID {first.pid}), now " in event.message
    assert event.message.endswith(f"(PID {second.pid})")


def test_port_moving_to_another_address_and_process_is_an_owner_change(spawn_listener):
    first = spawn_listener([("tcp", "127.0.0.1", 0)])
    port = first.port
    held = _collect_until(lambda s: _listening_on(s, port, first.pid))
    first.stop()
    second = spawn_listener([("tcp", "::1", port)])
    taken = _collect_until(lambda s: _listening_on(s, port, second.pid))

    delta = diff(held, taken)
    # Different socket addresses: the diff sees a removal and an addition...
    assert any(e.local_port == port for e in delta.removed.values())
    assert any(e.local_port == port for e in delta.added.values())
    # ...which the log reports as one change of hands, not a stop and a start.
    events = _for_port(events_from_diff(delta), port)
    assert [(e.kind, e.previous_pid, e.pid) for e in events] == [
        (OWNER_CHANGED, first.pid, second.pid)
    ]
    assert events[0].address == "::1"


_CLIENT = r"""
import json, socket, sys, time
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
        for _ in range(int(sys.argv[2]))]
print(json.dumps({"ports": [s.getsockname()[1] for s in held]}), flush=True)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    time.sleep(0.2)
"""


@pytest.fixture
def spawn_client():
    """Factory: a child holding ``count`` TCP connections to ``port``; killed after."""
    started: list[subprocess.Popen] = []

    def start(port: int, count: int) -> tuple[subprocess.Popen, list[int]]:
        proc = subprocess.Popen(
            [sys.executable, "-c", _CLIENT, str(port), str(count)],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        started.append(proc)
        line = proc.stdout.readline()
        assert line, "client child failed to connect"
        return proc, json.loads(line)["ports"]

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        proc.stdout.close()


def test_connections_are_summed_per_process(spawn_listener, spawn_client):
    server = spawn_listener([("tcp", "127.0.0.1", 0)])
    before = collect()
    client, local_ports = spawn_client(server.port, 12)
    opened = _collect_until(
        lambda s: sum(e.pid == client.pid and e.state == "ESTABLISHED" for e in s.endpoints) == 12
    )
    client.kill()
    client.wait(10)
    closed = _collect_until(lambda s: not any(e.pid == client.pid for e in s.endpoints))

    events = events_from_diff(diff(before, opened))
    mine = [e for e in events if e.pid == client.pid]
    assert [(e.kind, e.count, e.port) for e in mine] == [(CONNECTIONS_OPENED, 12, None)]
    assert mine[0].message.endswith(f"(PID {client.pid}) opened 12 TCP connections")
    # Never one line per connection: no event names any of the client's ephemeral ports.
    assert not [e for e in events if e.port in local_ports]

    events = events_from_diff(diff(opened, closed))
    mine = [e for e in events if e.pid == client.pid]
    assert [(e.kind, e.count) for e in mine] == [(CONNECTIONS_CLOSED, 12)]


def _endpoint_like(real, **changes):
    """A real endpoint from this machine with some fields changed (for exact states)."""
    return real._replace(**changes)


def _a_real_connection(spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0)])
    with socket.create_connection(("127.0.0.1", child.port), timeout=5) as conn:
        local = conn.getsockname()

        def ours(e) -> bool:  # this very socket: other programs may use the same port number
            return (e.local_address, e.local_port, e.remote_port) == (*local, child.port)

        snap = _collect_until(lambda s: any(ours(e) for e in s.endpoints))
    return next(e for e in snap.endpoints if ours(e))


def test_passing_states_are_not_churn(spawn_listener):
    real = _a_real_connection(spawn_listener)
    syn = _endpoint_like(real, state="SYN_SENT")
    up = _endpoint_like(real, state="ESTABLISHED")
    waiting = _endpoint_like(real, state="TIME_WAIT", pid=None, process=None)

    def events(old, new):
        return events_from_diff(diff(Snapshot(tuple(old), 1.0), Snapshot(tuple(new), 2.0)))

    assert events([], [waiting]) == []  # a leftover TIME_WAIT appearing is not news
    assert events([waiting], []) == []
    assert events([], [syn]) == []  # not connected yet
    assert [(e.kind, e.pid) for e in events([syn], [up])] == [(CONNECTIONS_OPENED, real.pid)]
    # Closing is charged to the process that held it, though TIME_WAIT has no owner.
    assert [(e.kind, e.pid) for e in events([up], [waiting])] == [(CONNECTIONS_CLOSED, real.pid)]


def test_ephemeral_udp_sockets_are_churn_not_listeners(spawn_listener):
    child = spawn_listener([("udp", "127.0.0.1", 0)])  # the OS picks an ephemeral port
    snap = _collect_until(lambda s: _listening_on(s, child.port, child.pid))
    events = [e for e in events_from_diff(diff(None, snap)) if e.pid == child.pid]
    assert [(e.kind, e.count, e.protocol) for e in events] == [(CONNECTIONS_OPENED, 1, "udp")]
    assert events[0].message.endswith("opened 1 UDP socket")


def test_watched_status_free_then_in_use_then_free(spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0)])
    port = child.port
    child.stop()
    free = _collect_until(lambda s: not _listening_on(s, port))
    assert watched_status(free, [port])[port].text == "free"

    child = spawn_listener([("tcp", "127.0.0.1", port), ("tcp", "::1", port)])
    busy = _collect_until(lambda s: _listening_on(s, port, child.pid))
    status = watched_status(busy, [port])[port]
    name = _name_in(busy, child.pid)
    assert status.busy
    assert status.owners == ((child.pid, name),)
    assert status.text == f"in use by {name} (PID {child.pid})"

    child.stop()
    again = _collect_until(lambda s: not _listening_on(s, port))
    assert not watched_status(again, [port])[port].busy


# --- Notification policy (pure: synthetic events, injected clock) ------------------------


def _started(port: int, pid: int = 100, process: str = "node") -> Event:
    return Event(1.0, LISTEN_STARTED, "tcp", port, "127.0.0.1", pid, process,
                 message=f"{process} (pid {pid}) started listening on TCP port {port}")  # fmt: skip


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _busy(port: int, real_endpoint) -> WatchStatus:
    return WatchStatus(port, (real_endpoint._replace(local_port=port),))


@pytest.fixture
def real_listener_endpoint(spawn_listener):
    child = spawn_listener([("tcp", "127.0.0.1", 0)])
    snap = _collect_until(lambda s: _listening_on(s, child.port, child.pid))
    return next(e for e in snap.endpoints if e.pid == child.pid)


def test_bands_mode_notifies_new_listeners_on_well_known_and_registered_ports_only():
    policy = NotificationPolicy("bands", clock=_Clock())
    notes = policy.decide([_started(50_000)], {})
    assert notes == []  # dynamic band: passing traffic, not news
    notes = policy.decide([_started(8080)], {})
    assert [(n.title, n.ports) for n in notes] == [("New listener on port 8080", (8080,))]


def test_one_notification_per_refresh_and_per_port_per_minute():
    clock = _Clock()
    policy = NotificationPolicy("bands", clock=clock)
    notes = policy.decide([_started(80), _started(443), _started(8080)], {})
    assert len(notes) == 1  # coalesced
    assert notes[0].title == "3 port changes"
    assert notes[0].ports == (80, 443, 8080)
    assert len(notes[0].message.splitlines()) == 3

    clock.now += 30
    assert policy.decide([_started(8080, pid=101)], {}) == []  # same port within a minute
    clock.now += 31
    assert [n.ports for n in policy.decide([_started(8080, pid=102)], {})] == [(8080,)]


def test_watched_mode_reports_state_changes_of_watched_ports_only(real_listener_endpoint):
    clock = _Clock()
    policy = NotificationPolicy("watched", clock=clock)
    free = {3000: WatchStatus(3000)}
    busy = {3000: _busy(3000, real_listener_endpoint)}
    assert policy.decide([], free) == []  # first sight is the baseline
    assert policy.decide([_started(8080)], free) == []  # not watched
    clock.now += 61
    notes = policy.decide([_started(3000, pid=real_listener_endpoint.pid)], busy)
    assert [n.title for n in notes] == ["Port 3000 is now in use"]
    assert notes[0].message == f"In use by {busy[3000].text.removeprefix('in use by ')}."
    assert policy.decide([], busy) == []  # no change, no notification
    clock.now += 61
    assert [n.title for n in policy.decide([], free)] == ["Port 3000 is free"]


def test_off_mode_never_notifies(real_listener_endpoint):
    policy = NotificationPolicy("off", clock=_Clock())
    policy.decide([], {3000: WatchStatus(3000)})
    assert policy.decide([_started(80)], {3000: _busy(3000, real_listener_endpoint)}) == []


def test_owner_change_of_a_watched_port_names_both_owners(real_listener_endpoint):
    policy = NotificationPolicy("watched", clock=_Clock())
    old = real_listener_endpoint._replace(local_port=5432, pid=812, process="postgres",
                                          program=None)  # fmt: skip
    policy.decide([], {5432: WatchStatus(5432, (old,))})
    new = real_listener_endpoint._replace(local_port=5432, pid=1204, process="python",
                                          program=None)  # fmt: skip
    notes = policy.decide([], {5432: WatchStatus(5432, (new,))})
    assert [(n.title, n.message) for n in notes] == [
        ("Port 5432 changed owner", "It was postgres (PID 812), now python (PID 1204).")
    ]


def test_wildcard_listener_is_called_out(real_listener_endpoint):
    exposed = real_listener_endpoint._replace(local_address="0.0.0.0")
    [event] = events_from_diff(diff(None, Snapshot((exposed,), 1.0)))
    assert event.kind == LISTEN_STARTED
    assert event.message.endswith("at 0.0.0.0 (all interfaces)")


def test_a_flap_inside_the_quiet_minute_is_reported_once_it_is_over(real_listener_endpoint):
    clock = _Clock()
    policy = NotificationPolicy("watched", clock=clock)
    free = {3000: WatchStatus(3000)}
    busy = {3000: _busy(3000, real_listener_endpoint)}
    policy.decide([], free)
    assert [n.title for n in policy.decide([], busy)] == ["Port 3000 is now in use"]
    clock.now += 10
    assert policy.decide([], free) == []  # went free again within the minute: quiet
    clock.now += 10
    assert policy.decide([], free) == []
    clock.now += 41  # the minute is over and the port is still free: now say so
    assert [n.title for n in policy.decide([], free)] == ["Port 3000 is free"]
    clock.now += 61
    assert policy.decide([], free) == []  # nothing left to say


def test_a_flap_back_to_the_notified_state_is_not_news(real_listener_endpoint):
    clock = _Clock()
    policy = NotificationPolicy("watched", clock=clock)
    free = {3000: WatchStatus(3000)}
    busy = {3000: _busy(3000, real_listener_endpoint)}
    policy.decide([], free)
    policy.decide([], busy)
    clock.now += 10
    policy.decide([], free)  # quiet
    clock.now += 10
    policy.decide([], busy)  # back to what the user was told
    clock.now += 100
    assert policy.decide([], busy) == []


def test_an_unreadable_owner_name_for_a_moment_is_not_an_owner_change(real_listener_endpoint):
    seen = real_listener_endpoint
    blurred = seen._replace(process=None, create_time=None, user=None)
    assert events_from_diff(diff(Snapshot((seen,), 1.0), Snapshot((blurred,), 2.0))) == []
    reused = seen._replace(process="other", create_time=(seen.create_time or 0) + 5)
    [event] = events_from_diff(diff(Snapshot((seen,), 1.0), Snapshot((reused,), 2.0)))
    assert (event.kind, event.previous_pid, event.pid) == (OWNER_CHANGED, seen.pid, seen.pid)
