"""``portie free PORT [--kill] [--tree] [--yes]``: stop whatever listens on a port (paid).

First the answer, in one sentence: what holds the port. Then every process holding the
port's sockets is stopped, the parent first so it cannot respawn its workers (``--tree``
adds each holder's child processes); a container that owns the port is stopped through
its engine. Exit 0 only when the port is free afterwards, 1 when it is not, 2 on a bad
port (argparse), 3 when Portie is locked.
"""

from __future__ import annotations

import argparse
import sys
import time

from portie_qt.commands._common import EXIT_FAILURE, EXIT_LOCKED, EXIT_OK, port_argument
from portie_qt.core import containers as containers_
from portie_qt.core import stopping
from portie_qt.core.answer import port_answer
from portie_qt.core.containers import Container
from portie_qt.core.endpoints import OWNER_HIDDEN, owner_phrase
from portie_qt.core.engine import EngineError
from portie_qt.core.process_control import Result, Target, engine_refusal, kill, terminate
from portie_qt.core.text import plain

# A port can stay listed for a moment after its owner exits, while the kernel tears
# the socket down; re-check for this long before calling it still busy.
_RELEASE_WAIT = 2.0
_COMMAND_SHOWN = 200  # a Java classpath runs to kilobytes; its start says enough


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("port", type=port_argument, metavar="PORT", help="the port to free")
    parser.add_argument(
        "--kill",
        action="store_true",
        help="kill at once (SIGKILL) instead of asking the processes to stop",
    )
    parser.add_argument(
        "--tree",
        action="store_true",
        help="also stop every child process of the holders (a dev server's watcher and "
        "workers), children after their parent",
    )
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--udp", action="store_true", help="free a UDP port instead of TCP")


def _line(target: Target, port: int, holders: set[tuple]) -> str:
    """``  python3 (PID 1234): python3 -m http.server 8000`` plus what else it holds."""
    role = "" if target.key in holders else ", a child process"
    line = f"  {target.name or 'a process'} (PID {target.pid}{role})"
    command = target.command
    if command:
        if len(command) > _COMMAND_SHOWN:
            command = command[: _COMMAND_SHOWN - 1] + "…"
        line += f": {command}"
    others = [p.label for p in target.listening_ports if p.port != port]
    if others:
        line += f" — also listens on {', '.join(others)}"
    return plain(line)


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
    while stopping.port_in_use(port, protocol):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def _stop_containers(boxes: list[Container], kill_now: bool, owners) -> bool:
    """Stop each container through the engine (``kill_now``: no grace); True when all did."""
    ok = True
    for box in boxes:
        try:
            if kill_now:
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


def _nothing_to_signal(args, port: int, protocol: str, shown: str, held) -> int:
    """The port is in use, but no process Portie may signal holds it."""
    if stopping.release_inherited(port, protocol) and _released(port, protocol):
        print(f"{shown} was held only by Portie's own inherited copy; it is free now.")
        return EXIT_OK
    udp = " --udp" if args.udp else ""
    if any(e.owner_status == OWNER_HIDDEN for e in held):
        print(
            f"{shown} is in use, but the process holding it is hidden from this account; "
            f"run `sudo portie free {port}{udp}` to stop it.",
            file=sys.stderr,
        )
    else:
        print(
            plain(f"{shown} is in use by {owner_phrase(held[0])}; Portie cannot tell which "
                  "process that is, so it stopped nothing."),
            file=sys.stderr,
        )  # fmt: skip
    return EXIT_FAILURE


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
    if not held:
        if owners.notice:
            print(f"Note: {owners.notice}", file=sys.stderr)
        print(f"{shown} is already free.")
        return EXIT_OK
    boxes = list(dict.fromkeys(e.container for e in held if e.container is not None))
    holders = stopping.holders_of(e for e in held if e.container is None)
    engine_held = [t for t in holders if containers_.engine_process(t.name)]
    for target in engine_held:
        print(plain(engine_refusal(target)), file=sys.stderr)
    holders = [t for t in holders if t not in engine_held]
    if not holders and not boxes:
        if owners.notice:
            print(f"Note: {owners.notice}", file=sys.stderr)
        if engine_held:
            return EXIT_FAILURE
        return _nothing_to_signal(args, port, protocol, shown, held)

    if holders:
        print(plain(port_answer(port, [e for e in held if e.container is None], protocol)))
    for box in boxes:
        helpers = [f"{e.process} (PID {e.pid})" for e in held if e.container == box and e.pid]
        print(_describe_container(box, port, helpers))
    plan = stopping.stop_plan(holders, tree=args.tree)
    verb = "Kill" if args.kill else "Stop"
    if plan:
        count = len(plan)
        print(f"Portie will {verb.lower()} {'it' if count == 1 else f'these {count} processes'}"
              f"{', parents first' if count > 1 else ''}:")  # fmt: skip
        keys = {t.key for t in holders}
        for target in plan:
            print(_line(target, port, keys))
    if not args.yes and not _confirmed(_question(verb, boxes, plan)):
        print("Nothing was done.")
        return EXIT_FAILURE

    stopped_all = _stop_containers(boxes, args.kill, owners)
    act = kill if args.kill else terminate
    for target in plan:
        outcome = act(target)
        stream = sys.stdout if outcome.gone else sys.stderr
        print(plain(outcome.message), file=stream)
        if outcome.result is Result.STILL_RUNNING and not args.kill:
            print(f"Run `portie free {port}{' --udp' if args.udp else ''} --kill` to force it.",
                  file=stream)  # fmt: skip
    stopping.release_inherited(port, protocol)

    if _released(port, protocol) and stopped_all:
        print(f"{shown} is free now.")
        return EXIT_OK
    print(f"{shown} is still in use.", file=sys.stderr)
    now = stopping.listeners_on(port, protocol)
    if now:
        print(plain(f"Now: {port_answer(port, now, protocol)}"), file=sys.stderr)
    return EXIT_FAILURE
