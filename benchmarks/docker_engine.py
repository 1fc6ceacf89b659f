"""A private Docker Engine for the tests and the benchmarks: started, used, stopped.

``PrivateDockerEngine.start()`` runs ``dockerd --storage-driver vfs`` with its own data
root, exec root, pid file and unix socket under a temp directory, on a bridge of its own
(``ptdk0``, 10.217.0.1/24, a range no other test uses), with ``--ip-forward=false`` so
the machine's forwarding policy is left alone. Nothing is pulled from any registry: the
one image is made with ``docker import`` from a root file system holding Debian's static
busybox. Only one private engine runs on the machine at a time (a lock file); ``stop()``
ends it by PID, unmounts what it left and deletes its bridge and directory.

Needs root, ``dockerd`` and ``docker`` (Debian: ``apt-get install docker.io``) and
``busybox`` (``apt-get install busybox-static``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import psutil

BRIDGE = "ptdk0"
BRIDGE_ADDRESS = "10.217.0.1/24"
IMAGE = "portie-test/busybox:1"
LOCK_PATH = "/tmp/portie-private-dockerd.lock"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
_BUSYBOX_LINKS = ("sh", "nc", "httpd", "sleep", "cat")


def unavailable_reason() -> str:
    """'' when a private engine can start here, else a sentence saying what is missing."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "A private Docker Engine needs root: run the tests as root (CI does)."
    missing = [tool for tool in ("dockerd", "docker", "ip") if shutil.which(tool) is None]
    if missing:
        return (
            f"Docker is needed for this test and {', '.join(missing)} is missing: run "
            "`sudo apt-get install docker.io iproute2` (CI's .ci/run installs it)."
        )
    if _busybox() is None:
        return ("Docker tests build their image from a static busybox: run "
                "`sudo apt-get install busybox-static`.")  # fmt: skip
    return ""


def _busybox() -> str | None:
    for path in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(path):
            return path
    return shutil.which("busybox")


def _ping(path: str, timeout: float = 2.0) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            head = sock.recv(64)
    except OSError:
        return False
    return head.startswith(b"HTTP/1.") and head.split(b" ", 2)[1:2] == [b"200"]


class EngineError(RuntimeError):
    """The private engine could not start or do what was asked (a sentence)."""


