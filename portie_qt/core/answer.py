"""The answer to "what is on port 3000?" in one sentence, the same in every front end.

``port_answer(3000, endpoints)`` says "Port 3000 — vite (node) in web-app, PID 1234,
up 2 h, listening on 127.0.0.1 and ::1", or "Port 3000 is free — usually Node/React dev
server." The terminal prints it now (``portie free``); the window's answer card uses
the same function. Qt-free, no I/O: give it the endpoints of a snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from portie_qt.core.endpoints import Endpoint, owner_phrase
from portie_qt.core.reference import lookup

_WILDCARDS = ("0.0.0.0", "::")


def uptime_text(seconds: float) -> str:
    """``45 s``, ``12 min``, ``2 h``, ``3 days``: how long, roughly, as people say it."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _and(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _addresses(endpoints: list[Endpoint]) -> str:
    found = list(dict.fromkeys(e.local_address for e in endpoints))
    found.sort(key=lambda a: (":" in a, a))  # IPv4 first
    shown = [f"{a} (all interfaces)" if a in _WILDCARDS else a for a in found]
    return _and(shown)


def owner_text(endpoint: Endpoint) -> str:
    """``vite (node) in web-app, PID 1234``: the app, its process when that says more,
    the project, and the PID (``PID 1234 and 3 more`` for a shared socket)."""
    if endpoint.pid is None:
        return owner_phrase(endpoint)
    app, process = endpoint.app, endpoint.process
    name = app or process or "a process"
    if process and app and process != app and process not in app.split():
        name = f"{app} ({process})"
    project = f" in {endpoint.project}" if endpoint.project else ""
    more = len(endpoint.holders) - 1
    pids = f"PID {endpoint.pid}" + (f" and {more} more" if more > 0 else "")
    return f"{name}{project}, {pids}"


def port_answer(
    port: int, endpoints: Iterable[Endpoint], protocol: str = "tcp", now: float | None = None
) -> str:
    """The answer for ``port`` given a snapshot's ``endpoints`` (only the ones listening on
    ``port`` with ``protocol`` count): who holds it and since when, or that it is free."""
    listening = [
        e for e in endpoints if e.local_port == port and e.protocol == protocol and e.listening
    ]
    if not listening:
        return free_answer(port, protocol)
    when = time.time() if now is None else now
    by_owner: dict[tuple, list[Endpoint]] = {}
    for endpoint in listening:
        owner = (endpoint.pid, endpoint.create_time, endpoint.owner_status)
        by_owner.setdefault(owner, []).append(endpoint)
    verb = "listening on" if protocol == "tcp" else "bound to"
    parts = []
    for group in by_owner.values():
        first = group[0]
        text = owner_text(first)
        if first.create_time is not None:
            text += f", up {uptime_text(when - first.create_time)}"
        parts.append(f"{text}, {verb} {_addresses(group)}")
    head = f"Port {port}" if protocol == "tcp" else f"UDP port {port}"
    return f"{head} — " + "; ".join(parts)


def free_answer(port: int, protocol: str = "tcp") -> str:
    """``Port 3000 is free — usually Node/React dev server.``"""
    head = f"Port {port}" if protocol == "tcp" else f"UDP port {port}"
    try:
        info = lookup(port, protocol)
    except (OSError, LookupError, ValueError):
        return f"{head} is free."  # a build without the port reference still answers
    if info.practical:
        return f"{head} is free — usually {info.practical}."
    names = sorted({a.name for a in info.assignments if a.name})
    if names:
        return f"{head} is free — IANA assigns it to {_and(names)}."
    return f"{head} is free — no program is known for it."
