"""The Designer forms, compiled: ``ui/<name>.ui`` is the source, ``forms/<name>.py`` what
the window builds from (``packaging/compile_forms.py`` makes them; no XML is parsed at run
time). A part builds its form here and finds its widgets by object name with `child`.
"""

from __future__ import annotations

from importlib import import_module

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QVBoxLayout, QWidget


def load_form(name: str, parent: QWidget | None = None) -> QWidget:
    """Build the widget tree of ``ui/<name>.ui`` as a child of ``parent``."""
    compiled = import_module(f"portie_qt.forms.{name}")
    widget = compiled.Root(parent)
    compiled.Form().setupUi(widget)
    return widget


def embed_form(name: str, dialog: QWidget, margins: tuple[int, int, int, int]) -> QWidget:
    """Build ``ui/<name>.ui`` and make it fill ``dialog`` (a QDialog subclass) with ``margins``."""
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


def viewport(area: QAbstractScrollArea) -> QWidget:
    """``area.viewport()``, without its cost on first use: PySide6 wraps a widget Qt made
    the first time Python is handed it, and for a plain ``QWidget *`` it first creates
    every QWidget subclass it knows (about 70 enums, 15–20 ms at start-up). Asked for by
    name and class, the same widget comes back at once."""
    found = area.findChild(QWidget, "qt_scrollarea_viewport", _DIRECT)
    return found if found is not None else area.viewport()


_DIRECT = Qt.FindChildOption.FindDirectChildrenOnly
