"""One SSH connection per host, through the system's OpenSSH client. Qt-free.

Portie never speaks SSH itself: it runs ``ssh``, so the user's config, agent, keys,
``ProxyJump`` and ``known_hosts`` apply exactly as in a terminal. ``BatchMode=yes`` means
ssh never asks for a password or a passphrase; a login that needs one fails, and
`login_problem` turns ssh's complaint into one sentence saying how to fix it.

The first command logs in and leaves a multiplexing master behind (``ControlMaster``,
its socket in a private directory of this process, ``ControlPersist`` so it ends by
itself a minute after the last use); every later command, refreshes and terminates
alike, runs through that one connection instead of logging in again. Each script is sent
on stdin to ``sh -s`` on the remote, so the remote login shell (bash, zsh, fish) only ever
parses those two words.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass

from portie_qt.core.files import ensure_private_dir
from portie_qt.core.platform import WINDOWS
from portie_qt.core.remote.address import (
    HostAddress,
    ssh_config_file,
    ssh_missing_sentence,
    ssh_program,
)
from portie_qt.core.text import plain

CONNECT_TIMEOUT_S = 10
PERSIST_S = 60
# ssh's own exit status for "could not connect or log in"; anything else is the remote's.
SSH_FAILED = 255
_CONTROL_DIR: str | None = None
_CONTROL_LOCK = threading.Lock()


class RemoteError(Exception):
    """Reaching a host went wrong; ``str()`` is one sentence to show as it is."""


class LoginError(RemoteError):
    """ssh could not connect or log in (exit status 255)."""


@dataclass(frozen=True)
class Answer:
    """What one remote script printed, and how it ended."""

    status: int
    stdout: str
    stderr: str


def _control_dir() -> str:
    """This process's private directory for control sockets (made once, removed at exit).

    Short on purpose: a Unix socket path must fit in 104 bytes on macOS.
    """
    global _CONTROL_DIR
    with _CONTROL_LOCK:
        if _CONTROL_DIR is None or not os.path.isdir(_CONTROL_DIR):
            runtime = os.environ.get("XDG_RUNTIME_DIR", "")
            base = runtime if runtime and os.access(runtime, os.W_OK) else "/tmp"
            _CONTROL_DIR = tempfile.mkdtemp(prefix="portie-ssh-", dir=base)
            ensure_private_dir(_CONTROL_DIR)
            atexit.register(shutil.rmtree, _CONTROL_DIR, True)
        return _CONTROL_DIR


def login_problem(stderr: str, name: str, address: HostAddress) -> str:
    """ssh's complaint about logging in to ``name`` as one sentence with the fix."""
    text = plain(stderr, 8192)
    low = text.lower()
    typed = address.text
    if "remote host identification has changed" in low or "has changed and you have" in low:
        return (
            f"{name}'s host key has changed since you last connected, which can mean an "
            f"attack or a reinstalled server: check with its owner, then remove the old key "
            f"with ssh-keygen -R {address.host}."
        )
    if "host key verification failed" in low:
        return (
            f"{name}'s host key is not in your known_hosts yet: connect once in a terminal "
            f"with ssh {typed} to check and accept it."
        )
    if "permission denied" in low or "too many authentication failures" in low:
        return (
            f"{name} refused the login because no key it accepts was offered (Portie never "
            f"types passwords): add your public key there with ssh-copy-id {typed}, or load "
            f"your key into the agent with ssh-add."
        )
    if "could not resolve hostname" in low or "name or service not known" in low:
        return (
            f"{name} could not be found by name: check the spelling, or add it to "
            f"~/.ssh/config with its HostName."
        )
    if "connection refused" in low:
        return (
            f"{name} refused the connection: check that its SSH server is running and "
            f"listening on the port you use."
        )
    if any(
        s in low
        for s in ("timed out", "no route to host", "network is unreachable", "host is down")
    ):
        return (
            f"{name} did not answer: check that it is switched on and reachable from this "
            f"computer (VPN, Wi-Fi, firewall)."
        )
    if any(
        s in low
        for s in (
            "connection closed",
            "connection reset",
            "broken pipe",
            "kex_exchange_identification",
        )
    ):
        return (
            f"{name} closed the connection while Portie logged in: check that its SSH "
            f"server accepts you (its log says why), then try again."
        )
    detail = next((ln.strip() for ln in reversed(text.splitlines()) if ln.strip()), "")
    detail = detail.removeprefix("ssh: ").rstrip(".")
    if detail:
        return (
            f"ssh could not log in to {name} ({detail}): try ssh {typed} in a terminal to see why."
        )
    return f"ssh could not log in to {name}: try ssh {typed} in a terminal to see why."


