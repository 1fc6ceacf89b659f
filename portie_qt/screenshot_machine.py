"""The screenshots' stand-in for a developer's machine: real servers in project folders.

`DevMachine.start()` runs, in folders named like projects (``web-app/.git``, ``shop``,
``api``), a ``vite.js`` dev server on 5173 and a ``server.js`` on 3000 (run by node, or
by Python without it), a mail catcher (``python -m smtpd``) on 1025 and a worker of
``api`` holding loopback connections to them and a UDP socket; ``start_later()`` adds
``python -m http.server`` on 8000. Each takes its usual port only when it is free. They
end with this process (Linux) or after `CHILD_LIFETIME_S`, and `stop()` kills them by PID.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

WAIT_S = 30.0  # the longest any one step may take on a busy machine
CHILD_LIFETIME_S = 900  # a child this script forgot (killed hard) ends by itself

_NODE_SERVER = """const port = Number(process.argv[2]);
const server = require('http').createServer((q, r) => r.end('ok\\n'));
server.headersTimeout = 0; server.requestTimeout = 0;  // idle connections stay open
server.on('error', (e) => { console.log(JSON.stringify({error: e.code})); process.exit(1); });
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify(
  {pid: process.pid, port: server.address().port})));
setTimeout(() => process.exit(0), Number(process.argv[3]) * 1000);
"""
_PYTHON_SERVER = """import http.server, json, os, sys, threading
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])),
                                         http.server.SimpleHTTPRequestHandler)
print(json.dumps({"pid": os.getpid(), "port": server.server_address[1]}), flush=True)
threading.Timer(float(sys.argv[2]), os._exit, (0,)).start()
server.serve_forever()
"""
# The api's worker: keeps connections to the dev servers open and a UDP socket bound.
_WORKER = """import json, os, socket, sys, time
ports = os.environ["PORTIE_SHOTS_CONNECT"].split(",")  # not in argv: the filter reads it
held = [socket.create_connection(("127.0.0.1", int(p))) for p in ports if p]
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    udp.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    udp.bind(("127.0.0.1", 0))
print(json.dumps({"pid": os.getpid(), "port": udp.getsockname()[1]}), flush=True)
deadline = time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    time.sleep(0.5)
"""


@dataclass
class Child:
    proc: subprocess.Popen
    port: int
    what: str  # "vite.js of web-app"


@dataclass
class DevMachine:
    """Child processes in project folders under ``root``, as on a developer's machine."""

    root: Path
    children: list[Child] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def start(self) -> None:
        """The first processes: the ones already running when Portie opens."""
        for name in ("web-app", "shop", "api"):
            (self.root / name / ".git").mkdir(parents=True)
        (self.root / "web-app" / "docs").mkdir()
        (self.root / "web-app" / "docs" / "index.html").write_text("<h1>web-app docs</h1>\n")
        self._node("web-app", "vite.js", 5173)
        self._node("shop", "server.js", 3000)
        self._module("api", ["smtpd", "-n", "-c", "DebuggingServer", "127.0.0.1:1025"], 1025)
        if not self.children:  # every usual port taken: one dev server on a free port
            self._node("web-app", "vite.js", 0)
        ports = ",".join(str(c.port) for c in self.children[:2] for _ in range(2))
        script = self.root / "api" / "worker.py"
        script.write_text(_WORKER)
        self._spawn("api", [sys.executable, str(script), "8125", str(CHILD_LIFETIME_S)],
                    "worker.py of api", {"PORTIE_SHOTS_CONNECT": ports})  # fmt: skip

    def start_later(self) -> Child | None:
        """A server started while Portie watches: the activity log notes it."""
        return self._module("web-app/docs", ["http.server", "8000", "--bind", "127.0.0.1"],
                            8000)  # fmt: skip

    @property
    def first(self) -> Child:
        """The dev server the port answer, Why and Terminate are shown for."""
        return self.children[0]

    def stop(self, only: Child | None = None) -> None:
        """Kill the children this script started (or just ``only``), by PID; reap them."""
        # Clients before servers: their side keeps the closed connections' TIME_WAIT.
        chosen = [only] if only is not None else self.children[::-1]
        for child in chosen:
            if child.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    child.proc.kill()
        for child in chosen:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.proc.wait(10)
            if child.proc.stdout:
                child.proc.stdout.close()
            self.children.remove(child)

    def _node(self, folder: str, script: str, port: int) -> None:
        path = self.root / folder / script
        node = shutil.which("node")
        path.write_text(_NODE_SERVER if node else _PYTHON_SERVER)
        interpreter = node or sys.executable
        if port and not _free(port):  # 0: any free port
            self.skipped.append(f"{script} of {folder} ({port} is taken)")
            return
        self._spawn(folder, [interpreter, str(path), str(port), str(CHILD_LIFETIME_S)],
                    f"{script} of {folder}")  # fmt: skip

    def _module(self, folder: str, argv: list[str], port: int) -> Child | None:
        """``python -m MODULE …`` on ``port`` when free; ready once the port answers."""
        what = f"{argv[0]} of {folder}"
        if not _free(port):
            self.skipped.append(f"{what} ({port} is taken)")
            return None
        proc = _popen([sys.executable, "-u", "-W", "ignore", "-m", *argv], self.root / folder)
        child = Child(proc, port, what)
        deadline = time.monotonic() + WAIT_S
        while proc.poll() is None and time.monotonic() < deadline:
            if _answers(port):
                self.children.append(child)  # only a child that serves: `first` is one
                return child
            time.sleep(0.05)  # polling the port: the module says nothing when it is ready
        self.children.append(child)
        self.stop(child)  # it did not start (smtpd is gone from Python 3.12): not kept
        self.skipped.append(f"{what} (it did not start)")
        return None

    def _spawn(self, folder: str, argv: list[str], what: str, env=None) -> Child | None:
        proc = _popen(argv, self.root / folder, env)
        line = proc.stdout.readline()
        try:
            info = json.loads(line)
            port = int(info["port"])
        except (ValueError, KeyError, TypeError):
            proc.kill()
            proc.wait(10)
            self.skipped.append(f"{what} ({line.strip() or 'it did not start'})")
            return None
        child = Child(proc, port, what)
        self.children.append(child)
        return child


def _popen(argv: list[str], cwd: Path, env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, **(env or {})}
    return subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, text=True,
                            preexec_fn=_die_with_parent())  # fmt: skip


def _die_with_parent() -> Callable[[], None] | None:
    """For the child (Linux): be killed when this script dies, however it dies. prctl is
    looked up here, in the parent: between fork and exec the child only calls it."""
    if sys.platform != "linux":
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    pr_set_pdeathsig = 1
    return lambda: prctl(pr_set_pdeathsig, signal.SIGKILL)


def _answers(port: int) -> bool:
    """True when a server accepts on loopback ``port``; the probe leaves no TIME_WAIT row."""
    with socket.socket() as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(("127.0.0.1", port))
        except OSError:
            return False
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    return True


def _free(port: int) -> bool:
    """True when nothing holds TCP ``port`` on loopback (the usual port of a dev server)."""
    with socket.socket() as probe:
        # As the servers do: a connection of earlier runs in TIME_WAIT does not hold it.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
