"""Run the `portie` command as a user would: a real process, this test's config dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_portie(*args: str, stdin: str = "", timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m portie_qt ARGS`` from the repo, with the current PORTIE_CONFIG_DIR."""
    return subprocess.run(
        [sys.executable, "-m", "portie_qt", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=os.environ.copy(),
    )
