"""Endpoint records, snapshots of all of them, and the diff between two snapshots."""

from __future__ import annotations

from typing import NamedTuple

from portie_qt.core.ports import address_text
from portie_qt.core.programs import Program
from portie_qt.core.ranges import Band, band_of, ephemeral_range
from portie_qt.core.reference import service_label

LISTEN = "LISTEN"
BOUND = "BOUND"  # a UDP socket with no peer: UDP's "listening"
# A port a container publishes that no host socket holds (the engine's firewall rules
# forward it): listening, as far as anyone connecting can tell.
PUBLISHED = "PUBLISHED"
LISTENING_STATES = frozenset({LISTEN, BOUND, PUBLISHED})  # `Endpoint.listening`
# States of a connection that is on its way out or not yet up: shown muted.
PASSING_STATES = frozenset(
    {"TIME_WAIT", "CLOSE_WAIT", "FIN_WAIT1", "FIN_WAIT2", "CLOSING", "LAST_ACK", "SYN_SENT",
     "SYN_RECV", "CLOSE"}
)  # fmt: skip
# Sockets that never have an owner, even for root: not a visibility problem.
OWNERLESS_STATES = PASSING_STATES | {"NONE"}

# Why an endpoint shows no owner (``Endpoint.owner_status``). "Hidden" means exactly one
# thing: Portie lacks the permission to see the owner.
OWNER_SEEN = ""  # the owner is known, or the socket has none (TIME_WAIT, a queued connection)
OWNER_HIDDEN = "hidden"  # another user's process, and Portie is not root/Administrator
OWNER_PENDING = "pending"  # not found on this look: the socket is brand new or just closed
OWNER_OUTSIDE = "outside"  # still not found a refresh later although Portie may look: a
#                            process outside this view (another PID namespace, protected)


class Endpoint(NamedTuple):
    """One TCP or UDP socket endpoint. Immutable; derived fields are properties.

    A NamedTuple rather than a dataclass: a refresh builds up to tens of thousands of
    these, and tuple construction is several times cheaper than a frozen dataclass.
    """

    protocol: str  # "tcp" | "udp"
    family: str  # "ipv4" | "ipv6"
    local_address: str
    local_port: int
    remote_address: str | None
    remote_port: int | None
    state: str  # LISTEN, ESTABLISHED, …; "BOUND" for UDP without a peer
    pid: int | None
    process: str | None  # process name; None when the owner cannot be seen
    user: str | None
    create_time: float | None  # the owner's start time: guards against PID reuse
    container: object | None = None  # the core.containers.Container that owns the port
    # Appended fields (defaults keep older constructors working):
    # Every process holding the socket as (pid, create_time, name), ascending by PID;
    # `pid` is the primary holder (the oldest: the one that created it, usually the parent).
    holders: tuple[tuple[int, float | None, str | None], ...] = ()
    inode: int = 0  # the socket's identity where the platform has one (Linux), else 0
    owner_status: str = OWNER_SEEN  # why there is no owner (see OWNER_* above)
    program: Program | None = None  # app label, project, directory, command of the owner

    @property
    def band(self) -> Band:
        return band_of(self.local_port)

    @property
    def service(self) -> str:
        return service_label(self.local_port, self.protocol)

    @property
    def listening(self) -> bool:
        return self.state in LISTENING_STATES

    @property
    def passing_by(self) -> bool:
        """A connection from a port in the OS's ephemeral range: an outgoing connection
        that will be gone soon (on Linux this starts at 32768, inside IANA's registered
        band). Listening sockets are never passing, whatever their port."""
        return not self.listening and self.local_port in ephemeral_range()

    @property
    def group(self) -> Band:
        """The ports view's range group: `Band.EPHEMERAL` for a passing connection, else
        the port's IANA band. The marker, the counts and the range filter all use it."""
        return Band.EPHEMERAL if self.passing_by else self.band

    @property
    def remote(self) -> str:
        if self.remote_address is None:
            return ""
        return address_text(self.remote_address, self.remote_port)

    @property
    def local(self) -> str:
        return address_text(self.local_address, self.local_port)

    @property
    def app(self) -> str | None:
        return self.program.app if self.program is not None else None

    @property
    def project(self) -> str | None:
        return self.program.project if self.program is not None else None

    @property
    def cwd(self) -> str | None:
        return self.program.cwd if self.program is not None else None

    @property
    def command(self) -> str:
        """The owner's command line as typed ('' when unknown or hidden)."""
        return self.program.command if self.program is not None else ""

    @property
    def pids(self) -> tuple[int, ...]:
        """Every PID holding the socket, ascending (the primary one alone when that is all
        the platform says)."""
        if self.holders:
            return tuple(holder[0] for holder in self.holders)
        return () if self.pid is None else (self.pid,)

    @property
    def key(self) -> tuple:
        """Identity across refreshes: the socket's addresses (the owner may change)."""
        return (self.protocol, self.family, self.local_address, self.local_port,
                self.remote_address, self.remote_port)  # fmt: skip

    EXPORT_KEYS = ("protocol", "family", "local_address", "local_port", "remote_address",
                   "remote_port", "state", "pid", "pids", "process", "user", "service",
                   "range", "app", "project", "cwd")  # fmt: skip

    def as_dict(self) -> dict:
        """Plain JSON-ready form (the keys `portie --list --json` prints)."""
        return {
            "protocol": self.protocol,
            "family": self.family,
            "local_address": self.local_address,
            "local_port": self.local_port,
            "remote_address": self.remote_address,
            "remote_port": self.remote_port,
            "state": self.state,
            "pid": self.pid,
            "pids": list(self.pids),
            "process": self.process,
            "user": self.user,
            "service": self.service,
            "range": self.group.value,  # the window's Range column (ephemeral: passing by)
            "container": None if self.container is None else self.container.as_dict(),
            "app": self.app,
            "project": self.project,
            "cwd": self.cwd,
        }


