"""``portie scan HOST [--ports SPEC] [--timeout S] [--concurrency N] [--banners] [--json]`` (paid).

Default output is a table of open ports and a summary line; ``--json`` prints one
object per scanned port. Exit 0 after a scan, 1 when the scan could not run, 2 on
bad input, 3 when Portie is locked, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys

from portie_qt.cli import EXIT_FAILURE, EXIT_LOCKED, EXIT_OK, EXIT_USAGE
from portie_qt.core import scanner

EXIT_INTERRUPTED = 130


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
    headers = ["PORT", "STATE", "SERVICE", "BANNER"]
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in rows]  # fmt: skip
    return "\n".join(lines)


class _Tails(dict):
    """Label -> the end of a JSON line for one state, each encoded once on first use."""

    def __init__(self, state: str):
        super().__init__()
        self.state = state

    def __missing__(self, label: str) -> str:
        text = self[label] = (
            f', "protocol": "tcp", "state": "{self.state}", "service": {json.dumps(label)}, '
            '"banner": null}'
        )
        return text


def write_json(report: scanner.ScanReport, out) -> None:
    """All scanned ports as a JSON array, ascending by port.

    Written from per-report templates rather than one dict per port: a full scan has
    65,535 entries and ``json.dump`` of that many dicts would take longer than the scan.
    """
    target = report.target
    head = f'{{"host": {json.dumps(target.host)}, "address": {json.dumps(target.address)}, "port": '
    label = scanner.service_labels().get
    lines: dict[int, str] = {}
    for state, ports in ((scanner.CLOSED, report.closed), (scanner.FILTERED, report.filtered)):
        tails = _Tails(state)
        lines.update(zip(ports, [f"{head}{p}{tails[label(p, '')]}" for p in ports], strict=True))
    lines.update((r.port, json.dumps(r.as_dict())) for r in report.open)
    out.write("[\n" + ",\n".join([lines[p] for p in sorted(lines)]) + "\n]\n")


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
        write_json(report, sys.stdout)
        print(report.summary(), file=sys.stderr)
    else:
        print(_table(report) if report.open else f"No open ports among {len(ports)} scanned.")
        print(report.summary())
    return EXIT_OK
