"""Where Portie's resources and per-user files live. Qt-free.

One function resolves bundled resources (`assets/`) the same way from a source
checkout, an installed wheel (where they sit inside the package as `portie_qt/assets`)
and a PyInstaller bundle (`sys._MEIPASS`). The forms are code (`portie_qt.forms`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePosixPath

from portie_qt.core.files import ensure_private_dir

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # portie_qt/
_TOPS = ("assets",)


class ResourceError(LookupError):
    """A resource name was malformed or the resource is missing from this build."""


def _roots() -> list[Path]:
    meipass = getattr(sys, "_MEIPASS", None)
    roots = []
    if getattr(sys, "frozen", False) and meipass:
        roots.append(Path(meipass) / "portie_qt")
        roots.append(Path(meipass))
    roots.append(_PACKAGE_DIR)  # installed wheel: portie_qt/assets
    roots.append(_PACKAGE_DIR.parent)  # source checkout: assets/ beside the package
    return roots


def resource_path(name: str) -> Path:
    """Absolute path of a bundled resource such as ``"assets/iana_ports.json"``.

    Names are relative POSIX paths under ``assets/``; ``..`` and absolute
    names are refused so a resource lookup can never escape the bundle.
    """
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or pure.parts[0] not in _TOPS:
        raise ResourceError(f"Bad resource name {name!r}: expected assets/…")
    for root in _roots():
        candidate = root.joinpath(*pure.parts)
        if candidate.exists():
            return candidate
    raise ResourceError(f"Resource {name!r} is missing from this build of Portie.")


def config_dir() -> Path:
    """Per-user configuration directory (``PORTIE_CONFIG_DIR`` wins when set). Not created."""
    override = os.environ.get("PORTIE_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(base) / "Portie"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Portie"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "portie"


def ensure_config_dir() -> Path:
    """Create the configuration directory (user-only permissions) and return it."""
    return ensure_private_dir(config_dir())
