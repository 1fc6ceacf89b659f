"""Writing files safely: whole or not at all, never through a planted link. Qt-free.

Every file Portie writes itself (the licence key, exports) goes through `write_atomic`:
a new temporary file is created next to the target with ``O_EXCL`` (so a symlink or file
planted under a predictable name is never opened), filled, flushed, and renamed over the
target in one step. A full disk leaves the old file as it was and no temporary file
behind.

Files that a library writes in place (QSettings' ``portie.ini``, SQLite's activity log
and its ``-wal``/``-shm`` companions) are prepared with `prepare_private_file` first:
the config directory is this user's only (0700), and each file is a regular file of
ours, 0600, before the library opens it; a link or anything else found under its name
is moved aside with `set_aside`, never followed. SQLite gives its companions the main
file's mode, and QSettings keeps a file's mode when it replaces it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
import time
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


def foreign_owner(path: str | Path) -> str | None:
    """The user owning ``path`` when that is not who runs Portie (POSIX), else None.

    ``sudo -E portie`` runs as root with the user's config folder: that user could swap a
    file there for a link at any moment, so root must not write in it.
    """
    if sys.platform == "win32":
        return None
    try:
        uid = os.lstat(path).st_uid
    except OSError:
        return None
    if uid == os.geteuid():
        return None
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"user {uid}"


def set_aside(path: str | Path, label: str) -> Path:
    """Move ``path`` (a file, or a link itself, never its target) to a new unique name
    beside it, ``NAME.LABEL-STAMP-XXXX``; returns the new path. Raises OSError."""
    path = Path(path)
    # mkstemp reserves a name nobody else holds (O_EXCL); the rename then replaces our
    # own empty placeholder, so nothing planted under a predictable name is overwritten.
    fd, reserved = tempfile.mkstemp(prefix=f"{path.name}.{label}-{int(time.time())}-",
                                    dir=path.parent)  # fmt: skip
    os.close(fd)
    try:
        os.replace(path, reserved)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(reserved)
        raise
    return Path(reserved)


def prepare_private_file(path: str | Path) -> str:
    """Make ``path`` a regular file of ours with mode 0600, created empty when missing.

    Returns '' or a sentence saying what was found in its place and moved aside (a
    symlink, a directory, another user's file). Raises OSError when it cannot be made so.
    """
    path = Path(path)
    notice = ""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    regular = info is not None and stat.S_ISREG(info.st_mode)
    owner = foreign_owner(path) if regular else None
    if info is not None and (not regular or owner):
        what = "a link to another file" if stat.S_ISLNK(info.st_mode) else (
            "not a regular file" if not regular else f"owned by {owner}")  # fmt: skip
        aside = set_aside(path, "unsafe")
        notice = f"{path.name} was {what}; Portie moved it aside as {aside.name}."
        info = None
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    if info is None:
        flags |= os.O_CREAT | os.O_EXCL
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        if sys.platform != "win32" and stat.S_IMODE(os.fstat(fd).st_mode) != PRIVATE_FILE:
            os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    return notice


def private_dir_problem(path: str | Path) -> str:
    """Why Portie must not write files in directory ``path`` ('' when it may)."""
    owner = foreign_owner(path)
    if owner is not None:
        return (
            f"{path} belongs to {owner}, not to the account running Portie (sudo -E?), so "
            "Portie does not write there; run Portie as that user, or set PORTIE_CONFIG_DIR"
        )
    if not os.access(path, os.W_OK | os.X_OK):
        return f"{path} is not writable"
    return ""
