"""Terminal entry points. Imports the core only, never Qt, so it starts fast.

``portie`` with no arguments opens the window; with flags it runs headless:
``--list [--host NAME] [--json] [--listening] [--port N]``, ``--version``, ``--self-test``
(opens the real window, so it is the one flag that loads Qt), and the sub-commands
``license``, ``scan`` and ``free`` from ``portie_qt.commands``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import os
import sys

from portie_qt import __version__
from portie_qt.commands._common import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILURE,
    EXIT_USAGE,
    Parser,
    port_argument,
)
from portie_qt.core.text import plain

# Sub-command name -> module in portie_qt.commands exposing add_arguments(parser), run(args).
SUBCOMMANDS = {
    "license": "Activate, show or remove the license key",
    "scan": "Scan a host's TCP ports (paid)",
    "free": "Free a port by stopping the process that listens on it (paid)",
    "why": "Explain why a port is busy, or that it is free",
}


# Qt's own command-line options, which pass through to the window: name -> takes a value.
# (QGuiApplication, QApplication and the X11 platform's; Qt also accepts "--name".)
QT_OPTIONS = {
    "platform": True, "platformpluginpath": True, "platformtheme": True, "plugin": True,
    "qwindowgeometry": True, "qwindowicon": True, "qwindowtitle": True, "session": True,
    "style": True, "stylesheet": True, "display": True, "geometry": True, "title": True,
    "name": True, "visual": True, "ncols": True, "cmap": True, "im": True,
    "qmljsdebugger": False, "reverse": False, "widgetcount": False, "sync": False,
    "nograb": False, "dograb": False,
}  # fmt: skip


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


def _subcommand_parser(name: str) -> argparse.ArgumentParser:
    module = importlib.import_module(f"portie_qt.commands.{name}")
    parser = Parser(prog=f"portie {name}", description=SUBCOMMANDS[name])
    module.add_arguments(parser)
    return parser


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


def split_qt_options(argv: list[str]) -> tuple[list[str], list[str]]:
    """(Portie's own words, Qt's options with their values) from the command line."""
    own: list[str] = []
    qt: list[str] = []
    words = iter(argv)
    for word in words:
        name, has_value, _value = word.lstrip("-").partition("=")
        if not (word.startswith("-") and not word.startswith("---") and name in QT_OPTIONS):
            own.append(word)
            continue
        if not QT_OPTIONS[name]:
            qt.append(word)
            continue
        value = _value if has_value else next(words, None)
        if value is None:
            raise _UsageError(f"Qt's option {word} needs a value, e.g. {word} offscreen")
        qt += [f"-{name}", value]  # Qt reads "-platform X", not "-platform=X"
    return own, qt


class _UsageError(Exception):
    """A command line Portie cannot run; the message is one sentence."""


def _commands() -> list[str]:
    return [*SUBCOMMANDS, "--list", "--json", "--listening", "--port", "--host", "--version",
            "--self-test", "--help"]  # fmt: skip


def _distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) turning ``a`` into ``b``."""
    previous, current = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        before, previous, current = previous, current, [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
    return current[-1]


def nearest_command(word: str) -> str | None:
    """The command or option ``word`` most likely meant, or None when none is close."""
    bare = word.lstrip("-").lower()[:40]
    if not bare:
        return None
    scored = sorted((_distance(bare, c.lstrip("-")), c) for c in _commands())
    best_distance, best = scored[0]
    return best if best_distance <= max(1, len(best.lstrip("-")) // 3) else None


def unknown_word_message(word: str, first: bool = True, listing: bool = False) -> str:
    """One sentence for a word Portie does not know, naming the nearest command."""
    shown = plain(word if len(word) <= 40 else word[:39] + "…")
    nearest = nearest_command(word)
    what = f"'{shown}' is not a Portie command" if first else f"Unexpected '{shown}'"
    if nearest is not None:
        return f"{what}; did you mean '{'portie ' if first else ''}{nearest}'?"
    if first:
        listed = ", ".join(SUBCOMMANDS) + " or --list"
        return f"{what}; the commands are {listed} (see 'portie --help')."
    if listing:
        return f"{what}: --list takes only --host NAME, --json, --listening and --port N."
    return f"{what}: see 'portie --help' for what goes with what."


def main(argv: list[str] | None = None) -> int:
    """Run Portie: the window without arguments, headless with flags."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _main(argv)
        sys.stdout.flush()  # a reader that went away shows up here at the latest
    except BrokenPipeError:
        # `portie --list | head`: the reader has all it wanted. Stop quietly, as Unix
        # tools do; point stdout at nothing so the interpreter's last flush stays quiet.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return code


def parse_command_line(argv: list[str]) -> tuple[str, argparse.Namespace, list[str]]:
    """(what to run: "list", "window" or a sub-command's name; its arguments; Qt's own
    options for the window). Anything else ends in SystemExit(2) after one sentence on
    stderr; nothing runs and no window opens."""
    if argv and argv[0] in SUBCOMMANDS:
        return argv[0], _subcommand_parser(argv[0]).parse_args(argv[1:]), []
    parser = _main_parser()
    try:
        own, qt_args = split_qt_options(argv)
    except _UsageError as exc:
        parser.error(str(exc))
    args, rest = parser.parse_known_args(own)
    if rest:
        # A mistyped sub-command or option never opens the window, nor is it ignored.
        first = bool(own) and rest[0] == own[0]
        print(f"portie: {unknown_word_message(rest[0], first, args.list)}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)
    if args.list:
        if qt_args:
            parser.error(f"{qt_args[0]} is an option for the window; --list prints instead")
        return "list", args, []
    if args.json or args.listening or args.port is not None or args.host is not None:
        parser.error("--json, --listening, --port and --host go with --list")
    return "window", args, qt_args


def _main(argv: list[str]) -> int:
    refusal = _trust_root_refusal()
    if refusal:
        print(f"portie: {refusal}", file=sys.stderr)
        return EXIT_FAILURE
    what, args, qt_args = parse_command_line(argv)
    if what == "window":
        # No cycle collection until the window is built (`app.collect_when_built`): loading
        # Qt and the window makes objects by the hundred thousand, none of them garbage,
        # and collecting among them cost about 10% of the start-up.
        gc.disable()
        from portie_qt.app import run_gui  # Qt is loaded only for the window

        return run_gui(qt_args, self_test=args.self_test)
    module = importlib.import_module(f"portie_qt.commands.{'listing' if what == 'list' else what}")
    return module.run(args)
