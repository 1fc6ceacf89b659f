"""Linux: every TCP/UDP socket straight from the kernel, and every process holding each.

Two sources for the socket tables, the same rows from both:

- netlink ``sock_diag`` (what ``ss`` uses): one binary dump per protocol and family,
  with each socket's uid and inode. Used when the kernel offers it.
- ``/proc/net/{tcp,tcp6,udp,udp6}``: text, the fallback (what psutil reads).

Both are read in chunks while sockets come and go, so one socket can be listed twice;
every row carries its inode (``parts_of``), and the collector dedupes on it. Measured at 10,000
sockets (``python -m benchmarks refresh`` and ``benchmarks/sources.py``), the netlink
dump is faster than reading and splitting the /proc text; see the README.

``socket_holders()`` walks ``/proc/*/fd`` once: socket inode -> every PID holding it.
"""

from __future__ import annotations

import errno
import os
import socket
import struct
import sys
from typing import NamedTuple

# /proc/net/tcp's hex state and sock_diag's numeric state -> psutil's status names.
TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
              6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN",
              11: "CLOSING", 12: "SYN_RECV"}  # fmt: skip
_TCP_LISTEN = 10
_UDP_UNCONNECTED = 7  # TCP_CLOSE: a UDP socket with no peer ("BOUND")
ALL_STATES = 0xFFFFFFFF
# (protocol, family) tables in the order they are read; a row's ``table`` indexes this.
TABLES = (("tcp", "ipv4"), ("tcp", "ipv6"), ("udp", "ipv4"), ("udp", "ipv6"))
_PROC_NAMES = ("tcp", "tcp6", "udp", "udp6")


class SocketRow(NamedTuple):
    """One socket as /proc/net lists it (a plain tuple in this order). Addresses are raw:
    decoded once per new row. ``parts_of(row)`` gives ``(state, uid, inode)`` of a row of
    either source."""

    size: int  # unused: 0
    state: int
    raw: str  # "LOCAL REMOTE" in /proc/net's hex
    uid: int
    inode: int


# A sock_diag row is bytes, not a tuple: the state, timer and retransmit count, the 36
# bytes of ports and addresses, uid and inode, cut from the message. Bytes are not
# tracked by Python's cycle collector; 10,000 tuples kept from one refresh to the next
# were, and made its full passes (tens of ms with the GIL held) come twice as often.
_NETLINK_PARTS = struct.Struct("=B38xII")  # (state, uid, inode) of a sock_diag row


def parts_of(row) -> tuple[int, int, int]:
    """``(state, uid, inode)`` of a row from either source."""
    if isinstance(row, bytes):
        return _NETLINK_PARTS.unpack_from(row)
    return row[1], row[3], row[4]


netlink_parts = _NETLINK_PARTS.unpack_from


def proc_parts(row: tuple) -> tuple[int, int, int]:
    return row[1], row[3], row[4]


class SocketSourceError(OSError):
    """The kernel would not give the socket tables this way: use another source."""


# --- netlink sock_diag -------------------------------------------------------------------

_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLM_F_REQUEST = 0x1
_NLM_F_DUMP = 0x300
_NLMSG_ERROR = 2
_NLMSG_DONE = 3
_HEADER = struct.Struct("=IHHII")
_REQUEST = struct.Struct("=BBBBI48s")  # inet_diag_req_v2 with an empty inet_diag_sockid
_LENGTH = struct.Struct("=I")  # a netlink message's length, its first field
_FAMILIES = (socket.AF_INET, socket.AF_INET6, socket.AF_INET, socket.AF_INET6)
_PROTOCOLS = (socket.IPPROTO_TCP, socket.IPPROTO_TCP, socket.IPPROTO_UDP, socket.IPPROTO_UDP)
_RECEIVE = 1 << 16


