"""Load Qt Designer forms from ``ui/`` at run time (source checkout, wheel or bundle)."""

from __future__ import annotations

from PySide6.QtCore import QFile, QIODevice
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import QVBoxLayout, QWidget

from portie_qt.core.paths import resource_path

_loader: QUiLoader | None = None


def load_form(name: str, parent: QWidget | None = None) -> QWidget:
    """Build the widget tree of ``ui/<name>`` as a child of ``parent``."""
    global _loader
    if _loader is None:
        _loader = QUiLoader()
        # Every form uses Qt's own widgets: no Designer plugin (PySide6 ships three, one
        # starting Python's Designer support) needs looking for. 7 ms at start-up.
        _loader.clearPluginPaths()
    path = resource_path(f"ui/{name}")
    handle = QFile(str(path))
    if not handle.open(QIODevice.OpenModeFlag.ReadOnly):
        raise OSError(f"Cannot open {path}: {handle.errorString()}")
    try:
        widget = _loader.load(handle, parent)
    finally:
        handle.close()
    if widget is None:
        raise OSError(f"Cannot load {path}: {_loader.errorString()}")
    return widget


def embed_form(name: str, dialog: QWidget, margins: tuple[int, int, int, int]) -> QWidget:
    """Load ``ui/<name>`` and make it fill ``dialog`` (a QDialog subclass) with ``margins``."""
    form = load_form(name, dialog)
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(*margins)
    layout.addWidget(form)
    return form


def child(root: QWidget, kind: type, name: str):
    """The child ``name`` of ``root``; a missing child is a packaging bug, so say which."""
    found = root.findChild(kind, name)
    if found is None:
        raise LookupError(f"{name!r} ({kind.__name__}) is missing from the form")
    return found
