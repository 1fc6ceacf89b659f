"""The connect-scan loop: many non-blocking connects in flight on one selector.

States follow nmap's connect scan (``-sT``): a completed handshake is *open*, a
refusal (RST) is *closed*, and silence, ICMP unreachable or a local firewall
refusal is *filtered*.

One loop probes every host of a scan within one concurrency budget. Each probe is a
*key*, ``host_index << 16 | port``, so a one-host scan's keys are simply its ports
and the hot loop stays a loop over integers.

Speed comes from many non-blocking connects in flight on one ``selectors``
loop and from checking each connect a second time straight away: on loopback and
other local paths the kernel has usually finished the handshake (or the refusal)
before ``connect()`` returns, so most ports never need the selector at all.

Correctness traps handled here:

* TCP simultaneous open: a connect to a local port inside the ephemeral range can
  pick that same port as its source and connect to *itself*. Such a socket has
  ``getsockname() == getpeername()`` and is reported closed. Two in-flight probes can
  also connect to *each other* (each one's source port is the other's target). So a
  probe that reached this machine through its own address is settled against the
  kernel's table of listening sockets (`local.listening_ports`) as soon as it
  connects: open only if something really listens there. Where that table cannot be
  read, such ports are confirmed once more at the end, alone, one at a time.
* Probes that connected are closed with ``SO_LINGER`` 0 (an RST), so a scan
  leaves no pile of ``TIME_WAIT`` sockets behind.
* Running out of descriptors or local ports (``EMFILE``, ``ENFILE``,
  ``EADDRNOTAVAIL``) lowers the number in flight and retries the port instead of
  reporting it wrongly. A descriptor limit too low for the concurrency asked for is
  said once (`concurrency_notice`), and the scan uses what there is.
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
from collections.abc import Callable, Iterable, Sequence
from itertools import islice

from portie_qt.core.scan import local
from portie_qt.core.scan.report import CLOSED, FILTERED, OPEN
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
_FD_RESERVE_MIN = 8  # ... at least, when the whole limit is small (`ulimit -n 64`)
_CHUNK = 1024  # ports submitted between cancel checks and progress reports
_POLL_SLICE = 0.05  # longest wait in one select(), so cancel is noticed promptly
_RETRY_LIMIT = 40  # back-off rounds with nothing in flight before giving up
HOST_SHIFT = 16  # key = host_index << HOST_SHIFT | port
PORT_MASK = 0xFFFF

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


def _fd_room() -> tuple[int, int]:
    """(the descriptor limit, how many of them a scan may use for probes now)."""
    soft = raise_fd_limit()
    reserve = max(_FD_RESERVE_MIN, min(_FD_RESERVE, soft // 8))
    return soft, soft - _open_fd_count() - reserve


def effective_concurrency(requested: int | None, selector: selectors.BaseSelector) -> int:
    """Connects allowed in flight: the request (or default), within fd and selector limits."""
    _soft, limit = _fd_room()
    if isinstance(selector, selectors.SelectSelector):
        limit = min(limit, _SELECT_CAP)
    wanted = DEFAULT_CONCURRENCY if requested is None else requested
    return max(1, min(wanted, limit))


def concurrency_notice(requested: int | None) -> str:
    """A sentence when the descriptor limit holds a scan well below ``requested``, else ''."""
    if resource is None:
        return ""
    wanted = DEFAULT_CONCURRENCY if requested is None else requested
    soft, room = _fd_room()
    usable = max(1, min(wanted, room))
    if usable >= wanted // 2:
        return ""
    return (
        f"Only {soft} open files are allowed here (ulimit -n), so this scan keeps "
        f"{usable} connection{'s' if usable != 1 else ''} in flight instead of {wanted} and "
        f"will be slower; raise the limit before scanning (for example `ulimit -n 65536`, "
        "or ask your administrator for a higher hard limit)."
    )


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
# Filtered, but something answered for the host: a router's ICMP "unreachable" or
# "prohibited", or this machine's firewall. A host with only these is *filtered*; a host
# with nothing but silence (or no route at all) is *down*.
_REFUSED_ERRORS = frozenset(
    {errno.EHOSTUNREACH, errno.EACCES, errno.EPERM, errno.ENOPROTOOPT, errno.EOPNOTSUPP}
    | ({10065, 10013} if sys.platform == "win32" else set())  # WSAEHOSTUNREACH, WSAEACCES
)
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
    """One scan's state. Everything here runs on the calling thread.

    Results are lists of keys (``host_index << 16 | port``); a `Tally` drains them
    between rounds of the loop.
    """

    def __init__(
        self,
        targets: Sequence[ScanTarget],
        timeout: float,
        concurrency: int | None,
        cancelled,
        retries: int,
    ):
        self.targets = tuple(targets)
        self.timeout = timeout
        self.retries = retries
        self.timeouts: dict[int, int] = {}  # key -> times it went unanswered
        self.cancelled = cancelled
        self.selector = selectors.DefaultSelector()
        self.limit = self.max_limit = effective_concurrency(concurrency, self.selector)
        self.throttled = False
        self.open: list[int] = []
        self.confirm: list[int] = []  # connected to this machine: settled against its table
        self.closed: list[int] = []
        self.filtered: list[int] = []
        self.refused: list[int] = []  # filtered keys that got an error answer, not silence
        self.retry: deque[int] = deque()
        self.pending: dict[int, tuple[socket.socket, int]] = {}  # fd -> (sock, key)
        # Deadlines of first tries and of retries (which wait half as long), each in
        # submission order so the earliest is always at the left.
        self.waves: tuple[deque, deque] = (deque(), deque())
        self.backoffs = 0

    def run(self, keys: Iterable[int], feed) -> bool:
        """Probe every key (and retries) until done or cancelled; True if cancelled.

        ``keys`` may be a generator: a sweep of many hosts is never held in memory whole.
        ``feed.flush()`` is called after every round.
        """
        source = iter(keys)
        chunk: list[int] = []
        more_source = True
        while True:
            if self.cancelled():
                return True
            if not chunk and more_source:
                chunk = list(islice(source, _CHUNK))
                more_source = bool(chunk)
            has_work = bool(chunk) or bool(self.retry)
            if not has_work and not self.pending:
                return False
            room = self.limit - len(self.pending)
            if has_work and room > 0:
                if self.retry:
                    batch = [self.retry.popleft() for _ in range(min(room, len(self.retry)))]
                    taken = self.submit(batch)
                    self.retry.extendleft(reversed(batch[taken:]))
                else:
                    taken = self.submit(chunk if room >= len(chunk) else chunk[:room])
                    chunk = chunk[taken:] if taken < len(chunk) else []
                if taken:
                    self.backoffs = 0
                if taken and not self.throttled and self.limit < self.max_limit:
                    # Descriptors came back: creep up again (a little at a time, so a
                    # machine still short of them is not hit with a burst).
                    self.limit = min(self.max_limit, self.limit + 1 + self.limit // 8)
            if self.pending:
                more = (chunk or more_source or self.retry) and len(self.pending) < self.limit
                self.wait(block=not more)
            feed.flush()

    # -- submitting ------------------------------------------------------------------------

    def submit(self, keys: list[int]) -> int:
        """Start probes for ``keys`` in order; return how many were taken (stops at limits).

        This is the hot loop of a full scan: keep the Python per port to a minimum.
        """
        self.throttled = False
        targets = self.targets
        closed_add, filtered_add = self.closed.append, self.filtered.append
        pending, closed_errors, connected = _PENDING, _CLOSED_ERRORS, _CONNECTED
        host, family, address, sockaddr = -1, 0, "", None
        sock = None
        for index, key in enumerate(keys):
            if key >> HOST_SHIFT != host:
                host = key >> HOST_SHIFT
                target = targets[host]
                if sock is not None and target.family != family:
                    sock.close()
                    sock = None
                family, address = target.family, target.address
                sockaddr = target.sockaddr if target.scope_id else None
            if sock is None:
                try:
                    sock = _new_probe(family)
                except OSError as exc:
                    if exc.errno in _RETRY:
                        self._throttle()
                        return index
                    raise ScanError(f"Could not open a socket ({exc.strerror}).") from None
            port = key & PORT_MASK
            where = sockaddr(port) if sockaddr else (address, port)
            err = sock.connect_ex(where)
            if err in pending:
                # Local paths finish the handshake or refusal inside connect(); ask again
                # now rather than paying a selector round trip for every port.
                err = sock.connect_ex(where)
            if err in closed_errors:
                closed_add(key)
                if not _REUSE:
                    sock.close()
                    sock = None
                # else: a refused socket is back in CLOSE state; the next port reuses it,
                # saving a socket() and a close() per closed port.
                continue
            if err in pending:
                self._wait_for(sock, key)
            elif err in connected:
                self._record_connected(sock, key)
            elif err in _RETRY:
                sock.close()
                self.retry.append(key)
                self._throttle()
                return index + 1
            else:  # unreachable, prohibited, timed out: nmap calls these filtered
                sock.close()
                filtered_add(key)
                if err in _REFUSED_ERRORS:
                    self.refused.append(key)
            sock = None
        if sock is not None:
            sock.close()
        return len(keys)

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

    def _wait_for(self, sock: socket.socket, key: int) -> None:
        fd = sock.fileno()
        self.selector.register(fd, selectors.EVENT_WRITE)
        self.pending[fd] = (sock, key)
        if key in self.timeouts:
            self.waves[1].append((time.monotonic() + self.timeout / 2, fd, sock, key))
        else:
            self.waves[0].append((time.monotonic() + self.timeout, fd, sock, key))

    def _record_connected(self, sock: socket.socket, key: int) -> None:
        state, confirm = _connected_state(sock)
        _close_rst(sock)
        if state == CLOSED:
            self.closed.append(key)
        elif confirm:
            self.confirm.append(key)
        else:
            self.open.append(key)

    # -- waiting ---------------------------------------------------------------------------

    def wait(self, block: bool) -> None:
        """Collect finished connects; expire the overdue ones as filtered."""
        timeout = 0.0
        if block:
            heads = [wave[0][0] for wave in self.waves if wave]
            timeout = min(_POLL_SLICE, max(0.0, min(heads, default=0.0) - time.monotonic()))
        for selected, _mask in self.selector.select(timeout):
            fd = selected.fd
            sock, key = self.pending.pop(fd)
            self.selector.unregister(fd)
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err == 0:
                self._record_connected(sock, key)
                continue
            sock.close()
            if err in _CLOSED_ERRORS:
                self.closed.append(key)
            elif err in _RETRY:
                self.retry.append(key)
            else:
                self.filtered.append(key)
                if err in _REFUSED_ERRORS:
                    self.refused.append(key)
        self._expire()

    def _expire(self) -> None:
        for wave in self.waves:
            self._expire_wave(wave)

    def _expire_wave(self, deadlines: deque) -> None:
        now, pending = time.monotonic(), self.pending
        while deadlines and (deadlines[0][0] <= now or deadlines[0][2].fileno() == -1):
            _deadline, fd, sock, key = deadlines.popleft()
            if sock.fileno() == -1:  # finished earlier; its fd may already be reused
                continue
            del pending[fd]
            self.selector.unregister(fd)
            sock.close()  # never connected, so a plain close sends nothing
            # One lost SYN must not make a port look filtered: try again (for half the
            # timeout), as nmap retransmits.
            tries = self.timeouts[key] = self.timeouts.get(key, 0) + 1
            if tries > self.retries:
                self.filtered.append(key)
            else:
                self.retry.append(key)

    def close_all(self) -> None:
        """Close every in-flight probe (cancel or error)."""
        for fd, (sock, _key) in list(self.pending.items()):
            self.selector.unregister(fd)
            sock.close()
        self.pending.clear()
        for wave in self.waves:
            wave.clear()
        self.selector.close()

    # -- settling probes that reached this machine -----------------------------------------

    def settle_confirms(self) -> None:
        """Decide connected-to-this-machine keys now, from the kernel's listening table.

        Keys of a host whose table cannot be read here stay for `confirm_local`.
        """
        if not self.confirm:
            return
        by_host: dict[int, list[int]] = {}
        for key in self.confirm:
            by_host.setdefault(key >> HOST_SHIFT, []).append(key)
        left: list[int] = []
        for host, keys in by_host.items():
            listening = local.listening_ports(self.targets[host])
            if listening is None:
                left += keys
                continue
            for key in keys:
                (self.open if key & PORT_MASK in listening else self.closed).append(key)
        self.confirm = left

    def confirm_local(self) -> None:
        """Where the listening table is unreadable: re-check each such key alone, in turn."""
        self.settle_confirms()
        for key in self.confirm:
            state = _probe_once(self.targets[key >> HOST_SHIFT], key & PORT_MASK, self.timeout)
            {OPEN: self.open, CLOSED: self.closed, FILTERED: self.filtered}[state].append(key)
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
