"""A scan in a process of its own, streaming what it finds: what the window runs.

Scan threads inside the window's process would compete with its UI thread for the
GIL (a full loopback scan stalled the window for over 100 ms); a process of its own
has its own interpreter. Forking a Qt process is unsafe, so the window starts a fresh
one: ``python -m portie_qt --scan-worker`` (``portie --scan-worker`` in a bundle;
see `command`).

The protocol, all on the worker's stdin and stdout:

* in: one JSON line, the request (`request`); later any line (``cancel``) or the end
  of stdin cancels the scan, which then still reports what it found;
* out: frames, each a 4-byte little-endian length and a ``marshal``-ed tuple whose
  first item names it: ``("hosts", [(host, address, local, note), ...])``,
  ``("notice", text)``, ``("batch", [(host index, [(open port, service label), ...],
  closed ports as uint16 bytes, filtered ports likewise), ...])``, ``("progress", done, total,
  open, hosts done)``, ``("banner", host index, port, text)``, ``("owners", host
  index, {port: text})``, ``("done", report bytes)`` (`history.encode_report`),
  ``("saved", scan id or None, changes text, notice)``, or ``("error", sentence)``.

The worker checks the licence itself (the key on disk), checks the input, resolves
names, scans, looks up the owners of open ports on this machine (the collector), and
keeps the scan in the history. Qt-free.
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import struct
import sys
import threading
import time
from array import array
from collections.abc import Callable
from pathlib import Path

FLAG = "--scan-worker"
_FRAME = struct.Struct("<I")
_SEND_EVERY = 0.05  # seconds: results are batched into frames at most this often
_OWNERS_EVERY = 0.5  # seconds between owner lookups while open ports keep appearing
_NICER = 5  # the worker's priority below the window's (Unix nice increment)


def command() -> list[str]:
    """argv that starts a worker: this interpreter (or this bundle) with `FLAG`."""
    if getattr(sys, "frozen", False):
        return [sys.executable, FLAG]
    return [sys.executable, "-m", "portie_qt", FLAG]


def environment() -> dict[str, str]:
    """The worker's environment: ours, with this copy of Portie importable first."""
    env = dict(os.environ)
    if not getattr(sys, "frozen", False):
        root = str(Path(__file__).resolve().parents[3])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def request(targets: str, ports: str, timeout: float, concurrency: int | None,
            banners: bool) -> bytes:  # fmt: skip
    """The request line a worker reads first."""
    return (
        json.dumps({"targets": targets, "ports": ports, "timeout": timeout,
                    "concurrency": concurrency, "banners": banners}) + "\n"
    ).encode("utf-8")  # fmt: skip


def frame(message: tuple) -> bytes:
    data = marshal.dumps(message)
    return _FRAME.pack(len(data)) + data


def read_frames(read: Callable[[int], bytes]):
    """Yield each message from a stream of frames; ``read(n)`` returns up to n bytes."""
    while True:
        head = _read_exactly(read, _FRAME.size)
        if head is None:
            return
        body = _read_exactly(read, _FRAME.unpack(head)[0])
        if body is None:
            return
        yield marshal.loads(body)


