"""Endpoint records, snapshots of all of them, and the diff between two snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from portie_qt.core.ports import address_text
from portie_qt.core.ranges import Band, band_of, ephemeral_range
from portie_qt.core.reference import service_label

LISTEN = "LISTEN"
BOUND = "BOUND"  # a UDP socket with no peer: UDP's "listening"
# A port a container publishes that no host socket holds (the engine's firewall rules
# forward it): listening, as far as anyone connecting can tell.
PUBLISHED = "PUBLISHED"
# States of a connection that is on its way out or not yet up: shown muted.
PASSING_STATES = frozenset(
    {"TIME_WAIT", "CLOSE_WAIT", "FIN_WAIT1", "FIN_WAIT2", "CLOSING", "LAST_ACK", "SYN_SENT",
     "SYN_RECV", "CLOSE"}
)  # fmt: skip
# Sockets that never have an owner, even for root: not a visibility problem.
OWNERLESS_STATES = PASSING_STATES | {"NONE"}


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

    @property
    def band(self) -> Band:
        return band_of(self.local_port)

    @property
    def service(self) -> str:
        return service_label(self.local_port, self.protocol)

    @property
    def listening(self) -> bool:
        return self.state in (LISTEN, BOUND, PUBLISHED)

    @property
    def passing_by(self) -> bool:
        """A connection from a port in the OS's ephemeral range: an outgoing connection
        that will be gone soon (on Linux this starts at 32768, inside IANA's registered
        band). Listening sockets are never passing, whatever their port."""
        return not self.listening and self.local_port in ephemeral_range()

    @property
    def remote(self) -> str:
        if self.remote_address is None:
            return ""
        return address_text(self.remote_address, self.remote_port)

    @property
    def local(self) -> str:
        return address_text(self.local_address, self.local_port)

    @property
    def key(self) -> tuple:
        """Identity across refreshes: the socket's addresses (the owner may change)."""
        return (self.protocol, self.family, self.local_address, self.local_port,
                self.remote_address, self.remote_port)  # fmt: skip

    EXPORT_KEYS = ("protocol", "family", "local_address", "local_port", "remote_address",
                   "remote_port", "state", "pid", "process", "user", "service",
                   "range")  # fmt: skip

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
            "process": self.process,
            "user": self.user,
            "service": self.service,
            "range": self.band.value,
            "container": None if self.container is None else self.container.as_dict(),
        }


@dataclass(frozen=True)
class Snapshot:
    """Every endpoint seen by one refresh, and how much the refresh could see."""

    endpoints: tuple[Endpoint, ...]
    taken_at: float  # time.time() of the refresh
    limited: bool = False  # some owners are hidden from this user
    notice: str = ""  # why visibility is limited / what went wrong, in words
    hidden_owners: int = 0  # endpoints whose owner could not be seen
    host: str = ""  # the remote host these endpoints are on; "" for this computer
    _keyed: dict = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def keyed(self) -> dict[tuple, Endpoint]:
        """Endpoints by identity key (duplicates get an ordinal so none is lost)."""
        if self._keyed is None:
            object.__setattr__(self, "_keyed", keyed(self.endpoints))
        return self._keyed


def keyed(endpoints) -> dict[tuple, Endpoint]:
    """Map identity key -> endpoint; a repeated key (SO_REUSEPORT) gets an ordinal."""
    out: dict[tuple, Endpoint] = {}
    for endpoint in endpoints:
        key = endpoint[:6]  # == endpoint.key (the first six fields), without a property call
        if key in out:
            n = 1
            while (*key, n) in out:
                n += 1
            key = (*key, n)
        out[key] = endpoint
    return out


@dataclass(frozen=True)
class Diff:
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
