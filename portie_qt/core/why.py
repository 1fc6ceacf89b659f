"""Why is this port busy? Every cause that makes a port unavailable or a bind fail, in
sentences, confirmed by real test binds. Qt-free: ``portie why`` and the window's
"Why Is This Port Busy?" dialog only render an `Explanation`.

Causes checked: listeners on any address and family (a ``::1``-only listener makes
``localhost:PORT`` busy while ``127.0.0.1`` is free), containers publishing the port
(with or without a host socket), TIME_WAIT sockets, listeners in other network
namespaces, the privileged-port rule, OS-reserved ranges and the ephemeral range.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from portie_qt.core import namespaces, port_rules
from portie_qt.core.containers import ContainerOwners, EngineView
from portie_qt.core.endpoints import PUBLISHED, Endpoint, Snapshot
from portie_qt.core.ports import address_text, check_port
from portie_qt.core.ranges import ephemeral_range
from portie_qt.core.reference import lookup

WILDCARDS = ("0.0.0.0", "::")


@dataclass(frozen=True)
class Cause:
    """One reason, as a sentence; ``kind`` says which check found it."""

    kind: str  # listener | published | time_wait | namespace | privileged | reserved | ephemeral
    text: str
    blocking: bool  # it makes binding here fail (or steals the connections), not only a note

    def as_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text, "blocking": self.blocking}


@dataclass(frozen=True)
class Explanation:
    """Everything ``portie why PORT`` says."""

    port: int
    protocol: str
    busy: bool
    headline: str
    causes: tuple[Cause, ...]
    binds: tuple[port_rules.BindResult, ...]
    usually: str
    notes: tuple[str, ...] = ()  # what could not be checked, and why

    def as_dict(self) -> dict:
        return {
            "port": self.port,
            "protocol": self.protocol,
            "busy": self.busy,
            "headline": self.headline,
            "causes": [c.as_dict() for c in self.causes],
            "test_binds": [b.as_dict() for b in self.binds],
            "usually": self.usually,
            "notes": list(self.notes),
        }

    def lines(self) -> list[str]:
        """The explanation as plain text lines, headline first."""
        out = [self.headline]
        out += [f"- {cause.text}" for cause in self.causes]
        out.append("Test binds:")
        for result in self.binds:
            where = address_text(result.address, self.port)
            if result.ok:
                state = "free"
            elif result.reuse_ok:
                state = f"{result.error}; binds with SO_REUSEADDR"
            else:
                state = result.error
            out.append(f"  {where:<22} {state}")
        out.append(f"Usually: {self.usually}")
        out += self.notes
        return out


def _holder(endpoint: Endpoint) -> str:
    """``python3 (PID 12, user ada)``, or the container and its helper."""
    if endpoint.pid is None:
        process = "a process of another user (run as root to see which)"
    else:
        user = f", user {endpoint.user}" if endpoint.user else ""
        process = f"{endpoint.process or 'a process'} (PID {endpoint.pid}{user})"
    container = endpoint.container
    if container is None:
        return process
    return f"container {container.label}, through {process},"


def _verb(protocol: str) -> str:
    return "listens" if protocol == "tcp" else "is bound"


def _listener_sentence(endpoint: Endpoint, port: int) -> str:
    holder, verb, address = _holder(endpoint), _verb(endpoint.protocol), endpoint.local_address
    if address == "0.0.0.0":
        text = (f"{holder} {verb} on every IPv4 address (0.0.0.0:{port}), so no other program "
                f"can bind {port} on 127.0.0.1 or any other IPv4 address.")  # fmt: skip
    elif address == "::":
        text = (f"{holder} {verb} on every IPv6 address ([::]:{port}); where it is dual-stack "
                "that covers IPv4 as well (the test binds below show which).")  # fmt: skip
    elif address == "::1":
        text = (f"{holder} {verb} only on ::1 (IPv6 loopback): localhost:{port} is busy for "
                f"clients that try IPv6 first (most do), while 127.0.0.1:{port} is free, so "
                "a second server can start there and clients reach one or the other "
                "depending on how they look up localhost.")  # fmt: skip
    elif address == "127.0.0.1":
        text = (f"{holder} {verb} only on 127.0.0.1 (IPv4 loopback): 127.0.0.1:{port} and "
                f"0.0.0.0:{port} cannot be bound, while ::1 may still be free, so clients "
                f"of localhost:{port} that try IPv6 first may miss it.")  # fmt: skip
    else:
        wildcard = "[::]" if ":" in address else "0.0.0.0"
        text = (f"{holder} {verb} only on {address_text(address, port)}: other addresses "
                f"are free, but the wildcard {wildcard}:{port} cannot be bound.")  # fmt: skip
    if endpoint.container is not None:
        text += (f" Stop the container to free it (`portie free {port}`, or Stop Container), "
                 f"not {endpoint.process or 'the engine'}.")  # fmt: skip
    return text[0].upper() + text[1:]


def _published_sentence(endpoint: Endpoint, port: int) -> str:
    container = endpoint.container
    return (
        f"Container {container.label} ({container.engine}, image {container.image}) publishes "
        f"{address_text(endpoint.local_address, port)}, but no process on this machine holds "
        "the port: the engine forwards it with firewall rules. A program may still be able "
        "to bind it, yet connections go to the container. Stop the container to free it "
        f"(`portie free {port}`, or Stop Container)."
    )


def _listener_causes(endpoints: list[Endpoint], port: int) -> list[Cause]:
    causes = []
    for endpoint in endpoints:
        if endpoint.state == PUBLISHED:
            causes.append(Cause("published", _published_sentence(endpoint, port), True))
        else:
            causes.append(Cause("listener", _listener_sentence(endpoint, port), True))
    return causes


def _time_wait(snapshot: Snapshot, port: int, protocol: str) -> list[Cause]:
    if protocol != "tcp":
        return []
    waiting = sum(
        1 for e in snapshot.endpoints if e[3] == port and e[0] == "tcp" and e[6] == "TIME_WAIT"
    )
    if not waiting:
        return []
    plural = "connection" if waiting == 1 else "connections"
    return [Cause("time_wait", (
        f"{waiting} closed {plural} on port {port} {'is' if waiting == 1 else 'are'} in "
        "TIME_WAIT: the kernel keeps them for about a minute after closing. A server that "
        "sets SO_REUSEADDR (most do) can bind anyway when the program that left them set "
        "it too; otherwise binding gets \"Address already in use\" until they expire."
    ), True)]  # fmt: skip


def _namespace_causes(port: int, protocol: str, view: EngineView) -> tuple[list[Cause], list[str]]:
    if not namespaces.can_see_every_namespace():
        note = ("Listeners in other network namespaces (containers, ip netns) are checked "
                "only as root: run `sudo portie why` to include them.")  # fmt: skip
        found = namespaces.other_namespace_listeners(port, protocol)  # this account's own
        notes = [note] if namespaces.LINUX else []
    else:
        found, notes = namespaces.other_namespace_listeners(port, protocol), []
    by_id = {c.id: c for c in view.containers}
    causes = []
    for item in found:
        if item.pid is not None:
            who = f"{item.process or 'a process'} (PID {item.pid})"
        else:
            who = "a socket with no process"
        container = by_id.get(item.container_id)
        where = (f"the network namespace of container {container.label}" if container
                 else f"network namespace {item.namespace}")  # fmt: skip
        causes.append(Cause("namespace", (
            f"In {where}, {who} {_verb(protocol)} on {address_text(item.address, port)}. That "
            "does not block this namespace, but it is what programs inside that namespace "
            "reach on this port."
        ), False))  # fmt: skip
    return causes, notes


def _rule_causes(port: int, protocol: str, binds) -> list[Cause]:
    causes = []
    rule = port_rules.privileged_rule()
    if rule is not None and 0 < port < rule.start:
        user = getpass.getuser()
        blocking = not rule.allowed and any(b.code == "EACCES" for b in binds)
        if not rule.allowed and not blocking:  # macOS 10.14+ lets anyone bind them
            text = (f"Port {port} is below {rule.start}, privileged by tradition on "
                    f"{rule.source}, but this system let this account ({user}) bind "
                    "it.")  # fmt: skip
        elif rule.allowed:
            text = (f"Port {port} is privileged (below {rule.start}, {rule.source}); this "
                    f"account ({user}) may bind it.")  # fmt: skip
        else:
            text = (f"Port {port} is privileged: ports below {rule.start} ({rule.source}) may "
                    "be bound only by root or a program with CAP_NET_BIND_SERVICE, and this "
                    f"account ({user}) has neither. Run the server as root, give it the "
                    "capability, or use a port above it.")  # fmt: skip
        causes.append(Cause("privileged", text, blocking))
    spans, kind = port_rules.reserved_ranges(protocol)
    hit = next(((a, b) for a, b in spans if a <= port <= b), None)
    if hit and kind == "linux":
        causes.append(Cause("reserved", (
            f"Port {port} is in net.ipv4.ip_local_reserved_ports ({hit[0]}–{hit[1]}): the OS "
            "never hands it out as an ephemeral port, but a program may still bind it."
        ), False))  # fmt: skip
    elif hit:
        causes.append(Cause("reserved", (
            f"Port {port} is in an excluded port range of Windows ({hit[0]}–{hit[1]}), "
            "usually reserved by Hyper-V, WSL or Docker Desktop: no program may bind it. "
            f"`netsh int ipv4 show excludedportrange protocol={protocol}` lists the ranges; "
            "restarting the winnat service often moves them."
        ), True))  # fmt: skip
    ephemeral = ephemeral_range()
    if port in ephemeral:
        causes.append(Cause("ephemeral", (
            f"Port {port} is in this OS's ephemeral range ({ephemeral.first}–{ephemeral.last}, "
            f"{ephemeral.source}): outgoing connections borrow ports from it, so it can be "
            "taken for a moment at any time; a server is better off on a port outside it."
        ), False))  # fmt: skip
    return causes


def _headline(port: int, listeners: list[Endpoint], binds, causes: list[Cause]) -> str:
    failed = [b for b in binds if not b.ok and not b.unavailable]
    holders = list(dict.fromkeys(
        e.container.owner if e.container is not None else _holder(e) for e in listeners
    ))  # fmt: skip
    if not failed and not listeners:
        blocking = [c for c in causes if c.blocking]
        if blocking:
            return f"Port {port} is free, but binding it can fail: {blocking[0].text}"
        return f"Port {port} is free on every address."
    if failed and all(b.code == "EACCES" for b in failed) and not listeners:
        return (f"Port {port} is free, but this account may not bind it "
                "(permission denied).")  # fmt: skip
    taken = ", ".join(address_text(b.address, port) for b in failed)
    free = [address_text(b.address, port) for b in binds if b.ok]
    if not holders and any(c.kind == "time_wait" for c in causes):
        holders = ["connections in TIME_WAIT"]
    who = "; ".join(holders) if holders else "by nothing this account can see"
    if not failed:
        return f"Port {port} is busy: held for {who}, although every test bind succeeded."
    if free:
        return f"Port {port} is busy on {taken} ({who}); free on {', '.join(free)}."
    return f"Port {port} is busy on every address: {who}."


def explain(port: int, protocol: str = "tcp", owners: ContainerOwners | None = None,
            snapshot: Snapshot | None = None) -> Explanation:  # fmt: skip
    """Why ``port`` is busy, or that it is free; runs real test binds (call it off the UI
    thread). ``snapshot`` (already annotated) saves a second look at the sockets."""
    check_port(port)
    if protocol not in ("tcp", "udp"):
        raise ValueError(f"protocol must be tcp or udp, not {protocol!r}")
    info = lookup(port)
    if port == 0:
        return Explanation(0, protocol, False, (
            "Port 0 is not a port a server can own: binding port 0 asks the OS for any free "
            "port."), (), (), info.summary)  # fmt: skip
    owners = owners or ContainerOwners()
    if snapshot is None:
        from portie_qt.core.collector import collect

        snapshot = owners.annotate(collect())
    listeners = [e for e in snapshot.endpoints
                 if e.local_port == port and e.protocol == protocol and e.listening]  # fmt: skip
    binds = port_rules.probe_binds(port, protocol)
    causes = _listener_causes(listeners, port)
    causes += _time_wait(snapshot, port, protocol)
    more, notes = _namespace_causes(port, protocol, owners.view)
    causes += more
    causes += _rule_causes(port, protocol, binds)
    if owners.notice:
        notes.append(owners.notice)
    busy = bool(listeners) or any(not b.ok and not b.unavailable for b in binds)
    return Explanation(port, protocol, busy, _headline(port, listeners, binds, causes),
                       tuple(causes), binds, info.summary, tuple(notes))  # fmt: skip