def _read_exactly(read: Callable[[int], bytes], size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class _Sender:
    """Frames to stdout, results batched; a reader gone away cancels the scan."""

    def __init__(self, out, cancel: threading.Event) -> None:
        self.out, self.cancel = out, cancel
        self.pending: dict[int, tuple[list[int], array, array]] = {}
        self.last = 0.0
        self.lock = threading.Lock()

    def send(self, message: tuple) -> None:
        with self.lock:
            try:
                self.out.write(frame(message))
                self.out.flush()
            except (BrokenPipeError, OSError):  # the window is gone: stop scanning
                self.cancel.set()

    def add(self, changes) -> None:
        for index, opened, closed, filtered in changes:
            lists = self.pending.get(index)
            if lists is None:
                lists = self.pending[index] = ([], array("H"), array("H"))
            lists[0].extend(opened)
            lists[1].extend(closed)
            lists[2].extend(filtered)
        self.flush(force=False)

    def flush(self, force: bool = True) -> None:
        now = time.monotonic()
        if not self.pending or (not force and now - self.last < _SEND_EVERY):
            return
        self.last = now
        from portie_qt.core.scan.report import service_labels  # loaded here, not in the window

        label = service_labels().get
        batch = [(i, [(p, label(p, "")) for p in o], c.tobytes(), f.tobytes())
                 for i, (o, c, f) in self.pending.items()]  # fmt: skip
        self.pending = {}
        self.send(("batch", batch))


class _Owners:
    """Who owns each open port found on this machine, looked up now and then."""

    def __init__(self, targets, local: list[bool], sender: _Sender) -> None:
        self.targets, self.local, self.sender = targets, local, sender
        self.wanted: dict[int, set[int]] = {}  # host index -> open ports without an owner yet
        self.named: set[tuple[int, int]] = set()
        self.last = 0.0

    def add(self, changes) -> None:
        for index, opened, _closed, _filtered in changes:
            if opened and self.local[index]:
                self.wanted.setdefault(index, set()).update(opened)
        if self.wanted and time.monotonic() - self.last >= _OWNERS_EVERY:
            self.look_up()

    def look_up(self) -> None:
        from portie_qt.core.scan.local import owners

        self.last = time.monotonic()
        wanted, self.wanted = self.wanted, {}
        for index, ports in wanted.items():
            ports = {p for p in ports if (index, p) not in self.named}
            found = owners(self.targets[index], ports) if ports else {}
            if found:
                self.named.update((index, p) for p in found)
                self.sender.send(("owners", index, found))


def _local_flags(targets) -> list[bool]:
    from portie_qt.core.scan import is_this_machine

    flags = []
    for target in targets:
        try:
            flags.append(is_this_machine(target.address))
        except (OSError, ValueError):  # interfaces unreadable: treat it as another machine
            flags.append(False)
    return flags


def _scan(asked: dict, sender: _Sender, cancel: threading.Event) -> None:
    from portie_qt.core import scan as scanner
    from portie_qt.core.license import LOCKED_MESSAGE, is_unlocked
    from portie_qt.core.scan.history import encode_report, record_and_compare

    targets = scanner.parse_targets(asked["targets"])
    ports = scanner.parse_ports(asked["ports"])
    too_many = scanner.probes_refusal(targets.count, len(ports))
    if too_many:
        raise ValueError(too_many)
    if not is_unlocked():  # the key on disk decides, whatever the window believed
        raise PermissionError(LOCKED_MESSAGE)
    resolved = scanner.resolve_targets(targets)
    local = _local_flags(resolved)
    sender.send(("hosts", [(t.host, t.address, is_local, t.note)
                           for t, is_local in zip(resolved, local, strict=True)]))  # fmt: skip
    notice = scanner.concurrency_notice(asked["concurrency"])
    if notice:
        sender.send(("notice", notice))
    owners = _Owners(resolved, local, sender)

    def on_batch(changes) -> None:
        sender.add(changes)
        owners.add(changes)

    def on_progress(done: int, total: int, opened: int, hosts_done: int) -> None:
        sender.flush(force=False)
        sender.send(("progress", done, total, opened, hosts_done))

    report = scanner.scan_targets(
        resolved,
        ports,
        timeout=asked["timeout"],
        concurrency=asked["concurrency"],
        banners=asked["banners"],
        cancel=cancel,
        on_batch=on_batch,
        on_progress=on_progress,
        on_banner=lambda index, port, text: sender.send(("banner", index, port, text)),
        targets_text=targets.text,
        ports_spec=asked["ports"].strip(),
    )
    sender.flush()
    for index, host in enumerate(report.hosts):  # owners of every open port, at the end too
        if local[index] and host.open:
            owners.wanted.setdefault(index, set()).update(host.open_ports)
    owners.look_up()
    sender.send(("done", encode_report(report)))
    scan_id, changed, saving = record_and_compare(report)
    sender.send(("saved", scan_id, changed, saving))


def _read_line(fd: int, limit: int = 1 << 16) -> bytes:
    """One line from ``fd``, unbuffered: nothing past it is taken from the pipe."""
    data = b""
    while not data.endswith(b"\n") and len(data) < limit:
        chunk = os.read(fd, 1)
        if not chunk:
            break
        data += chunk
    return data


def _yield_to_the_window() -> None:
    """Run below the window's priority: on a busy machine the UI gets the CPU first."""
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(_NICER)
    elif sys.platform == "win32":  # pragma: no cover - Windows only
        import ctypes

        below_normal = 0x4000  # BELOW_NORMAL_PRIORITY_CLASS
        kernel32 = ctypes.windll.kernel32
        kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), below_normal)


def main() -> int:
    """Run one scan as asked on stdin; report on stdout (see the module doc)."""
    _yield_to_the_window()
    # Raw reads of fd 0, never sys.stdin: a thread blocked in a buffered read would hold
    # its lock while the interpreter shuts down.
    stdin_fd, out = sys.stdin.fileno(), sys.stdout.buffer
    cancel = threading.Event()
    sender = _Sender(out, cancel)
    try:
        asked = json.loads(_read_line(stdin_fd) or b"{}")
        asked = {"targets": str(asked["targets"]), "ports": str(asked["ports"]),
                 "timeout": float(asked["timeout"]), "concurrency": asked.get("concurrency"),
                 "banners": bool(asked.get("banners"))}  # fmt: skip
    except (ValueError, KeyError, TypeError):
        sender.send(("error", "The scan worker was asked something it does not understand."))
        return 2

    def watch_stdin() -> None:
        with contextlib.suppress(OSError):
            os.read(stdin_fd, 64)  # "cancel", or the end of stdin when the window went away
        cancel.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    from portie_qt.core.scan import PortSpecError, ScanError, TargetError

    try:
        _scan(asked, sender, cancel)
    except (PortSpecError, TargetError, ScanError, PermissionError, ValueError) as exc:
        sender.send(("error", str(exc)))
        return 1
    except Exception as exc:  # the window must get a sentence, never silence
        sender.send(("error", f"The scan stopped unexpectedly ({type(exc).__name__}: {exc})."))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
