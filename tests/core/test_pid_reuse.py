"""PID reuse, forced: in a private PID namespace a new process is given the very PID of one
Portie identified a moment ago, often within the same clock tick (so with the same start
time). A stop asked for with the stale identity must never reach the new process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.linux_only  # pidfd, PID namespaces

REPO = Path(__file__).resolve().parents[2]

# Runs as PID 1 of a fresh PID namespace (unshare --pid --fork --mount-proc), root.
_REUSE = r"""
import contextlib, json, os, signal, sys, time
sys.path.insert(0, sys.argv[1])
import psutil
from portie_qt.core import process_control as pc

def sleeper():
    pid = os.fork()
    if pid == 0:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # bounded: ends by itself
            time.sleep(0.05)
        os._exit(0)
    return pid

def running(pid):
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False

results = []
for attempt in range(400):  # bounded
    old = sleeper()
    started = psutil.Process(old).create_time()
    stale = pc.describe(old, started)  # named for a confirmation: identity + pidfd
    os.kill(old, signal.SIGKILL)
    os.waitpid(old, 0)
    with open("/proc/sys/kernel/ns_last_pid", "w") as handle:
        handle.write(str(old - 1))  # the next process gets the PID just freed
    new = sleeper()
    if new != old:
        os.kill(new, signal.SIGKILL)
        os.waitpid(new, 0)
        continue
    same_tick = abs(psutil.Process(new).create_time() - started) < 0.01
    outcomes = [pc.terminate(stale, 0.5).result.name, pc.kill(stale, 0.5).result.name]
    results.append({"same_tick": same_tick, "outcomes": outcomes, "new_alive": running(new),
                    "had_pidfd": stale.handle is not None})
    with contextlib.suppress(ProcessLookupError, ChildProcessError):  # if it was reached
        os.kill(new, signal.SIGKILL)
        os.waitpid(new, 0)
    if sum(r["same_tick"] for r in results) >= 5 and len(results) >= 20:
        break
print(json.dumps(results))
"""


def test_a_stale_identitys_kill_never_reaches_the_process_that_reused_its_pid():
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.fail("this test needs root and unshare (util-linux) to make a PID namespace")
    done = subprocess.run(
        ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-c", _REUSE, str(REPO)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert len(results) >= 20, "the PID was not reused often enough to test anything"
    assert all(r["had_pidfd"] for r in results)  # Linux: the identity carries a pidfd
    # The hard case, where PID and start time are both equal, happened and was handled.
    assert sum(r["same_tick"] for r in results) >= 1, results
    for result in results:
        assert result["new_alive"], result  # the new process was never signalled
        assert set(result["outcomes"]) <= {"ALREADY_EXITED", "PID_REUSED"}, result
        if result["same_tick"]:
            # Start times cannot tell them apart: only the pidfd could.
            assert result["outcomes"] == ["ALREADY_EXITED", "ALREADY_EXITED"], result
