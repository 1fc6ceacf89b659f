"""Scan history: every finished scan kept on disk, and what changed since the last one.

A small SQLite file in the config directory, for this user only (the directory 0700,
the file 0600 before SQLite first opens it, so its journal gets the same). Bounded to
the newest 1,000 scans and 180 days, whichever is smaller, pruned on every insert.
Each scan is one row: the figures a list needs, and the whole result compressed (open
ports with their banners, closed and filtered ports as ranges such as ``1-21,23-79``),
so a full scan of a /24 takes a few kilobytes and can be reopened and exported exactly.

"The same target" is the canonical target text (`TargetList.text`): ``127.0.0.0/29``
and `` 127.0.0.0/29 `` are the same; `changes` compares a scan with the newest earlier
complete scan of it, port by port over the ports both covered. Nothing here raises to
the caller for a damaged or unwritable file: `notice` says what happened. Qt-free;
callers in the window run it off the UI thread.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sqlite3
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from portie_qt.core.files import ensure_private_dir, prepare_private_file, set_aside
from portie_qt.core.paths import config_dir
from portie_qt.core.scan.report import (
    OPEN,
    PROTOCOL,
    MultiScanReport,
    ScanReport,
    ScanResult,
    tcp_service,
)
from portie_qt.core.scan.spec import PortSpecError, format_ports, parse_ports
from portie_qt.core.scan.targets import ScanTarget
from portie_qt.core.text import plain, plain_or_none

FILE_NAME = "scan_history.sqlite3"
MAX_SCANS = 1000
MAX_AGE = 180 * 24 * 3600.0  # seconds
_FORMAT = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
    id INTEGER PRIMARY KEY,
    started REAL NOT NULL,
    target TEXT NOT NULL,
    ports_spec TEXT NOT NULL,
    ports_requested INTEGER NOT NULL,
    hosts INTEGER NOT NULL,
    open INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    filtered INTEGER NOT NULL,
    elapsed REAL NOT NULL,
    cancelled INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS scans_by_target ON scans (target, id);
CREATE INDEX IF NOT EXISTS scans_by_time ON scans (started);
"""
_LISTED = "id, started, target, ports_spec, hosts, open, closed, filtered, elapsed, cancelled"


def default_path() -> Path:
    return config_dir() / FILE_NAME


@dataclass(frozen=True)
class PastScan:
    """One line of the history: what a list of past scans shows."""

    id: int
    started: float
    target: str
    ports_spec: str
    hosts: int
    open: int
    closed: int
    filtered: int
    elapsed: float
    cancelled: bool

    def label(self) -> str:
        """``2026-12-02 14:05 · 127.0.0.0/29 · top1000 · 3 open (cancelled)``."""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.started))
        text = f"{when} · {self.target} · {self.ports_spec or 'ports'} · {self.open} open"
        return text + (" (cancelled)" if self.cancelled else "")


# --- storing a report --------------------------------------------------------------------


def encode_report(report: MultiScanReport) -> bytes:
    """``report`` as compact bytes (compressed JSON); `decode_report` reads it back exactly."""
    hosts = [
        [h.target.host, h.target.address, int(h.target.family), h.target.scope_id,
         h.target.note, h.refusals, [[r.port, r.banner] for r in h.open],
         format_ports(h.closed), format_ports(h.filtered)]
        for h in report.hosts
    ]  # fmt: skip
    data = {"format": _FORMAT, "targets": report.targets, "ports_spec": report.ports_spec,
            "ports_requested": report.ports_requested, "elapsed": report.elapsed,
            "started": report.started, "cancelled": report.cancelled,
            "notes": list(report.notes), "hosts": hosts}  # fmt: skip
    return zlib.compress(json.dumps(data, separators=(",", ":")).encode("utf-8"))


def _ports(text: str) -> tuple[int, ...]:
    return tuple(parse_ports(text)) if text else ()


def _open_result(target: ScanTarget, port: int, banner) -> ScanResult:
    banner = plain_or_none(banner) if isinstance(banner, str) else None
    return ScanResult(target.host, target.address, port, PROTOCOL, OPEN, tcp_service(port), banner)


