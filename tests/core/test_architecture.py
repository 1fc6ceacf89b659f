"""The shape of the code: no import circles, core stays Qt-free and never reaches up,
commands do not import the CLI, benchmarks do not import tests, modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "portie_qt"
MAX_LINES = 600
MAX_WINDOW_LINES = 350


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(top: Path) -> dict[str, Path]:
    return {_module_name(p): p for p in top.rglob("*.py")}


def _defined(path: Path) -> set[str]:
    """Names a module defines at its top level (functions, classes, assignments, imports)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module of ``modules`` that ``path`` imports, at the top or inside a function.

    ``from pkg import name`` is an edge to ``pkg.name`` when that is a module, to ``pkg``
    when ``pkg`` defines ``name``, and to nothing when ``name`` is a module that only a
    build writes (``portie_qt/_build_info.py``).
    """
    known = set(modules)
    found: set[str] = set()
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names = []
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    names.append(f"{base}.{alias.name}")
                elif base in known and alias.name in _defined(modules[base]):
                    names.append(base)
        else:
            continue
        found.update(name for name in names if name in known)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules(PACKAGE)
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def test_there_are_no_import_circles_even_through_lazy_imports():
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_core_imports_only_core_and_commands_never_the_cli():
    graph = _graph()
    for name, targets in graph.items():
        if name.startswith("portie_qt.core"):
            outside = {t for t in targets if not t.startswith("portie_qt.core")}
            assert outside == set(), f"{name} reaches up to {outside}"
        if name.startswith("portie_qt.commands"):
            assert "portie_qt.cli" not in targets, f"{name} imports the CLI"


def test_benchmarks_do_not_import_tests():
    for path in (ROOT / "benchmarks").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests"):
                raise AssertionError(f"{path.name} imports {node.module}")
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("tests") for a in node.names), path.name


def test_modules_stay_small_and_the_window_only_composes():
    sizes = {name: len(path.read_text().splitlines()) for name, path in _modules(PACKAGE).items()}
    assert {n: s for n, s in sizes.items() if s > MAX_LINES} == {}
    assert sizes["portie_qt.main_window"] < MAX_WINDOW_LINES


def test_the_readme_module_map_matches_the_tree():
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Where things are", 1)[1].split("\n## ", 1)[0]
    mapped = set(re.findall(r"^\| `(portie_qt/[^`]+\.py)` \|", section, re.MULTILINE))
    tree = {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py")}
    tree -= {"portie_qt/__init__.py", "portie_qt/commands/__init__.py",
             "portie_qt/core/__init__.py"}  # fmt: skip
    # The compiled forms are mapped once, by their folder's entry (one per ui/*.ui).
    tree -= {f"portie_qt/forms/{p.stem}.py" for p in (ROOT / "ui").glob("*.ui")}
    assert mapped == tree


class _Item:
    """What the collection hook sees of a test: its markers."""

    def __init__(self, *markers: str) -> None:
        self.markers = [getattr(pytest.mark, m) for m in markers]

    def get_closest_marker(self, name):
        return next((m for m in self.markers if m.name == name), None)

    def add_marker(self, marker) -> None:
        self.markers.append(marker)


@pytest.mark.parametrize(("platform", "skipped"), [("linux", False), ("darwin", True),
                                                    ("win32", True)])  # fmt: skip
def test_only_linux_only_tests_are_skipped_and_only_off_linux(monkeypatch, platform, skipped):
    from tests import conftest

    items = [_Item("linux_only"), _Item("netns"), _Item("xcb"), _Item()]
    monkeypatch.setattr(conftest.sys, "platform", platform)
    conftest.pytest_collection_modifyitems(None, items)
    marked = [any(m.name == "skip" for m in item.markers) for item in items]
    assert marked == [skipped, False, False, False]
