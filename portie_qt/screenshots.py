"""Screenshots of every window, light and dark, at the sizes people use, from real rows.

    python -m portie_qt.screenshots [--out DIR] [--sizes 1280x720 1024x640]
                                    [--themes light dark] [--only main-window scan …]

Offscreen (``QT_QPA_PLATFORM``, set before Qt loads), in a temporary ``PORTIE_CONFIG_DIR``:
the user's settings, licence and logs are never read or written. The rows are real: a
few child processes shaped like a developer's machine (``vite.js`` of ``web-app`` on
5173, ``http.server`` on 8000, ``server.js`` of ``shop`` on 3000, a mail catcher on 1025,
a worker of ``api`` holding loopback connections and a UDP socket), each on its usual
port only when that port is free, killed by PID at the end. The licence is issued with a
source checkout's development key, as the tests do. Nothing is ever signalled: the
Terminate confirmation is cancelled. The main window is saved per size
(``main-window-1280x720-light.png``, ``port-answer-…``), dialogs at their own size
(``scan-dark.png``), into ``assets/screenshots/``; the bundle leaves them out.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from portie_qt.screenshot_machine import WAIT_S, Child, DevMachine

SOURCE = Path(__file__).resolve().parent.parent
DEFAULT_OUT = SOURCE / "assets" / "screenshots"
DEV_SIGNING_KEY = SOURCE / "packaging" / "dev-license-signing-key.pem"
SIZES = ((1280, 720), (1024, 640))
THEMES = ("light", "dark")
SHOTS = ("main-window", "port-answer", "port-reference", "why", "unlock", "about",
         "shortcuts", "scan", "confirm")  # fmt: skip
LICENSEE = ("Ada Lovelace", "ada@example.com")


class ShotError(Exception):
    """A sentence saying which step did not happen."""


def _dev_key() -> str:
    """A licence key signed with the development key (source checkouts trust it)."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from portie_qt.core.license import issue_key

    try:
        key = load_pem_private_key(DEV_SIGNING_KEY.read_bytes(), password=None)
    except OSError as exc:
        raise ShotError(f"No development signing key at {DEV_SIGNING_KEY}: run this from a "
                        f"source checkout ({exc.strerror}).") from exc  # fmt: skip
    return issue_key(key, *LICENSEE)


# -- waiting on the window ----------------------------------------------------------------


def _wait_signal(signal_, what: str, trigger: Callable[[], object] = lambda: None,
                 until: Callable[..., bool] = lambda *_args: True) -> tuple:  # fmt: skip
    """Call ``trigger`` and wait until ``signal_`` is emitted with arguments ``until`` likes."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop, seen = QEventLoop(), []

    def on_signal(*args) -> None:
        if not seen and until(*args):
            seen.append(args)
            loop.quit()

    signal_.connect(on_signal)
    try:
        trigger()
        if not seen:
            QTimer.singleShot(int(WAIT_S * 1000), loop.quit)
            loop.exec()
    finally:
        signal_.disconnect(on_signal)
    if not seen:
        raise ShotError(f"{what} did not happen within {WAIT_S:.0f} s.")
    return seen[0]


def _wait_until(predicate: Callable[[], bool], what: str) -> None:
    """Wait (running the event loop) until ``predicate()`` holds; bounded."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if time.monotonic() > deadline:
            raise ShotError(f"{what} did not happen within {WAIT_S:.0f} s.")
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()


def _settle() -> None:
    """Let posted layout and paint requests run (a few turns of the event loop)."""
    from PySide6.QtCore import QEventLoop, QTimer

    for _ in range(3):
        loop = QEventLoop()
        QTimer.singleShot(0, loop.quit)
        loop.exec()


def _save(widget, path: Path) -> Path:
    _settle()
    if not widget.grab().save(str(path), "PNG"):
        raise ShotError(f"Could not write {path}: choose a folder you can write to (--out).")
    return path