def decode_report(body: bytes) -> MultiScanReport:
    """A report from `encode_report`; every stored text is made plain text again.

    Raises ValueError (or TypeError, KeyError) for bytes that are not such a report.
    """
    try:
        data = json.loads(zlib.decompress(body))
    except zlib.error as exc:
        raise ValueError(f"not a stored scan ({exc})") from None
    if data.get("format") != _FORMAT:
        raise ValueError(f"unknown scan format {data.get('format')!r}")
    requested, elapsed = int(data["ports_requested"]), float(data["elapsed"])
    cancelled = bool(data["cancelled"])
    hosts = []
    for host, address, family, scope, note, refusals, opened, closed, filtered in data["hosts"]:
        target = ScanTarget(plain(host), str(address), socket.AddressFamily(family),
                            int(scope), plain(note), (str(address),))  # fmt: skip
        open_results = tuple(_open_result(target, int(port), banner) for port, banner in opened)
        notes = (target.note,) if target.note else ()
        hosts.append(ScanReport(target, requested, open_results, _ports(closed),
                                _ports(filtered), elapsed, cancelled, notes,
                                int(refusals)))  # fmt: skip
    return MultiScanReport(plain(data["targets"]), plain(data["ports_spec"]), requested,
                           tuple(hosts), elapsed, float(data["started"]), cancelled,
                           tuple(plain(n) for n in data["notes"]))  # fmt: skip


# --- the file ----------------------------------------------------------------------------


class ScanHistory:
    """Past scans on disk. Each call opens the file briefly: safe from any thread or process."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        max_scans: int = MAX_SCANS,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.max_scans, self.max_age, self.clock = max_scans, max_age, clock
        self.notice = ""

    @contextlib.contextmanager
    def _connection(self):
        ensure_private_dir(self.path.parent)
        # Created for this user only before SQLite opens it (its journal copies the mode);
        # never through a link planted under the name (that is moved aside, and said).
        moved = prepare_private_file(self.path)
        if moved:
            self.notice = moved
        conn = sqlite3.connect(str(self.path), timeout=10.0)
        try:
            conn.executescript(_SCHEMA)
            yield conn
        finally:
            conn.close()

    def _set_aside(self) -> str:
        try:
            aside = set_aside(self.path, "damaged")
        except OSError:
            return "it could not be moved aside"
        return f"it was kept as {aside.name} and a new history started"

    def record(self, report: MultiScanReport) -> int | None:
        """Keep ``report``; its id, or None when it could not be saved (see `notice`)."""
        counts = report.counts()
        row = (report.started, report.targets, report.ports_spec, report.ports_requested,
               len(report.hosts), counts["open"], counts["closed"], counts["filtered"],
               report.elapsed, int(report.cancelled), encode_report(report))  # fmt: skip
        for attempt in (1, 2):
            try:
                with self._connection() as conn, conn:
                    scan_id = conn.execute(
                        "INSERT INTO scans (started, target, ports_spec, ports_requested, "
                        "hosts, open, closed, filtered, elapsed, cancelled, body) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        row,
                    ).lastrowid
                    self._prune(conn)
                return scan_id
            except sqlite3.DatabaseError as exc:
                if attempt == 1 and not isinstance(exc, sqlite3.OperationalError):
                    self.notice = f"The scan history was damaged: {self._set_aside()}."
                    continue
                self.notice = f"This scan could not be saved to the history ({exc})."
            except OSError as exc:
                self.notice = (
                    f"This scan could not be saved to the history "
                    f"({exc.strerror or exc}: {self.path})."
                )
            return None
        return None

    def _prune(self, conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM scans WHERE started < ?", (self.clock() - self.max_age,))
        conn.execute(
            "DELETE FROM scans WHERE id NOT IN (SELECT id FROM scans ORDER BY id DESC LIMIT ?)",
            (self.max_scans,),
        )

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if not self.path.exists():
            return []
        try:
            with self._connection() as conn:
                return conn.execute(sql, params).fetchall()
        except (sqlite3.Error, OSError) as exc:
            self.notice = f"The scan history could not be read ({exc})."
            return []

    def past(self, limit: int = 200) -> list[PastScan]:
        """The newest ``limit`` scans, newest first."""
        rows = self._query(f"SELECT {_LISTED} FROM scans ORDER BY id DESC LIMIT ?", (limit,))
        return [PastScan(*row[:9], bool(row[9])) for row in rows]

    def load(self, scan_id: int) -> MultiScanReport | None:
        """The whole report of scan ``scan_id``, or None (gone, or unreadable: see `notice`)."""
        rows = self._query("SELECT body FROM scans WHERE id = ?", (scan_id,))
        if not rows:
            return None
        try:
            return decode_report(rows[0][0])
        except (ValueError, TypeError, KeyError, PortSpecError) as exc:
            self.notice = f"Scan {scan_id} in the history is damaged ({exc})."
            return None

    def previous(self, report: MultiScanReport, before: int | None) -> MultiScanReport | None:
        """The newest complete scan of ``report``'s target older than scan ``before``."""
        rows = self._query(
            "SELECT id FROM scans WHERE target = ? AND cancelled = 0 AND id < ? "
            "ORDER BY id DESC LIMIT 1",
            (report.targets, before if before is not None else 1 << 62),
        )
        return self.load(rows[0][0]) if rows else None