def _dump(sock: socket.socket, table: int, states: int, out: list) -> None:
    request = _REQUEST.pack(_FAMILIES[table], _PROTOCOLS[table], 0, 0, states, b"")
    header = _HEADER.pack(_HEADER.size + len(request), _SOCK_DIAG_BY_FAMILY,
                          _NLM_F_REQUEST | _NLM_F_DUMP, table + 1, 0)  # fmt: skip
    sock.send(header + request)
    unpack_length, unpack_header = _LENGTH.unpack_from, _HEADER.unpack_from
    append = out.append
    while True:
        data = sock.recv(_RECEIVE)
        offset, size = 0, len(data)
        if not size:
            raise SocketSourceError(errno.EIO, "sock_diag ended without a DONE message")
        while offset < size:
            # The message type's low byte: every type here is below 256.
            if data[offset + 4] == _SOCK_DIAG_BY_FAMILY:
                length = unpack_length(data, offset)[0]
                # inet_diag_msg at +16: state, timer, retrans at +17, ports and addresses
                # at +20 to +56, uid and inode at +80 to +88.
                append(data[offset + 17 : offset + 56] + data[offset + 80 : offset + 88])
            else:
                length, kind = unpack_header(data, offset)[:2]
                if kind == _NLMSG_DONE:
                    return
                if kind == _NLMSG_ERROR:
                    code = -struct.unpack_from("=i", data, offset + 16)[0]
                    raise SocketSourceError(code, f"sock_diag: {os.strerror(code)}")
            if length < _HEADER.size:
                raise SocketSourceError(errno.EIO, "sock_diag sent a malformed message")
            offset += (length + 3) & ~3


def netlink_rows(tables=range(4), listeners_only: bool = False) -> list[list[bytes]]:
    """Every socket of ``tables`` from one sock_diag dump each, one list per table
    (listeners only: TCP LISTEN and unconnected UDP, which the kernel filters itself, so
    the dump stays small)."""
    rows: list[list[bytes]] = [[], [], [], []]
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC,
                             _NETLINK_SOCK_DIAG)  # fmt: skip
    except (OSError, AttributeError) as exc:
        raise SocketSourceError(errno.EPROTONOSUPPORT, f"no sock_diag here: {exc}") from None
    with sock:
        for table in tables:
            if listeners_only:
                states = 1 << (_TCP_LISTEN if table < 2 else _UDP_UNCONNECTED)
            else:
                states = ALL_STATES
            try:
                _dump(sock, table, states, rows[table])
            except SocketSourceError as exc:
                if table in (1, 3) and exc.errno in (errno.ENOENT, errno.EAFNOSUPPORT):
                    continue  # a kernel without IPv6
                raise
    return rows


_ADDRESSES: dict[bytes, str] = {}
_ADDRESS_CACHE_MAX = 4096


def _netlink_address(raw: bytes) -> str:
    """4 bytes -> IPv4 text, 16 bytes -> IPv6 text (the lengths keep the cache apart)."""
    found = _ADDRESSES.get(raw)
    if found is None:
        if len(_ADDRESSES) > _ADDRESS_CACHE_MAX:
            _ADDRESSES.clear()
        family = socket.AF_INET6 if len(raw) == 16 else socket.AF_INET
        found = _ADDRESSES[raw] = socket.inet_ntop(family, raw)
    return found


def netlink_fields(table: int, row: bytes) -> tuple[str, int, str | None, int | None]:
    """``(local_address, local_port, remote_address, remote_port)`` of a netlink row."""
    raw = row[3:39]
    size = 16 if table in (1, 3) else 4
    local_port = (raw[0] << 8) | raw[1]
    remote_port = (raw[2] << 8) | raw[3]
    local = _netlink_address(raw[4 : 4 + size])
    if not remote_port:
        return local, local_port, None, None  # psutil: no remote address for port 0
    return local, local_port, _netlink_address(raw[20 : 20 + size]), remote_port


# --- /proc/net text -----------------------------------------------------------------------

_HEX_ADDRESSES: dict[str, str] = {}


def _decode_hex_ip(hex_ip: str) -> str:
    """``0100007F`` -> ``127.0.0.1``; /proc/net stores each 32-bit word in host order."""
    raw = bytes.fromhex(hex_ip)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    return socket.inet_ntop(socket.AF_INET6, struct.pack(">4I", *struct.unpack("<4I", raw)))


