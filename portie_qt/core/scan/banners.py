"""What an open port says about itself: HTTP's ``Server`` header, or its greeting."""

from __future__ import annotations

import contextlib
import selectors
import socket
import time
from collections import deque
from collections.abc import Iterable, Sequence

from portie_qt.core.ports import host_text
from portie_qt.core.scan.engine import (
    _POLL_SLICE,
    BANNER_TIMEOUT,
    _cancel_check,
    _close_rst,
    _fd_room,
)
from portie_qt.core.scan.targets import ScanTarget
from portie_qt.core.text import plain_or_none

# Ports that wait for the client to speak HTTP first; other ports get a chance to greet.
_HTTP_PORTS = frozenset(
    {80, 81, 443, 591, 3000, 3001, 4000, 4200, 5000, 5173, 5601, 8000, 8001, 8008, 8080, 8081,
     8088, 8443, 8888, 9000, 9090, 9200, 11434, 15672}
)  # fmt: skip
_BANNER_MAX = 120
_BANNER_CONCURRENCY = 128


def _head_request(target: ScanTarget) -> bytes:
    host = host_text(target.address) if target.family == socket.AF_INET6 else target.host
    return (
        f"HEAD / HTTP/1.0\r\nHost: {host}\r\nUser-Agent: Portie\r\nConnection: close\r\n\r\n"
    ).encode("ascii", "replace")


def banner_text(data: bytes) -> str | None:
    """What a service said, for a table cell: HTTP's ``Server`` header, else its first line."""
    if not data:
        return None
    if data.startswith(b"HTTP/"):
        lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        for line in lines[1:]:
            name, _, value = line.partition(":")
            # The server chose these bytes: no escape sequence of theirs reaches a terminal.
            value = plain_or_none(value, _BANNER_MAX)
            if name.strip().lower() == "server" and value:
                return value
        return plain_or_none(lines[0], _BANNER_MAX)
    first = data.split(b"\n", 1)[0].decode("utf-8", "replace")
    return plain_or_none(first, _BANNER_MAX)


class _BannerProbe:
    __slots__ = ("data", "deadline", "job", "request", "sent", "sock")

    def __init__(self, sock: socket.socket, job: int, request: bytes, deadline: float):
        self.sock, self.job, self.request, self.deadline = sock, job, request, deadline
        self.data = b""
        self.sent = False


def grab_banners(
    target: ScanTarget, ports: Iterable[int], timeout: float = BANNER_TIMEOUT, cancel=None
) -> dict[int, str]:
    """First words of the services on ``ports`` (open ones), within ``timeout`` per port.

    HTTP-ish ports get a ``HEAD`` request straight away; others are given half the
    timeout to greet (SSH, SMTP, FTP do) and then get the ``HEAD`` too.
    """
    ports = list(ports)
    found = grab_banners_of([(target, port) for port in ports], timeout, cancel)
    return {ports[job]: text for job, text in found.items()}


def grab_banners_of(
    jobs: Sequence[tuple[ScanTarget, int]], timeout: float = BANNER_TIMEOUT, cancel=None
) -> dict[int, str]:
    """`grab_banners` for (host, port) pairs of many hosts at once: job index -> banner."""
    cancelled = _cancel_check(cancel)
    queue = deque(range(len(jobs)))
    found: dict[int, str] = {}
    requests: dict[int, bytes] = {}  # per target, by id: one Host header each
    selector = selectors.DefaultSelector()
    probes: dict[int, _BannerProbe] = {}
    at_once = max(1, min(_BANNER_CONCURRENCY, _fd_room()[1]))  # `ulimit -n 64` too

    def finish(probe: _BannerProbe) -> None:
        fd = probe.sock.fileno()
        selector.unregister(fd)
        del probes[fd]
        _close_rst(probe.sock)
        text = banner_text(probe.data)
        if text:
            found[probe.job] = text

    try:
        while (queue or probes) and not cancelled():
            while queue and len(probes) < at_once:
                job = queue.popleft()
                target, port = jobs[job]
                request = requests.get(id(target))
                if request is None:
                    request = requests[id(target)] = _head_request(target)
                sock = socket.socket(target.family, socket.SOCK_STREAM)
                sock.setblocking(False)
                sock.connect_ex(target.sockaddr(port))
                probes[sock.fileno()] = _BannerProbe(sock, job, request,
                                                     time.monotonic() + timeout)  # fmt: skip
                selector.register(sock.fileno(), selectors.EVENT_WRITE | selectors.EVENT_READ)
            for key, mask in selector.select(_POLL_SLICE):
                probe = probes[key.fd]
                if not probe.sent and mask & selectors.EVENT_WRITE:
                    if probe.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        finish(probe)
                        continue
                    if jobs[probe.job][1] in _HTTP_PORTS:
                        _send_head(probe)
                    selector.modify(key.fd, selectors.EVENT_READ)
                if mask & selectors.EVENT_READ:
                    try:
                        chunk = probe.sock.recv(4096)
                    except BlockingIOError:
                        continue
                    except OSError:
                        chunk = b""
                    probe.data += chunk
                    if _banner_complete(probe.data, chunk):
                        finish(probe)
            now = time.monotonic()
            for probe in list(probes.values()):
                if now >= probe.deadline:
                    finish(probe)
                elif not probe.sent and not probe.data and now >= probe.deadline - timeout / 2:
                    _send_head(probe)  # a quiet service: maybe it speaks HTTP
    finally:
        for probe in list(probes.values()):
            selector.unregister(probe.sock.fileno())
            _close_rst(probe.sock)
        selector.close()
    return found


def _banner_complete(data: bytes, chunk: bytes) -> bool:
    if not chunk or len(data) > 8192:  # closed by the peer, or plenty to label it
        return True
    if data.startswith(b"HTTP/"):
        return b"\r\n\r\n" in data
    return b"\n" in data


def _send_head(probe: _BannerProbe) -> None:
    probe.sent = True
    with contextlib.suppress(OSError):  # the peer went away; the read side will see it
        probe.sock.send(probe.request)
