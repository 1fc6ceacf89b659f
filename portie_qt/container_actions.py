"""Stop or restart the container that owns a port: confirm, ask the engine off the UI
thread, report. Never signals the engine's own helpers (``docker-proxy``, ``dockerd``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget
from shiboken6 import Shiboken

from portie_qt.core import containers
from portie_qt.core.containers import Container
from portie_qt.jobs import background_pool, run_in_pool
from portie_qt.questions import ask

STOP = "stop"
RESTART = "restart"
ACTIONS = (STOP, RESTART)

# (container, action, parent) -> go ahead?
ContainerPrompt = Callable[[Container, str, "QWidget | None"], bool]


class ContainerActions(QObject):
    """Stops or restarts containers through the engine; results arrive as ``finished``.

    ``allowed()`` is the licence gate (checked again here); ``confirm_enabled()`` is the
    window's "ask before stopping" setting; ``confirm_prompt`` is replaceable so tests
    (or another front end) can answer without a modal dialog.
    """

    acted = Signal()  # the engine was asked: refresh the table now
    finished = Signal(bool, str)  # (done, the sentence to show)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        allowed: Callable[[], bool] = lambda: True,
        confirm_enabled: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__(parent)
        self.allowed = allowed
        self.confirm_enabled = confirm_enabled
        self.confirm_prompt: ContainerPrompt = self.ask_confirmation
        self._in_flight: set[str] = set()

    @property
    def busy(self) -> bool:
        return bool(self._in_flight)

    def request(self, container: Container, action: str, parent: QWidget | None = None) -> bool:
        """Confirm, then stop or restart ``container``; False when nothing started."""
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, not {action!r}")
        if not self.allowed() or container.id in self._in_flight:
            return False
        if self.confirm_enabled() and not self.confirm_prompt(container, action, parent):
            return False
        self._in_flight.add(container.id)
        job = run_in_pool(background_pool(), containers.act, container, action)
        job.finished.connect(lambda message: self._on_done(container, True, message))
        job.failed.connect(lambda message: self._on_done(container, False, message))
        return True

    def ask_confirmation(self, container: Container, action: str, parent) -> bool:
        """A question box with the same words as ``portie free``; Cancel is the default."""
        if parent is not None and not Shiboken.isValid(parent):
            parent = None
        restart = action == RESTART
        return ask(parent, "confirmContainer", QMessageBox.Icon.Question,
                   "Restart container" if restart else "Stop container",
                   containers.question(container, action),
                   f"{containers.describe(container)}. Portie asks the engine to {action} "
                   "it; the engine's helpers (docker-proxy, dockerd) are left alone.",
                   "Restart" if restart else "Stop", QMessageBox.ButtonRole.AcceptRole)  # fmt: skip

    def _on_done(self, container: Container, ok: bool, message: str) -> None:
        self._in_flight.discard(container.id)
        if not ok:
            message = f"Container {container.label} was not changed: {message}"
        self.acted.emit()
        self.finished.emit(ok, message)
