"""Confirmed snapshots: what the window, the activity log and notifications are fed.

A single read of the socket tables can miss a listener that is there (the kernel lists
its tables in chunks while sockets come and go) and can catch a socket before or after
its owner is visible. Reporting either as news would be a lie, so `Confirmer` turns each
raw snapshot into a confirmed one before anything is diffed:

- a listener missing since the last confirmed snapshot gets a second look: a small
  listeners-only read of the kernel's tables (Linux), or, where no cheap second look
  exists, the next refresh. Only a confirmed absence removes it, so a real stop is
  reported on the next refresh (Linux) or the one after, never a false one;
- an owner that flickers (the same socket, its owner not found or its name unreadable
  for one look) keeps the owner it had;
- a new socket whose owner was not found waits one refresh: by then its owner is
  known, it has closed, or it is shown as owned by a process outside this view.

Qt-free and cheap: with nothing missing, the raw snapshot passes through untouched.
"""

from __future__ import annotations

from portie_qt.core.endpoints import (
    BOUND,
    LISTEN,
    OWNER_OUTSIDE,
    OWNER_PENDING,
    OWNER_STATUS_AT,
    Endpoint,
    Snapshot,
)

_LISTENING = (LISTEN, BOUND)
# No owner found although Portie may look (not "hidden", not ownerless by nature).
_UNFOUND = (OWNER_PENDING, OWNER_OUTSIDE)


class Confirmer:
    """Feeds raw snapshots from ``collector`` through confirmation (see the module doc).

    ``collector`` needs ``collect()``; ``listening_identities()``, where it has one, gives
    a set of ``(key, inode)`` read again now, or None when no cheap second look exists (a
    remote host's collector has none: the next refresh is its second look).
    """

    def __init__(self, collector) -> None:
        self.collector = collector
        self._confirmed: Snapshot | None = None
        self._held: set[tuple] = set()  # keys kept once without a second look (psutil)
        self._waiting: set[tuple] = set()  # new sockets without an owner, held back once
        self._flickered: set[tuple] = set()  # sockets whose owner was kept once

    def collect(self) -> Snapshot:
        return self.confirm(self.collector.collect())

    def confirm(self, raw: Snapshot) -> Snapshot:
        """The confirmed snapshot for ``raw`` (``raw`` itself when nothing needs a look)."""
        before = self._confirmed
        if before is None:
            self._confirmed = raw
            return raw
        now = raw.keyed()
        was = before.keyed()
        kept: list[Endpoint] = []
        missing = [(k, e) for k, e in _listeners(before).items() if k not in now]
        if missing:
            kept = self._still_there(missing)
        replaced: dict[int, Endpoint] = {}
        dropped: set[int] = set()
        waiting: set[tuple] = set()
        flickered: set[tuple] = set()
        for index, endpoint in enumerate(raw.endpoints):
            if endpoint[7] is not None:
                if endpoint[8] is None:  # a name unreadable for one look
                    old = _same_socket(was, endpoint)
                    if old is not None and old[7] == endpoint[7] and old[8] is not None:
                        replaced[index] = old
                continue
            if endpoint[OWNER_STATUS_AT] not in _UNFOUND:
                continue
            identity = (*endpoint[:6], endpoint.inode)
            old = _same_socket(was, endpoint)
            if old is None:
                # Brand new and no owner found: wait one refresh, by which time its owner
                # is known, it has closed, or it is shown as it is.
                if identity not in self._waiting:
                    dropped.add(index)
                    waiting.add(identity)
            elif old[7] is not None and identity not in self._flickered:
                # The owner flickered: it still holds the socket (once; a second refresh
                # without it is believed).
                replaced[index] = old
                flickered.add(identity)
        self._waiting, self._flickered = waiting, flickered
        if not (kept or replaced or dropped):
            self._confirmed = raw
            return raw
        endpoints = [
            replaced.get(index, endpoint)
            for index, endpoint in enumerate(raw.endpoints)
            if index not in dropped
        ]
        endpoints += kept
        confirmed = raw._replace(endpoints=tuple(endpoints))
        self._confirmed = confirmed
        return confirmed

    def _still_there(self, missing: list[tuple[tuple, Endpoint]]) -> list[Endpoint]:
        """The missing listeners that a second look finds (or that wait for one)."""
        second_look = getattr(self.collector, "listening_identities", None)
        present = second_look() if second_look is not None else None
        if present is None:
            # No cheap second look: keep each one once; the next refresh decides.
            kept = [e for k, e in missing if k not in self._held]
            self._held = {k for k, _e in missing if k not in self._held}
            return kept
        self._held = set()
        return [e for _k, e in missing if (e[:6], e.inode) in present]


def _listeners(snapshot: Snapshot) -> dict[tuple, Endpoint]:
    return {k: e for k, e in snapshot.keyed().items() if e[6] in _LISTENING}


def _same_socket(keyed: dict[tuple, Endpoint], endpoint: Endpoint) -> Endpoint | None:
    """The previous record of this very socket (same addresses and inode), if any."""
    old = keyed.get(endpoint[:6])
    if old is not None and old.inode == endpoint.inode:
        return old
    if endpoint.inode:
        old = keyed.get((*endpoint[:6], endpoint.inode))
        if old is not None:
            return old
    return None
