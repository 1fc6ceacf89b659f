"""TCP connect scanner: port specs, target resolution and a fast, correct scan. Qt-free.

States follow nmap's connect scan (``-sT``): a completed handshake is *open*, a
refusal (RST) is *closed*, and silence, ICMP unreachable or a local firewall
refusal is *filtered*.

Speed comes from many non-blocking connects in flight on one ``selectors``
loop and from checking each connect a second time straight away: on loopback and
other local paths the kernel has usually finished the handshake (or the refusal)
before ``connect()`` returns, so most ports never need the selector at all.

Correctness traps handled here:

* TCP simultaneous open: a connect to a local port inside the ephemeral range can
  pick that same port as its source and connect to *itself*. Such a socket has
  ``getsockname() == getpeername()`` and is reported closed. Connections whose
  local and peer IP are the same (scanning this machine) are confirmed once more
  at the end, alone, so two in-flight probes that happened to connect to each
  other are never reported open either.
* Probes that connected are closed with ``SO_LINGER`` 0 (an RST), so a scan
  leaves no pile of ``TIME_WAIT`` sockets behind.
* Running out of descriptors or local ports (``EMFILE``, ``ENFILE``,
  ``EADDRNOTAVAIL``) lowers the number in flight and retries the port instead of
  reporting it wrongly.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import ipaddress
import marshal
import os
import re
import selectors
import signal
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from portie_qt.core import top_ports

try:
    import resource
except ImportError:  # Windows
    resource = None

PORT_MIN = 0
PORT_MAX = 65535
OPEN = "open"
CLOSED = "closed"
FILTERED = "filtered"
PROTOCOL = "tcp"

DEFAULT_TIMEOUT = 1.0
DEFAULT_CONCURRENCY = 4096
BANNER_TIMEOUT = 1.0
# select() on Windows handles at most 512 sockets per call (FD_SETSIZE in CPython's build).
_SELECT_CAP = 500
_FD_RESERVE = 64  # descriptors left for the rest of the process (files, Qt, logging)
_CHUNK = 1024  # ports submitted between cancel checks and progress reports
_POLL_SLICE = 0.05  # longest wait in one select(), so cancel is noticed promptly
_RETRY_LIMIT = 40  # back-off rounds with nothing in flight before giving up

PRESETS = {"top100": top_ports.top100, "top1000": top_ports.top1000}
PRESET_ALL = "all"

CancelCheck = Callable[[], bool]


# ---------------------------------------------------------------------------------------------
# Errors


class ScanError(RuntimeError):
    """The scan could not run (no sockets left, network down); the message says what to do."""


class PortSpecError(ValueError):
    """A port specification could not be read; the message quotes the bad part."""


class TargetError(ValueError):
    """A host could not be resolved or is not a valid name or address."""


# ---------------------------------------------------------------------------------------------
# Port specs

_NUMBER = re.compile(r"[0-9]+")  # ASCII only: \d would also match digits of other scripts


def _port_number(text: str, part: str) -> int:
    if not _NUMBER.fullmatch(text):
        raise PortSpecError(
            f"'{part}' is not a port, a range like 8000-8100, or one of top100, top1000, all"
        )
    value = int(text)
    if value > PORT_MAX:
        raise PortSpecError(f"'{text}' is out of range: ports run 0–65535")
    return value


def parse_ports(spec: str) -> list[int]:
    """Ports named by ``spec`` ("22,80,443", "1-1024", "top100", "all" …), ascending, unique.

    Parts are separated by commas; whitespace around parts and dashes is ignored.
    ``all`` means 1–65535 (as nmap's ``-p-``); port 0 can still be named explicitly.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise PortSpecError("No ports given: use e.g. 22,80,443 or 1-1024 or top100")
    chosen: set[int] = set()
    for raw in spec.split(","):
        part = raw.strip()
        lowered = part.lower()
        if not part:
            raise PortSpecError(f"Empty part in '{spec.strip()}': remove the extra comma")
        if lowered == PRESET_ALL:
            chosen.update(range(1, PORT_MAX + 1))
        elif lowered in PRESETS:
            chosen.update(PRESETS[lowered]())
        elif "-" in part:
            first_text, _, last_text = (s.strip() for s in part.partition("-"))
            if not first_text or not last_text:
                raise PortSpecError(f"'{part}' is not a complete range: write it as 8000-8100")
            first = _port_number(first_text, part)
            last = _port_number(last_text, part)
            if first > last:
                raise PortSpecError(f"'{part}' runs backwards: write it as {last}-{first}")
            chosen.update(range(first, last + 1))
        else:
            chosen.add(_port_number(part, part))
    return sorted(chosen)


# ---------------------------------------------------------------------------------------------
# Targets

_HOSTNAME = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved host: what the user typed, the address scanned, and a note if it chose one."""

    host: str
    address: str
    family: int
    scope_id: int = 0
    note: str = ""
    addresses: tuple[str, ...] = ()

    @property
    def is_loopback(self) -> bool:
        return ipaddress.ip_address(self.address).is_loopback

    def sockaddr(self, port: int) -> tuple:
        if self.family == socket.AF_INET6 and self.scope_id:
            return (self.address, port, 0, self.scope_id)
        return (self.address, port)


def is_this_machine(address: str) -> bool:
    """True when ``address`` is loopback or one of this machine's own interface addresses."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.is_loopback or ip.is_unspecified:
        return True
    import psutil  # only needed here; keeps the scanner's import light for the CLI

    for addrs in psutil.net_if_addrs().values():
        for entry in addrs:
            if entry.family in (socket.AF_INET, socket.AF_INET6):
                try:
                    if ipaddress.ip_address(entry.address.split("%", 1)[0]) == ip:
                        return True
                except ValueError:
                    continue
    return False


def _literal(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def resolve_target(text: str) -> Target:
    """Resolve a host name, IPv4 or IPv6 address (``::1`` or ``[::1]``) to the address to scan.

    Host names prefer IPv4, like nmap; when a name has several addresses the first is
    scanned and ``Target.note`` says which.
    """
    host = (text or "").strip()
    if not host:
        raise TargetError("Enter a host name or IP address to scan.")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1].strip()
        if _literal(host) is None or ":" not in host:
            raise TargetError(f"'{text.strip()}' is not an IPv6 address in brackets like [::1].")
    literal = _literal(host)
    if literal is None:
        labels = host.rstrip(".").split(".")
        if len(host) > 253 or not all(_HOSTNAME.fullmatch(label) for label in labels):
            raise TargetError(
                f"'{host}' is not a valid host name or IP address "
                "(use letters, digits, dots and dashes, or an address like 192.0.2.1)."
            )
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        reason = exc.strerror or str(exc)
        raise TargetError(
            f"Could not resolve '{host}' ({reason}): check the name or use an IP address."
        ) from None
    except UnicodeError:
        raise TargetError(f"'{host}' is not a valid host name.") from None
    found: dict[str, tuple[int, int]] = {}
    for family, _type, _proto, _canon, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            scope = sockaddr[3] if family == socket.AF_INET6 else 0
            found.setdefault(sockaddr[0], (family, scope))
    if not found:
        raise TargetError(f"'{host}' has no IPv4 or IPv6 address to scan.")
    # IPv4 first, as nmap does for names; a typed literal is used as is.
    ordered = sorted(found, key=lambda a: found[a][0] != socket.AF_INET)
    address = ordered[0]
    family, scope = found[address]
    note = ""
    if len(ordered) > 1:
        note = f"{host} has {len(ordered)} addresses; scanning the first, {address}."
    return Target(host, address, family, scope, note, tuple(ordered))


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The state of one scanned port."""

    host: str
    address: str
    port: int
    protocol: str
    state: str
    service: str
    banner: str | None = None

    def as_dict(self) -> dict:
        return {
            "host": self.host,
            "address": self.address,
            "port": self.port,
            "protocol": self.protocol,
            "state": self.state,
            "service": self.service,
            "banner": self.banner,
        }


@dataclass(frozen=True)
class ScanReport:
    """Outcome of a scan: open results in full, closed/filtered as port numbers (compact)."""

    target: Target
    ports_requested: int
    open: tuple[ScanResult, ...]
    closed: tuple[int, ...]
    filtered: tuple[int, ...]
    elapsed: float
    cancelled: bool = False
    notes: tuple[str, ...] = ()

    @property
    def scanned(self) -> int:
        return len(self.open) + len(self.closed) + len(self.filtered)

    @property
    def open_ports(self) -> tuple[int, ...]:
        return tuple(r.port for r in self.open)

    def results(self) -> list[ScanResult]:
        """Every scanned port as a ScanResult, ascending by port."""
        return list(self._every_result)

    @functools.cached_property  # built once, on demand: a full scan has 65,535 of them
    def _every_result(self) -> tuple[ScanResult, ...]:
        host, address = self.target.host, self.target.address
        made = list(self.open)
        for state, ports in ((CLOSED, self.closed), (FILTERED, self.filtered)):
            made += [ScanResult(host, address, p, PROTOCOL, state, tcp_service(p)) for p in ports]
        made.sort(key=lambda r: r.port)
        return tuple(made)

    def summary(self) -> str:
        """One line, e.g. '3 open, 997 closed, 0 filtered on 192.0.2.7 in 0.21 s'."""
        text = (
            f"{len(self.open)} open, {len(self.closed)} closed, {len(self.filtered)} filtered "
            f"on {self.target.address} in {self.elapsed:.2f} s"
        )
        if self.cancelled:
            text += f" (cancelled after {self.scanned} of {self.ports_requested} ports)"
        return text


@functools.lru_cache(maxsize=1)
def _tcp_labels() -> dict[int, str]:
    """``service_label(port, "tcp")`` for every port that has one, built in one pass.

    Equal to calling ``reference.service_label`` per port (a test checks that), but
    labelling 65,535 results one lookup at a time would cost more than the scan.
    """
    from portie_qt.core.curated_ports import CURATED
    from portie_qt.core.reference import _data

    data = _data()
    labels: dict[int, str] = {}
    for first, last, proto, name, _desc in reversed(data["ranges"]):
        if name and proto in ("", PROTOCOL):
            for port in range(first, last + 1):
                labels[port] = name
    for key, per_proto in data["ports"].items():
        for name, _desc in per_proto.get(PROTOCOL, ()):
            if name:
                labels[int(key)] = name
                break
    for port, (label, _note, protos) in CURATED.items():
        if PROTOCOL in protos and label:
            labels[port] = label
    return labels


def service_labels() -> dict[int, str]:
    """Port -> TCP service label, for every port that has one (shared; do not modify)."""
    return _tcp_labels()


def tcp_service(port: int) -> str:
    """Service label of a TCP port (the port reference's practical or IANA name, or '')."""
    return _tcp_labels().get(port, "")


# ---------------------------------------------------------------------------------------------
# Limits


def _open_fd_count() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 32


def raise_fd_limit() -> int:
    """Raise the soft ``RLIMIT_NOFILE`` toward the hard limit where allowed; return the soft one."""
    if resource is None:  # Windows: no rlimits, the selector cap rules instead
        return 2048
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):  # not allowed here; live with the current limit
            pass
    return 65536 if soft == resource.RLIM_INFINITY else soft


def effective_concurrency(requested: int | None, selector: selectors.BaseSelector) -> int:
    """Connects allowed in flight: the request (or default), within fd and selector limits."""
    limit = raise_fd_limit() - _open_fd_count() - _FD_RESERVE
    if isinstance(selector, selectors.SelectSelector):
        limit = min(limit, _SELECT_CAP)
    wanted = DEFAULT_CONCURRENCY if requested is None else requested
    return max(1, min(wanted, limit))


# ---------------------------------------------------------------------------------------------
# Errno classes

if sys.platform == "win32":
    # A non-blocking connect on Windows reports WSAEWOULDBLOCK / WSAEINVAL while pending.
    _PENDING = frozenset({errno.EINPROGRESS, errno.EALREADY, errno.EWOULDBLOCK, 10022})
    _RETRY = frozenset({errno.EMFILE, errno.ENFILE, errno.EADDRNOTAVAIL, errno.ENOBUFS, 10055})
    _CONNECTED = frozenset({0, errno.EISCONN, 10056})
else:
    _PENDING = frozenset({errno.EINPROGRESS, errno.EALREADY})
    # EAGAIN from a TCP connect means "no free local port" on Linux.
    _RETRY = frozenset(
        {errno.EMFILE, errno.ENFILE, errno.EADDRNOTAVAIL, errno.EAGAIN, errno.ENOBUFS, errno.ENOMEM}
    )
    _CONNECTED = frozenset({0, errno.EISCONN})
# Linux lets a TCP socket whose connect was refused connect again; other systems do not.
_REUSE = sys.platform.startswith("linux")
_CLOSED_ERRORS = frozenset({errno.ECONNREFUSED, errno.ECONNRESET})
_NONBLOCK = getattr(socket, "SOCK_NONBLOCK", 0)
_LINGER_OFF = struct.pack("ii", 1, 0)


def _new_probe(family: int) -> socket.socket:
    if _NONBLOCK:
        return socket.socket(family, socket.SOCK_STREAM | _NONBLOCK)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    return sock


def _cancel_check(cancel) -> CancelCheck:
    if cancel is None:
        return lambda: False
    if hasattr(cancel, "is_set"):
        return cancel.is_set
    return cancel


def _close_rst(sock: socket.socket) -> None:
    """Close a connected probe with an RST (SO_LINGER 0): no TIME_WAIT left behind."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_OFF)
    sock.close()


def _connected_state(sock: socket.socket) -> tuple[str, bool]:
    """(state, needs_confirm) for a probe whose connect completed."""
    try:
        local, peer = sock.getsockname(), sock.getpeername()
    except OSError:  # reset between connect and now: the port refused after all
        return CLOSED, False
    if local == peer:  # simultaneous open with itself: nothing is listening
        return CLOSED, False
    return OPEN, local[0] == peer[0]


# ---------------------------------------------------------------------------------------------
# The scan loop


class _Engine:
    """One scan's state. Everything here runs on the calling thread."""

    def __init__(
        self, target: Target, timeout: float, concurrency: int | None, cancelled, retries: int
    ):
        self.target = target
        self.timeout = timeout
        self.retries = retries
        self.timeouts: dict[int, int] = {}  # port -> times it went unanswered
        self.cancelled = cancelled
        self.selector = selectors.DefaultSelector()
        self.limit = self.max_limit = effective_concurrency(concurrency, self.selector)
        self.throttled = False
        self.open: list[int] = []
        self.confirm: list[int] = []
        self.closed: list[int] = []
        self.filtered: list[int] = []
        self.retry: deque[int] = deque()
        self.pending: dict[int, tuple[socket.socket, int]] = {}  # fd -> (sock, port)
        # Deadlines of first tries and of retries (which wait half as long), each in
        # submission order so the earliest is always at the left.
        self.waves: tuple[deque, deque] = (deque(), deque())
        self.backoffs = 0

    def run(self, ports: list[int], feed: _ResultFeed) -> bool:
        """Probe every port (and retries) until done or cancelled; True if cancelled."""
        total, i = len(ports), 0
        while True:
            if self.cancelled():
                return True
            has_work = i < total or bool(self.retry)
            if not has_work and not self.pending:
                return False
            room = self.limit - len(self.pending)
            if has_work and room > 0:
                if self.retry:
                    batch = [self.retry.popleft() for _ in range(min(room, len(self.retry)))]
                    taken = self.submit(batch)
                    self.retry.extendleft(reversed(batch[taken:]))
                else:
                    taken = self.submit(ports[i : i + min(room, _CHUNK)])
                    i += taken
                if taken:
                    self.backoffs = 0
                if taken and not self.throttled and self.limit < self.max_limit:
                    # Descriptors came back: creep up again (a little at a time, so a
                    # machine still short of them is not hit with a burst).
                    self.limit = min(self.max_limit, self.limit + 1 + self.limit // 8)
            if self.pending:
                more = (i < total or self.retry) and len(self.pending) < self.limit
                self.wait(block=not more)
            feed.flush()

    # -- submitting ------------------------------------------------------------------------

    def submit(self, ports: list[int]) -> int:
        """Start probes for ``ports`` in order; return how many were taken (stops at limits).

        This is the hot loop of a full scan: keep the Python per port to a minimum.
        """
        self.throttled = False
        family, address = self.target.family, self.target.address
        sockaddr = self.target.sockaddr if self.target.scope_id else None
        closed_add, filtered_add = self.closed.append, self.filtered.append
        pending, closed_errors, connected = _PENDING, _CLOSED_ERRORS, _CONNECTED
        sock = None
        for index, port in enumerate(ports):
            if sock is None:
                try:
                    sock = _new_probe(family)
                except OSError as exc:
                    if exc.errno in _RETRY:
                        self._throttle()
                        return index
                    raise ScanError(f"Could not open a socket ({exc.strerror}).") from None
            where = sockaddr(port) if sockaddr else (address, port)
            err = sock.connect_ex(where)
            if err in pending:
                # Local paths finish the handshake or refusal inside connect(); ask again
                # now rather than paying a selector round trip for every port.
                err = sock.connect_ex(where)
            if err in closed_errors:
                closed_add(port)
                if not _REUSE:
                    sock.close()
                    sock = None
                # else: a refused socket is back in CLOSE state; the next port reuses it,
                # saving a socket() and a close() per closed port.
                continue
            if err in pending:
                self._wait_for(sock, port)
            elif err in connected:
                self._record_connected(sock, port)
            elif err in _RETRY:
                sock.close()
                self.retry.append(port)
                self._throttle()
                return index + 1
            else:  # unreachable, prohibited, timed out: nmap calls these filtered
                sock.close()
                filtered_add(port)
            sock = None
        if sock is not None:
            sock.close()
        return len(ports)

    def _throttle(self) -> None:
        # Fewer in flight from now on; the pending ones will free descriptors and ports.
        self.throttled = True
        self.limit = max(1, len(self.pending) - 8)
        if not self.pending:
            self.backoffs += 1
            if self.backoffs > _RETRY_LIMIT:
                raise ScanError(
                    "The system ran out of sockets or local ports: lower --concurrency "
                    "or close other network programs, then scan again."
                )
            time.sleep(min(0.2, 0.005 * 2 ** min(self.backoffs, 6)))

    def _wait_for(self, sock: socket.socket, port: int) -> None:
        fd = sock.fileno()
        self.selector.register(fd, selectors.EVENT_WRITE)
        self.pending[fd] = (sock, port)
        if port in self.timeouts:
            self.waves[1].append((time.monotonic() + self.timeout / 2, fd, sock, port))
        else:
            self.waves[0].append((time.monotonic() + self.timeout, fd, sock, port))

    def _record_connected(self, sock: socket.socket, port: int) -> None:
        state, confirm = _connected_state(sock)
        _close_rst(sock)
        if state == CLOSED:
            self.closed.append(port)
        elif confirm:
            self.confirm.append(port)
        else:
            self.open.append(port)

    # -- waiting ---------------------------------------------------------------------------

    def wait(self, block: bool) -> None:
        """Collect finished connects; expire the overdue ones as filtered."""
        timeout = 0.0
        if block:
            heads = [wave[0][0] for wave in self.waves if wave]
            timeout = min(_POLL_SLICE, max(0.0, min(heads, default=0.0) - time.monotonic()))
        for key, _mask in self.selector.select(timeout):
            fd = key.fd
            sock, port = self.pending.pop(fd)
            self.selector.unregister(fd)
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err == 0:
                self._record_connected(sock, port)
                continue
            sock.close()
            if err in _CLOSED_ERRORS:
                self.closed.append(port)
            elif err in _RETRY:
                self.retry.append(port)
            else:
                self.filtered.append(port)
        self._expire()

    def _expire(self) -> None:
        for wave in self.waves:
            self._expire_wave(wave)

    def _expire_wave(self, deadlines: deque) -> None:
        now, pending = time.monotonic(), self.pending
        while deadlines and (deadlines[0][0] <= now or deadlines[0][2].fileno() == -1):
            _deadline, fd, sock, port = deadlines.popleft()
            if sock.fileno() == -1:  # finished earlier; its fd may already be reused
                continue
            del pending[fd]
            self.selector.unregister(fd)
            sock.close()  # never connected, so a plain close sends nothing
            # One lost SYN must not make a port look filtered: try again (for half the
            # timeout), as nmap retransmits.
            tries = self.timeouts[port] = self.timeouts.get(port, 0) + 1
            if tries > self.retries:
                self.filtered.append(port)
            else:
                self.retry.append(port)

    def close_all(self) -> None:
        """Close every in-flight probe (cancel or error)."""
        for fd, (sock, _port) in list(self.pending.items()):
            self.selector.unregister(fd)
            sock.close()
        self.pending.clear()
        for wave in self.waves:
            wave.clear()
        self.selector.close()

    # -- confirming ------------------------------------------------------------------------

    def confirm_local(self) -> None:
        """Re-check ports that connected to this machine, one at a time (see module doc)."""
        for port in self.confirm:
            if self.cancelled():
                return
            state = _probe_once(self.target, port, self.timeout)
            {OPEN: self.open, CLOSED: self.closed, FILTERED: self.filtered}[state].append(port)
        self.confirm = []


def _probe_once(target: Target, port: int, timeout: float) -> str:
    """One blocking connect with a timeout, with the self-connect check."""
    sock = socket.socket(target.family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(target.sockaddr(port))
    except ConnectionRefusedError:
        sock.close()
        return CLOSED
    except OSError:
        sock.close()
        return FILTERED
    state, _confirm = _connected_state(sock)
    _close_rst(sock)
    return state


# ---------------------------------------------------------------------------------------------
# Banners

# Ports that wait for the client to speak HTTP first; other ports get a chance to greet.
_HTTP_PORTS = frozenset(
    {80, 81, 443, 591, 3000, 3001, 4000, 4200, 5000, 5173, 5601, 8000, 8001, 8008, 8080, 8081,
     8088, 8443, 8888, 9000, 9090, 9200, 11434, 15672}
)  # fmt: skip
_BANNER_MAX = 120
_BANNER_CONCURRENCY = 128


def _head_request(target: Target) -> bytes:
    host = f"[{target.address}]" if target.family == socket.AF_INET6 else target.host
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
            if name.strip().lower() == "server" and value.strip():
                return value.strip()[:_BANNER_MAX]
        return lines[0].strip()[:_BANNER_MAX] or None
    first = data.split(b"\n", 1)[0].decode("utf-8", "replace")
    text = "".join(ch if ch.isprintable() else " " for ch in first).strip()
    return text[:_BANNER_MAX] or None


class _BannerProbe:
    __slots__ = ("data", "deadline", "port", "sent", "sock")

    def __init__(self, sock: socket.socket, port: int, deadline: float):
        self.sock, self.port, self.deadline = sock, port, deadline
        self.data = b""
        self.sent = False


def grab_banners(
    target: Target, ports: Iterable[int], timeout: float = BANNER_TIMEOUT, cancel=None
) -> dict[int, str]:
    """First words of the services on ``ports`` (open ones), within ``timeout`` per port.

    HTTP-ish ports get a ``HEAD`` request straight away; others are given half the
    timeout to greet (SSH, SMTP, FTP do) and then get the ``HEAD`` too.
    """
    cancelled = _cancel_check(cancel)
    queue = deque(ports)
    found: dict[int, str] = {}
    request = _head_request(target)
    selector = selectors.DefaultSelector()
    probes: dict[int, _BannerProbe] = {}

    def finish(probe: _BannerProbe) -> None:
        fd = probe.sock.fileno()
        selector.unregister(fd)
        del probes[fd]
        _close_rst(probe.sock)
        text = banner_text(probe.data)
        if text:
            found[probe.port] = text

    try:
        while (queue or probes) and not cancelled():
            while queue and len(probes) < _BANNER_CONCURRENCY:
                port = queue.popleft()
                sock = socket.socket(target.family, socket.SOCK_STREAM)
                sock.setblocking(False)
                sock.connect_ex(target.sockaddr(port))
                probe = _BannerProbe(sock, port, time.monotonic() + timeout)
                probes[sock.fileno()] = probe
                selector.register(sock.fileno(), selectors.EVENT_WRITE | selectors.EVENT_READ)
            for key, mask in selector.select(_POLL_SLICE):
                probe = probes[key.fd]
                if not probe.sent and mask & selectors.EVENT_WRITE:
                    if probe.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        finish(probe)
                        continue
                    if probe.port in _HTTP_PORTS:
                        _send_head(probe, request)
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
                    _send_head(probe, request)  # a quiet service: maybe it speaks HTTP
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


def _send_head(probe: _BannerProbe, request: bytes) -> None:
    probe.sent = True
    with contextlib.suppress(OSError):  # the peer went away; the read side will see it
        probe.sock.send(request)


# ---------------------------------------------------------------------------------------------
# Public entry point


def scan(
    target: Target | str,
    ports: Iterable[int],
    timeout: float = DEFAULT_TIMEOUT,
    concurrency: int | None = None,
    banners: bool = False,
    cancel=None,
    retries: int = 1,
    on_result: Callable[[ScanResult], None] | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
    processes: int = 1,
) -> ScanReport:
    """TCP connect scan of ``ports`` on ``target``; see the module doc for states and traps.

    ``cancel`` is a ``threading.Event`` or a no-argument callable; once it is set the
    scan closes every socket and returns the partial report (``cancelled=True``).
    ``on_result`` gets each ScanResult as it is known, and an open port a second time
    (same port, now with ``banner``) if its banner grab found one;
    ``on_progress`` gets ``(done, total, open_so_far)`` a few times a second.
    A port that does not answer within ``timeout`` is tried ``retries`` more times
    (waiting half as long each time) before it is called filtered.
    ``processes`` > 1 splits the probing across forked worker processes (see
    ``parallel_processes``); it needs ``os.fork`` and cannot be combined with callbacks.
    """
    if isinstance(target, str):
        target = resolve_target(target)
    ports = list(ports)
    for port in ports:
        if not isinstance(port, int) or not PORT_MIN <= port <= PORT_MAX:
            raise PortSpecError(f"'{port}' is out of range: ports run 0–65535")
    if not timeout > 0:
        raise ValueError("The timeout must be more than 0 seconds.")
    if concurrency is not None and concurrency < 1:
        raise ValueError("Concurrency must be at least 1.")
    if processes > 1 and (on_result or on_progress or not hasattr(os, "fork")):
        raise ValueError("Several processes need os.fork and cannot report through callbacks.")
    cancelled = _cancel_check(cancel)
    started = time.monotonic()
    engine = _Engine(target, timeout, concurrency, cancelled, max(0, retries))
    feed = _ResultFeed(target, engine, on_result, on_progress, len(ports))
    total = len(ports)
    try:
        if processes > 1 and total > 1:
            was_cancelled = _run_in_workers(engine, ports, min(processes, total))
        else:
            was_cancelled = engine.run(ports, feed)
        engine.close_all()
        if not was_cancelled:
            engine.confirm_local()
            was_cancelled = cancelled()
        found = {}
        if banners and engine.open and not was_cancelled:
            found = grab_banners(target, sorted(engine.open), BANNER_TIMEOUT, cancelled)
            was_cancelled = cancelled()
    finally:
        engine.close_all()
    open_results = tuple(
        ScanResult(target.host, target.address, p, PROTOCOL, OPEN, tcp_service(p), found.get(p))
        for p in sorted(engine.open)
    )
    feed.finish(open_results)
    notes = (target.note,) if target.note else ()
    return ScanReport(
        target=target,
        ports_requested=total,
        open=open_results,
        closed=tuple(sorted(engine.closed)),
        filtered=tuple(sorted(engine.filtered)),
        elapsed=time.monotonic() - started,
        cancelled=was_cancelled,
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------
# Forked workers: scanning this machine is kernel work, so it scales with cores

_WORKER_MIN_PORTS = 4096  # below this, forking costs more than it saves
_WORKER_MAX = 4


def parallel_processes(target: Target, port_count: int) -> int:
    """How many processes a scan should use: more than one only where it pays and is safe.

    Probing this machine over loopback spends its time in the kernel (each SYN and RST
    is handled inside ``connect()``), so it speeds up with more cores; a remote host's
    scan waits on the network and would not. Forking is only safe in a process with
    no other threads and no Qt loaded (the CLI), so anything else gets 1.
    """
    if not target.is_loopback or port_count < _WORKER_MIN_PORTS or not hasattr(os, "fork"):
        return 1
    if threading.active_count() != 1 or "PySide6.QtCore" in sys.modules:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, _WORKER_MAX))


def _run_in_workers(engine: _Engine, ports: list[int], workers: int) -> bool:
    """Probe ``ports`` in ``workers`` forked processes; merge their lists into ``engine``.

    Returns True if cancelled (the workers are then killed; their sockets die with them).
    """
    children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
    share = max(1, engine.max_limit // workers)
    try:
        for index in range(workers):
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: never returns
                os.close(read_fd)
                _worker_main(engine, ports[index::workers], share, write_fd)
            os.close(write_fd)
            children.append((pid, read_fd))
        _tcp_labels()  # the parent's own work meanwhile: labels for the report
        return _collect(engine, children)
    finally:
        for pid, read_fd in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # a no-op for workers that already exited
            os.waitpid(pid, 0)
            os.close(read_fd)


def _worker_main(engine: _Engine, ports: list[int], share: int, write_fd: int) -> None:
    """Body of a forked worker: scan a share of the ports, send the lists, ``_exit``."""
    code = 0
    try:
        mine = _Engine(engine.target, engine.timeout, share, lambda: False, engine.retries)
        mine.run(ports, _ResultFeed(engine.target, mine, None, None, len(ports)))
        mine.close_all()
        payload = marshal.dumps((mine.open, mine.confirm, mine.closed, mine.filtered))
    except BaseException as exc:  # anything, even Ctrl-C, must reach the parent as text
        payload = marshal.dumps(
            str(exc)
            if isinstance(exc, ScanError)
            else f"A scan worker stopped unexpectedly ({exc!r}); scan again."
        )
        code = 1
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(write_fd, view) :]
    finally:
        os._exit(code)  # no atexit handlers, no flushing the parent's buffers twice


def _collect(engine: _Engine, children: list[tuple[int, int]]) -> bool:
    buffers = {read_fd: bytearray() for _pid, read_fd in children}
    with selectors.DefaultSelector() as selector:
        for read_fd in buffers:
            selector.register(read_fd, selectors.EVENT_READ)
        open_pipes = len(buffers)
        while open_pipes:
            if engine.cancelled():
                return True
            for key, _mask in selector.select(_POLL_SLICE):
                chunk = os.read(key.fd, 1 << 20)
                if chunk:
                    buffers[key.fd] += chunk
                else:
                    selector.unregister(key.fd)
                    open_pipes -= 1
    for data in buffers.values():
        result = marshal.loads(bytes(data)) if data else "A scan worker died; scan again."
        if isinstance(result, str):
            raise ScanError(result)
        opened, confirm, closed, filtered = result
        engine.open += opened
        engine.confirm += confirm
        engine.closed += closed
        engine.filtered += filtered
    return False


class _ResultFeed:
    """Passes new results to the caller's callbacks between rounds of the scan loop."""

    def __init__(self, target, engine, on_result, on_progress, total):
        self.target, self.engine, self.total = target, engine, total
        self.on_result, self.on_progress = on_result, on_progress
        self.sent = {OPEN: 0, CLOSED: 0, FILTERED: 0}
        self.last_progress = 0.0

    def flush(self, final: bool = False) -> None:
        e = self.engine
        if self.on_result is not None:
            host, address = self.target.host, self.target.address
            for state, ports in ((OPEN, e.open), (CLOSED, e.closed), (FILTERED, e.filtered)):
                for port in ports[self.sent[state] :]:
                    self.on_result(
                        ScanResult(host, address, port, PROTOCOL, state, tcp_service(port))
                    )
                self.sent[state] = len(ports)
        if self.on_progress is not None:
            now = time.monotonic()
            if final or now - self.last_progress >= 0.05:
                self.last_progress = now
                done = len(e.open) + len(e.closed) + len(e.filtered) + len(e.confirm)
                self.on_progress(done, self.total, len(e.open) + len(e.confirm))

    def finish(self, open_results: tuple[ScanResult, ...]) -> None:
        """Last round: what is left, open ports again when a banner came, final progress."""
        if self.on_result is not None:
            self.flush()
            for result in open_results:
                if result.banner is not None:
                    self.on_result(result)
        if self.on_progress is not None:
            self.flush(final=True)
