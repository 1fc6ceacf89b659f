"""Persistent settings (QSettings, INI) in Portie's config directory.

The location honours ``PORTIE_CONFIG_DIR`` so tests and users can isolate it. A file Qt
cannot parse is moved aside and Portie starts from defaults with a notice.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSettings

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
    try:
        value = int(settings.value(key, default))
    except (TypeError, ValueError):
        return default
    return value if low <= value <= high else default