class SshSession:
    """Runs scripts on one host through one multiplexed OpenSSH connection.

    ``run`` may be called from several threads at once (a refresh and a terminate);
    ``cancel(group)`` kills the ssh processes in flight for one group of callers (by their
    PIDs) so a refresh loop can stop at once without cutting off a terminate; ``close``
    ends the master connection.
    """

    def __init__(
        self, address: HostAddress, name: str | None = None, config: str | None = None
    ) -> None:
        self.address = address
        self.name = name or address.text
        self.config = config if config is not None else ssh_config_file()
        self._running: dict[subprocess.Popen, str] = {}  # ssh process -> its caller's group
        self._lock = threading.Lock()

    def _options(self) -> list[str]:
        options = [
            "-o",
            "BatchMode=yes",
            "-o",
            f"ConnectTimeout={CONNECT_TIMEOUT_S}",
            "-o",
            "ServerAliveInterval=5",
            "-o",
            "ServerAliveCountMax=2",
            "-o",
            "LogLevel=ERROR",
            "-T",
        ]
        if self.config:
            options = ["-F", self.config, *options]
        if not WINDOWS:  # Windows' OpenSSH has no connection sharing
            options += [
                "-o",
                "ControlMaster=auto",
                "-o",
                f"ControlPath={_control_dir()}/%C",
                "-o",
                f"ControlPersist={PERSIST_S}",
            ]
        return options

    def argv(self, *remote: str) -> list[str]:
        """The ssh command line that runs ``remote`` on the host."""
        ssh = ssh_program()
        if ssh is None:
            raise RemoteError(ssh_missing_sentence())
        return [ssh, *self._options(), *self.address.ssh_arguments(), *remote]

    def run(self, script: str, timeout: float, group: str = "") -> Answer:
        """Run ``script`` with ``sh -s`` on the host; `LoginError` when ssh cannot log in,
        `RemoteError` when the host does not answer within ``timeout`` seconds.

        ``group`` names the caller for `cancel` ("" is never cancelled)."""
        argv = self.argv("sh", "-s")
        try:
            proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as exc:
            raise RemoteError(
                f"ssh could not start ({exc.strerror}): {ssh_missing_sentence()}"
            ) from None
        with self._lock:
            self._running[proc] = group
        try:
            out, err = proc.communicate(script.encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()  # our own child, by its PID
            proc.communicate()
            raise RemoteError(
                f"{self.name} did not answer within {timeout:g} s: the connection "
                f"may be slow or stuck; Portie will try again."
            ) from None
        finally:
            with self._lock:
                self._running.pop(proc, None)
        stderr = err.decode("utf-8", "replace")
        if proc.returncode == SSH_FAILED:
            raise LoginError(login_problem(stderr, self.name, self.address))
        if proc.returncode < 0:
            raise RemoteError(f"The connection to {self.name} was stopped.")
        return Answer(proc.returncode, out.decode("utf-8", "replace"), stderr)

    def cancel(self, group: str) -> None:
        """Kill ``group``'s ssh commands in flight (their callers get a `RemoteError`)."""
        with self._lock:
            running = [proc for proc, owner in self._running.items() if owner == group]
        for proc in running:
            with contextlib.suppress(OSError):
                proc.kill()

    def close(self, timeout: float = 5.0) -> None:
        """End the shared connection (``ssh -O exit``); harmless when there is none."""
        ssh = ssh_program()
        if WINDOWS or ssh is None:
            return
        argv = [ssh, *self._options(), "-O", "exit", *self.address.ssh_arguments()]
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout)