# Field positions, for the loops over 10,000 rows that index a tuple rather than name a
# field (the collector, the Confirmer). Derived, so appending fields never breaks them.
HOLDERS_AT = Endpoint._fields.index("holders")
INODE_AT = Endpoint._fields.index("inode")
OWNER_STATUS_AT = Endpoint._fields.index("owner_status")
PROGRAM_AT = Endpoint._fields.index("program")


class _SnapshotFields(NamedTuple):
    endpoints: tuple[Endpoint, ...]
    taken_at: float  # time.time() of the refresh
    limited: bool = False  # some owners are hidden from this user
    notice: str = ""  # why visibility is limited / what went wrong, in words
    hidden_owners: int = 0  # endpoints whose owner this user lacks the permission to see
    host: str = ""  # the remote host these endpoints are on; "" for this computer


class Snapshot(_SnapshotFields):
    """Every endpoint seen by one refresh, and how much the refresh could see.

    A named tuple (see `FilterCriteria`) with room for one cache, `keyed()`'s map; a copy
    made with ``_replace`` starts without it."""

    def keyed(self) -> dict[tuple, Endpoint]:
        """Endpoints by identity key (duplicates get an ordinal so none is lost)."""
        cache = self.__dict__
        found = cache.get("_keyed")
        if found is None:
            found = cache["_keyed"] = keyed(self.endpoints)
        return found


def keyed(endpoints) -> dict[tuple, Endpoint]:
    """Map identity key -> endpoint.

    Sockets sharing one address (an ``SO_REUSEPORT`` group, UDP sockets bound alike) get
    keys that do not depend on the order the OS listed them in: the oldest socket (lowest
    inode) keeps the plain key, the others get their inode (or an ordinal) appended, so
    a refresh never swaps their rows and invents an owner change.
    """
    out: dict[tuple, Endpoint] = {}
    repeated: dict[tuple, list[Endpoint]] | None = None
    for endpoint in endpoints:
        key = endpoint[:6]  # == endpoint.key (the first six fields), without a property call
        if key in out:
            if repeated is None:
                repeated = {}
            repeated.setdefault(key, [out[key]]).append(endpoint)
        else:
            out[key] = endpoint
    if repeated:
        for key, group in repeated.items():
            group.sort(key=lambda e: (e.inode, e.pid or 0))
            out[key] = group[0]
            for ordinal, endpoint in enumerate(group[1:], start=1):
                out[(*key, endpoint.inode or -ordinal)] = endpoint
    return out


