"""The Qt application: `create_main_window()` wires everything; `run_gui()` runs it."""

from __future__ import annotations

import gc
import os
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from portie_qt import __version__
from portie_qt.core.paths import ResourceError, resource_path
from portie_qt.main_window import MainWindow
from portie_qt.settings import open_settings

SELF_TEST_TIMEOUT_S = 10.0
COLLECT_AT_THE_LATEST_MS = 5000  # the cycle collector is back by then, whatever happened
# Everything the window needs from assets/: the self-test fails if one is missing. (The
# forms are code: `portie_qt.forms`, compiled from ui/.)
REQUIRED_RESOURCES = (
    "assets/iana_ports.json",
    "assets/revoked_serials.txt",
    "assets/icons/portie.svg",
    "assets/icons/lock.svg",
)


def ensure_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0], *(argv or [])])
        app.setApplicationName("Portie")
        app.setOrganizationName("Portie")
        app.setApplicationVersion(__version__)
        app.setDesktopFileName("portie")
    return app


def create_main_window(start: bool = True, defer: bool = False) -> MainWindow:
    """The fully wired main window (worker, menus, paid features). Needs a QApplication.

    ``defer``: build the parts the first rows do not need after they are shown."""
    ensure_application()
    settings, notice = open_settings()
    return MainWindow(settings, notice, defer=defer, start=start)


def missing_resources() -> list[str]:
    missing = []
    for name in REQUIRED_RESOURCES:
        try:
            resource_path(name)
        except ResourceError:
            missing.append(name)
    return missing


def no_display_reason(
    environ=os.environ, platform: str = sys.platform, qt_args: list[str] = ()
) -> str:
    """Why a window cannot open here ('' when it can): Qt would abort with a core dump."""
    if platform != "linux" or environ.get("QT_QPA_PLATFORM"):
        return ""
    if any(a.lstrip("-").partition("=")[0] == "platform" for a in qt_args):
        return ""  # `-platform offscreen` and the like: Qt was told where to draw
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return ""
    return (
        "Portie needs a graphical desktop, and this session has none (DISPLAY and "
        "WAYLAND_DISPLAY are unset). In a terminal, use 'portie --list'; over SSH, "
        "connect with 'ssh -X'."
    )


def run_gui(qt_args: list[str], self_test: bool = False) -> int:
    """Open the window; with ``self_test``, report the first rows and exit."""
    started = _process_start()
    reason = no_display_reason(qt_args=qt_args)
    if reason:
        print(f"portie: {reason}", file=sys.stderr)
        return 1
    missing = missing_resources()
    if missing:
        what = "self-test failed" if self_test else "portie"
        print(f"{what}: missing resources: {', '.join(missing)}; reinstall Portie.",
              file=sys.stderr)  # fmt: skip
        return 1
    app = ensure_application(qt_args)
    # The refresh worker starts first: it collects while the window is built and shown.
    window = create_main_window(start=True, defer=True)
    collect_when_built(window)
    window.show()
    if self_test:
        return _self_test(app, window, started)
    return app.exec()


def collect_when_built(window: MainWindow) -> None:
    """Turn the cycle collector back on (`cli` turns it off for the start-up) once every
    part of ``window`` is built: after its first rows, or a second at the latest (and in
    any case after `COLLECT_AT_THE_LATEST_MS`). What start-up made lives as long as the
    window, so it is frozen out of every collection; the few hundred objects start-up
    left unreachable (about 90 KB) stay too: collecting them would stall the window 30 ms.
    """

    def resume() -> None:
        if not gc.isenabled():
            gc.freeze()
            gc.enable()

    if window.later.done:
        resume()
    else:
        window.later.completed.connect(resume)
        QTimer.singleShot(COLLECT_AT_THE_LATEST_MS, resume)


def _process_start() -> float:
    """perf_counter() value at process start, so start-up time includes interpreter and imports."""
    return time.perf_counter() - _process_age()


def _process_age() -> float:
    if sys.platform == "linux":
        # Both figures count from boot: exact to a clock tick. psutil's create_time() adds
        # /proc/stat's whole-second boot time and can be a second off.
        try:
            with open(f"/proc/{os.getpid()}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
            return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started)
        except (OSError, ValueError, IndexError):
            pass
    try:
        import psutil

        return max(0.0, time.time() - psutil.Process(os.getpid()).create_time())
    except Exception:  # best effort; fall back to "now"
        return 0.0


def _self_test(app: QApplication, window: MainWindow, started: float) -> int:
    """Print ``rows=N first_rows_ms=T`` once the first rows are painted, then wait for
    every other part to be built (so a bundle missing one fails here) and exit."""
    outcome: dict = {}
    model = window.ports.model

    def on_rows() -> None:
        if "rows" in outcome or model.rowCount() == 0:
            return
        window.ports.table.viewport().repaint()  # the first rows, on screen
        outcome["rows"] = model.total
        print(f"rows={model.total} first_rows_ms={(time.perf_counter() - started) * 1000:.0f}",
              flush=True)  # fmt: skip
        if window.later.done:
            window.close()

    def on_completed() -> None:
        if "rows" in outcome:
            window.close()

    def on_timeout() -> None:
        what = "the window was not complete" if "rows" in outcome else "no rows appeared"
        outcome["error"] = f"{what} within {SELF_TEST_TIMEOUT_S:.0f} s"
        window.close()

    model.rowsInserted.connect(lambda *_args: QTimer.singleShot(0, on_rows))
    window.later.completed.connect(on_completed)
    QTimer.singleShot(int(SELF_TEST_TIMEOUT_S * 1000), on_timeout)
    app.exec()
    window.loop.stop()
    if "rows" in outcome and "error" not in outcome:
        return 0
    print(f"self-test failed: {outcome.get('error', 'window closed early')}", file=sys.stderr)
    return 1
