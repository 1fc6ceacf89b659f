"""Other computers' ports over SSH: the public names. Qt-free.

`RemoteHost` bundles what one host needs (session, collector, process control);
`parse_host` and `resolve` read what the user typed; `RemoteError` and its kinds carry
one sentence each.
"""

from portie_qt.core.remote.address import (
    HostAddress,
    HostError,
    ResolvedHost,
    parse_host,
    resolve,
    ssh_config_file,
)
from portie_qt.core.remote.collector import HostDisconnected, RemoteCollector
from portie_qt.core.remote.control import RemoteProcesses
from portie_qt.core.remote.host import RemoteHost
from portie_qt.core.remote.session import LoginError, RemoteError, SshSession

__all__ = [
    "HostAddress",
    "HostDisconnected",
    "HostError",
    "LoginError",
    "RemoteCollector",
    "RemoteError",
    "RemoteHost",
    "RemoteProcesses",
    "ResolvedHost",
    "SshSession",
    "parse_host",
    "resolve",
    "ssh_config_file",
]
