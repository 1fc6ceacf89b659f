"""A real OpenSSH server for the remote-host tests and benchmark, in a network namespace.

`SshServer.start()` builds a namespace with a veth pair to this one (names carry this
process's PID), generates host and user keys, writes an ``sshd_config`` and an ssh
client config, and runs ``/usr/sbin/sshd -D`` inside the namespace. Sockets opened in
the namespace are the "remote" host's: they never show in this computer's view.

The failing aliases log in as other users than root: OpenSSH shares one connection per
(host, port, user), and these must never ride on the good login's connection.

Two ports, two remote setups (``Match LocalPort`` in the sshd config):
- ``ALIAS`` (port 22): a PATH with system tools only, so Portie reads ``ss`` and ``ps``;
- ``ALIAS_PORTIE`` (port 2222): a PATH with a ``portie`` command (this checkout), so
  Portie reads ``portie --list --json``;
- ``ALIAS_SUDO`` (port 2223): a PATH whose ``sudo`` writes what it was asked to run to
  ``sudo.log`` (then runs it), so a test can see whether Portie used sudo.
Both reset PATH after the login shell has run its dotfiles, so the remote tools do not
depend on the machine's root profile (pyenv and the like).

Everything is stopped by PID and deleted by `stop()`; nothing outside the namespace
and the temporary directory is touched, except ``/run/sshd`` (sshd's own privilege
separation directory), created when missing.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

SSHD = "/usr/sbin/sshd"
ALIAS = "portie-remote"
ALIAS_PORTIE = "portie-remote-portie"
ALIAS_WRONG_KEY = "portie-remote-wrong-key"
ALIAS_UNKNOWN_HOST_KEY = "portie-remote-unknown-host-key"
ALIAS_NO_SERVER = "portie-remote-no-server"
ALIAS_SUDO = "portie-remote-sudo"
PORT, PORT_PORTIE, PORT_SUDO, PORT_CLOSED = 22, 2222, 2223, 2299
REPO = Path(__file__).resolve().parent.parent
NETNS_EXEC = ("ip", "netns", "exec")
_SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_START_TIMEOUT_S = 20.0
_SERIAL = itertools.count()


def missing_requirements() -> str:
    """'' when an sshd can be started here, else what to install or how to run (a sentence)."""
    if os.geteuid() != 0:
        return "the remote-host tests build a network namespace and run sshd: run them as root"
    for tool, package in (
        ("ip", "iproute2"),
        ("ssh", "openssh-client"),
        ("ssh-keygen", "openssh-client"),
    ):
        if shutil.which(tool) is None:
            return f"{tool} is missing: apt-get install {package}"
    if not os.access(SSHD, os.X_OK):
        return f"{SSHD} is missing: apt-get install openssh-server"
    return ""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=check)


def _free_network() -> ipaddress.IPv4Network:
    used = []
    for link in json.loads(_ip("-j", "-4", "addr", "show").stdout or "[]"):
        for addr in link.get("addr_info", []):
            used.append(ipaddress.ip_network(f"{addr['local']}/{addr['prefixlen']}", strict=False))
    free = [
        net
        for net in ipaddress.ip_network("10.251.0.0/16").subnets(new_prefix=30)
        if not any(net.overlaps(u) for u in used)
    ]
    return random.choice(free)


def _keygen(path: Path) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "portie-test", "-f", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return path.with_suffix(".pub").read_text().strip()


@dataclass
class SshServer:
    """sshd in its own namespace; ``config`` is the ssh client config tests give Portie."""

    namespace: str
    host_link: str
    peer_link: str
    address: str
    directory: Path
    config: Path
    proc: subprocess.Popen | None = None
    children: list[subprocess.Popen] = field(default_factory=list)

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def start(cls) -> SshServer:
        tag = f"{os.getpid()}{next(_SERIAL) % 10}"  # a second server in one process too
        name, host_link, peer_link = f"ptssh{tag}", f"pts{tag}h", f"pts{tag}n"
        directory = Path(tempfile.mkdtemp(prefix="portie-sshd-"))
        net = _free_network()
        host_ip, ns_ip = (str(a) for a in list(net.hosts())[:2])
        server = cls(name, host_link, peer_link, ns_ip, directory, directory / "ssh_config")
        try:
            _ip("netns", "add", name)
            _ip("link", "add", host_link, "type", "veth", "peer", "name", peer_link)
            _ip("link", "set", peer_link, "netns", name)
            _ip("addr", "add", f"{host_ip}/{net.prefixlen}", "dev", host_link)
            _ip("link", "set", host_link, "up")
            _ip("-n", name, "addr", "add", f"{ns_ip}/{net.prefixlen}", "dev", peer_link)
            _ip("-n", name, "link", "set", peer_link, "up")
            _ip("-n", name, "link", "set", "lo", "up")
            server._write_files()
            server.start_sshd()
        except BaseException:
            server.stop()
            raise
        return server

    def _write_files(self) -> None:
        d = self.directory
        host_key = _keygen(d / "host_key")
        user_key = _keygen(d / "user_key")
        _keygen(d / "wrong_key")
        (d / "authorized_keys").write_text(user_key + "\n")
        (d / "known_hosts").write_text(
            f"{self.address} {host_key}\n[{self.address}]:{PORT_PORTIE} {host_key}\n"
            f"[{self.address}]:{PORT_SUDO} {host_key}\n"
        )
        bin_dir = d / "bin"
        bin_dir.mkdir()
        wrapper = bin_dir / "portie"
        wrapper.write_text(
            f'#!/bin/sh\nPYTHONPATH={REPO} exec {sys.executable} -m portie_qt "$@"\n'
        )
        wrapper.chmod(0o755)
        sudo_dir = d / "sudo-bin"
        sudo_dir.mkdir()
        sudo = sudo_dir / "sudo"
        sudo.write_text(f'#!/bin/sh\necho "$*" >> {d / "sudo.log"}\n'
                        f'[ "$1" = -n ] && shift\nexec "$@"\n')  # fmt: skip
        sudo.chmod(0o755)
        forced = '"$SSH_ORIGINAL_COMMAND"'
        (d / "sshd_config").write_text(f"""\
