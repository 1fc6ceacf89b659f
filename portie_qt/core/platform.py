"""Facts about the operating system Portie runs on, said once. Qt-free."""

from __future__ import annotations

import os
import sys

import psutil

WINDOWS = sys.platform == "win32"
MACOS = sys.platform == "darwin"
LINUX = sys.platform.startswith("linux")

# Windows' pseudo-processes: the idle loop and the kernel. They own kernel sockets, have
# no executable and can never be signalled.
WINDOWS_SYSTEM_PIDS = {0: "System Idle Process", 4: "System"}


def is_admin() -> bool:
    """Root on Unix, an elevated token on Windows: whether every owner is visible."""
    if WINDOWS:
        try:
            import ctypes

            return bool(ctypes.windll.shell32.IsUserAnAdmin())
        except (AttributeError, OSError):
            return False
    return os.geteuid() == 0


def elevation() -> str:
    """How to see everything, as a clause: ``run Portie as root``."""
    return "run Portie as Administrator" if WINDOWS else "run Portie as root (sudo portie)"


def elevation_hint() -> str:
    """The same as a sentence to append to a notice."""
    text = elevation()
    return f"{text[0].upper()}{text[1:]} to see them."


def user_name(proc: psutil.Process) -> str | None:
    """The owner's user name; the uid when it has no passwd entry; None when hidden.

    A uid without a passwd entry is common in containers: the number still names the
    owner. ``AccessDenied`` (Windows services, macOS) means it is hidden from this user.
    """
    try:
        return proc.username()
    except KeyError:
        return str(proc.uids().real) if hasattr(proc, "uids") else None
    except psutil.AccessDenied:
        return None
