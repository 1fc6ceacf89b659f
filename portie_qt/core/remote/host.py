"""One remote computer: its SSH session, its collector and its process control. Qt-free.

The three share one `SshSession`, so refreshes, the details pane and Terminate/Kill all
travel over the host's one multiplexed connection.
"""

from __future__ import annotations

from portie_qt.core.remote.address import HostAddress, parse_host
from portie_qt.core.remote.collector import RemoteCollector
from portie_qt.core.remote.control import RemoteProcesses
from portie_qt.core.remote.session import SshSession


class RemoteHost:
    """A host the user added, by the name they typed (an ssh alias or ``user@host[:port]``).

    ``sudo``: Terminate/Kill may use ``sudo -n`` there (the user's choice per host).
    ``config``: the ssh config file (default: OpenSSH's own, or ``$PORTIE_SSH_CONFIG``).
    """

    def __init__(self, name: str, *, sudo: bool = False, config: str | None = None) -> None:
        self.address: HostAddress = parse_host(name)
        self.name = self.address.text
        self.session = SshSession(self.address, self.name, config)
        self.collector = RemoteCollector(self.session, self.name)
        self.processes = RemoteProcesses(
            self.session, self.name, sudo=sudo, collector=self.collector
        )

    @property
    def sudo(self) -> bool:
        return self.processes.sudo

    @sudo.setter
    def sudo(self, allowed: bool) -> None:
        self.processes.sudo = bool(allowed)

    def close(self) -> None:
        """End the shared connection (a later use logs in again)."""
        self.session.close()