def _save_modal(trigger: Callable[[], object], find: Callable[[], object], path: Path) -> Path:
    """Run ``trigger`` (which opens a modal dialog and waits), save the dialog, close it."""
    from PySide6.QtCore import QTimer

    saved: list = []
    turns = [0]

    def look() -> None:
        dialog = find()
        if dialog is None or not dialog.isVisible():
            turns[0] += 1
            if turns[0] < 500:
                QTimer.singleShot(10, look)
            return
        try:
            saved.append(_save(dialog, path))
        finally:
            dialog.reject()

    QTimer.singleShot(0, look)
    trigger()
    if not saved:
        raise ShotError(f"The dialog for {path.name} did not open.")
    return path


# -- themes -------------------------------------------------------------------------------


def _apply_theme(app, theme: str) -> None:
    """Fusion with its own light palette, or a dark one (style.py reads dark off it)."""
    from PySide6.QtGui import QColor, QPalette

    app.setStyle("Fusion")
    palette = app.style().standardPalette()
    if theme == "dark":
        roles, groups = QPalette.ColorRole, QPalette.ColorGroup
        for role, colour in ((roles.Window, "#2b2b2c"), (roles.WindowText, "#e8e8e8"),
                             (roles.Base, "#1e1e1f"), (roles.AlternateBase, "#262627"),
                             (roles.ToolTipBase, "#3a3a3c"), (roles.ToolTipText, "#e8e8e8"),
                             (roles.PlaceholderText, "#8a8a8a"), (roles.Text, "#e8e8e8"),
                             (roles.Button, "#353536"), (roles.ButtonText, "#e8e8e8"),
                             (roles.BrightText, "#ff6b6b"), (roles.Light, "#4a4a4b"),
                             (roles.Midlight, "#3e3e3f"), (roles.Mid, "#262627"),
                             (roles.Dark, "#1a1a1b"), (roles.Shadow, "#0d0d0d"),
                             (roles.Highlight, "#2f65ca"), (roles.HighlightedText, "#ffffff"),
                             (roles.Link, "#6ea8fe"), (roles.LinkVisited, "#b08cff")):  # fmt: skip
            palette.setColor(role, QColor(colour))
        for role in (roles.WindowText, roles.Text, roles.ButtonText):
            palette.setColor(groups.Disabled, role, QColor("#7a7a7a"))
    app.setPalette(palette)


# -- the shots ----------------------------------------------------------------------------


