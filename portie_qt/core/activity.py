"""What happened between two refreshes, in words: activity events, watched ports, alerts.

Qt-free. ``events_from_diff`` turns a `Diff` into a handful of readable `Event`s:
listeners starting and stopping, a port changing owner, and connection churn
summed up per process (never one line per ephemeral connection). ``watched_status``
says whether each pinned port is free. ``NotificationPolicy`` picks the few events
worth a desktop notification and keeps them from turning into a storm.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from portie_qt.core.endpoints import (
    OWNER_HIDDEN,
    OWNER_OUTSIDE,
    OWNER_PENDING,
    PASSING_STATES,
    Diff,
    Endpoint,
    Snapshot,
    who,
)
from portie_qt.core.ports import PortError, is_port, parse_port, port_ranges
from portie_qt.core.ranges import Band, band_of, ephemeral_range
from portie_qt.core.reference import service_label

LISTEN_STARTED = "listen_started"
LISTEN_STOPPED = "listen_stopped"
OWNER_CHANGED = "owner_changed"
CONNECTIONS_OPENED = "connections_opened"
CONNECTIONS_CLOSED = "connections_closed"
KINDS = (LISTEN_STARTED, LISTEN_STOPPED, OWNER_CHANGED, CONNECTIONS_OPENED, CONNECTIONS_CLOSED)
LISTENER_KINDS = frozenset({LISTEN_STARTED, LISTEN_STOPPED, OWNER_CHANGED})

# "NONE": a TCP socket that is neither listening nor connected yet; not worth a line.
_QUIET_STATES = PASSING_STATES | {"NONE"}
# One process starting (or stopping) this many listeners in one refresh is one line:
# "python (PID 812) opened 25 TCP listeners on ports 4100–4124".
BURST = 4


@dataclass(frozen=True)
class Event:
    """One thing that happened, ready to show, store and filter."""

    timestamp: float  # time.time()
    kind: str  # one of KINDS
    protocol: str  # "tcp" | "udp"
    port: int | None  # None for connection events (they span many ports)
    address: str  # local address(es) of a listener, "" for connection events
    pid: int | None
    process: str | None
    previous_pid: int | None = None  # owner_changed: who had the port before
    previous_process: str | None = None
    count: int = 1  # connections_*: how many connections this line stands for
    message: str = ""

    @property
    def is_listener(self) -> bool:
        return self.kind in LISTENER_KINDS


_UNSEEN = {
    OWNER_HIDDEN: "another user's process",
    OWNER_PENDING: "a process not yet known",
    OWNER_OUTSIDE: "a process outside Portie's view",
}


def owner_label(pid: int | None, process: str | None, status: str = "") -> str:
    """``node (PID 812)``; ``PID 812`` without a name; without an owner, why (``status``
    is the endpoint's ``owner_status``): hidden only when Portie lacks the permission."""
    if pid is None:  # a name without a PID: a container publishing the port itself
        return process or _UNSEEN.get(status, "a process Portie cannot see")
    return f"{process} (PID {pid})" if process else f"PID {pid}"


def _is_listener(endpoint: Endpoint) -> bool:
    """A socket waiting for others: TCP LISTEN, or UDP bound outside the ephemeral range.

    Resolvers, browsers (QUIC) and STUN clients bind UDP sockets on random ephemeral
    ports for a moment; calling each of those "started listening" would flood the log,
    so they count as connection churn instead.
    """
    if not endpoint.listening:
        return False
    return endpoint.protocol == "tcp" or endpoint.local_port not in ephemeral_range()


def _is_connection(endpoint: Endpoint) -> bool:
    """An established-ish socket that is not a listener and not on its way in or out."""
    return not _is_listener(endpoint) and endpoint.state not in _QUIET_STATES


# Listener bookkeeping: (protocol, port) -> owner -> addresses.
_Owner = tuple  # (pid, process, create_time, owner_status)
_Listeners = dict  # dict[tuple[str, int], dict[_Owner, list[str]]]


def _owner(endpoint: Endpoint) -> _Owner:
    return (endpoint.pid, who(endpoint), endpoint.create_time, endpoint.owner_status)


def _note(table: _Listeners, endpoint: Endpoint) -> None:
    owners = table.setdefault((endpoint.protocol, endpoint.local_port), {})
    addresses = owners.setdefault(_owner(endpoint), [])
    if endpoint.local_address not in addresses:
        addresses.append(endpoint.local_address)
        addresses.sort(key=lambda address: (":" in address, address))  # IPv4 first


def _listener_moves(diff: Diff) -> tuple[_Listeners, _Listeners]:
    """Listeners that appeared and that went away, grouped by port and owner."""
    appeared: _Listeners = {}
    gone: _Listeners = {}
    for endpoint in diff.added.values():
        if _is_listener(endpoint):
            _note(appeared, endpoint)
    for endpoint in diff.removed.values():
        if _is_listener(endpoint):
            _note(gone, endpoint)
    for old, new in diff.changed.values():
        was, now = _is_listener(old), _is_listener(new)
        # Same socket address, different owner (or a state flip): the old owner let go
        # and the new one took it. Pairing below turns that into one owner_changed.
        moved = not _same_owner(old, new)
        if was and (not now or moved):
            _note(gone, old)
        if now and (not was or moved):
            _note(appeared, new)
    return appeared, gone


def _same_owner(old: Endpoint, new: Endpoint) -> bool:
    """Same process, allowing for a name or start time that could not be read this time.

    The collector reports ``None`` when a lookup fails (the process is busy exiting,
    or access flickers); that alone is not a change of owner.
    """
    if old.pid != new.pid:
        return False
    if old.create_time is not None and new.create_time is not None:
        return old.create_time == new.create_time
    return True


def _listener_events(diff: Diff, now: float) -> list[Event]:
    appeared, gone = _listener_moves(diff)
    events = []
    for proto_port in sorted(set(appeared) | set(gone)):
        protocol, port = proto_port
        new_owners = dict(appeared.get(proto_port, {}))
        old_owners = dict(gone.get(proto_port, {}))
        # An owner both gone and appeared on one port (one of its sockets moved) is
        # neither a start nor a stop worth reporting.
        for owner in set(new_owners) & set(old_owners):
            del new_owners[owner], old_owners[owner]
        # One owner left and another arrived within one refresh: the port changed hands.
        while new_owners and old_owners:
            old, _old_addresses = old_owners.popitem()
            new, new_addresses = new_owners.popitem()
            was, then = owner_label(old[0], old[1], old[3]), owner_label(new[0], new[1], new[3])
            events.append(Event(
                now, OWNER_CHANGED, protocol, port, ", ".join(new_addresses), new[0], new[1],
                previous_pid=old[0], previous_process=old[1],
                message=f"{protocol.upper()} port {port} was {was}, now {then}",
            ))  # fmt: skip
        for (pid, process, _created, status), addresses in new_owners.items():
            where = ", ".join(addresses)
            events.append(Event(
                now, LISTEN_STARTED, protocol, port, where, pid, process,
                message=f"{_subject(pid, process, status)} started listening on "
                f"{protocol.upper()} port {port}{_service(port, protocol)} at {_reach(addresses)}",
            ))  # fmt: skip
        for (pid, process, _created, status), addresses in old_owners.items():
            events.append(Event(
                now, LISTEN_STOPPED, protocol, port, ", ".join(addresses), pid, process,
                message=f"{_subject(pid, process, status)} stopped listening on "
                f"{protocol.upper()} port {port}{_service(port, protocol)}",
            ))  # fmt: skip
    return _collapse_bursts(events)


def _collapse_bursts(events: list[Event]) -> list[Event]:
    """One line for a process that started (or stopped) ``BURST`` or more listeners in
    one refresh, in place of the first of them."""
    groups: dict[tuple, list[Event]] = {}
    for event in events:
        if event.kind in (LISTEN_STARTED, LISTEN_STOPPED) and event.pid is not None:
            key = (event.kind, event.protocol, event.pid, event.process)
            groups.setdefault(key, []).append(event)
    bursts = {key: group for key, group in groups.items() if len(group) >= BURST}
    if not bursts:
        return events
    out = []
    for event in events:
        key = (event.kind, event.protocol, event.pid, event.process)
        group = bursts.get(key)
        if group is None:
            out.append(event)
        elif group[0] is event:
            out.append(_burst_event(group))
    return out


def _burst_event(group: list[Event]) -> Event:
    first = group[0]
    ports = sorted({e.port for e in group if e.port is not None})
    addresses = list(dict.fromkeys(a for e in group for a in e.address.split(", ") if a))
    verb = "opened" if first.kind == LISTEN_STARTED else "closed"
    return Event(
        first.timestamp, first.kind, first.protocol, ports[0], ", ".join(addresses),
        first.pid, first.process, count=len(group),
        message=f"{_subject(first.pid, first.process)} {verb} {len(group)} "
        f"{first.protocol.upper()} listeners on ports {port_ranges(ports)}",
    )  # fmt: skip


def _connection_events(diff: Diff, now: float) -> list[Event]:
    """Connections opened/closed, summed per (protocol, process) for this refresh."""
    opened: dict[tuple, int] = {}
    closed: dict[tuple, int] = {}
    for endpoint in diff.added.values():
        if _is_connection(endpoint):
            key = (endpoint.protocol, endpoint.pid, who(endpoint))
            opened[key] = opened.get(key, 0) + 1
    for endpoint in diff.removed.values():
        if _is_connection(endpoint):
            key = (endpoint.protocol, endpoint.pid, who(endpoint))
            closed[key] = closed.get(key, 0) + 1
    for old, new in diff.changed.values():
        # SYN_SENT -> ESTABLISHED is an opening; ESTABLISHED -> TIME_WAIT a closing.
        # The owner is taken from the live side: TIME_WAIT sockets have no owner.
        was, is_now = _is_connection(old), _is_connection(new)
        if is_now and not was:
            key = (new.protocol, new.pid, who(new))
            opened[key] = opened.get(key, 0) + 1
        elif was and not is_now:
            key = (old.protocol, old.pid, who(old))
            closed[key] = closed.get(key, 0) + 1
    events = []
    for kind, verb, table in (
        (CONNECTIONS_OPENED, "opened", opened),
        (CONNECTIONS_CLOSED, "closed", closed),
    ):
        for (protocol, pid, process), count in sorted(table.items(), key=_count_order):
            if pid is None:
                # No owner: the server side of connections still in a listen queue, or
                # another user's process. Neither says who did what, so it is noise here.
                continue
            noun = "connection" if protocol == "tcp" else "socket"
            plural = noun if count == 1 else noun + "s"
            events.append(Event(
                now, kind, protocol, None, "", pid, process, count=count,
                message=f"{_subject(pid, process)} {verb} {count} "
                f"{protocol.upper()} {plural}",
            ))  # fmt: skip
    return events


def _count_order(item: tuple) -> tuple:
    (protocol, pid, process), count = item
    return (-count, process or "", pid or 0, protocol)


def _subject(pid: int | None, process: str | None, status: str = "") -> str:
    """The owner at the start of a sentence. Process names keep their own case."""
    label = owner_label(pid, process, status)
    return label[0].upper() + label[1:] if pid is None else label


def _reach(addresses: list[str]) -> str:
    """The addresses, calling out a wildcard: other machines can reach those."""
    return ", ".join(f"{a} (all interfaces)" if a in ("0.0.0.0", "::") else a for a in addresses)


def _service(port: int, protocol: str) -> str:
    """`` (postgresql)`` when the reference knows the port, else ``""``."""
    try:
        label = service_label(port, protocol)
    except (OSError, LookupError, ValueError):
        # A build without the reference data still logs events, just without labels.
        return ""
    return f" ({label})" if label else ""


def events_from_diff(diff: Diff, now: float | None = None) -> list[Event]:
    """Readable events for one refresh: listener changes first, then connection churn."""
    when = time.time() if now is None else now
    return _listener_events(diff, when) + _connection_events(diff, when)


# --- Watched ports ---------------------------------------------------------------------


@dataclass(frozen=True)
class WatchStatus:
    """Whether a pinned port is free, and who holds it when it is not."""

    port: int
    endpoints: tuple[Endpoint, ...] = ()  # the listening sockets on this port

    @property
    def busy(self) -> bool:
        return bool(self.endpoints)

    @property
    def owners(self) -> tuple[tuple[int | None, str | None], ...]:
        """Distinct ``(pid, name)`` holding the port, in the order first seen (`who`)."""
        seen: dict[tuple, None] = {}
        for endpoint in self.endpoints:
            seen.setdefault((endpoint.pid, who(endpoint)), None)
        return tuple(seen)

    @property
    def state_key(self) -> tuple:
        """What a user would call "the state": free, or which processes hold it.

        By PID only: a name that could not be read for one refresh is not a new owner.
        """
        return tuple(sorted({e.pid or 0 for e in self.endpoints}))

    @property
    def text(self) -> str:
        """``free`` or ``in use by node (PID 812)`` (``and N others`` when shared)."""
        if not self.busy:
            return "free"
        owners = self.owners
        unseen = next((e.owner_status for e in self.endpoints if e.pid is None), "")
        first = owner_label(*owners[0], unseen)
        if len(owners) == 1:
            return f"in use by {first}"
        rest = len(owners) - 1
        return f"in use by {first} and {rest} other{'s' if rest > 1 else ''}"


def watched_status(snapshot: Snapshot, ports: Iterable[int]) -> dict[int, WatchStatus]:
    """Status of each watched port in ``snapshot``: its listening sockets, if any."""
    wanted = {int(port) for port in ports}
    if not wanted:
        return {}  # nothing watched: no need to look at every endpoint
    found: dict[int, list[Endpoint]] = {port: [] for port in wanted}
    for endpoint in snapshot.endpoints:
        if endpoint.local_port in found and endpoint.listening:
            found[endpoint.local_port].append(endpoint)
    return {port: WatchStatus(port, tuple(found[port])) for port in sorted(wanted)}


class WatchList:
    """The pinned ports and, after each snapshot, whether each is free or who holds it.

    A plain object: the watch controller owns it; the panel and the tray only render it.
    """

    MAX = 200  # a pin list, not a scanner: keeps the tray menu and the panel usable

    def __init__(self, ports: Iterable[int] = ()) -> None:
        self._ports = sorted({p for p in ports if is_port(p)})[: self.MAX]
        self._statuses: dict[int, WatchStatus] = {}
        self._snapshot: Snapshot | None = None

    @classmethod
    def from_text(cls, stored: object) -> WatchList:
        """The list saved as ``"3000,5432"`` (a list or one number also do); junk dropped."""
        if stored is None:
            return cls()
        parts = stored if isinstance(stored, list | tuple) else str(stored).split(",")
        ports = []
        for part in parts:
            try:
                ports.append(parse_port(str(part)))
            except PortError:
                continue
        return cls(ports)

    def to_text(self) -> str:
        return ",".join(str(p) for p in self._ports)

    @property
    def ports(self) -> list[int]:
        return list(self._ports)

    def statuses(self) -> dict[int, WatchStatus]:
        """The latest status per watched port (empty before the first snapshot)."""
        return dict(self._statuses)

    def status(self, port: int) -> WatchStatus | None:
        return self._statuses.get(port)

    def status_text(self, port: int) -> str:
        """``free``, ``in use by node (PID 812)``, or ``checking…`` before a snapshot."""
        status = self._statuses.get(port)
        return status.text if status is not None else "checking…"

    def add(self, text: str | int) -> str:
        """Watch the port ``text`` names; '' on success, else a sentence saying why not."""
        try:
            port = parse_port(str(text))
        except PortError as exc:
            return str(exc)
        if port in self._ports:
            return f"Port {port} is already watched."
        if len(self._ports) >= self.MAX:
            return f"Portie watches at most {self.MAX} ports: unwatch one first."
        self._ports = sorted([*self._ports, port])
        self._refresh()
        return ""

    def remove(self, port: int) -> bool:
        if port not in self._ports:
            return False
        self._ports.remove(port)
        self._refresh()
        return True

    def update(self, snapshot: Snapshot) -> dict[int, WatchStatus]:
        """Every watched port's status in a new snapshot."""
        self._snapshot = snapshot
        self._refresh()
        return self.statuses()

    def _refresh(self) -> None:
        if self._snapshot is None:
            self._statuses = {}
        else:
            self._statuses = watched_status(self._snapshot, self._ports)


# --- Notifications ---------------------------------------------------------------------


class NotifyMode(str, enum.Enum):
    """Which changes deserve a desktop notification."""

    BANDS = "bands"  # new listeners on well-known/registered ports, plus watched ports
    WATCHED = "watched"  # only watched ports changing state
    OFF = "off"

    @property
    def title(self) -> str:
        return _MODE_TITLES[self]


_MODE_TITLES = {
    NotifyMode.BANDS: "New listeners and watched ports",
    NotifyMode.WATCHED: "Watched ports only",
    NotifyMode.OFF: "Off",
}
_NOTIFY_BANDS = frozenset({Band.WELL_KNOWN, Band.REGISTERED})


@dataclass(frozen=True)
class Notification:
    """One desktop notification: a title, a body, and the ports it speaks for."""

    title: str
    message: str
    ports: tuple[int, ...]


class NotificationPolicy:
    """Decides which refresh events become notifications; at most one per refresh.

    Watched ports are judged on their state (free / who holds them) against what the
    user was last told, so a server with IPv4 and IPv6 sockets is one change, not two,
    and a flap inside the quiet minute is reported once it is over if it still holds.
    No port is notified more than once per ``per_port_interval`` seconds; the clock is
    injected so tests need not wait a minute.
    """

    def __init__(
        self,
        mode: NotifyMode | str = NotifyMode.BANDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        per_port_interval: float = 60.0,
    ) -> None:
        self.mode = NotifyMode(mode)
        self.clock = clock
        self.per_port_interval = per_port_interval
        self._told: dict[int, WatchStatus] = {}  # watched port -> state last notified
        self._last_sent: dict[int, float] = {}  # port -> clock() of its last notification

    def decide(
        self, events: Iterable[Event], watched: Mapping[int, WatchStatus]
    ) -> list[Notification]:
        """Notifications for one refresh (zero or one), given its events and watched ports."""
        if self.mode is NotifyMode.OFF:
            # Turning notifications back on starts from what is true then, not a backlog.
            self._told = dict(watched)
            return []
        now = self.clock()
        # A port unpinned and pinned again starts from a fresh baseline.
        self._told = {port: told for port, told in self._told.items() if port in watched}
        if len(self._last_sent) > 1000:
            self._last_sent = {p: t for p, t in self._last_sent.items() if self._quiet(p, now)}
        items = self._watched_changes(watched, now)
        if self.mode is NotifyMode.BANDS:
            items += self._new_listeners(events, watched, now)
        return [_coalesce(items)] if items else []

    def reset(self) -> None:
        """Forget what the user was told: the next refresh is the new baseline (the window
        now shows another host, whose ports are not news)."""
        self._told = {}

    def _quiet(self, port: int, now: float) -> bool:
        """True while ``port`` is inside its quiet interval after a notification."""
        last = self._last_sent.get(port)
        return last is not None and now - last < self.per_port_interval

    def _watched_changes(self, watched: Mapping[int, WatchStatus], now: float) -> list[_Item]:
        items = []
        for port, status in watched.items():
            told = self._told.get(port)
            if told is None:
                # Just pinned (or the first refresh): pinning a port is not a change.
                self._told[port] = status
                continue
            if told.state_key == status.state_key or self._quiet(port, now):
                continue  # nothing new, or said on a later refresh if it still holds
            self._told[port] = status
            self._last_sent[port] = now
            now_text = status.text.removeprefix("in use by ")
            was_text = told.text.removeprefix("in use by ")
            if status.busy and told.busy:
                items.append(_Item(
                    port, f"Port {port} changed owner", f"It was {was_text}, now {now_text}.",
                    f"Port {port} was {was_text}, now {now_text}",
                ))  # fmt: skip
            elif status.busy:
                items.append(_Item(
                    port, f"Port {port} is now in use", f"In use by {now_text}.",
                    f"Port {port} is now in use by {now_text}",
                ))  # fmt: skip
            else:
                items.append(_Item(
                    port, f"Port {port} is free", f"It was in use by {was_text}.",
                    f"Port {port} is free (was {was_text})",
                ))  # fmt: skip
        return items

    def _new_listeners(
        self, events: Iterable[Event], watched: Mapping[int, WatchStatus], now: float
    ) -> list[_Item]:
        items = []
        for event in events:
            if event.kind not in (LISTEN_STARTED, OWNER_CHANGED) or event.port is None:
                continue
            # Watched ports are covered by their state above; a quiet port stays quiet.
            if event.port in watched or self._quiet(event.port, now):
                continue
            if band_of(event.port) not in _NOTIFY_BANDS:
                continue
            self._last_sent[event.port] = now
            if event.count == 1:
                # The title says what happened; the body adds who and where, not again what.
                title = f"New listener on port {event.port}"
                where = _reach(event.address.split(", "))
                service = _service(event.port, event.protocol)
                owner = owner_label(event.pid, event.process)
                body = f"{owner} on {event.protocol.upper()} {where}{service}"
            else:
                title, body = f"{event.count} new listeners", event.message
            items.append(_Item(event.port, title, body, event.message))
        return items


class _Item(NamedTuple):
    """A would-be notification: its own title/message, and a line for a combined one."""

    port: int
    title: str
    message: str
    line: str


def _coalesce(items: list[_Item]) -> Notification:
    """One notification for everything a refresh found worth saying."""
    ports = tuple(item.port for item in items)
    if len(items) == 1:
        return Notification(items[0].title, items[0].message, ports)
    shown = items[:5]
    lines = [item.line for item in shown]
    if len(items) > len(shown):
        lines.append(f"…and {len(items) - len(shown)} more")
    return Notification(f"{len(items)} port changes", "\n".join(lines), ports)
