"""Portie never signals what a person would call the system: real system programs
(an X display server, an SSH server, a systemd service's main process) started by the
test are refused with a sentence, and stay running."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from portie_qt.core import process_control as pc
from portie_qt.core.process_control import Result
from portie_qt.core.system_processes import systemd_service
from tests.listeners import wait_until

pytestmark = pytest.mark.linux_only  # Xvfb, sshd, cgroups


def _needs(program: str, package: str) -> str:
    sbin = f"/usr/sbin/{program}"
    path = shutil.which(program) or (sbin if os.path.exists(sbin) else None)
    if path is None:
        pytest.fail(f"{program} is missing: install {package} (setup/debian-packages.txt)")
    return path


@contextlib.contextmanager
def _running(argv: list[str], **kwargs):
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, **kwargs)  # fmt: skip
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)  # ours, by PID
        proc.wait(10)
        proc.stderr.close()


def _refused(pid: int, *words: str) -> None:
    target = pc.describe(pid, psutil.Process(pid).create_time())
    for act in (pc.terminate, pc.kill):
        outcome = act(target)
        assert outcome.result is Result.REFUSED, outcome.message
        assert all(w in outcome.message for w in words), outcome.message
        assert outcome.message.count("\n") == 0
    assert psutil.Process(pid).status() != psutil.STATUS_ZOMBIE


def test_a_display_server_is_refused():
    xvfb = _needs("Xvfb", "xvfb")
    read_end, write_end = os.pipe()
    with _running([xvfb, "-displayfd", str(write_end), "-nolisten", "tcp", "-screen", "0",
                   "320x200x24"], pass_fds=(write_end,)) as server:  # fmt: skip
        os.close(write_end)
        with os.fdopen(read_end) as ready:
            assert ready.readline().strip().isdigit(), "Xvfb did not start"
        _refused(server.pid, "is a display server", "every window on its screen would close")
        assert server.poll() is None


def test_the_ssh_server_is_refused(tmp_path):
    if os.geteuid() != 0:
        pytest.fail("sshd runs only as root: run the tests as root (CI does)")
    sshd = _needs("sshd", "openssh-server")
    keygen = _needs("ssh-keygen", "openssh-client")
    key = tmp_path / "host_key"
    subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation dir
    # In a network namespace of its own, sshd has port 22 to itself: no port is assumed
    # free on this machine. `exec` keeps the PID: the one we started is sshd itself.
    script = (f"ip link set lo up && exec {sshd} -D -e -f /dev/null -h {key} "
              "-o ListenAddress=127.0.0.1:22 -o PidFile=none")  # fmt: skip
    with _running(["unshare", "--net", "sh", "-c", script], text=True) as server:
        said = server.stderr.readline()  # -e: "Server listening on 127.0.0.1 port 22."
        assert "listening" in said, said
        assert psutil.Process(server.pid).name() == "sshd"
        _refused(server.pid, "is the SSH server", "sudo systemctl stop ssh")
        assert server.poll() is None


def _cgroup_root() -> Path:
    """Where to make a service's cgroup: systemd's own hierarchy (v1) or the unified one."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        kind, options = line.split(" - ", 1)[1].split()[0], line.split(" - ", 1)[1]
        if (kind == "cgroup" and "name=systemd" in options) or kind == "cgroup2":
            return Path(fields[4])
    pytest.fail("no cgroup file system is mounted; Portie's systemd rule cannot be tested")


# A service's main process: once moved into the unit's cgroup, it starts a worker there
# on request and prints the worker's PID.
_MAIN = r"""
import select, subprocess, sys
sys.stdin.readline()
# Both wait for the test to close their stdin (they share it), 60 s at the most.
wait = "import select, sys; select.select([sys.stdin], [], [], 60)"
worker = subprocess.Popen([sys.executable, "-c", wait])
print(worker.pid, flush=True)
select.select([sys.stdin], [], [], 60)
"""


def test_a_systemd_services_main_process_is_refused_but_not_its_workers():
    if os.geteuid() != 0:
        pytest.fail("this test makes a cgroup: run the tests as root (CI does)")
    unit = f"portie-test-{os.getpid()}.service"
    group = _cgroup_root() / unit
    group.mkdir()
    main = subprocess.Popen([sys.executable, "-c", _MAIN], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        (group / "cgroup.procs").write_text(str(main.pid))
        main.stdin.write("go\n")
        main.stdin.flush()
        worker = int(main.stdout.readline())
        assert systemd_service(main.pid) == (unit, False) == systemd_service(worker)
        # Its parent (this test) is outside the unit: it is what the manager started.
        _refused(main.pid, f"the main process of the service {unit}",
                 f"sudo systemctl stop {unit}")  # fmt: skip
        # What the main process started, inside the same unit, is an ordinary process.
        outcome = pc.terminate(pc.describe(worker, psutil.Process(worker).create_time()))
        assert outcome.gone, outcome.message
        assert main.poll() is None
    finally:
        for pid in (group / "cgroup.procs").read_text().split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)  # only ours are in this new group
        main.wait(10)
        main.stdin.close()
        main.stdout.close()
        wait_until(lambda: not (group / "cgroup.procs").read_text().strip(), timeout=10)
        group.rmdir()


def test_service_units_are_read_from_both_cgroup_layouts():
    v1 = "12:pids:/\n1:name=systemd:/system.slice/nginx.service\n"
    v2 = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/dev.service\n"
    terminal = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/vte-spawn-1.scope\n"
    assert systemd_service(1, v1) == ("nginx.service", False)
    assert systemd_service(1, v2) == ("dev.service", True)
    assert systemd_service(1, terminal) is None  # a user's terminal is no service
    assert systemd_service(1, "0::/docker/abc\n") is None
