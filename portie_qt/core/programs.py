"""One record per process for the rows it owns: app label, project, directory, command.

The collector reads a process's command line and working directory once per
``(pid, create_time)`` and shares one `Program` among all of that process's endpoints,
so 10,000 rows of one server cost one record. The project is the working directory's
git repository root (``web-app`` for ``~/code/web-app/packages/ui``), else the folder
name. Qt-free.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from typing import NamedTuple

from portie_qt.core.apps import app_label

# How far up from a working directory to look for the repository root: deep enough for
# monorepo packages, bounded so a deep path costs a handful of stat calls.
_MAX_LEVELS = 12
_PROJECTS: dict[str, str | None] = {}
_PROJECTS_MAX = 4096


class Program(NamedTuple):
    """What a process is, for people; None where the system does not show it."""

    app: str | None  # ``vite``, ``uvicorn main:app``, else the process name
    project: str | None  # git repository root's name, else the directory's name
    cwd: str | None
    cmdline: tuple[str, ...] | None
    # app, project, directory and command line in lower case, for the filter: built once
    # per process, not per row per keystroke.
    search_text: str = ""

    @property
    def command(self) -> str:
        """The command line as a person would type it ('' when empty or hidden)."""
        return command_text(self.cmdline)


def command_text(cmdline: Sequence[str] | None) -> str:
    if not cmdline:
        return ""
    if sys.platform == "win32":
        return subprocess.list2cmdline(cmdline)
    return shlex.join(cmdline)


def _is_home_or_top(path: str) -> bool:
    """``/``, ``/root``, ``/home/NAME``, ``/Users/NAME``, a drive root: never a project
    (a dotfiles repository in the home folder is not the project of every folder in it)."""
    parent = os.path.dirname(path)
    if parent == path:
        return True
    in_home_folder = os.path.basename(parent) in ("home", "Users") and (
        os.path.dirname(parent) == os.path.dirname(os.path.dirname(parent))
    )
    return path == "/root" or in_home_folder


def _find_project(cwd: str) -> str | None:
    path = os.path.normpath(cwd)
    if _is_home_or_top(path):
        return None
    folder = os.path.basename(path)
    for _ in range(_MAX_LEVELS):
        if _is_home_or_top(path):
            break
        if os.path.lexists(os.path.join(path, ".git")):  # a directory, or a worktree's file
            return os.path.basename(path)
        path = os.path.dirname(path)
    return folder or None


def project_of(cwd: str | None) -> str | None:
    """The project a working directory belongs to (cached per directory)."""
    if not cwd:
        return None
    found = _PROJECTS.get(cwd, "")
    if found == "":
        if len(_PROJECTS) >= _PROJECTS_MAX:
            _PROJECTS.clear()
        try:
            found = _find_project(cwd)
        except (OSError, ValueError):
            found = None  # unreadable path: no project rather than a guess
        _PROJECTS[cwd] = found
    return found


def program_of(name: str | None, cmdline: Sequence[str] | None, cwd: str | None) -> Program:
    """The record for a process with this name, command line and working directory."""
    cmd = tuple(cmdline) if cmdline is not None else None
    app, project = app_label(name, cmd), project_of(cwd)
    text = "\n".join(part for part in (app, project, cwd, command_text(cmd)) if part).lower()
    return Program(app, project, cwd, cmd, text)
