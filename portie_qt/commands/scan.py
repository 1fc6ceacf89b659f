"""``portie scan HOST [--ports SPEC] [--timeout S] [--concurrency N] [--banners] [--json]`` (paid).

Default output is a table of open ports and a summary line; ``--json`` prints one
object per scanned port. Exit 0 after a scan, 1 when the scan could not run, 2 on
bad input, 3 when Portie is locked, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys

from portie_qt.commands._common import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    format_table,
)
from portie_qt.core import scan as scanner
from portie_qt.core.export import scan_json


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 < value <= 60:
        raise argparse.ArgumentTypeError(f"'{text}' is out of range: use 0.05 to 60 seconds")
    return value


def _count(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= value <= 65536:
        raise argparse.ArgumentTypeError(f"'{text}' is out of range: use 1 to 65536")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", metavar="HOST", help="host name, IPv4 or IPv6 address")
    parser.add_argument(
        "--ports",
        "-p",
        default="top1000",
        metavar="SPEC",
        help="e.g. 22,80,443 or 1-1024 or top100, top1000 (default), all",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=scanner.DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds to wait for each port (default {scanner.DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--concurrency",
        type=_count,
        default=None,
        metavar="N",
        help="connects in flight at once (default: as many as the system allows, "
        f"up to {scanner.DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--banners", action="store_true", help="ask open ports what they are (HTTP: Server)"
    )
    parser.add_argument("--json", action="store_true", help="a JSON array, one object per port")


def _table(report: scanner.ScanReport) -> str:
    rows = [[f"{r.port}/tcp", r.state, r.service, r.banner or ""] for r in report.open]
    return format_table(("PORT", "STATE", "SERVICE", "BANNER"), rows)


def run(args: argparse.Namespace) -> int:
    from portie_qt.core.license import LOCKED_MESSAGE, is_unlocked

    if not is_unlocked():
        print(LOCKED_MESSAGE, file=sys.stderr)
        return EXIT_LOCKED
    try:
        ports = scanner.parse_ports(args.ports)
        target = scanner.resolve_target(args.host)
    except (scanner.PortSpecError, scanner.TargetError) as exc:
        print(f"portie scan: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if target.note:
        print(target.note, file=sys.stderr)
    try:
        report = scanner.scan(
            target,
            ports,
            timeout=args.timeout,
            concurrency=args.concurrency,
            banners=args.banners,
            processes=scanner.parallel_processes(target, len(ports)),
        )
    except scanner.ScanError as exc:
        print(f"portie scan: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:  # the scan closed its sockets on the way out
        print("portie scan: interrupted; no results.", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.json:
        sys.stdout.write(scan_json(report))
        print(report.summary(), file=sys.stderr)
    else:
        print(_table(report) if report.open else f"No open ports among {len(ports)} scanned.")
        print(report.summary())
    return EXIT_OK
