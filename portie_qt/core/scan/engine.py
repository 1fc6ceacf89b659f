"""The connect-scan loop: many non-blocking connects in flight on one selector.

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
import os
import selectors
import socket
import struct
import sys
import time
from collections import deque
from collections.abc import Callable

from portie_qt.core.scan.report import CLOSED, FILTERED, OPEN, PROTOCOL, ScanResult, tcp_service
from portie_qt.core.scan.targets import ScanTarget

try:
    import resource
except ImportError:  # Windows
    resource = None

DEFAULT_TIMEOUT = 1.0
DEFAULT_CONCURRENCY = 4096
BANNER_TIMEOUT = 1.0
# select() on Windows handles at most 512 sockets per call (FD_SETSIZE in CPython's build).
_SELECT_CAP = 500
_FD_RESERVE = 64  # descriptors left for the rest of the process (files, Qt, logging)
_CHUNK = 1024  # ports submitted between cancel checks and progress reports
_POLL_SLICE = 0.05  # longest wait in one select(), so cancel is noticed promptly
_RETRY_LIMIT = 40  # back-off rounds with nothing in flight before giving up

CancelCheck = Callable[[], bool]


class ScanError(RuntimeError):
    """The scan could not run (no sockets left, network down); the message says what to do."""


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
        self, target: ScanTarget, timeout: float, concurrency: int | None, cancelled, retries: int
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


def _probe_once(target: ScanTarget, port: int, timeout: float) -> str:
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
