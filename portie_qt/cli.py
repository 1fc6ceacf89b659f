"""Terminal entry points. Imports the core only, never Qt, so it starts fast.

``portie`` with no arguments opens the window; with flags it runs headless:
``--list [--json] [--listening] [--port N]``, ``--version``, ``--self-test`` (opens the
real window, so it is the one flag that loads Qt), and the sub-commands
``license``, ``scan`` and ``free`` from ``portie_qt.commands``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from portie_qt import __version__

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3

# Sub-command name -> module in portie_qt.commands exposing add_arguments(parser), run(args).
SUBCOMMANDS = {
    "license": "Activate, show or remove the license key",
    "scan": "Scan a host's TCP ports (paid)",
    "free": "Free a port by stopping the process that listens on it (paid)",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and exit 2, never a usage dump
        self.exit(EXIT_USAGE, f"portie: {message}\nTry 'portie --help'.\n")


def port_number(text: str) -> int:
    """argparse type: a port 0–65535 with a sentence for anything else."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (use 0–65535)") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is out of range: ports run 0–65535")
    return value


def _main_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="portie",
        description="Every open port on this computer, explained. No arguments open the window.",
        epilog="Sub-commands: "
        + "; ".join(f"portie {n} … ({d})" for n, d in SUBCOMMANDS.items())
        + ". See 'portie COMMAND --help'.",
    )
    parser.add_argument("--version", action="version", version=f"Portie {__version__}")
    parser.add_argument("--list", action="store_true", help="print this machine's ports and exit")
    parser.add_argument("--json", action="store_true", help="with --list: a JSON array")
    parser.add_argument(
        "--listening", action="store_true", help="with --list: listening sockets only"
    )
    parser.add_argument("--port", type=port_number, metavar="N", help="with --list: only port N")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the window, wait for the first rows, print rows=N first_rows_ms=T",
    )
    return parser


def _table(rows: list[dict]) -> str:
    headers = ["PROTO", "LOCAL", "PORT", "REMOTE", "STATE", "PID", "PROCESS", "USER", "SERVICE",
               "RANGE"]  # fmt: skip
    body = []
    for r in rows:
        local = r["local_address"]
        remote = ""
        if r["remote_address"] is not None:
            host = r["remote_address"]
            remote = f"[{host}]:{r['remote_port']}" if ":" in host else f"{host}:{r['remote_port']}"
        body.append([
            f"{r['protocol']}{'6' if r['family'] == 'ipv6' else ''}", local, str(r["local_port"]),
            remote, r["state"], "" if r["pid"] is None else str(r["pid"]), r["process"] or "?",
            r["user"] or "?", r["service"], r["range"],
        ])  # fmt: skip
    widths = [max(len(h), *(len(row[i]) for row in body)) if body else len(h)
              for i, h in enumerate(headers)]  # fmt: skip
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in body]  # fmt: skip
    return "\n".join(lines)


def list_ports(args: argparse.Namespace) -> int:
    from portie_qt.core.collector import collect

    snapshot = collect()
    endpoints = [
        e
        for e in snapshot.endpoints
        if (not args.listening or e.listening) and (args.port is None or e.local_port == args.port)
    ]
    endpoints.sort(key=lambda e: (not e.listening, e.local_port, e.protocol, e.local_address))
    rows = [e.as_dict() for e in endpoints]
    if args.json:
        json.dump(rows, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(_table(rows) if rows else "No matching ports.")
    if snapshot.notice:
        print(f"Note: {snapshot.notice}", file=sys.stderr)
    return EXIT_OK


def _run_subcommand(name: str, argv: list[str]) -> int:
    module = importlib.import_module(f"portie_qt.commands.{name}")
    parser = _Parser(prog=f"portie {name}", description=SUBCOMMANDS[name])
    module.add_arguments(parser)
    args = parser.parse_args(argv)
    return module.run(args)


def _trust_root_refusal() -> str:
    """Why this build must not run at all ('' when it may): a release build that would
    trust the development license key, or none. Source builds skip the key check."""
    from portie_qt.core import trust

    if not trust.is_release_build():
        return ""
    try:
        trust.check_trust_root()
    except trust.TrustRootError as exc:
        return str(exc)
    return ""


def main(argv: list[str] | None = None) -> int:
    """Run Portie: the window without arguments, headless with flags."""
    argv = list(sys.argv[1:] if argv is None else argv)
    refusal = _trust_root_refusal()
    if refusal:
        print(f"portie: {refusal}", file=sys.stderr)
        return EXIT_FAILURE
    if argv and argv[0] in SUBCOMMANDS:
        return _run_subcommand(argv[0], argv[1:])
    parser = _main_parser()
    # Qt's own options (-platform, -style …) pass through to the window.
    args, rest = parser.parse_known_args(argv)
    unknown = [a for a in rest if a.startswith("--") and not args.self_test]
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.list:
        return list_ports(args)
    if args.json or args.listening or args.port is not None:
        parser.error("--json, --listening and --port go with --list")
    from portie_qt.app import run_gui  # Qt is loaded only for the window

    return run_gui(rest, self_test=args.self_test)
