"""Persistent settings (QSettings, INI) in Portie's config directory.

The location honours ``PORTIE_CONFIG_DIR`` so tests and users can isolate it. The folder
is this user's only (0700) and ``portie.ini`` a regular file of ours, 0600, before Qt
opens it: QSettings writes through a symlink, so a link found there is moved aside, never
followed. A file Qt cannot parse is moved aside too and Portie starts from defaults; a
folder Portie must not or cannot write in leaves the settings unsaved for this run. Each
case is one sentence for the status bar.

Every read is type-checked with a default: a hand-edited ``@Point(1 2)`` where a list of
host names belongs gives the default, and `problems_of(settings)` reports each such key
once.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal

from portie_qt.core.files import (
    PRIVATE_FILE,
    ensure_private_dir,
    prepare_private_file,
    private_dir_problem,
    set_aside,
    write_atomic,
)
from portie_qt.core.paths import config_dir

SETTINGS_FILE = "portie.ini"


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def open_settings() -> tuple[QSettings, str]:
    """The app's settings and a notice ('' when all is well)."""
    path = settings_path()
    notices: list[str] = []
    try:
        ensure_private_dir(path.parent)
        problem = private_dir_problem(path.parent)
        if not problem:
            notices.append(prepare_private_file(path))
    except OSError as exc:
        problem = f"{path} cannot be written ({exc.strerror or exc})"
    if problem:
        path = _scratch_copy(path)  # read what is there, write nowhere it could hurt
        notices.append(f"Settings will not be saved: {problem}.")
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    if settings.status() == QSettings.Status.AccessError:
        notices.append(f"Settings cannot be read from {path}; Portie started with defaults.")
        settings = QSettings(str(_scratch_copy(None)), QSettings.Format.IniFormat)
    elif settings.status() != QSettings.Status.NoError:
        try:
            aside = set_aside(path, "damaged")
            kept = f"the damaged file was kept as {aside.name}"
            prepare_private_file(path)
        except OSError:
            kept = "the damaged file could not be moved aside"
        notices.append(f"Your settings file was damaged, so Portie started with defaults ({kept}).")
        settings = QSettings(str(path), QSettings.Format.IniFormat)
    return settings, " ".join(n for n in notices if n)


def _scratch_copy(path: Path | None) -> Path:
    """A private scratch ``portie.ini`` holding a copy of ``path`` (never followed through
    a link), removed when Portie quits."""
    scratch = Path(tempfile.mkdtemp(prefix="portie-settings-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    copy = scratch / SETTINGS_FILE
    with contextlib.suppress(OSError):
        if path is not None:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as source:
                data = source.read(1 << 20)
            write_atomic(copy, data, PRIVATE_FILE)
    return copy


class SettingsProblems(QObject):
    """The keys of one settings file whose stored value Portie could not use."""

    changed = Signal(str)  # the sentence for the status bar, after a new bad key

    def __init__(self, settings: QSettings) -> None:
        super().__init__(settings)
        self.setObjectName("settingsProblems")
        self.keys: list[str] = []

    def report(self, key: str) -> None:
        if key in self.keys:
            return  # once per key and run
        self.keys.append(key)
        self.changed.emit(self.notice())

    def notice(self) -> str:
        if not self.keys:
            return ""
        shown = ", ".join(self.keys[:3]) + (", …" if len(self.keys) > 3 else "")
        which = "a value" if len(self.keys) == 1 else "values"
        return (
            f"{SETTINGS_FILE} has {which} Portie cannot use ({shown}); the defaults are "
            "used instead and saved over them."
        )


def problems_of(settings: QSettings) -> SettingsProblems:
    """The problem list that lives with ``settings`` (made on first use)."""
    found = settings.findChild(SettingsProblems, "settingsProblems")
    return found if found is not None else SettingsProblems(settings)


def _value(settings: QSettings, key: str) -> object:
    try:
        return settings.value(key)
    except (TypeError, ValueError, RuntimeError):  # a value PySide cannot convert at all
        return _UNREADABLE


_UNREADABLE = object()


def _bad(settings: QSettings, key: str, default):
    problems_of(settings).report(key)
    return default


def read_bool(settings: QSettings, key: str, default: bool) -> bool:
    value = _value(settings, key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    return _bad(settings, key, default)


def read_int(settings: QSettings, key: str, default: int, low: int, high: int) -> int:
    """An int setting within [low, high]; anything else (hand-edited junk) gives the default."""
    value = _value(settings, key)
    if value is None:
        return default
    if isinstance(value, str) and (text := value.strip()).isascii() and text.isdigit():
        value = int(text[:12])
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return _bad(settings, key, default)
    return value


def read_str(settings: QSettings, key: str, default: str) -> str:
    """A text setting; a value of another type (a hand-edited ``@Point(1 2)``) gives the default."""
    value = _value(settings, key)
    if value is None:
        return default
    return value if isinstance(value, str) else _bad(settings, key, default)


def read_str_list(settings: QSettings, key: str, limit: int) -> list[str]:
    """A list of non-empty texts (QSettings stores one item as a plain string); junk dropped."""
    value = _value(settings, key)
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else None
    if items is None or not all(isinstance(item, str) for item in items):
        _bad(settings, key, [])
        items = items or []
    return [item for item in items if isinstance(item, str) and item][:limit]


def read_bytes(settings: QSettings, key: str) -> QByteArray | None:
    """A saved geometry or state blob, or None when missing or of the wrong type."""
    value = _value(settings, key)
    if value is None:
        return None
    return value if isinstance(value, QByteArray) else _bad(settings, key, None)
