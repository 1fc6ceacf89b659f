"""Real servers shaped like the ones developers run, for tests: a pre-fork server (a parent
and forked workers sharing one listening socket, optionally respawning them), a launcher
whose child holds the port, ``python -m http.server`` in a project folder, and a
``vite.js`` script. Each reports its PIDs and port on stdout as one JSON line, ends by
itself after ``lifetime`` seconds, and is stopped by the test by PID.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tests.listeners import wait_until

# argv: workers respawn(0/1) child_holds_port(0/1) lifetime
_PREFORK = r"""
import json, os, socket, sys, time
workers, lifetime = int(sys.argv[1]), float(sys.argv[4])
respawn, child_holds = sys.argv[2] == "1", sys.argv[3] == "1"
deadline = time.monotonic() + lifetime
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(16)

def fork_worker():
    pid = os.fork()
    if pid == 0:
        if not child_holds:
            listener.close()
        while time.monotonic() < deadline:  # bounded: a forgotten worker ends by itself
            time.sleep(0.1)
        os._exit(0)
    return pid

kids = [fork_worker() for _ in range(workers)]
print(json.dumps({"pid": os.getpid(), "workers": kids, "port": listener.getsockname()[1]}),
      flush=True)
spawned = []
while time.monotonic() < deadline:
    try:
        pid, _status = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        pid = 0
    if pid and respawn and pid in kids:
        kids.remove(pid)
        kids.append(fork_worker())
        spawned.append(kids[-1])
        print(json.dumps({"respawned": kids[-1]}), flush=True)
    time.sleep(0.05)
"""

# argv: lifetime. The launcher holds no socket; its child binds and listens.
_LAUNCHER = r"""
import json, os, subprocess, sys
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]], stdout=subprocess.PIPE,
                         text=True)
line = child.stdout.readline()
print(json.dumps({"pid": os.getpid(), "workers": [child.pid], **json.loads(line)}), flush=True)
child.wait()
"""
_LAUNCHED = r"""
import json, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(json.dumps({"port": s.getsockname()[1]}), flush=True)
deadline = time.monotonic() + float(sys.argv[1])
while time.monotonic() < deadline:
    time.sleep(0.1)
"""


@dataclass
class Server:
    """A started server: its parent process, the workers it reported, and its port."""

    proc: subprocess.Popen
    pid: int
    port: int
    workers: list[int] = field(default_factory=list)

    @property
    def pids(self) -> list[int]:
        return sorted([self.pid, *self.workers])

    def alive_pids(self) -> list[int]:
        return [pid for pid in self.pids if running(pid)]

    def stop(self) -> None:
        """Kill every process it reported or started since (by PID) and reap the parent."""
        extra = []
        with contextlib.suppress(psutil.Error):
            extra = [c.pid for c in psutil.Process(self.pid).children(recursive=True)]
        for pid in [*self.pids, *extra]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if running(pid):
                    os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()


def running(pid: int) -> bool:
    """True while ``pid`` runs (a zombie has exited: its sockets are closed)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _start(argv: list[str], cwd: Path | None = None) -> Server:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            cwd=cwd)  # fmt: skip
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        proc.wait(5)
        raise RuntimeError(f"the test server {argv[:3]} did not start")
    info = json.loads(line)
    return Server(proc, info["pid"], info["port"], info.get("workers", []))


def prefork(workers: int = 3, *, respawn: bool = False, child_holds: bool = True,
            lifetime: float = 120.0) -> Server:  # fmt: skip
    """A parent and ``workers`` forked workers; with ``child_holds`` they share its socket."""
    argv = [sys.executable, "-c", _PREFORK, str(workers), "1" if respawn else "0",
            "1" if child_holds else "0", str(lifetime)]  # fmt: skip
    return _start(argv)


def launcher(lifetime: float = 120.0) -> Server:
    """A launcher (``npm run dev``-like) whose only child holds the listening socket."""
    return _start([sys.executable, "-c", _LAUNCHER, _LAUNCHED, str(lifetime)])


_SERVING = re.compile(r"port (\d+)")


def http_server(folder: Path, lifetime: float = 120.0) -> Server:
    """``python -m http.server`` on a free loopback port, run from ``folder``."""
    argv = [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True, cwd=folder)  # fmt: skip
    line = proc.stdout.readline()
    found = _SERVING.search(line)
    if not found:
        proc.kill()
        proc.wait(5)
        raise RuntimeError(f"http.server did not start: {line!r}")
    return Server(proc, proc.pid, int(found.group(1)))


_VITE_NODE = """const server = require('http').createServer((q, r) => r.end('ok'));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify(
  {pid: process.pid, port: server.address().port})));
setTimeout(() => process.exit(0), 120000);
"""
_VITE_PYTHON = """import json, os, socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(json.dumps({"pid": os.getpid(), "port": s.getsockname()[1]}), flush=True)
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    time.sleep(0.1)
"""


def vite_script(folder: Path) -> tuple[Server, str]:
    """A script named ``vite.js`` listening on a free port: run by node when it is
    installed, else (a machine without node) by Python. The interpreter's name too."""
    script = folder / "vite.js"
    node = shutil.which("node")
    script.write_text(_VITE_NODE if node else _VITE_PYTHON, encoding="utf-8")
    argv = [node, str(script)] if node else [sys.executable, str(script)]
    return _start(argv, cwd=folder), "node" if node else "python"


def gone(pids: list[int], timeout: float = 10.0) -> bool:
    """Wait until none of ``pids`` runs (bounded)."""
    return wait_until(lambda: not any(running(pid) for pid in pids), timeout=timeout)
