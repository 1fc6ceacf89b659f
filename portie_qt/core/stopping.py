"""Freeing a port: every process that holds its sockets, or their whole process trees,
stopped parents first so nothing is respawned behind Portie's back. Qt-free.

A pre-fork server (a parent and its workers sharing one listening socket) is freed
only when all of them are gone; stopping a worker first just makes the parent start
another. So the parent (the oldest holder) goes first, then the workers. A dev server
whose watcher and workers are its children (``npm run dev`` → node → esbuild) can be
stopped as a tree: the holder, then its descendants.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

import psutil

from portie_qt.core.endpoints import Endpoint
from portie_qt.core.process_control import (
    Outcome,
    Target,
    describe,
    kill,
    oldest_first,
    targets_for,
    terminate,
)


def _listening_on(port: int, protocol: str, endpoints: Iterable[Endpoint]) -> list[Endpoint]:
    return [e for e in endpoints if e.local_port == port and e.protocol == protocol and e.listening]


def listeners_on(port: int, protocol: str = "tcp") -> list[Endpoint]:
    """The sockets listening on (TCP) or bound to (UDP) ``port`` now."""
    from portie_qt.core.collector import collect

    return _listening_on(port, protocol, collect().endpoints)


def holders_of(endpoints: Iterable[Endpoint]) -> list[Target]:
    """Every process holding ``endpoints``, described fresh (name, command, every port,
    and on Linux a pidfd opened while its identity held), parents first. Portie itself is
    left out: it may hold a listening socket only by inheriting it from the process that
    started it, and that copy closes with it."""
    found = [t for t in targets_for(endpoints) if t.pid != os.getpid()]
    described = []
    for known in found:
        fresh = describe(known.pid, known.create_time)
        # A process that exited meanwhile keeps what the table knew, to be named.
        described.append(fresh if fresh.name else known)
    return described


def processes_on_port(port: int, protocol: str = "tcp") -> list[Target]:
    """Every process holding a socket listening on ``port``, described fresh, parents first."""
    return holders_of(listeners_on(port, protocol))


def process_tree(target: Target) -> list[Target]:
    """The descendants of ``target`` (children, their children, …) described now,
    parents first; empty when it has exited or its PID now names another process."""
    try:
        proc = psutil.Process(target.pid)
        if target.create_time is None or abs(proc.create_time() - target.create_time) >= 0.01:
            return []
        children = proc.children(recursive=True)
    except psutil.Error:
        return []  # exited meanwhile, or not ours to inspect: the holder alone is stopped
    found = []
    for child in children:
        try:
            created = child.create_time()
        except psutil.Error:
            continue  # exited while we looked
        found.append(describe(child.pid, created))
    return sorted(found, key=oldest_first)


def stop_plan(holders: list[Target], tree: bool = False) -> list[Target]:
    """What stopping the holders means: the holders, and with ``tree`` every descendant
    of each; every process once, parents before their children."""
    plan: dict[tuple, Target] = {t.key: t for t in holders}
    if tree:
        for holder in holders:
            for member in process_tree(holder):
                if member.pid != os.getpid():
                    plan.setdefault(member.key, member)
    return sorted(plan.values(), key=oldest_first)


def stop_all(targets: list[Target], force: bool = False, timeout: float = 3.0) -> list[Outcome]:
    """Terminate (or kill) each target in order, waiting for each to exit before the next:
    a parent is gone before its workers are signalled, so it cannot replace them."""
    act = kill if force else terminate
    return [act(target, timeout) for target in targets]


def port_in_use(port: int, protocol: str = "tcp") -> bool:
    """True while any socket listens on (TCP) or is bound to (UDP) ``port``.

    On Linux this is a small listeners-only read of the kernel's tables (one chunk,
    so a busy machine cannot make a held port look free); elsewhere a full collect.
    """
    from portie_qt.core.collector import default_collector

    collector = default_collector()
    found = collector.listening_identities()
    if found is None:
        return bool(_listening_on(port, protocol, collector.collect().endpoints))
    return any(key[0] == protocol and key[3] == port for key, _inode in found)


def release_inherited(port: int, protocol: str = "tcp") -> int:
    """Close Portie's own descriptors of sockets listening on ``port``; how many.

    Portie opens no listening socket of its own, so any it holds was inherited from the
    process that started it (a server that runs ``portie free`` from a hook, say). Those
    copies would keep the port busy after every real holder has stopped."""
    closed = 0
    try:
        conns = psutil.Process().net_connections(kind="tcp" if protocol == "tcp" else "udp")
    except psutil.Error:
        return 0
    for conn in conns:
        listening = conn.status == psutil.CONN_LISTEN or (protocol == "udp" and not conn.raddr)
        if listening and conn.laddr and conn.laddr[1] == port and conn.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(conn.fd)
                closed += 1
    return closed
