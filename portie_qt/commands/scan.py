"""``portie scan TARGETS [--ports SPEC] [--timeout S] [--concurrency N] [--banners] [--json]
[--yes] [--diff]`` (paid).

TARGETS is a host, an address, a CIDR block (``192.0.2.0/28``), a range
(``192.0.2.10-20``) or a comma list of them. Default output is a table of open ports
and a summary line (and, for several hosts, a line per host); ``--json`` prints one
flat array with an object per scanned port of every host. Every scan is kept in the
scan history; ``--diff`` also prints what changed since the last scan of the same
targets. Exit 0 after a scan, 1 when the scan could not run, 2 on bad input (checked
before the licence), 3 when Portie is locked, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import math
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
from portie_qt.core.text import plain, plain_or_none

TIMEOUT_MIN, TIMEOUT_MAX = 0.05, 60.0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text[:20]}' is not a number of seconds") from None
    if not (math.isfinite(value) and TIMEOUT_MIN <= value <= TIMEOUT_MAX):
        raise argparse.ArgumentTypeError(
            f"'{text[:20]}' is out of range: use {TIMEOUT_MIN:g} to {TIMEOUT_MAX:g} seconds"
        )
    return value


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 6):
        raise argparse.ArgumentTypeError(f"'{text[:20]}' is not a whole number from 1 to 65536")
    value = int(text, 10)
    if not 1 <= value <= 65536:
        raise argparse.ArgumentTypeError(f"'{text}' is out of range: use 1 to 65536")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "host",
        metavar="TARGETS",
        help="host name, IPv4 or IPv6 address, CIDR block (192.0.2.0/28), range "
        "(192.0.2.10-20), or a comma list of them",
    )
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
        help=f"seconds to wait for each port, {TIMEOUT_MIN:g} to {TIMEOUT_MAX:g} "
        f"(default {scanner.DEFAULT_TIMEOUT:g})",
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
    parser.add_argument(
        "--json", action="store_true", help="a JSON array, one object per port of every host"
    )
    parser.add_argument(
        "--yes",
        "-y",
        action="store_true",
        help=f"scan more than {scanner.CONFIRM_ABOVE} addresses without asking",
    )
    parser.add_argument(
        "--diff", action="store_true", help="also say what changed since the last scan"
    )


def _port_rows(hosts, with_host: bool) -> list[list[str]]:
    rows = []
    for host in hosts:
        for r in host.open:
            row = [f"{r.port}/{r.protocol}", r.state, r.service, plain_or_none(r.banner) or ""]
            rows.append([plain(host.target.host), *row] if with_host else row)
    return rows


def _output(report: scanner.MultiScanReport, ports: int) -> str:
    if len(report.hosts) == 1:
        rows = _port_rows(report.hosts, with_host=False)
        if not rows:
            return f"No open ports among {ports} scanned."
        return format_table(("PORT", "STATE", "SERVICE", "BANNER"), rows)
    hosts = [
        [plain(h.target.host), h.target.address, h.state, str(len(h.open)),
         str(len(h.closed)), str(len(h.filtered))]
        for h in report.hosts
    ]  # fmt: skip
    text = format_table(("HOST", "ADDRESS", "STATE", "OPEN", "CLOSED", "FILTERED"), hosts)
    rows = _port_rows(report.hosts, with_host=True)
    if rows:
        text += "\n\n" + format_table(("HOST", "PORT", "STATE", "SERVICE", "BANNER"), rows)
    else:
        text += f"\n\nNo open ports among {ports} scanned on each host."
    return text


def _confirmed(targets: scanner.TargetList, yes: bool) -> bool | None:
    """True to go ahead; False when the user said no; None when nobody can be asked."""
    if yes or not targets.needs_confirmation:
        return True
    if not sys.stdin or not sys.stdin.isatty():
        return None
    try:
        answer = input(f"Scan {targets.count:,} addresses? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def run(args: argparse.Namespace) -> int:
    from portie_qt.core.license import LOCKED_MESSAGE, is_unlocked

    try:  # the input first: a typo is a typo, locked or not
        targets = scanner.parse_targets(args.host)
        ports = scanner.parse_ports(args.ports)
    except (scanner.PortSpecError, scanner.TargetError) as exc:
        print(f"portie scan: {exc}", file=sys.stderr)
        return EXIT_USAGE
    too_many = scanner.probes_refusal(targets.count, len(ports))
    if too_many:
        print(f"portie scan: {too_many}", file=sys.stderr)
        return EXIT_USAGE
    if not is_unlocked():
        print(LOCKED_MESSAGE, file=sys.stderr)
        return EXIT_LOCKED
    go = _confirmed(targets, args.yes)
    if go is None:
        print(f"portie scan: '{plain(args.host, 60).strip()}' is {targets.count:,} addresses: add "
              "--yes to scan them all.", file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    if not go:
        print("portie scan: nothing scanned.", file=sys.stderr)
        return EXIT_FAILURE
    try:
        resolved = scanner.resolve_targets(targets)
    except scanner.TargetError as exc:
        print(f"portie scan: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for note in dict.fromkeys(t.note for t in resolved if t.note):
        print(plain(note), file=sys.stderr)
    notice = scanner.concurrency_notice(args.concurrency)
    if notice:
        print(f"portie scan: {notice}", file=sys.stderr)
    try:
        report = scanner.scan_targets(
            resolved,
            ports,
            timeout=args.timeout,
            concurrency=args.concurrency,
            banners=args.banners,
            processes=scanner.parallel_processes(resolved, len(resolved) * len(ports)),
            targets_text=targets.text,
            ports_spec=args.ports.strip(),
        )
    except scanner.ScanError as exc:
        print(f"portie scan: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:  # the scan closed its sockets on the way out
        print("portie scan: interrupted; no results.", file=sys.stderr)
        return EXIT_INTERRUPTED
    from portie_qt.core.scan.history import record_and_compare

    _scan_id, changed, saving = record_and_compare(report, compare=args.diff)
    if saving:
        print(f"portie scan: {saving}", file=sys.stderr)
    if args.json:
        sys.stdout.write(scan_json(report))
        print(report.summary(), file=sys.stderr)
        if args.diff:
            print(changed, file=sys.stderr)
    else:
        print(_output(report, len(ports)))
        print(report.summary())
        if args.diff:
            print(changed)
    return EXIT_OK