def process_text(endpoint: Endpoint) -> str:
    """The Process cell: the container that owns the port, else the primary holder's app
    and project (``vite · web-app``; the process name when no app is known), ``+3`` when
    three more processes hold the socket, or why there is no owner.
    The one place this text is derived."""
    if endpoint.container is not None:
        return endpoint.container.owner
    name = endpoint.app or endpoint.process  # `vite`, not `node`
    if name:
        if endpoint.project:
            name = f"{name} · {endpoint.project}"  # `vite · web-app`
        more = len(endpoint.holders) - 1
        return f"{name} +{more}" if more > 0 else name
    if endpoint.pid is not None:
        return ""  # a PID without a readable name: the PID column says enough
    return _NO_OWNER_TEXT.get(endpoint.owner_status, "")


_NO_OWNER_TEXT = {
    OWNER_HIDDEN: "(hidden)",
    OWNER_PENDING: "(owner not yet known)",
    OWNER_OUTSIDE: "(owner outside this view)",
}


def owner_phrase(endpoint: Endpoint, name: str | None = None) -> str:
    """Who holds the socket, as a phrase: ``node (PID 812)``, ``node (PID 812) and 3 other
    processes``, or why no owner is shown, in honest words. ``name``: the owner's name to
    use instead of the process name (`who`)."""
    if endpoint.pid is not None:
        name = name or endpoint.process
        head = f"{name} (PID {endpoint.pid})" if name else f"PID {endpoint.pid}"
        more = len(endpoint.holders) - 1
        if more > 0:
            head += f" and {more} other process{'es' if more > 1 else ''}"
        return head
    if endpoint.container is not None and name:
        return name  # a port the container publishes, or its helper hidden from this user
    return NO_OWNER_PHRASES.get(endpoint.owner_status, NO_OWNER_PHRASES[OWNER_SEEN])


NO_OWNER_PHRASES = {
    OWNER_SEEN: "no owning process",
    OWNER_HIDDEN: "another user's process (hidden: Portie lacks the permission to see it)",
    OWNER_PENDING: "an owner not yet known (the socket appeared or closed while Portie looked)",
    OWNER_OUTSIDE: "a process outside Portie's view (another PID namespace, or one whose "
    "descriptors cannot be read)",
}


class Diff(NamedTuple):
    """What changed between two snapshots, keyed by endpoint identity."""

    added: dict[tuple, Endpoint]
    removed: dict[tuple, Endpoint]
    changed: dict[tuple, tuple[Endpoint, Endpoint]]  # key -> (old, new)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff(old: Snapshot | None, new: Snapshot) -> Diff:
    """Endpoints added, removed and changed (state or owner) from ``old`` to ``new``."""
    before = old.keyed() if old is not None else {}
    after = new.keyed()
    added = {k: e for k, e in after.items() if k not in before}
    removed = {k: e for k, e in before.items() if k not in after}
    changed = {}
    for key, now in after.items():
        was = before.get(key)
        # `is not` first: the collector reuses the record of an unchanged socket.
        if was is not None and was is not now and was != now:
            changed[key] = (was, now)
    return Diff(added, removed, changed)


def who(endpoint: Endpoint) -> str | None:
    """The owner's name as the table's Process column gives it: the container that owns
    the port, with the process holding it as ``--list`` shows it (``container web
    (compose shop/web) [docker-proxy]``); else the program and its project
    (``http.server · web-app``), else the process name (``python3``)."""
    if endpoint.container is not None:
        owner, holder = endpoint.container.owner, endpoint.process
        return f"{owner} [{holder}]" if holder else owner
    app = endpoint.app or endpoint.process
    project = endpoint.project
    return f"{app} · {project}" if app and project else app