@dataclass
class Shooter:
    """Takes the shots of one theme from one main window."""

    out: Path
    theme: str
    sizes: tuple[tuple[int, int], ...]
    only: frozenset[str]
    machine: DevMachine
    key: str
    saved: list[Path] = field(default_factory=list)

    def path(self, name: str, size: tuple[int, int] | None = None) -> Path:
        sized = f"-{size[0]}x{size[1]}" if size else ""
        return self.out / f"{name}{sized}-{self.theme}.png"

    def run(self, phase: str) -> None:
        """``phase`` "windows": the main window per size; "dialogs": the dialogs. Apart, so
        that no scan's or banner's closed connections (TIME_WAIT) clutter the main window."""
        from portie_qt.app import create_main_window

        window, late = create_main_window(start=False), None
        try:
            self.window = window
            window.loop.set_interval(1000)
            window.resize(*self.sizes[0])
            window.show()
            _wait_signal(window.refresh_applied, "The first rows", window.start)
            _wait_until(lambda: window.later.done, "Building the window's parts")
            _wait_until(self._labelled, "The Service labels")
            if phase == "dialogs":
                self._dialogs()
                return
            for port in ("5432", str(self.machine.first.port)):
                window.watch.watch_port(port)
            late = self._start_later()
            for size in self.sizes:
                self._main_window(size)
        finally:
            if late is not None:  # the next theme's window sees it start again
                self.machine.stop(late)
            window.quit()
            window.deleteLater()
            _settle()

    def _labelled(self) -> bool:
        from portie_qt.core.display import SERVICE

        model, port = self.window.ports.model, self.machine.first.port
        for row, endpoint in enumerate(self.window.ports.visible()):
            if endpoint.local_port == port:
                return bool(model.index(row, SERVICE).data())
        return False

    def _start_later(self) -> Child | None:
        """Start a server while the window watches, and wait until the log has it."""
        window = self.window
        child = self.machine.start_later()
        if child is not None:
            logged = lambda events: any(e.port == child.port for e in events)  # noqa: E731
            _wait_signal(window.watch.events_recorded, "The new listener's log entry",
                         until=logged)  # fmt: skip
        return child

    def _main_window(self, size: tuple[int, int]) -> None:
        window = self.window
        window.resize(*size)
        _wait_signal(window.refresh_applied, "A refresh at the new size")
        if "main-window" in self.only:
            self.saved.append(_save(window, self.path("main-window", size)))
        if "port-answer" in self.only:
            window.filters.edit.setText(str(self.machine.first.port))
            _wait_until(lambda: window.answer.isVisible() and window.ports.model.rowCount(),
                        "The answer card")  # fmt: skip
            window.ports.table.selectRow(0)
            _wait_signal(window.refresh_applied, "A refresh with the answer card")
            self.saved.append(_save(window, self.path("port-answer", size)))
            window.ports.table.clearSelection()
            window.filters.edit.clear()
            _wait_until(lambda: not window.answer.isVisible(), "Closing the answer card")

    def _dialogs(self) -> None:
        window, port = self.window, self.machine.first.port
        if "port-reference" in self.only:
            window.open_reference(str(port))
            dialog = window.dialogs.reference
            self.saved.append(_save(dialog, self.path("port-reference")))
            dialog.close()
        if "why" in self.only:
            window.rows.why_port(port, "tcp")
            dialog = window.rows.why_dialog
            _wait_signal(dialog.explained, "Why port is busy", until=lambda e: e.port == port)
            self.saved.append(_save(dialog, self.path("why")))
            dialog.close()
        self._unlock()
        if "about" in self.only:
            from PySide6.QtWidgets import QMessageBox

            self.saved.append(_save_modal(window.action_about.trigger,
                                          lambda: window.findChild(QMessageBox),
                                          self.path("about")))  # fmt: skip
        if "shortcuts" in self.only:
            from portie_qt.about import ShortcutsDialog

            self.saved.append(_save_modal(window.show_shortcuts,
                                  lambda: window.findChild(ShortcutsDialog),
                                  self.path("shortcuts")))  # fmt: skip
        if "scan" in self.only:
            self._scan()
        if "confirm" in self.only:
            self._confirm()

    def _unlock(self) -> None:
        """The offer while locked; then the real activation, which unlocks the rest."""
        window = self.window
        dialog = window.unlock.open("") if "unlock" in self.only else None
        if dialog is not None:
            self.saved.append(_save(dialog, self.path("unlock")))
        window.entitlements.activate(self.key)
        if dialog is not None:
            self.saved.append(_save(dialog, self.path("unlock-licensed")))
            dialog.reject()

    def _scan(self) -> None:
        from PySide6.QtCore import QModelIndex

        from portie_qt.scan_dialog import CUSTOM

        window = self.window
        window.action_scan.trigger()
        dialog = window.dialogs.scan
        dialog.host_edit.setText("127.0.0.1")
        dialog.preset_combo.setCurrentIndex(CUSTOM)
        ours = sorted({c.port for c in self.machine.children})
        dialog.ports_edit.setText(",".join(["top100", *map(str, ours)]))
        dialog.banners_check.setChecked(True)
        report = _wait_signal(dialog.scan_finished, "The scan of 127.0.0.1", dialog.start_scan)[0]
        if report is None:
            raise ShotError(f"The scan of 127.0.0.1 failed: {dialog.status_label.text()}")
        model = dialog.results_table.model()
        _wait_until(lambda: model.rowCount(QModelIndex()) > 0, "The scan's rows")
        self.saved.append(_save(dialog, self.path("scan")))
        dialog.close()

    def _confirm(self) -> None:
        """The Terminate confirmation for this script's own dev server, then Cancel."""
        from portie_qt.confirm_dialog import TERMINATE, ConfirmSignalDialog

        window, child = self.window, self.machine.first
        endpoints = [e for e in window.ports.rows if e.pid == child.proc.pid and e.listening]
        if not endpoints:
            raise ShotError(f"No row for {child.what} (PID {child.proc.pid}) to confirm.")
        window.rows.stop(endpoints, TERMINATE)

        def described() -> ConfirmSignalDialog | None:
            found = [d for d in window.findChildren(ConfirmSignalDialog) if d.isVisible()]
            return found[0] if found and found[0].confirm_button.isEnabled() else None

        _wait_until(lambda: described() is not None, "The confirmation's details")
        dialog = described()
        try:
            self.saved.append(_save(dialog, self.path("confirm")))
        finally:
            dialog.reject()  # Cancel: nothing is signalled
        _wait_until(lambda: not window.rows.processes.busy, "Cancelling the confirmation")


