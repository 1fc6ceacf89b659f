"""Processes a person would call "the system", which Portie never signals. Qt-free.

Stopping one of these logs people out, blanks the screen, cuts off remote logins or is
undone at once by a service manager, so `process_control` refuses them with a sentence
that says what the process is and, where there is one, the right way to stop it:

- the service managers: init, systemd (also a user's ``systemd --user``), launchd;
- the main process of a systemd service (Linux: the process of a ``*.service`` cgroup
  whose parent is outside it): systemd would start it again, so the sentence names
  ``systemctl stop``. The service's other processes (workers, a CI job's commands) are
  not refused;
- login sessions and the login screen: login, systemd-logind, gdm, lightdm, sddm, getty…;
- the display server: Xorg, Xwayland, Xvfb, Wayland compositors, macOS' WindowServer;
- the SSH server, sshd (its listener and each login's process);
- Windows: the hosts of Windows services (svchost.exe, services.exe, …) and any process
  that runs a Windows service (the sentence names ``sc stop``).

(PID 0 and 1, kernel threads, Windows' own pseudo-processes and Portie itself are
refused in `process_control._refusal`.) Names are matched on the process name and its
executable's file name; a user's own program with one of these names is refused too,
which is the safe side.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys

import psutil

_SERVICE_MANAGERS = {"init", "systemd", "launchd"}
_LOGIN = {"login", "systemd-logind", "gdm", "gdm3", "gdm-session-worker", "gdm-x-session",
          "gdm-wayland-session", "lightdm", "sddm", "sddm-helper", "xdm", "greetd", "agetty",
          "getty", "loginwindow", "winlogon.exe"}  # fmt: skip
_DISPLAY = {"Xorg", "X", "Xwayland", "Xvfb", "Xephyr", "gnome-shell", "kwin_wayland",
            "kwin_x11", "sway", "weston", "mutter", "Hyprland", "WindowServer",
            "dwm.exe"}  # fmt: skip
_SSH = {"sshd"}
_WINDOWS_SERVICE_HOSTS = {"svchost.exe", "services.exe", "lsass.exe", "wininit.exe",
                          "csrss.exe", "smss.exe", "spoolsv.exe"}  # fmt: skip
_USER_MANAGER = re.compile(r"user@\d+\.service")


def _names(proc: psutil.Process) -> set[str]:
    names = set()
    with contextlib.suppress(psutil.Error):
        names.add(proc.name())
    with contextlib.suppress(psutil.Error, OSError):
        exe = proc.exe()
        if exe:
            names.add(os.path.basename(exe))
    # Linux shows a session's sshd as "sshd: ada [priv]": the name is the word before ":".
    return names | {n.split(":", 1)[0].strip() for n in names}


def systemd_service(pid: int, cgroup_text: str | None = None) -> tuple[str, bool] | None:
    """(unit, is a user unit) when ``pid`` runs in a systemd ``*.service`` (Linux)."""
    if cgroup_text is None:
        try:
            with open(f"/proc/{pid}/cgroup", encoding="utf-8") as handle:
                cgroup_text = handle.read(64 * 1024)
        except OSError:
            return None
    for line in cgroup_text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3 or parts[1] not in ("", "name=systemd"):
            continue  # systemd's own hierarchy (v1) or the unified one (v2) only
        path = parts[2].rstrip("/")
        unit = path.rsplit("/", 1)[-1]
        if unit.endswith(".service") and not _USER_MANAGER.fullmatch(unit):
            return unit, "/user@" in path
    return None


def _main_process_of(proc: psutil.Process, unit: str) -> bool:
    """True when ``proc`` is the process the service manager started for ``unit``: its
    parent is outside the unit (systemd itself, or gone). The unit's other processes (a
    server's workers, a CI job's commands) have a parent inside it."""
    try:
        parent = proc.parent()
    except psutil.Error:
        return True
    if parent is None:
        return True
    inside = systemd_service(parent.pid)
    return inside is None or inside[0] != unit


def _windows_service(pid: int) -> tuple[str, str] | None:
    """(service name, display name) of the Windows service ``pid`` runs, if any."""
    try:
        services = list(psutil.win_service_iter())
    except (AttributeError, OSError, psutil.Error):
        return None
    for service in services:
        with contextlib.suppress(psutil.Error, OSError):
            if service.pid() == pid:
                return service.name(), service.display_name()
    return None


def system_refusal(proc: psutil.Process, title: str) -> str | None:
    """Why ``proc`` (named ``title`` in messages) is a system process Portie will not
    signal, or None when it is not one."""
    names = _names(proc)
    if names & _SERVICE_MANAGERS:
        return (
            f"{title} is a service manager, which starts and stops the system's or a user's "
            "services; stopping it would take them all down, so Portie did not signal it."
        )
    if names & _LOGIN:
        return (
            f"{title} runs a login session or the login screen; stopping it would log "
            "someone out, so Portie did not signal it."
        )
    if names & _DISPLAY:
        return (
            f"{title} is a display server: every window on its screen would close, so "
            "Portie did not signal it. Log out, or stop it from whatever started it."
        )
    if names & _SSH:
        return (
            f"{title} is the SSH server: stopping it cuts off remote logins, perhaps your "
            "own, so Portie did not signal it. To stop the service, run "
            "`sudo systemctl stop ssh`."
        )
    if sys.platform == "win32":
        if names & _WINDOWS_SERVICE_HOSTS:
            return (
                f"{title} is one of Windows' own service hosts; stopping it can bring "
                "Windows down, so Portie did not signal it."
            )
        service = _windows_service(proc.pid)
        if service is not None:
            name, display = service
            return (
                f"{title} runs the Windows service {display} ({name}); stop the service "
                f"in Services, or run `sc stop {name}` in an Administrator prompt. Portie "
                "did not signal it."
            )
    if sys.platform.startswith("linux"):
        service = systemd_service(proc.pid)
        if service is not None and _main_process_of(proc, service[0]):
            unit, user = service
            how = f"systemctl --user stop {unit}" if user else f"sudo systemctl stop {unit}"
            return (
                f"{title} is the main process of the service {unit}, and systemd would "
                f"start it again, so Portie did not signal it. Run `{how}` to stop the "
                "service."
            )
    return None