ListenAddress {self.address}
Port {PORT}
Port {PORT_PORTIE}
Port {PORT_SUDO}
HostKey {d / "host_key"}
PidFile none
UsePAM no
UseDNS no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile {d / "authorized_keys"}
StrictModes no
MaxSessions 64
MaxStartups 64
LogLevel ERROR
Match LocalPort {PORT}
  ForceCommand env PATH={_SYSTEM_PATH} /bin/sh -c {forced}
Match LocalPort {PORT_PORTIE}
  ForceCommand env PATH={bin_dir}:{_SYSTEM_PATH} /bin/sh -c {forced}
Match LocalPort {PORT_SUDO}
  ForceCommand env PATH={sudo_dir}:{_SYSTEM_PATH} /bin/sh -c {forced}
""")
        self.config.write_text(f"""\
Host {ALIAS}
  HostName {self.address}
  Port {PORT}
Host {ALIAS_PORTIE}
  HostName {self.address}
  Port {PORT_PORTIE}
Host {ALIAS_SUDO}
  HostName {self.address}
  Port {PORT_SUDO}
Host {ALIAS_WRONG_KEY}
  HostName {self.address}
  Port {PORT}
  User nobody
  IdentityFile {d / "wrong_key"}
Host {ALIAS_UNKNOWN_HOST_KEY}
  HostName {self.address}
  Port {PORT}
  User daemon
  UserKnownHostsFile /dev/null
Host {ALIAS_NO_SERVER}
  HostName {self.address}
  Port {PORT_CLOSED}
Host *
  User root
  IdentityFile {d / "user_key"}
  IdentitiesOnly yes
  IdentityAgent none
  UserKnownHostsFile {d / "known_hosts"}
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
""")

    # -- the daemon ---------------------------------------------------------------------------
    def start_sshd(self) -> None:
        """Run sshd in the namespace and wait until it accepts connections (bounded)."""
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        log = open(self.directory / "sshd.log", "ab")  # noqa: SIM115 (closed with the process)
        self.proc = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                self.namespace,
                SSHD,
                "-D",
                "-e",
                "-f",
                str(self.directory / "sshd_config"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        log.close()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"sshd exited with status {self.proc.returncode}: "
                    f"{(self.directory / 'sshd.log').read_text()[-500:]}"
                )
            if self.accepting():
                return
            time.sleep(0.05)
        raise RuntimeError(f"sshd did not accept connections within {_START_TIMEOUT_S:.0f} s")

    def sudo_log(self) -> str:
        """What the ``ALIAS_SUDO`` host's sudo was asked to run, one line per use."""
        path = self.directory / "sudo.log"
        return path.read_text() if path.exists() else ""

    def accepting(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection((self.address, PORT), 0.5):
            return True
        return False

    def stop_sshd(self) -> None:
        """Stop sshd and every session it forked (by their PIDs): the host goes down."""
        if self.proc is None:
            return
        with contextlib.suppress(psutil.Error):
            sessions = psutil.Process(self.proc.pid).children(recursive=True)
            for child in sessions:
                with contextlib.suppress(psutil.Error):
                    child.kill()
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def sessions(self) -> int:
        """How many logins sshd is serving now (its per-connection children)."""
        if self.proc is None:
            return 0
        try:
            return len(psutil.Process(self.proc.pid).children())
        except psutil.Error:
            return 0

    def set_link(self, up: bool) -> None:
        """Bring the host's end of the link down (packets vanish, nothing answers) or up."""
        _ip("-n", self.namespace, "link", "set", self.peer_link, "up" if up else "down")

    # -- the remote side ------------------------------------------------------------------------
    @property
    def prefix(self) -> list[str]:
        """Run a command on the "remote" host: ``[*prefix, argv…]`` (it execs, same PID)."""
        return [*NETNS_EXEC, self.namespace]

    def adopt(self, proc: subprocess.Popen) -> None:
        """Stop ``proc`` (a process started in the namespace) with the server."""
        self.children.append(proc)

    def stop(self) -> None:
        """Stop everything started here (by PID) and delete the namespace and the files."""
        self.stop_sshd()
        for proc in self.children:
            if proc.poll() is None:
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
        _ip("netns", "del", self.namespace, check=False)  # takes the veth pair with it
        _ip("link", "del", self.host_link, check=False)
        shutil.rmtree(self.directory, ignore_errors=True)