# -- entry point --------------------------------------------------------------------------


def _size(text: str) -> tuple[int, int]:
    width, _x, height = text.lower().partition("x")
    try:
        return int(width), int(height)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 1280x720") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m portie_qt.screenshots",
                                     description="Save PNGs of every Portie window.")  # fmt: skip
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"folder for the PNGs (default {DEFAULT_OUT})")  # fmt: skip
    parser.add_argument("--sizes", nargs="+", type=_size, default=list(SIZES),
                        help="main window sizes (default 1280x720 1024x640)")  # fmt: skip
    parser.add_argument("--themes", nargs="+", choices=THEMES, default=list(THEMES))
    parser.add_argument("--only", nargs="+", choices=SHOTS, default=list(SHOTS), metavar="SHOT",
                        help=f"which shots: {', '.join(SHOTS)} (default all)")  # fmt: skip
    return parser.parse_args(argv)


def take_screenshots(out: Path, sizes=SIZES, themes=THEMES, only=SHOTS) -> list[Path]:
    """Save the PNGs into ``out``; return their paths. Needs no display."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before Qt loads; never a real window
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    before = os.environ.get("PORTIE_CONFIG_DIR")
    with tempfile.TemporaryDirectory(prefix="portie-shots-") as temp:
        machine = DevMachine(Path(temp) / "projects")
        try:
            from portie_qt.app import ensure_application

            app = ensure_application()
            palette, style_name = app.palette(), app.style().name()
            key = _dev_key()
            machine.start()
            for phase, theme in ((p, t) for p in ("windows", "dialogs") for t in themes):
                # A fresh settings folder each time: first-run layout, locked until activated.
                os.environ["PORTIE_CONFIG_DIR"] = str(Path(temp) / f"config-{phase}-{theme}")
                _apply_theme(app, theme)
                shooter = Shooter(out, theme, tuple(sizes), frozenset(only), machine, key)
                try:
                    shooter.run(phase)
                finally:
                    saved += shooter.saved
            app.setStyle(style_name)
            app.setPalette(palette)
        finally:
            machine.stop()
            if before is None:
                os.environ.pop("PORTIE_CONFIG_DIR", None)
            else:
                os.environ["PORTIE_CONFIG_DIR"] = before
    for skipped in machine.skipped:
        print(f"screenshots: left out {skipped}", file=sys.stderr)
    return saved


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        saved = take_screenshots(args.out, args.sizes, args.themes, args.only)
    except ShotError as exc:
        print(f"screenshots: {exc}", file=sys.stderr)
        return 1
    for path in saved:
        print(path)
    return 0


def _quiet_offscreen() -> None:
    """Leave out the offscreen platform's notes on what it cannot do (raise, size hints)."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_kind, _context, message: str) -> None:
        if not message.startswith("This plugin does not support"):
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


if __name__ == "__main__":
    _quiet_offscreen()
    sys.exit(main())
