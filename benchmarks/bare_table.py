"""The reference for the window's figures: a bare PySide6 script that reads
``psutil.net_connections()`` and shows the rows in a QTableView, nothing else.

``python -m benchmarks.bare_table first-rows`` prints ``rows=N`` once the rows are
painted and exits, like ``portie --self-test`` (the harness times both from spawn to
that line). ``memory`` prints JSON: RSS, rows, and the seconds from having the
connections to the rows painted. ``idle`` re-reads and re-shows the rows
every ``--interval-ms`` until it is stopped (what Portie does with its 3 s refresh).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import psutil
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QTableView

HEADERS = ("fd", "family", "type", "local", "remote", "status", "pid")
_DISPLAY = Qt.ItemDataRole.DisplayRole


def _rows() -> list[tuple[str, ...]]:
    return [tuple(str(field) for field in connection)
            for connection in psutil.net_connections(kind="inet")]  # fmt: skip


class Connections(QAbstractTableModel):
    def __init__(self, rows: list[tuple[str, ...]]) -> None:
        super().__init__()
        self.rows = rows

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=_DISPLAY):
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return HEADERS[section]
        return None

    def data(self, index, role=_DISPLAY):
        return self.rows[index.row()][index.column()] if role == _DISPLAY else None

    def replace(self, rows: list[tuple[str, ...]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("first-rows", "memory", "idle"))
    parser.add_argument("--interval-ms", type=int, default=3000)
    args = parser.parse_args(argv)
    app = QApplication(sys.argv[:1])
    model = Connections(_rows())
    had = time.perf_counter()
    view = QTableView()
    view.setModel(model)
    view.resize(1280, 720)
    view.show()
    app.processEvents()
    view.viewport().repaint()  # the rows, on screen
    painted = time.perf_counter() - had
    if args.mode == "first-rows":
        print(f"rows={len(model.rows)}", flush=True)
        return 0
    if args.mode == "memory":
        rss = psutil.Process().memory_info().rss
        print(json.dumps({"rss": rss, "rows": len(model.rows), "painted_s": painted}), flush=True)
        return 0
    timer = QTimer(interval=args.interval_ms)
    timer.timeout.connect(lambda: model.replace(_rows()))
    timer.start()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
