"""Terminal entry points. Imports the core only, never Qt, so it starts fast.

``portie`` with no arguments opens the window; with flags it runs headless:
``--list [--host NAME] [--json] [--listening] [--port N]``, ``--version``, ``--self-test``
(opens the real window, so it is the one flag that loads Qt), and the sub-commands
``license``, ``scan`` and ``free`` from ``portie_qt.commands``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from portie_qt import __version__
from portie_qt.commands._common import EXIT_FAILURE, Parser, port_argument

# Sub-command name -> module in portie_qt.commands exposing add_arguments(parser), run(args).
SUBCOMMANDS = {
    "license": "Activate, show or remove the license key",
    "scan": "Scan a host's TCP ports (paid)",
    "free": "Free a port by stopping the process that listens on it (paid)",
    "why": "Explain why a port is busy, or that it is free",
}


def _main_parser() -> argparse.ArgumentParser:
    parser = Parser(
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
    parser.add_argument("--port", type=port_argument, metavar="N", help="with --list: only port N")
    parser.add_argument(
        "--host",
        metavar="NAME",
        help="with --list: another computer's ports, over SSH (a name from ~/.ssh/config "
        "or user@host[:port])",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the window, wait for the first rows, print rows=N first_rows_ms=T",
    )
    return parser


def _run_subcommand(name: str, argv: list[str]) -> int:
    module = importlib.import_module(f"portie_qt.commands.{name}")
    parser = Parser(prog=f"portie {name}", description=SUBCOMMANDS[name])
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
        from portie_qt.commands import listing

        return listing.run(args)
    if args.json or args.listening or args.port is not None or args.host is not None:
        parser.error("--json, --listening, --port and --host go with --list")
    from portie_qt.app import run_gui  # Qt is loaded only for the window

    return run_gui(rest, self_test=args.self_test)
