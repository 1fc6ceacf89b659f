"""Compile the Designer forms in ``ui/`` into Python modules in ``portie_qt/forms/``.

    python packaging/compile_forms.py          # after editing any ui/*.ui

The ``.ui`` files are the sources (open them in Qt Designer); the window builds its
widgets from the compiled modules, so no XML is parsed and no QtUiTools is loaded at
start-up. Each module is Qt's own ``uic -g python`` output with the imports it does not
use removed (PySide6 creates a class on its first import: an unused ``QIcon`` costs
milliseconds at start-up) and a header saying where it comes from.
``tests/gui/test_forms.py`` checks every compiled form still builds the same widgets
as its ``.ui``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "ui"
TARGET = REPO / "portie_qt" / "forms"

_IMPORT = re.compile(r"^from (PySide6\.\w+) import (?:\(([^)]*)\)|([^\n(]*))\n", re.MULTILINE)


def uic_command() -> list[str]:
    """Qt's uic as shipped in the PySide6 wheel (what ``pyside6-uic`` runs)."""
    import PySide6

    here = Path(PySide6.__file__).resolve().parent
    exe = here / "uic.exe" if sys.platform == "win32" else here / "Qt" / "libexec" / "uic"
    return [os.fspath(exe), "-g", "python"]


def compiled(ui: Path) -> str:
    """The Python module for one form."""
    raw = subprocess.run(
        [*uic_command(), os.fspath(ui)], capture_output=True, text=True, check=True
    ).stdout
    body = raw[raw.index("\nfrom ") + 1 :]  # after uic's banner
    root = ET.parse(ui).getroot().find("widget").get("class")  # the form's top widget
    form = re.search(r"^class (\w+)\(object\):", body, re.MULTILINE).group(1)
    code = _IMPORT.sub("", body).strip("\n")
    code += f"\n\n\nForm = {form}  # builds the widgets into a {root}\nRoot = {root}\n"
    imports = []
    for module, wrapped, bare in _IMPORT.findall(body):
        names = [n.strip() for n in (wrapped or bare).split(",")]
        used = [n for n in names if n and _used(n, code)]
        if used:
            imports.append(f"from {module} import {', '.join(used)}\n")
    header = (
        f'"""Compiled from ui/{ui.name} by packaging/compile_forms.py: edit the .ui, then'
        ' re-run it."""\n\n'
    )
    return header + "".join(imports) + "\n\n" + code


def _used(name: str, code: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", code) is not None


def main() -> int:
    TARGET.mkdir(exist_ok=True)
    wanted = {}
    for ui in sorted(SOURCES.glob("*.ui")):
        wanted[f"{ui.stem}.py"] = compiled(ui)
    for name, text in wanted.items():
        path = TARGET / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO)}")
    for stale in TARGET.glob("*.py"):
        if stale.name != "__init__.py" and stale.name not in wanted:
            stale.unlink()
            print(f"removed {stale.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
