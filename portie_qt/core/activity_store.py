"""The activity log on disk: a small SQLite file in the config directory. Qt-free.

Bounded to the last 7 days or 50,000 events, whichever is smaller; pruning happens
on every insert with indexed DELETEs and a running row count, so the file never grows
past the bound. Past the count bound, connection churn is dropped before listener
events, so a busy browser cannot push "what started listening" out of the log.
A damaged file is moved aside and a new log started, with a notice saying so; if
even that fails the log lives in memory for this run. Nothing here raises to the UI.

One connection guarded by a lock, so the refresh worker thread and the UI thread
can both use the same store.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from portie_qt.core.activity import (
    CONNECTIONS_CLOSED,
    CONNECTIONS_OPENED,
    LISTEN_STARTED,
    LISTEN_STOPPED,
    OWNER_CHANGED,
    Event,
)
from portie_qt.core.files import (
    ensure_private_dir,
    prepare_private_file,
    private_dir_problem,
    set_aside,
)
from portie_qt.core.paths import config_dir

FILE_NAME = "activity.sqlite3"
MAX_EVENTS = 50_000
MAX_AGE = 7 * 24 * 3600.0  # seconds

_COLUMNS = ("timestamp", "kind", "protocol", "port", "address", "pid", "process",
            "previous_pid", "previous_process", "count", "message")  # fmt: skip
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    kind TEXT NOT NULL,
    protocol TEXT NOT NULL,
    port INTEGER,
    address TEXT NOT NULL,
    pid INTEGER,
    process TEXT,
    previous_pid INTEGER,
    previous_process TEXT,
    count INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (timestamp);
CREATE INDEX IF NOT EXISTS events_by_kind ON events (kind);
"""
_INSERT = f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM events"
CONNECTION_KINDS = (CONNECTIONS_OPENED, CONNECTIONS_CLOSED)
LISTENER_KINDS = (LISTEN_STARTED, LISTEN_STOPPED, OWNER_CHANGED)
_CONNECTION_MARKS = ", ".join("?" * len(CONNECTION_KINDS))
_LISTENER_MARKS = ", ".join("?" * len(LISTENER_KINDS))


def default_path() -> Path:
    return config_dir() / FILE_NAME


