"""Persistent settings (QSettings, INI) in Portie's config directory.

The location honours ``PORTIE_CONFIG_DIR`` so tests and users can isolate it. A file Qt
cannot parse is moved aside and Portie starts from defaults with a notice.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from portie_qt.core.paths import config_dir

SETTINGS_FILE = "portie.ini"


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def open_settings() -> tuple[QSettings, str]:
    """The app's settings and a notice ('' when all is well)."""
    path = settings_path()
    notice = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        notice = f"Settings cannot be saved: {path.parent} is not writable ({exc.strerror})."
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    if settings.status() != QSettings.Status.NoError:
        aside = path.with_name(f"{SETTINGS_FILE}.damaged-{int(time.time())}")
        try:
            path.replace(aside)
            kept = f"the damaged file was kept as {aside.name}"
        except OSError:
            kept = "the damaged file could not be moved aside"
        notice = f"Your settings file was damaged, so Portie started with defaults ({kept})."
        settings = QSettings(str(path), QSettings.Format.IniFormat)
    return settings, notice


def read_bool(settings: QSettings, key: str, default: bool) -> bool:
    value = settings.value(key, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    return default


def read_int(settings: QSettings, key: str, default: int, low: int, high: int) -> int:
    """An int setting within [low, high]; anything else (hand-edited junk) gives the default."""
    value = settings.value(key, default)
    if isinstance(value, bool) or not isinstance(value, int | str):
        return default
    try:
        value = int(value)
    except ValueError:
        return default
    return value if low <= value <= high else default


def read_str(settings: QSettings, key: str, default: str) -> str:
    """A text setting; a value of another type (a hand-edited ``@Point(1 2)``) gives the default."""
    value = settings.value(key, default)
    return value if isinstance(value, str) else default


def read_str_list(settings: QSettings, key: str, limit: int) -> list[str]:
    """A list of non-empty texts (QSettings stores one item as a plain string); junk dropped."""
    value = settings.value(key, [])
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [item for item in items if isinstance(item, str) and item][:limit]


def read_bytes(settings: QSettings, key: str) -> QByteArray | None:
    """A saved geometry or state blob, or None when missing or of the wrong type."""
    value = settings.value(key)
    return value if isinstance(value, QByteArray) else None
