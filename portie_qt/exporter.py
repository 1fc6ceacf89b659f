"""File → Export: save rows as CSV or JSON, written off the UI thread."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from portie_qt.core.endpoints import Endpoint


class Exporter(QObject):
    """Asks where to save (unless told), then writes the rows on the background pool."""

    saved = Signal(str)  # a sentence: how many rows went where
    failed = Signal(str)  # a sentence: what went wrong

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window

    def export(self, endpoints: Sequence[Endpoint], path: str | None = None) -> None:
        """Save ``endpoints`` (as shown: filtered and sorted) to ``path`` or a chosen file."""
        if not path:
            from PySide6.QtWidgets import QFileDialog  # on first use, not before the first rows

            path, _filter = QFileDialog.getSaveFileName(
                self._window, "Export visible rows", "portie-ports.csv",
                "CSV (*.csv);;JSON (*.json)",
            )  # fmt: skip
            if not path:
                return
        from portie_qt.core.export import save_endpoints  # on first use: it loads the scanner
        from portie_qt.jobs import background_pool, run_in_pool

        job = run_in_pool(background_pool(), save_endpoints, path, tuple(endpoints))
        job.finished.connect(lambda count: self.saved.emit(f"Exported {count} rows to {path}"))
        job.failed.connect(lambda message: self.failed.emit(f"Could not save {path}: {message}"))
