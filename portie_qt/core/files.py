"""Writing files safely: whole or not at all, never through a planted link. Qt-free.

Every file Portie writes (the licence key, exports, settings aside) goes through
`write_atomic`: a new temporary file is created next to the target with ``O_EXCL`` (so
a symlink or file planted under a predictable name is never opened), filled, flushed,
and renamed over the target in one step. A full disk leaves the old file as it was and
no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def write_atomic(path: str | Path, data: str | bytes, mode: int = 0o644) -> Path:
    """Replace ``path`` with ``data`` all at once; the file gets ``mode``."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(raw)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def ensure_private_dir(path: str | Path) -> Path:
    """Create ``path`` (and parents) for this user only; tighten it if it already exists."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    with contextlib.suppress(OSError):  # not ours to change (a shared dir given by the user)
        if path.stat().st_mode & 0o077:
            path.chmod(PRIVATE_DIR)
    return path
