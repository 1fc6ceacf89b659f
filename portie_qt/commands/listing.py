"""``portie --list [--host NAME] [--json] [--listening] [--port N]``: ports in the terminal.

Without ``--host``, this machine's; with it, another computer's, read over SSH exactly as
the window reads a remote host (one login, then the connection is closed again).
"""

from __future__ import annotations

import argparse
import sys

from portie_qt.commands._common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, format_table
from portie_qt.core.containers import compose_label
from portie_qt.core.export import endpoint_rows, json_text
from portie_qt.core.ports import address_text
from portie_qt.core.text import plain

HEADERS = ("PROTO", "LOCAL", "PORT", "REMOTE", "STATE", "PID", "PROCESS", "USER", "SERVICE",
           "RANGE")  # fmt: skip


def _owner(row: dict) -> str:
    """The PROCESS cell: the container when one owns the port, its helper in brackets."""
    container = row.get("container")
    if container is None:
        return row["process"] or "?"
    label = compose_label(container["name"], container["project"], container["service"])
    return f"container {label}" + (f" [{row['process']}]" if row["process"] else "")


def _cells(row: dict) -> list[str]:
    remote = ""
    if row["remote_address"] is not None:
        remote = address_text(row["remote_address"], row["remote_port"])
    cells = [
        f"{row['protocol']}{'6' if row['family'] == 'ipv6' else ''}",
        row["local_address"],
        str(row["local_port"]),
        remote,
        row["state"],
        "" if row["pid"] is None else str(row["pid"]),
        _owner(row),
        row["user"] or "?",
        row["service"],
        row["range"],
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
    rows = endpoint_rows(endpoints)
    if args.json:
        sys.stdout.write(json_text(rows))
    elif rows:
        print(format_table(HEADERS, [_cells(row) for row in rows]))
    else:
        print("No matching ports.")
    for notice in notices:
        if notice:
            print(f"Note: {notice}", file=sys.stderr)
    return EXIT_OK