class PrivateDockerEngine:
    """One ``dockerd`` of our own. ``host`` is its ``DOCKER_HOST``."""

    def __init__(self, root: Path, userland_proxy: bool = True) -> None:
        self.root = root
        self.socket = str(root / "docker.sock")
        self.host = f"unix://{self.socket}"
        self.userland_proxy = userland_proxy
        self.proc: subprocess.Popen | None = None
        self._lock = None
        self._bridge_made = False
        self._image_ready = False

    # -- life cycle -----------------------------------------------------------------------
    @classmethod
    def start(cls, userland_proxy: bool = True, lock_timeout: float = 600.0):
        reason = unavailable_reason()
        if reason:
            raise EngineError(reason)
        root = Path(tempfile.mkdtemp(prefix="ptdk-"))
        root.chmod(0o711)  # members of the docker group reach the socket inside
        engine = cls(root, userland_proxy)
        try:
            engine._take_lock(lock_timeout)
            engine._make_bridge()
            engine._launch()
        except BaseException:
            engine.stop()
            raise
        return engine

    def _take_lock(self, timeout: float) -> None:
        handle = open(LOCK_PATH, "a+")  # noqa: SIM115 (held until stop())
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._lock = handle
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise EngineError(
                        f"Another private Docker Engine held {LOCK_PATH} for {timeout:g} s; "
                        "only one may run at a time."
                    ) from None
                time.sleep(0.5)

    def _make_bridge(self) -> None:
        subprocess.run(["ip", "link", "delete", BRIDGE], capture_output=True, timeout=30)
        for args in (["link", "add", BRIDGE, "type", "bridge"],
                     ["addr", "add", BRIDGE_ADDRESS, "dev", BRIDGE],
                     ["link", "set", BRIDGE, "up"]):  # fmt: skip
            done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
            if done.returncode != 0:
                raise EngineError(f"Could not make the bridge {BRIDGE}: {done.stderr.strip()}")
            self._bridge_made = True

    def _argv(self) -> list[str]:
        return [
            "dockerd", "--storage-driver", "vfs",
            "--data-root", str(self.root / "data"), "--exec-root", str(self.root / "exec"),
            "--pidfile", str(self.root / "dockerd.pid"), "--host", self.host,
            "--bridge", BRIDGE, "--ip-forward=false", "--log-level", "warn",
            f"--userland-proxy={'true' if self.userland_proxy else 'false'}",
        ]  # fmt: skip

    def _launch(self) -> None:
        log = open(self.root / "dockerd.log", "ab")  # noqa: SIM115 (dockerd writes it)
        try:
            self.proc = subprocess.Popen(
                self._argv(), stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while not _ping(self.socket):
            if self.proc.poll() is not None or time.monotonic() >= deadline:
                raise EngineError(f"dockerd did not come up: {self.log_tail()}")
            time.sleep(0.1)

    def log_tail(self, lines: int = 8) -> str:
        try:
            text = (self.root / "dockerd.log").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return " | ".join(text.strip().splitlines()[-lines:])

    def restart(self, userland_proxy: bool) -> None:
        """Run again with ``--userland-proxy`` on or off (containers are removed first)."""
        if self.proc is not None and self.userland_proxy == userland_proxy:
            return
        self.remove_all()
        self._stop_daemon()
        self.userland_proxy = userland_proxy
        self._launch()

    def _stop_daemon(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            children = []
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
        for child in children:  # its containerd and shims, if it could not end them
            with contextlib.suppress(psutil.Error):
                if child.is_running():
                    child.kill()
                    child.wait(10)

    def stop(self) -> None:
        """End the engine by PID and leave nothing behind."""
        with contextlib.suppress(EngineError, subprocess.SubprocessError, OSError):
            if self.proc is not None and self.proc.poll() is None:
                self.remove_all()
        self._stop_daemon()
        self._unmount()
        if self._bridge_made:
            subprocess.run(["ip", "link", "delete", BRIDGE], capture_output=True, timeout=30)
            self._bridge_made = False
        shutil.rmtree(self.root, ignore_errors=True)
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _unmount(self) -> None:
        prefix = str(self.root)
        try:
            lines = Path("/proc/self/mountinfo").read_text().splitlines()
        except OSError:
            return
        points = [line.split()[4] for line in lines if len(line.split()) > 4]
        for point in sorted((p for p in points if p.startswith(prefix)), reverse=True):
            subprocess.run(["umount", "-l", point], capture_output=True, timeout=30)

    # -- using it ---------------------------------------------------------------------------
    def docker(self, *args: str, timeout: float = 120.0) -> str:
        """Run the docker CLI against this engine; its output, or `EngineError`."""
        env = {**os.environ, "DOCKER_HOST": self.host}
        done = subprocess.run(["docker", *args], capture_output=True, text=True, env=env,
                              timeout=timeout, stdin=subprocess.DEVNULL)  # fmt: skip
        if done.returncode != 0:
            raise EngineError(f"docker {' '.join(args[:2])} failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def image(self) -> str:
        """The busybox image, imported once per engine (the data root keeps it)."""
        if self._image_ready:
            return IMAGE
        rootfs = self.root / "rootfs.tar"
        with tarfile.open(rootfs, "w") as tar:
            info = tar.gettarinfo(_busybox(), arcname="bin/busybox")
            with open(_busybox(), "rb") as handle:
                tar.addfile(info, handle)
            for name in _BUSYBOX_LINKS:
                link = tarfile.TarInfo(f"bin/{name}")
                link.type, link.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(link)
        self.docker("import", str(rootfs), IMAGE)
        self._image_ready = True
        return IMAGE

    def run(self, name: str, command: list[str], publish: tuple[str, ...] = (),
            labels: dict[str, str] | None = None, network: str | None = None) -> str:  # fmt: skip
        """Start a detached container; its id. ``--init`` runs busybox under docker-init,
        so it ends on SIGTERM instead of ignoring it as PID 1 (stops take no grace period)."""
        args = ["run", "-d", "--init", "--name", name]
        for spec in publish:
            args += ["-p", spec]
        for key, value in (labels or {}).items():
            args += ["--label", f"{key}={value}"]
        if network:
            args += ["--network", network]
        return self.docker(*args, self.image(), *command)

    def remove(self, name: str) -> None:
        with contextlib.suppress(EngineError):
            self.docker("rm", "-f", name)

    def remove_all(self) -> None:
        names = self.docker("ps", "-aq")
        if names:
            self.docker("rm", "-f", *names.split())

    def proxies(self, port: int) -> list[int]:
        """PIDs of this engine's docker-proxy processes for host ``port``."""
        if self.proc is None:
            return []
        found = []
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    line = child.cmdline()
                    if child.name() == "docker-proxy" and str(port) in line:
                        found.append(child.pid)
        return found
