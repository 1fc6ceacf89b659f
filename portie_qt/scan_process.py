"""One scan, run by the scan worker process (`core.scan.worker`), read as it streams.

The worker is a `QProcess`: Qt starts it and reads its output without any thread of
ours, and each frame arrives on the UI thread as ``readyReadStandardOutput``. No
Python thread runs in the window's process while a scan goes on, so the UI thread
never waits for the GIL (a reader thread preempted while holding it stalled the
window for tens of milliseconds on a busy machine). What the UI thread does per frame
is small: a ``marshal.loads`` of a few kilobytes and a few array appends. The one
larger job, decoding the final report, runs on the pool (``run_in_pool``).
"""

from __future__ import annotations

import marshal
import struct
from dataclasses import dataclass

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QThreadPool, QTimer, Signal, Slot

from portie_qt.core.scan import OPEN, PROTOCOL, MultiScanReport, ScanResult
from portie_qt.core.scan import worker as scan_worker
from portie_qt.core.scan.history import decode_report
from portie_qt.core.text import plain
from portie_qt.jobs import run_in_pool

_KILL_AFTER_MS = 10_000  # a cancelled worker gets this long to report before it is killed
_FRAME = struct.Struct("<I")


@dataclass(frozen=True)
class HostInfo:
    """A host being scanned: as typed, its address, whether it is this machine."""

    host: str
    address: str
    local: bool
    note: str


@dataclass(frozen=True)
class ScanOutcome:
    """A finished (or cancelled) scan: its report, and how keeping it in the history went."""

    report: MultiScanReport
    scan_id: int | None
    changes: str  # what changed since the last scan of the same target ('' if unknown)
    notice: str  # '' unless the history could not be written


def _outcome(body: bytes, saved: tuple) -> ScanOutcome:
    """Pool thread: the final report from its bytes, with how saving it went."""
    scan_id, changes, notice = saved
    return ScanOutcome(decode_report(body), scan_id, plain(changes), plain(notice))


class ScanProcess(QObject):
    """One scan in the worker process; every signal arrives on the UI thread."""

    hosts_found = Signal(object)  # tuple[HostInfo, ...], once names are resolved
    results_found = Signal(object)  # ((host index, open ScanResults, closed, filtered), ...)
    progressed = Signal(int, int, int, int)  # probes done, probes in all, open, hosts done
    banner_found = Signal(int, int, str)  # host index, port, banner
    owners_found = Signal(int, object)  # host index, {port: "name (PID n)"}
    notice = Signal(str)  # a sentence to show once (a low descriptor limit)
    finished = Signal(object)  # ScanOutcome
    failed = Signal(str)  # a sentence

    def __init__(self, pool: QThreadPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self._buffer = bytearray()
        self._hosts: tuple[HostInfo, ...] = ()
        self._body: bytes | None = None
        self._saved: tuple = (None, "", "")
        self._error = ""
        self._ended = False
        self._process = QProcess(self)
        self._process.readyReadStandardOutput.connect(self._on_process_output)
        self._process.finished.connect(self._on_process_finished)
        self._process.errorOccurred.connect(self._on_process_error)

    def start(self, targets: str, ports: str, timeout: float, concurrency: int | None,
              banners: bool) -> None:  # fmt: skip
        environment = QProcessEnvironment()
        for name, value in scan_worker.environment().items():
            environment.insert(name, value)
        self._process.setProcessEnvironment(environment)
        program, *arguments = scan_worker.command()
        self._process.start(program, arguments)
        self._process.write(scan_worker.request(targets, ports, timeout, concurrency, banners))

    def cancel(self) -> None:
        """Ask the worker to stop; it still reports what it found, then `finished`."""
        if self._process.state() == QProcess.ProcessState.NotRunning:
            return
        self._process.write(b"cancel\n")
        # A worker stuck in a name lookup cannot notice; it is ended a while later.
        QTimer.singleShot(_KILL_AFTER_MS, self, self._kill)

    def stop_now(self) -> None:
        """The app is quitting: end the worker at once (it keeps nothing half-written)."""
        if self._process.state() != QProcess.ProcessState.NotRunning:
            self._ended = True  # nobody is listening any more
            self._process.kill()
            self._process.waitForFinished(2000)  # a killed child is reaped in milliseconds

    @Slot()
    def _kill(self) -> None:
        if self._process.state() != QProcess.ProcessState.NotRunning:
            self._process.kill()  # our own child

    # -- what the worker says ---------------------------------------------------------------

    @Slot()
    def _on_process_output(self) -> None:
        self._buffer += self._process.readAllStandardOutput().data()
        while len(self._buffer) >= _FRAME.size:
            (size,) = _FRAME.unpack_from(self._buffer)
            if len(self._buffer) < _FRAME.size + size:
                return
            message = marshal.loads(bytes(self._buffer[_FRAME.size : _FRAME.size + size]))
            del self._buffer[: _FRAME.size + size]
            self._dispatch(message)

    def _dispatch(self, message: tuple) -> None:
        kind = message[0]
        if kind == "batch":
            batch = []
            for index, opened, closed, filtered in message[1]:
                host = self._hosts[index]
                results = tuple(ScanResult(host.host, host.address, port, PROTOCOL, OPEN, label)
                                for port, label in opened)  # fmt: skip
                batch.append((index, results, closed, filtered))
            self.results_found.emit(tuple(batch))
        elif kind == "progress":
            self.progressed.emit(*message[1:])
        elif kind == "hosts":
            self._hosts = tuple(HostInfo(plain(h), a, bool(local), plain(n))
                                for h, a, local, n in message[1])  # fmt: skip
            self.hosts_found.emit(self._hosts)
        elif kind == "banner":
            self.banner_found.emit(message[1], message[2], plain(message[3]))
        elif kind == "owners":
            self.owners_found.emit(message[1], message[2])
        elif kind == "notice":
            self.notice.emit(plain(message[1]))
        elif kind == "done":
            self._body = message[1]
        elif kind == "saved":
            self._saved = message[1:]
        elif kind == "error":
            self._error = plain(message[1])

    @Slot(int, QProcess.ExitStatus)
    def _on_process_finished(self, code: int, _status) -> None:
        self._on_process_output()  # anything still buffered
        if self._error:
            self._end_failed(self._error)
        elif self._body is None:
            lines = self._process.readAllStandardError().data().decode("utf-8", "replace")
            last = lines.strip().splitlines()[-1:] or [f"exit status {code}"]
            self._end_failed(f"The scan process stopped unexpectedly ({plain(last[0], 200)}); "
                             "scan again.")  # fmt: skip
        else:
            job = run_in_pool(self._pool, _outcome, self._body, self._saved)
            job.finished.connect(self._end_finished)
            job.failed.connect(self._end_failed)

    @Slot(QProcess.ProcessError)
    def _on_process_error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._end_failed(
                f"The scan process could not start ({self._process.errorString()}); "
                "reinstall Portie if this keeps happening."
            )

    def _end_finished(self, outcome: ScanOutcome) -> None:
        if not self._ended:
            self._ended = True
            self.finished.emit(outcome)

    def _end_failed(self, message: str) -> None:
        if not self._ended:
            self._ended = True
            self.failed.emit(message)