# --- what changed ------------------------------------------------------------------------


@dataclass(frozen=True)
class HostChange:
    """One host's difference from the last scan."""

    host: str  # as shown: the address, with the name when it was typed as one
    opened: tuple[int, ...]  # open now, not open last time (and scanned then)
    closed: tuple[int, ...]  # open last time, not open now (and scanned now)
    was: str = ""  # the host's state last time, when it changed
    now: str = ""

    def text(self) -> str:
        parts = []
        if self.opened:
            parts.append("new open: " + ", ".join(f"{p}/{PROTOCOL}" for p in self.opened))
        if self.closed:
            parts.append(
                "closed since last scan: " + ", ".join(f"{p}/{PROTOCOL}" for p in self.closed)
            )
        if self.was != self.now:
            parts.append(f"{self.now} (was {self.was})")
        return "; ".join(parts)


@dataclass(frozen=True)
class ScanChanges:
    """What changed between the last scan of a target (``since``) and this one."""

    since: float  # when the earlier scan started
    hosts: tuple[HostChange, ...]
    single: bool  # one host: its lines need no host name

    @property
    def empty(self) -> bool:
        return not self.hosts

    def lines(self) -> list[str]:
        if self.empty:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.since))
            return [f"No change since the last scan ({when})."]
        if self.single:
            return [self.hosts[0].text()]
        return [f"{h.host}: {h.text()}" for h in self.hosts]

    def text(self) -> str:
        return "\n".join(self.lines())


def changes(old: MultiScanReport, new: MultiScanReport) -> ScanChanges:
    """Per host (matched by address): ports newly open, ports no longer open, state changes.

    Only ports both scans covered count, so a cancelled or narrower scan never claims a
    port closed that it did not look at.
    """
    before = {h.target.address: h for h in old.hosts}
    found = []
    for host in new.hosts:
        earlier = before.get(host.target.address)
        if earlier is None:
            continue
        both = _scanned(earlier) & _scanned(host)
        now_open, then_open = set(host.open_ports) & both, set(earlier.open_ports) & both
        change = HostChange(
            _shown(host.target), tuple(sorted(now_open - then_open)),
            tuple(sorted(then_open - now_open)), earlier.state, host.state,
        )  # fmt: skip
        if change.opened or change.closed or change.was != change.now:
            found.append(change)
    return ScanChanges(old.started, tuple(found), len(new.hosts) == 1)


def _scanned(host: ScanReport) -> set[int]:
    return {*host.open_ports, *host.closed, *host.filtered}


def _shown(target: ScanTarget) -> str:
    return target.address if target.host == target.address else f"{target.host} ({target.address})"


def record_and_compare(
    report: MultiScanReport, history: ScanHistory | None = None, compare: bool = True
) -> tuple[int | None, str, str]:
    """Keep ``report`` and compare it with the last complete scan of the same target.

    Returns (its id or None, the changes as text, a notice: '' unless saving failed).
    The text says so when there is nothing to compare with; it is '' when ``compare``
    is False (the comparison reads the earlier scan back: skipped when nobody asked).
    """
    history = history or ScanHistory()
    scan_id = history.record(report)
    if not compare:
        return scan_id, "", history.notice
    old = history.previous(report, scan_id)
    if old is None:
        text = f"First scan of {report.targets}: nothing earlier to compare with."
    else:
        text = changes(old, report).text()
    return scan_id, text, history.notice
