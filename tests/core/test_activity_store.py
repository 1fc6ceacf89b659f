"""The activity log file: survives restarts, stays bounded, shrugs off damage."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import replace

from portie_qt.core.activity import (
    CONNECTIONS_OPENED,
    LISTEN_STARTED,
    LISTEN_STOPPED,
    OWNER_CHANGED,
    Event,
    events_from_diff,
)
from portie_qt.core.activity_store import FILE_NAME, MAX_AGE, MAX_EVENTS, ActivityStore
from portie_qt.core.collector import collect
from portie_qt.core.endpoints import diff
from tests.listeners import wait_until

DAY = 24 * 3600.0


def _event(i: int, timestamp: float | None = None, kind: str = LISTEN_STARTED) -> Event:
    return Event(
        timestamp if timestamp is not None else 1_700_000_000.0 + i,
        kind, "tcp", 1024 + i % 60000, "127.0.0.1", 100 + i, "node",
        message=f"node (pid {100 + i}) started listening on TCP port {1024 + i % 60000}",
    )  # fmt: skip


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_real_events_survive_a_restart(config_dir, spawn_listener):
    store = ActivityStore()
    assert store.path == config_dir / FILE_NAME
    before = collect()
    child = spawn_listener([("tcp", "127.0.0.1", 0)])
    box = []
    assert wait_until(lambda: box.append(collect()) or any(
        e.pid == child.pid and e.listening for e in box[-1].endpoints), timeout=10)  # fmt: skip
    events = [e for e in events_from_diff(diff(before, box[-1])) if e.port == child.port]
    assert store.add(events) == 1
    store.close()

    reopened = ActivityStore()
    assert reopened.notice == ""
    assert reopened.recent(10) == events
    assert reopened.recent(10)[0].pid == child.pid


def test_recent_is_newest_first_and_filters(tmp_path):
    store = ActivityStore(tmp_path / "log.sqlite3", clock=_Clock(1_700_100_000.0))
    store.add([_event(i) for i in range(10)])
    store.add([replace(_event(10, kind=OWNER_CHANGED), message="port 50% taken")])
    assert [e.pid for e in store.recent(3)] == [110, 109, 108]
    assert [e.pid for e in store.recent(100, since=1_700_000_008.0)] == [110, 109, 108]
    assert [e.kind for e in store.recent(100, kinds=[OWNER_CHANGED])] == [OWNER_CHANGED]
    assert store.recent(100, kinds=[]) == []
    assert [e.pid for e in store.recent(100, text_filter="PID 103")] == [103]
    # LIKE wildcards in the filter are taken literally.
    assert [e.message for e in store.recent(100, text_filter="50%")] == ["port 50% taken"]
    assert store.recent(100, text_filter="5_%") == []


def test_bound_by_count_holds_past_fifty_thousand(tmp_path):
    now = 1_700_000_000.0 + 60_000
    store = ActivityStore(tmp_path / "log.sqlite3", clock=_Clock(now))
    total = MAX_EVENTS + 1_500
    store.add([_event(i) for i in range(MAX_EVENTS)])
    for start in range(MAX_EVENTS, total, 500):  # keep inserting in refresh-sized batches
        store.add([_event(i) for i in range(start, start + 500)])
    assert store.count() == MAX_EVENTS
    newest = store.recent(1)[0]
    oldest = store.recent(MAX_EVENTS)[-1]
    assert newest.pid == 100 + total - 1
    assert oldest.pid == 100 + total - MAX_EVENTS  # the oldest 1,500 went


def test_bound_by_age_keeps_only_the_last_seven_days(tmp_path):
    clock = _Clock(1_800_000_000.0)
    store = ActivityStore(tmp_path / "log.sqlite3", clock=clock)
    store.add([_event(i, timestamp=clock.now - 8 * DAY + i) for i in range(5)])
    store.add([_event(i, timestamp=clock.now - 6 * DAY + i) for i in range(5, 8)])
    assert store.count() == 3  # the 8-day-old ones were pruned on insert
    clock.now += 2 * DAY  # two days later, one more refresh
    store.add([_event(9, timestamp=clock.now)])
    assert [e.pid for e in store.recent(100)] == [109]
    assert all(e.timestamp >= clock.now - MAX_AGE for e in store.recent(100))


def test_clear_forgets_everything_and_numbering_restarts_cleanly(tmp_path):
    store = ActivityStore(tmp_path / "log.sqlite3", max_events=10, clock=_Clock(1_700_100_000.0))
    store.add([_event(i) for i in range(8)])
    store.clear()
    assert store.count() == 0
    store.add([_event(i) for i in range(20)])
    assert store.count() == 10
    assert [e.pid for e in store.recent(2)] == [119, 118]


def test_corrupt_file_is_set_aside_and_a_new_log_starts(config_dir):
    path = config_dir / FILE_NAME
    path.write_bytes(b"this is not a database " * 200)
    store = ActivityStore()
    assert "damaged" in store.notice
    kept = list(config_dir.glob(f"{FILE_NAME}.corrupt-*"))
    assert len(kept) == 1
    assert kept[0].read_bytes().startswith(b"this is not a database")
    assert kept[0].name in store.notice
    store.add([_event(1, timestamp=time.time())])
    assert store.count() == 1


def test_damaged_pages_inside_a_real_log_are_handled(tmp_path):
    path = tmp_path / "log.sqlite3"
    store = ActivityStore(path, clock=_Clock(1_700_100_000.0))
    store.add([_event(i) for i in range(3000)])
    store.close()
    with sqlite3.connect(path) as conn:  # fold the WAL in so the damage hits real pages
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with path.open("r+b") as handle:
        handle.seek(4096 * 2)
        handle.write(b"\xff" * 4096 * 4)
    reopened = ActivityStore(path, clock=_Clock(1_700_100_000.0))
    assert "damaged" in reopened.notice
    assert reopened.count() == 0
    reopened.add([_event(1)])
    assert reopened.count() == 1


def test_unwritable_location_falls_back_to_memory(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the directory should be")
    store = ActivityStore(blocker / FILE_NAME)
    assert "cannot be saved" in store.notice
    assert blocker.read_text() == "a file where the directory should be"
    store.add([_event(1, timestamp=time.time())])
    assert store.count() == 1


def test_worker_thread_writes_while_ui_thread_reads(tmp_path):
    store = ActivityStore(tmp_path / "log.sqlite3", clock=_Clock(1_700_100_000.0))
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for batch in range(50):
                store.add([_event(batch * 10 + i, kind=CONNECTIONS_OPENED) for i in range(10)])
        except BaseException as exc:  # surfaced to the test thread below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    reads = 0
    while thread.is_alive() and reads < 10_000:
        store.recent(20)
        reads += 1
    thread.join(30)
    assert not thread.is_alive()
    assert errors == []
    assert store.count() == 500
    assert store.recent(1, kinds=[LISTEN_STOPPED]) == []


def test_past_the_bound_connection_churn_goes_before_listener_events(tmp_path):
    store = ActivityStore(tmp_path / "log.sqlite3", max_events=1000, clock=_Clock(1_700_100_000.0))
    store.add([_event(0), _event(1, kind=OWNER_CHANGED)])  # the two oldest lines
    for batch in range(30):  # a busy browser: many refreshes of churn
        store.add([_event(10 + batch * 50 + i, kind=CONNECTIONS_OPENED) for i in range(50)])
    assert store.count() == 1000
    assert [e.pid for e in store.recent(5, kinds=[LISTEN_STARTED, OWNER_CHANGED])] == [101, 100]
    # With nothing but listener lines left to drop, the oldest of those go.
    store.add([_event(5000 + i) for i in range(1000)])
    assert store.count() == 1000
    assert store.recent(1, kinds=[CONNECTIONS_OPENED]) == []
    assert store.recent(2000)[-1].pid == 5100


def test_history_shows_old_listeners_behind_recent_churn(tmp_path):
    store = ActivityStore(tmp_path / "log.sqlite3", clock=_Clock(1_700_100_000.0))
    store.add([_event(0)])
    store.add([_event(1 + i, kind=CONNECTIONS_OPENED) for i in range(1500)])
    assert all(e.kind == CONNECTIONS_OPENED for e in store.recent(1000))
    shown = store.history(1000)
    assert len(shown) == 1001
    assert shown[-1].pid == 100  # the old listener line, after the newest 1,000
    assert [e.pid for e in shown[:2]] == [1600, 1599]  # newest first
