"""``portie free PORT [--kill] [--yes]``: stop whatever listens on a port (paid).

Exit 0 when the port is free afterwards, 1 when it is not, 2 on a bad port (argparse),
3 when Portie is locked.
"""

from __future__ import annotations

import argparse
import sys
import time

from portie_qt.commands._common import EXIT_FAILURE, EXIT_LOCKED, EXIT_OK, port_argument
from portie_qt.core import process_control
from portie_qt.core.process_control import Result, Target

# A port can stay listed for a moment after its owner exits, while the kernel tears
# the socket down; re-check for this long before calling it still busy.
_RELEASE_WAIT = 2.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("port", type=port_argument, metavar="PORT", help="the port to free")
    parser.add_argument(
        "--kill",
        action="store_true",
        help="kill at once (SIGKILL) instead of asking the process to stop",
    )
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--udp", action="store_true", help="free a UDP port instead of TCP")


def _describe(target: Target, port: int) -> str:
    owner = f", user {target.user}" if target.user else ""
    lines = [f"Port {port} is held by {target.name or 'a process'} (PID {target.pid}{owner})."]
    if target.command:
        lines.append(f"  Command: {target.command}")
    others = [p.label for p in target.listening_ports if p.port != port]
    if others:
        lines.append(f"  It also listens on: {', '.join(others)}")
    return "\n".join(lines)


def _confirmed(question: str) -> bool:
    """y/N on stdin; anything but yes (including no terminal) means no."""
    print(f"{question} [y/N] ", end="", flush=True)
    answer = sys.stdin.readline()
    if not answer:
        print()
    return answer.strip().lower() in ("y", "yes")


def _released(port: int, protocol: str) -> bool:
    deadline = time.monotonic() + _RELEASE_WAIT
    while process_control.port_in_use(port, protocol):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def run(args: argparse.Namespace) -> int:
    from portie_qt.core.license import LOCKED_MESSAGE, is_unlocked

    if not is_unlocked():
        print(LOCKED_MESSAGE, file=sys.stderr)
        return EXIT_LOCKED
    port, protocol = args.port, "udp" if args.udp else "tcp"
    shown = f"{protocol.upper()} port {port}" if args.udp else f"Port {port}"
    targets = process_control.processes_on_port(port, protocol)
    if not targets:
        if process_control.port_in_use(port, protocol):
            print(
                f"{shown} is in use, but the process holding it is hidden from this account; "
                f"run `sudo portie free {port}{' --udp' if args.udp else ''}` to stop it.",
                file=sys.stderr,
            )
            return EXIT_FAILURE
        print(f"{shown} is already free.")
        return EXIT_OK

    for target in targets:
        print(_describe(target, port))
    verb = "Kill" if args.kill else "Stop"
    what = "it" if len(targets) == 1 else f"these {len(targets)} processes"
    if not args.yes and not _confirmed(f"{verb} {what}?"):
        print("Nothing was done.")
        return EXIT_FAILURE

    act = process_control.kill if args.kill else process_control.terminate
    for target in targets:
        outcome = act(target)
        stream = sys.stdout if outcome.gone else sys.stderr
        print(outcome.message, file=stream)
        if outcome.result is Result.STILL_RUNNING and not args.kill:
            print(f"Run `portie free {port} --kill` to force it.", file=stream)

    if _released(port, protocol):
        print(f"{shown} is free now.")
        return EXIT_OK
    print(f"{shown} is still in use.", file=sys.stderr)
    return EXIT_FAILURE
