"""``portie free PORT [--kill] [--yes]``: stop whatever listens on a port (paid).

Exit 0 when the port is free afterwards, 1 when it is not, 2 on a bad port (argparse),
3 when Portie is locked.
"""

from __future__ import annotations

import argparse
import sys
import time

from portie_qt.commands._common import EXIT_FAILURE, EXIT_LOCKED, EXIT_OK, port_argument
from portie_qt.core import containers as containers_
from portie_qt.core import process_control
from portie_qt.core.containers import Container
from portie_qt.core.engine import EngineError
from portie_qt.core.process_control import Result, Target
from portie_qt.core.text import plain

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
    return "\n".join(plain(line) for line in lines)


def _describe_container(container: Container, port: int, helpers: list[str]) -> str:
    lines = [f"Port {port} is held by {containers_.describe(container)}."]
    if helpers:
        lines.append(f"  On the host: {', '.join(sorted(set(helpers)))}")
    return "\n".join(plain(line) for line in lines)


def _question(verb: str, boxes: list[Container], targets: list[Target]) -> str:
    """One question for everything that holds the port, the window's words for a container."""
    if boxes and not targets and len(boxes) == 1:
        return containers_.question(boxes[0], "stop" if verb == "Stop" else "kill")
    parts = []
    if boxes:
        parts.append(f"container {boxes[0].label}" if len(boxes) == 1
                     else f"these {len(boxes)} containers")  # fmt: skip
    if targets:
        parts.append(("the process" if boxes else "it") if len(targets) == 1
                     else f"these {len(targets)} processes")  # fmt: skip
    return plain(f"{verb} {' and '.join(parts)}?")


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


def _stop_containers(boxes: list[Container], kill: bool, owners) -> bool:
    """Stop each container through the engine (``kill``: no grace); True when all stopped."""
    ok = True
    for box in boxes:
        try:
            if kill:
                containers_.engine.stop(owners.view.where, box.id, grace=0)
                message = f"Killed container {box.label}."
            else:
                message = containers_.act(box, "stop", owners.view.where)
        except EngineError as exc:
            ok = False
            print(plain(f"Container {box.label} was not stopped: {exc}"),
                  file=sys.stderr)  # fmt: skip
            continue
        print(plain(message))
    return ok


def run(args: argparse.Namespace) -> int:
    from portie_qt.core.license import LOCKED_MESSAGE, is_unlocked

    if not is_unlocked():
        print(LOCKED_MESSAGE, file=sys.stderr)
        return EXIT_LOCKED
    port, protocol = args.port, "udp" if args.udp else "tcp"
    shown = f"{protocol.upper()} port {port}" if args.udp else f"Port {port}"
    from portie_qt.core.collector import collect

    owners = containers_.ContainerOwners()
    held = [
        e
        for e in owners.annotate(collect()).endpoints
        if e.local_port == port and e.protocol == protocol and e.listening
    ]
    boxes = list(dict.fromkeys(e.container for e in held if e.container is not None))
    targets = [
        process_control.describe(t.pid, t.create_time)
        for t in process_control.targets_for(e for e in held if e.container is None)
    ]
    if not targets and not boxes:
        if owners.notice:
            print(f"Note: {owners.notice}", file=sys.stderr)
        if process_control.port_in_use(port, protocol):
            print(
                f"{shown} is in use, but the process holding it is hidden from this account; "
                f"run `sudo portie free {port}{' --udp' if args.udp else ''}` to stop it.",
                file=sys.stderr,
            )
            return EXIT_FAILURE
        print(f"{shown} is already free.")
        return EXIT_OK

    engine_held = [t for t in targets if containers_.engine_process(t.name)]
    for target in engine_held:
        print(plain(process_control.engine_refusal(target)), file=sys.stderr)
    targets = [t for t in targets if t not in engine_held]
    if not targets and not boxes:
        if owners.notice:
            print(f"Note: {owners.notice}", file=sys.stderr)
        return EXIT_FAILURE
    for box in boxes:
        helpers = [f"{e.process} (PID {e.pid})" for e in held if e.container == box and e.pid]
        print(_describe_container(box, port, helpers))
    for target in targets:
        print(_describe(target, port))
    verb = "Kill" if args.kill else "Stop"
    if not args.yes and not _confirmed(_question(verb, boxes, targets)):
        print("Nothing was done.")
        return EXIT_FAILURE

    stopped_all = _stop_containers(boxes, args.kill, owners)
    act = process_control.kill if args.kill else process_control.terminate
    for target in targets:
        outcome = act(target)
        stream = sys.stdout if outcome.gone else sys.stderr
        print(outcome.message, file=stream)
        if outcome.result is Result.STILL_RUNNING and not args.kill:
            print(f"Run `portie free {port} --kill` to force it.", file=stream)

    if _released(port, protocol) and stopped_all:
        print(f"{shown} is free now.")
        return EXIT_OK
    print(f"{shown} is still in use.", file=sys.stderr)
    return EXIT_FAILURE