def _hex_address(hex_ip: str) -> str:
    found = _HEX_ADDRESSES.get(hex_ip)
    if found is None:
        if len(_HEX_ADDRESSES) > _ADDRESS_CACHE_MAX:
            _HEX_ADDRESSES.clear()
        found = _HEX_ADDRESSES[hex_ip] = _decode_hex_ip(hex_ip)
    return found


def proc_rows(tables=range(4), listeners_only: bool = False) -> list[list[SocketRow]]:
    """The same rows from ``/proc/net/*`` text (kernels without sock_diag)."""
    if sys.byteorder != "little":
        raise SocketSourceError(errno.ENOTSUP, "/proc/net addresses are decoded little-endian")
    rows: list[list[SocketRow]] = [[], [], [], []]
    for table in tables:
        append = rows[table].append
        try:
            with open(f"/proc/net/{_PROC_NAMES[table]}", encoding="ascii") as handle:
                lines = handle.read().splitlines()[1:]
        except FileNotFoundError:
            continue  # no IPv6 in this kernel
        wanted = (_TCP_LISTEN if table < 2 else _UDP_UNCONNECTED) if listeners_only else None
        for line in lines:
            fields = line.split(None, 10)
            state = int(fields[3], 16)
            if wanted is not None and state != wanted:
                continue
            append((0, state, f"{fields[1]} {fields[2]}", int(fields[7]), int(fields[9])))
    return rows


def proc_fields(table: int, row: tuple) -> tuple[str, int, str | None, int | None]:
    """``(local_address, local_port, remote_address, remote_port)`` of a /proc row."""
    local, remote = row[2].split(" ")
    local_hex, local_port = local.split(":")
    remote_hex, remote_port_hex = remote.split(":")
    remote_port = int(remote_port_hex, 16)
    if not remote_port:
        return _hex_address(local_hex), int(local_port, 16), None, None
    return _hex_address(local_hex), int(local_port, 16), _hex_address(remote_hex), remote_port


# --- who holds each socket --------------------------------------------------------------


class Holders(NamedTuple):
    """Socket inode -> PID, for every socket a readable process holds."""

    first: dict[int, int]  # inode -> the first PID found holding it (ascending walk)
    shared: dict[int, list[int]]  # inode -> every PID, only for sockets held by several
    unreadable: int  # processes whose descriptors this user may not read


def socket_holders() -> Holders:
    """Walk ``/proc/*/fd`` once: which processes hold which sockets.

    Forked workers and inherited descriptors hold the very same socket as their parent;
    every one of them is recorded, in ascending PID order.
    """
    first: dict[int, int] = {}
    shared: dict[int, list[int]] = {}
    unreadable = 0
    pids = sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
    readlink = os.readlink
    for pid in pids:
        try:
            # One directory fd per process: readlink relative to it skips re-resolving
            # /proc/PID/fd for each of a busy process's thousands of descriptors.
            fd_dir = os.open(f"/proc/{pid}/fd", os.O_RDONLY | os.O_DIRECTORY)
        except PermissionError:
            unreadable += 1  # another user's process without root, or a protected one
            continue
        except OSError:
            continue  # exited meanwhile
        try:
            sockets = []
            for fd in os.listdir(fd_dir):
                try:
                    target = readlink(fd, dir_fd=fd_dir)
                except PermissionError:
                    unreadable += 1
                    break
                except OSError:
                    continue  # closed meanwhile
                if target[:8] == "socket:[":
                    sockets.append(target)
            for target in sockets:
                inode = int(target[8:-1])
                held = first.setdefault(inode, pid)
                if held != pid:
                    holders = shared.get(inode)
                    if holders is None:
                        shared[inode] = [held, pid]
                    elif holders[-1] != pid:  # the same process twice (a dup'ed fd)
                        holders.append(pid)
        except OSError:
            pass  # the process exited while we listed it
        finally:
            os.close(fd_dir)
    return Holders(first, shared, unreadable)