class ActivityStore:
    """Append-only, bounded event log. ``notice`` is "" unless something went wrong."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        max_events: int = MAX_EVENTS,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.max_events = max_events
        self.max_age = max_age
        self.clock = clock
        self.notice = ""
        self._lock = threading.Lock()
        self._conn = self._open()
        self._rows = 0  # kept in step with the table so pruning needs no count(*)
        self._recount()

    # --- opening ---------------------------------------------------------------------

    def _connect(self, target: str) -> sqlite3.Connection:
        # check_same_thread=False: the lock below serialises every use of the connection.
        conn = sqlite3.connect(target, check_same_thread=False, timeout=5.0)
        try:
            if target != ":memory:":
                # WAL + NORMAL: an insert per refresh costs a write, not an fsync.
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
            row = conn.execute("PRAGMA quick_check").fetchone()
            if row is None or row[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {row}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _open(self) -> sqlite3.Connection:
        try:
            ensure_private_dir(self.path.parent)
        except OSError as exc:
            return self._in_memory(f"its folder cannot be created: {exc.strerror or exc}")
        problem = private_dir_problem(self.path.parent)
        if problem:
            return self._in_memory(problem)
        try:
            self._prepare_files()
        except OSError as exc:
            return self._in_memory(exc.strerror or str(exc))
        try:
            return self._connect(str(self.path))
        except sqlite3.OperationalError as exc:
            # Cannot open or create the file at all (permissions, a directory in the
            # way): nothing is damaged, so leave whatever is there alone.
            reason = str(exc)
        except sqlite3.DatabaseError:
            aside = self._set_aside()
            if aside is not None:
                try:
                    prepare_private_file(self.path)
                    conn = self._connect(str(self.path))
                except (sqlite3.Error, OSError):
                    pass
                else:
                    self.notice = (
                        f"The activity log was damaged; it was kept as {aside.name} "
                        "and a new log was started."
                    )
                    return conn
            reason = "it is damaged and could not be moved aside"
        except (sqlite3.Error, OSError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
        return self._in_memory(reason)

    def _prepare_files(self) -> None:
        """The log and its companions: regular files of ours, 0600 (SQLite opens them
        through links and creates the companions with the main file's mode)."""
        moved = [prepare_private_file(self.path)]
        for suffix in ("-wal", "-shm", "-journal"):
            companion = self.path.with_name(self.path.name + suffix)
            if os.path.lexists(companion):
                moved.append(prepare_private_file(companion))
        self.notice = " ".join(m for m in moved if m)

    def _in_memory(self, reason: str) -> sqlite3.Connection:
        self.notice = (
            f"The activity log cannot be saved to {self.path} ({reason}); "
            "events are kept only until Portie quits."
        )
        return self._connect(":memory:")

    def _set_aside(self) -> Path | None:
        """Rename the damaged file (and its WAL companions) out of the way."""
        try:
            aside = set_aside(self.path, "corrupt")
        except OSError:
            return None
        for suffix in ("-wal", "-shm", "-journal"):
            companion = self.path.with_name(self.path.name + suffix)
            try:
                os.replace(companion, aside.with_name(aside.name + suffix))
            except FileNotFoundError:
                pass
            except OSError:
                return None
        return aside

    # --- use ---------------------------------------------------------------------------

    def add(self, events: Iterable[Event]) -> int:
        """Append ``events`` and prune past the bound; returns how many were stored."""
        rows = [
            (e.timestamp, e.kind, e.protocol, e.port, e.address, e.pid, e.process,
             e.previous_pid, e.previous_process, e.count, e.message)
            for e in events
        ]  # fmt: skip
        if not rows:
            return 0
        with self._lock:
            try:
                with self._conn:
                    self._conn.executemany(_INSERT, rows)
                    self._rows += len(rows)
                    self._prune()
            except sqlite3.Error as exc:
                self._recount()  # the transaction rolled back: the running count is stale
                self.notice = (
                    f"The activity log could not be written ({exc}); recent events may be missing."
                )
                return 0
        return len(rows)

    def _prune(self) -> None:
        self._rows -= self._conn.execute(
            "DELETE FROM events WHERE timestamp < ?", (self.clock() - self.max_age,)
        ).rowcount
        excess = self._rows - self.max_events
        if excess <= 0:
            return
        # Connection churn goes first: a browser can log a line every refresh, and
        # that must not push out the rare "what started listening" lines the log is for.
        self._rows -= self._conn.execute(
            f"DELETE FROM events WHERE id IN (SELECT id FROM events WHERE kind IN "
            f"({_CONNECTION_MARKS}) ORDER BY id LIMIT ?)",
            (*CONNECTION_KINDS, excess),
        ).rowcount
        excess = self._rows - self.max_events
        if excess > 0:
            self._rows -= self._conn.execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT ?)",
                (excess,),
            ).rowcount

    def _recount(self) -> None:
        try:
            self._rows = self._conn.execute("SELECT count(*) FROM events").fetchone()[0]
        except sqlite3.Error:
            self._rows = 0

    def recent(
        self,
        limit: int = 1000,
        since: float | None = None,
        text_filter: str | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list[Event]:
        """Newest first: at most ``limit`` events, optionally since a time, matching text/kinds."""
        where, params = [], []
        if since is not None:
            where.append("timestamp >= ?")
            params.append(since)
        if text_filter:
            escaped = text_filter.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("message LIKE ? ESCAPE '\\'")
            params.append(f"%{escaped}%")
        if kinds is not None:
            kinds = list(kinds)
            if not kinds:
                return []
            where.append(f"kind IN ({', '.join('?' * len(kinds))})")
            params.extend(kinds)
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(max(0, int(limit)))
        with self._lock:
            try:
                rows = self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                self.notice = f"The activity log could not be read ({exc})."
                return []
        return [Event(*row) for row in rows]

    def history(self, limit: int = 1000) -> list[Event]:
        """What a freshly opened log shows: the newest ``limit`` events of any kind plus
        the newest ``limit`` listener events, so churn cannot hide what started listening.
        """
        sql = (
            f"{_SELECT} WHERE id IN (SELECT id FROM events ORDER BY id DESC LIMIT ?) "
            f"OR id IN (SELECT id FROM events WHERE kind IN ({_LISTENER_MARKS}) "
            "ORDER BY id DESC LIMIT ?) ORDER BY id DESC"
        )
        with self._lock:
            try:
                rows = self._conn.execute(sql, (limit, *LISTENER_KINDS, limit)).fetchall()
            except sqlite3.Error as exc:
                self.notice = f"The activity log could not be read ({exc})."
                return []
        return [Event(*row) for row in rows]

    def count(self) -> int:
        with self._lock:
            self._recount()
            return self._rows

    def clear(self) -> None:
        """Forget every event."""
        with self._lock:
            try:
                with self._conn:
                    self._conn.execute("DELETE FROM events")
                    self._rows = 0
            except sqlite3.Error as exc:
                self.notice = f"The activity log could not be cleared ({exc})."

    def close(self) -> None:
        with self._lock:
            self._conn.close()
