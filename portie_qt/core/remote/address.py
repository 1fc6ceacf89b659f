"""Which computer to log in to: a name from ``~/.ssh/config`` or ``user@host[:port]``. Qt-free.

`parse_host` checks what the user typed without touching the network; `resolve` asks
OpenSSH itself (``ssh -G``) what that name means once the user's config is applied
(``HostName``, ``User``, ``Port``, ``ProxyJump``), so an alias means in Portie exactly
what it means in a terminal.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from portie_qt.core.platform import LINUX, MACOS
from portie_qt.core.ports import PortError, host_text, parse_port
from portie_qt.core.text import plain

# Where OpenSSH reads its config when this is not set: ~/.ssh/config (found through the
# passwd entry, not $HOME) and /etc/ssh/ssh_config.
SSH_CONFIG_ENV = "PORTIE_SSH_CONFIG"
_RESOLVE_TIMEOUT_S = 10.0
# A host name, an ssh_config alias or an IPv4 address; never starting with "-", so it can
# never be read as an option of ssh.
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.~+-]{0,252}")
_IPV6 = re.compile(r"[0-9A-Fa-f:.]{2,45}(%[A-Za-z0-9_.-]{1,32})?")
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.$-]{0,63}")
_EXAMPLE = "use a name from ~/.ssh/config or user@host[:port], for example pi@192.0.2.7:2222"


class HostError(ValueError):
    """Text that does not name a host; the message is one sentence to show as is."""


@dataclass(frozen=True)
class HostAddress:
    """Where to log in: a host name or ssh alias, with the user and port if typed."""

    host: str
    user: str | None = None
    port: int | None = None

    @property
    def text(self) -> str:
        """``user@host:port`` as typed (IPv6 in brackets when a port follows)."""
        user = f"{self.user}@" if self.user else ""
        if self.port is None:
            return f"{user}{self.host}"
        return f"{user}{host_text(self.host)}:{self.port}"

    def ssh_arguments(self) -> list[str]:
        """The ``ssh`` arguments that select this host (options first, the host last)."""
        args = []
        if self.port is not None:
            args += ["-p", str(self.port)]
        if self.user:
            args += ["-l", self.user]
        return [*args, self.host]


@dataclass(frozen=True)
class ResolvedHost:
    """What OpenSSH makes of a `HostAddress` after the user's config is applied."""

    address: HostAddress
    hostname: str
    user: str
    port: int
    proxy_jump: str = ""

    @property
    def summary(self) -> str:
        """``deploy@10.0.0.5 port 22 (via bastion)``: what the name leads to."""
        via = f" (via {self.proxy_jump})" if self.proxy_jump else ""
        return f"{self.user}@{self.hostname} port {self.port}{via}"


def parse_host(text: str) -> HostAddress:
    """The host ``text`` names, or `HostError` with one sentence saying why it does not."""
    if not isinstance(text, str) or not text.strip():
        raise HostError(f"No host given: {_EXAMPLE}.")
    stripped = text.strip()
    shown = plain(stripped, 40)
    if not stripped.isprintable() or any(ch.isspace() for ch in stripped):
        raise HostError(
            f"'{shown}' is not a host name (it has spaces or control characters): {_EXAMPLE}."
        )
    user, at, rest = stripped.rpartition("@")
    if at and not _USER.fullmatch(user):
        raise HostError(f"'{plain(user, 40)}' is not a user name: {_EXAMPLE}.")
    host, port = _split_port(rest, shown)
    if not (_NAME.fullmatch(host) or (":" in host and _IPV6.fullmatch(host))):
        raise HostError(f"'{shown}' is not a host name: {_EXAMPLE}.")
    return HostAddress(host, user or None, port)


def _split_port(text: str, shown: str) -> tuple[str, int | None]:
    """``host:port``, ``[v6]:port``, ``[v6]``, a bare IPv6 address or a bare host."""
    if text.startswith("["):
        inside, bracket, after = text[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            raise HostError(f"'{shown}' is not a host name: write IPv6 as [2001:db8::7]:22.")
        return inside, _port(after[1:], shown) if after else None
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, _port(port, shown)
    return text, None


def _port(text: str, shown: str) -> int:
    try:
        port = parse_port(text)
    except PortError as exc:
        raise HostError(f"'{shown}' has a bad port: {str(exc)[0].lower()}{str(exc)[1:]}") from None
    if port == 0:
        raise HostError(f"'{shown}' has port 0, which SSH cannot use: use 1–65535 (usually 22).")
    return port


def ssh_config_file() -> str | None:
    """The ssh config file Portie gives ``ssh -F`` (``$PORTIE_SSH_CONFIG``), or None for
    OpenSSH's own default."""
    return os.environ.get(SSH_CONFIG_ENV) or None


def ssh_missing_sentence() -> str:
    """How to get the OpenSSH client, for this OS."""
    if LINUX:
        how = "install it (sudo apt-get install openssh-client, or your system's package)"
    elif MACOS:
        how = "it comes with macOS; check that /usr/bin/ssh is on your PATH"
    else:
        how = 'add Windows\' optional feature "OpenSSH Client" in Settings'
    return f"Portie reaches other computers with the OpenSSH client (ssh), which is missing: {how}."


def ssh_program() -> str | None:
    return shutil.which("ssh")


def resolve(address: HostAddress, config: str | None = None) -> ResolvedHost:
    """Ask ``ssh -G`` what ``address`` means with the user's config; `HostError` if it cannot.

    Runs a local process and reads the config files only; it never contacts the host.
    """
    ssh = ssh_program()
    if ssh is None:
        raise HostError(ssh_missing_sentence())
    config = config if config is not None else ssh_config_file()
    argv = [ssh, "-G", *(["-F", config] if config else []), *address.ssh_arguments()]
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            errors="replace",
            stdin=subprocess.DEVNULL,
            timeout=_RESOLVE_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise HostError(
            f"Reading the SSH configuration for {address.text} took more than "
            f"{_RESOLVE_TIMEOUT_S:.0f} s: check ~/.ssh/config."
        ) from None
    except OSError as exc:
        raise HostError(f"ssh could not run ({exc.strerror}): {ssh_missing_sentence()}") from None
    if done.returncode != 0:
        raise HostError(_config_problem(done.stderr, config))
    values: dict[str, str] = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition(" ")
        values.setdefault(key.lower(), value.strip())
    try:
        port = int(values.get("port", "22"))
    except ValueError:
        port = 22
    jump = values.get("proxyjump", "")
    return ResolvedHost(
        address=address,
        hostname=plain(values.get("hostname") or address.host, 255),
        user=plain(values.get("user") or "", 64),
        port=port,
        proxy_jump="" if jump in ("", "none") else plain(jump, 255),
    )


def _config_problem(stderr: str, config: str | None) -> str:
    lines = [plain(line).strip() for line in stderr.splitlines() if line.strip()]
    lines = [ln for ln in lines if not ln.startswith("Pseudo-terminal")]
    where = config or "~/.ssh/config"
    detail = next((ln for ln in lines if " line " in ln), lines[0] if lines else "")
    detail = detail.rstrip(".")
    if not detail:
        return f"OpenSSH could not read its configuration: check {where}."
    return f"OpenSSH could not read its configuration ({detail}): fix {where}."
