"""``portie --list [--json] [--listening] [--port N]``: this machine's ports in the terminal."""

from __future__ import annotations

import argparse
import sys

from portie_qt.commands._common import EXIT_OK, format_table
from portie_qt.core.export import endpoint_rows, json_text
from portie_qt.core.ports import address_text

HEADERS = ("PROTO", "LOCAL", "PORT", "REMOTE", "STATE", "PID", "PROCESS", "USER", "SERVICE",
           "RANGE")  # fmt: skip


def _cells(row: dict) -> list[str]:
    remote = ""
    if row["remote_address"] is not None:
        remote = address_text(row["remote_address"], row["remote_port"])
    return [
        f"{row['protocol']}{'6' if row['family'] == 'ipv6' else ''}",
        row["local_address"],
        str(row["local_port"]),
        remote,
        row["state"],
        "" if row["pid"] is None else str(row["pid"]),
        row["process"] or "?",
        row["user"] or "?",
        row["service"],
        row["range"],
    ]


def run(args: argparse.Namespace) -> int:
    from portie_qt.core.collector import collect

    snapshot = collect()
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
    if snapshot.notice:
        print(f"Note: {snapshot.notice}", file=sys.stderr)
    return EXIT_OK
