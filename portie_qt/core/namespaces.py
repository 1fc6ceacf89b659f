"""Listeners in other network namespaces (containers, ``ip netns``), found by walking
``/proc/*/ns/net``. Linux only; another user's namespaces can be seen only as root.

A socket in another namespace does not make the port busy here, but it is what answers
programs running in that namespace, and what a container's own port maps to.
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass

from portie_qt.core.containers import cgroup_container
from portie_qt.core.platform import LINUX

NETNS_DIR = "/run/netns"  # where `ip netns add` pins the namespaces it names
_TCP_LISTEN = "0A"
_MAX_PROCESSES = 100_000  # bounded walk, whatever the machine


@dataclass(frozen=True)
class NamespaceListener:
    """A socket on the port in another network namespace, and who holds it."""

    namespace: str  # "pt-why-123" (ip netns), or "net:[4026532301]"
    address: str
    pid: int | None
    process: str | None
    container_id: str | None = None  # the 64-hex id from the holder's cgroup


def _inode(link: str) -> int | None:
    # "net:[4026531840]"
    if link.startswith("net:[") and link.endswith("]"):
        return int(link[5:-1])
    return None


def _named_namespaces() -> dict[int, str]:
    names = {}
    try:
        entries = os.listdir(NETNS_DIR)
    except OSError:
        return names
    for name in entries:
        try:
            names[os.stat(os.path.join(NETNS_DIR, name)).st_ino] = name
        except OSError:
            continue  # a stale name whose namespace is gone
    return names


def _decode(hex_ip: str) -> str:
    """``/proc/net`` addresses: each 32-bit word in host byte order (little-endian here)."""
    raw = bytes.fromhex(hex_ip)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    return socket.inet_ntop(socket.AF_INET6, struct.pack(">4I", *struct.unpack("<4I", raw)))


def _sockets_on(pid: int, port: int, protocol: str) -> dict[str, str]:
    """Socket inode -> local address of the listeners on ``port`` in ``pid``'s namespace."""
    found = {}
    for suffix in ("", "6"):
        try:
            with open(f"/proc/{pid}/net/{protocol}{suffix}", encoding="ascii") as handle:
                lines = handle.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10:
                continue
            address, _, port_hex = fields[1].partition(":")
            if int(port_hex, 16) != port:
                continue
            if protocol == "tcp" and fields[3] != _TCP_LISTEN:
                continue
            if protocol == "udp" and not fields[2].endswith(":0000"):
                continue  # a connected UDP socket, not one waiting for anyone
            found[fields[9]] = _decode(address)
    return found


def _holder(pids: list[int], inodes: set[str]) -> dict[str, int]:
    """Which of ``pids`` holds each socket inode."""
    holders = {}
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                holders.setdefault(target[8:-1], pid)
        if len(holders) == len(inodes):
            break
    return holders


def _name(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as handle:
            return handle.read().strip() or None
    except OSError:
        return None


def other_namespace_listeners(port: int, protocol: str = "tcp") -> list[NamespaceListener]:
    """Listeners (TCP) or bound sockets (UDP) on ``port`` in every other network namespace
    this account can see into."""
    if not LINUX:
        return []
    try:
        own = _inode(os.readlink("/proc/self/ns/net"))
        pids = [int(n) for n in os.listdir("/proc") if n.isdigit()][:_MAX_PROCESSES]
    except OSError:
        return []
    members: dict[int, list[int]] = {}
    for pid in sorted(pids):
        try:
            inode = _inode(os.readlink(f"/proc/{pid}/ns/net"))
        except OSError:
            continue  # exited, or another user's process without root
        if inode is not None and inode != own:
            members.setdefault(inode, []).append(pid)
    names = _named_namespaces()
    found = []
    for inode, group in members.items():
        sockets = _sockets_on(group[0], port, protocol)
        if not sockets:
            continue
        holders = _holder(group, set(sockets))
        label = names.get(inode, f"net:[{inode}]")
        for socket_inode, address in sockets.items():
            pid = holders.get(socket_inode)
            found.append(NamespaceListener(
                label, address, pid, _name(pid) if pid else None,
                cgroup_container(pid) if pid else None,
            ))  # fmt: skip
    return found


def can_see_every_namespace() -> bool:
    """Whether other users' namespaces are visible (root on Linux)."""
    return LINUX and os.geteuid() == 0
