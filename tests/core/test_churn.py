"""The churn harness: stable listeners stay true while other processes open and close
hundreds of listeners and connections per second. Run in a network namespace of its
own, so only its sockets count; the same harness is `python -m benchmarks churn`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from benchmarks.netns import private_netns

pytestmark = [pytest.mark.netns, pytest.mark.linux_only]  # a network namespace
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_fifty_snapshots_under_churn_are_all_true():
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.fail("the churn harness needs root and iproute2 for its own network namespace")
    with private_netns() as prefix:
        done = subprocess.run([*prefix, sys.executable, "-m", "benchmarks.churn", "--json",
                               "--snapshots", "50"], cwd=REPO, capture_output=True, text=True,
                              timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["snapshots"] == 50 and found["stable_listeners"] == 15
    # The churn really happened: hundreds of listeners and connections per second.
    assert found["churn_listeners_per_s"] >= 100, found
    assert found["churn_connections_per_s"] >= 100, found
    # Real changes are still reported: a listener started and stopped meanwhile.
    assert found["canary_events"] == ["listen_started", "listen_stopped"], found
    # Each stable listener exactly once per snapshot, with its own PID and name (the
    # pre-fork socket: the parent, all three holders); no socket twice; no false event.
    assert found["missing_or_twice"] == 0, found
    assert found["wrong_owners"] == 0, found
    assert found["duplicates"] == 0, found
    assert found["false_events"] == 0, found
