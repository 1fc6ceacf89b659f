"""The compiled forms (`portie_qt.forms`) build what their Designer sources in ui/ say.

A form edited in Qt Designer and not recompiled (``python packaging/compile_forms.py``)
fails here: each compiled form is compared, widget by widget and property by property,
with the same ``.ui`` loaded by Qt's own QUiLoader.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QFile, QIODevice, QObject
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLayout,
    QListWidget,
    QTreeWidget,
    QWidget,
)

from portie_qt.forms import load_form

ROOT = Path(__file__).resolve().parents[2]
FORMS = sorted(p.stem for p in (ROOT / "ui").glob("*.ui"))
COMPILED = sorted(
    p.stem for p in (ROOT / "portie_qt" / "forms").glob("*.py") if p.stem != "__init__"
)


def _loaded(name: str, parent: QWidget) -> QWidget:
    loader = QUiLoader()
    loader.clearPluginPaths()
    handle = QFile(str(ROOT / "ui" / f"{name}.ui"))
    assert handle.open(QIODevice.OpenModeFlag.ReadOnly)
    try:
        widget = loader.load(handle, parent)
    finally:
        handle.close()
    assert widget is not None, loader.errorString()
    return widget


def _properties(obj: QObject) -> dict[str, str]:
    # The class's static meta-object: every form widget is a plain Qt class, and a
    # wrapper of metaObject() can outlive a dynamic meta-object of an earlier test.
    meta = type(obj).staticMetaObject
    out = {}
    for index in range(meta.propertyCount()):
        prop = meta.property(index)
        if prop.isReadable() and prop.name() not in _UNCOMPARED:
            out[prop.name()] = _ADDRESS.sub("", repr(prop.read(obj)))
    return out


# Not what the form says: addresses, and size hints an unshown layout caches at whatever
# moment it was first asked (the margins and sizes they come from are compared).
_UNCOMPARED = {"windowIcon", "locale", "document", "sizeHint", "minimumSizeHint"}
_ADDRESS = re.compile(r" at 0x[0-9a-f]+|cacheKey=0x[0-9a-f]+")


def _structure(obj: QObject) -> dict:
    """What a form says that is not a Qt property: buddies, stretch factors, grid cells,
    column headers and list entries."""
    out: dict = {}
    if isinstance(obj, QLabel) and obj.buddy() is not None:
        out["buddy"] = obj.buddy().objectName()
    if isinstance(obj, QBoxLayout):
        out["stretch"] = [obj.stretch(i) for i in range(obj.count())]
    if isinstance(obj, QGridLayout | QFormLayout):
        out["cells"] = [obj.getItemPosition(i) for i in range(obj.count())]
    if isinstance(obj, QTreeWidget):
        header = obj.headerItem()
        out["columns"] = [header.text(c) for c in range(header.columnCount())]
    if isinstance(obj, QListWidget):
        out["items"] = [obj.item(i).text() for i in range(obj.count())]
    if isinstance(obj, QComboBox):
        out["items"] = [(obj.itemText(i), repr(obj.itemData(i))) for i in range(obj.count())]
    return out


def _focus_chain(root: QWidget) -> list[str]:
    """The form's tab order: its widgets' names in focus-chain order."""
    names, widget = [], root.nextInFocusChain()
    for _ in range(500):  # bounded: the chain is a ring
        if widget is root:
            break
        if root.isAncestorOf(widget):
            names.append(widget.objectName() or type(widget).__name__)
        widget = widget.nextInFocusChain()
    return names


def _tree(obj: QObject, depth: int = 0) -> list[tuple]:
    """Every widget and layout under ``obj``, in order, with its class, properties and
    structure."""
    rows = [(depth, type(obj).__name__, obj.objectName(), _properties(obj), _structure(obj))]
    if isinstance(obj, QWidget) and obj.layout() is not None:
        rows += _tree(obj.layout(), depth + 1)
    if isinstance(obj, QLayout):
        for index in range(obj.count()):
            item = obj.itemAt(index)
            if item.layout() is not None:
                rows += _tree(item.layout(), depth + 1)
            elif item.widget() is not None:
                rows.append((depth + 1, "item", item.widget().objectName()))
            else:
                rows.append((depth + 1, "spacer", repr(item.sizeHint())))
    for child in obj.children():
        if isinstance(child, QWidget):
            rows += _tree(child, depth + 1)
    return rows


def test_every_form_is_compiled_and_nothing_else_is():
    assert FORMS and COMPILED == FORMS


@pytest.mark.parametrize("name", FORMS)
def test_compiled_form_builds_the_same_widgets_as_its_ui_file(qtbot, name):
    holder = QWidget()
    qtbot.addWidget(holder)
    compiled = load_form(name, holder)
    loaded = _loaded(name, holder)
    stale = f"portie_qt/forms/{name}.py is out of date: run python packaging/compile_forms.py"
    assert _tree(compiled) == _tree(loaded), stale
    assert _focus_chain(compiled) == _focus_chain(loaded), stale


def test_compiled_forms_use_no_designer_loader_at_run_time():
    for name in COMPILED:
        module = importlib.import_module(f"portie_qt.forms.{name}")
        source = Path(module.__file__).read_text(encoding="utf-8")
        assert "QUiLoader" not in source and "QtUiTools" not in source, name


def test_viewport_by_name_is_the_scroll_areas_own_viewport(qtbot):
    from PySide6.QtWidgets import QTableView

    from portie_qt.forms import viewport

    table = QTableView()
    qtbot.addWidget(table)
    found = viewport(table)
    assert found is table.viewport()
    assert viewport(table.horizontalHeader()) is table.horizontalHeader().viewport()
