"""``portie --list [--host NAME] [--json] [--listening] [--port N]``: ports in the terminal.

Without ``--host``, this machine's; with it, another computer's, read over SSH exactly as
the window reads a remote host (one login, then the connection is closed again).
"""

from __future__ import annotations

import argparse
import sys

from portie_qt.commands._common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, format_table
from portie_qt.core.containers import compose_label
from portie_qt.core.endpoints import Endpoint, process_text
from portie_qt.core.export import endpoint_rows, json_text
from portie_qt.core.text import plain

HEADERS = ("PROTO", "LOCAL", "PORT", "REMOTE", "STATE", "PID", "PROCESS", "APP", "PROJECT",
           "USER", "SERVICE", "RANGE")  # fmt: skip


def _owner(e: Endpoint) -> str:
    """The PROCESS cell: the container when one owns the port, its helper in brackets;
    else the process (``+3`` for a shared socket) or why there is none."""
    box = e.container
    if box is None:
        return process_text(e) or "?"
    label = compose_label(box.name, box.project, box.service)
    return f"container {label}" + (f" [{e.process}]" if e.process else "")


def _cells(e: Endpoint) -> list[str]:
    cells = [
        f"{e.protocol}{'6' if e.family == 'ipv6' else ''}",
        e.local_address,
        str(e.local_port),
        e.remote,
        e.state,
        "" if e.pid is None else str(e.pid),
        _owner(e),
        e.app or "",
        e.project or "",
        e.user or "?",
        e.service,
        e.group.value,  # as the window's Range column says
    ]
    return [plain(cell) for cell in cells]  # a process may name itself anything


def _remote_snapshot(name: str):
    """``(snapshot, 0)``, or ``(sentence, exit status)`` when the host cannot be read."""
    from portie_qt.core.remote import HostError, RemoteError, RemoteHost

    try:
        host = RemoteHost(name)
    except HostError as exc:
        return str(exc), EXIT_USAGE
    try:
        return host.collector.collect(), EXIT_OK
    except RemoteError as exc:
        # One attempt, no retry: the reason alone, not the window's "tries again".
        return getattr(exc, "reason", str(exc)), EXIT_FAILURE
    finally:
        host.close()


def run(args: argparse.Namespace) -> int:
    if getattr(args, "host", None):
        snapshot, status = _remote_snapshot(args.host)
        if status != EXIT_OK:
            print(f"portie: {snapshot}", file=sys.stderr)
            return status
        notices = [snapshot.notice]
    else:
        from portie_qt.core.collector import collect
        from portie_qt.core.containers import ContainerOwners

        owners = ContainerOwners()  # this computer's container engine, asked once
        snapshot = owners.annotate(collect())
        notices = [snapshot.notice, owners.notice]
    endpoints = [
        e
        for e in snapshot.endpoints
        if (not args.listening or e.listening) and (args.port is None or e.local_port == args.port)
    ]
    endpoints.sort(key=lambda e: (not e.listening, e.local_port, e.protocol, e.local_address))
    if args.json:
        sys.stdout.write(json_text(endpoint_rows(endpoints)))
    elif endpoints:
        print(format_table(HEADERS, [_cells(e) for e in endpoints]))
    else:
        print("No matching ports.")
    for notice in notices:
        if notice:
            print(f"Note: {notice}", file=sys.stderr)
    return EXIT_OK
