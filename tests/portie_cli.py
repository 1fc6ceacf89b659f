"""Run the `portie` command as a user would: a real process, this test's config dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_portie(
    *args: str,
    stdin: str | None = "",
    timeout: float = 120,
    config_dir: Path | None = None,
    cwd: Path = REPO,
) -> subprocess.CompletedProcess:
    """``python -m portie_qt ARGS`` as a fresh process, with the current PORTIE_CONFIG_DIR
    (or ``config_dir``), from the repo (or ``cwd``)."""
    env = os.environ.copy()
    if config_dir is not None:
        env["PORTIE_CONFIG_DIR"] = str(config_dir)
    return subprocess.run(
        [sys.executable, "-m", "portie_qt", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )
