"""The remote-host tests' sshd: `benchmarks.sshd.SshServer`, plus listeners on that host."""

from __future__ import annotations

from benchmarks.sshd import (  # noqa: F401 (the names the tests use)
    ALIAS,
    ALIAS_NO_SERVER,
    ALIAS_PORTIE,
    ALIAS_SUDO,
    ALIAS_UNKNOWN_HOST_KEY,
    ALIAS_WRONG_KEY,
    SshServer,
    missing_requirements,
)
from tests.listeners import ChildListener


class TestSshServer(SshServer):
    """`SshServer` that starts real listeners on the remote host."""

    __test__ = False  # not a test class, whatever its name

    def listen(self, specs=None, **kwargs) -> ChildListener:
        """A `ChildListener` running inside the namespace: a socket on the remote host."""
        child = ChildListener.start(specs, prefix=self.prefix, **kwargs)
        self.adopt(child.proc)
        return child
