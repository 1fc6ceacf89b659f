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
    env: dict[str, str | None] | None = None,
) -> subprocess.CompletedProcess:
    """``python -m portie_qt ARGS`` as a fresh process, with the current PORTIE_CONFIG_DIR
    (or ``config_dir``), from the repo (or ``cwd``); ``env`` sets (or, with None, unsets)
    variables on top of this process's environment."""
    changes, env = env or {}, os.environ.copy()
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
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


# nobody keeps only CAP_DAC_READ_SEARCH, to read this Python under /root (mode 700):
# no CAP_NET_BIND_SERVICE, no write access, no look into other users' processes.
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--inh-caps=+dac_read_search",
             "--ambient-caps=+dac_read_search"]  # fmt: skip


def run_portie_as_nobody(
    *args: str, groups: tuple[str, ...] = (), config_dir: Path, timeout: float = 120
) -> subprocess.CompletedProcess:
    """``portie ARGS`` as the user nobody (with supplementary ``groups``, else none), as
    a user without root would run it. ``config_dir`` must be writable by nobody."""
    group_args = [f"--groups={','.join(groups)}"] if groups else ["--clear-groups"]
    env = {**os.environ, "PORTIE_CONFIG_DIR": str(config_dir), "HOME": str(config_dir)}
    return subprocess.run(
        [*AS_NOBODY, *group_args, sys.executable, "-m", "portie_qt", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=env,
    )
