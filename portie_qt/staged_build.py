"""Building a window in stages: what the first paint needs at once, the rest one step
per event-loop turn after the first rows are on screen, so no step is a long stall."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QTimer, Signal, Slot


class StagedBuild(QObject):
    """Runs ``steps`` in order: one per event-loop turn after `start()`, or all by `finish()`."""

    completed = Signal()  # the last step has run

    def __init__(self, steps: Iterable[Callable[[], None]], parent: QObject | None = None):
        super().__init__(parent)
        self._steps = list(steps)
        self._next = QTimer(self, singleShot=True, interval=0)
        self._next.timeout.connect(self._run_one)

    @property
    def done(self) -> bool:
        return not self._steps

    def start(self, delay_ms: int = 0) -> None:
        """Run the remaining steps, the first after ``delay_ms`` (sooner if started again)."""
        if self._steps and (not self._next.isActive() or self._next.remainingTime() > delay_ms):
            self._next.start(delay_ms)

    def finish(self) -> None:
        """Run every remaining step now (before saving the layout, for About…)."""
        while self._steps:
            self._run_one()

    @Slot()
    def _run_one(self) -> None:
        if not self._steps:
            return
        step = self._steps.pop(0)
        try:
            step()
        finally:  # a part that fails to build (it says why) leaves the others to build
            if self._steps:
                self._next.start(0)
            else:
                self._next.stop()
                self.completed.emit()


def importing(*modules: str) -> list[Callable[[], None]]:
    """Steps that import ``modules``, one per turn: loading a part's code costs more than
    building it."""
    return [lambda name=name: importlib.import_module(name) for name in modules]
