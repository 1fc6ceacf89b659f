"""``python -m benchmarks [NAME ...] [--rounds N] [--quick] [--json]``: run and print figures.

Each benchmark is imported only when asked for, so one that cannot load (Qt missing,
the scanner benchmark not written yet) fills its own row with the reason and the
others still run.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import time

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if __package__ in (None, ""):  # `python benchmarks/run.py`: make the package importable
    sys.path.insert(0, _ROOT)

from benchmarks.netns import INSIDE_ENV, private_netns, unavailable_reason  # noqa: E402
from benchmarks.report import failed, format_table  # noqa: E402

# name -> (module, function, what it measures). Functions take (rounds, quick) and return
# rows; bench_scan's run takes rounds only.
BENCHMARKS = {
    "refresh": ("benchmarks.refresh", "run", "one refresh (collect + diff), 10,000 sockets"),
    "churn": ("benchmarks.churn", "run", "churn: true snapshots while others churn (all 0)"),
    "apply": ("benchmarks.ui", "run_apply", "UI-thread time to apply one refresh, 1% churn"),
    "stall": ("benchmarks.ui", "run_stall", "longest UI-thread stall during refreshes"),
    "startup": ("benchmarks.app_process", "run_startup", "start to first rows (self-test)"),
    "idle-cpu": ("benchmarks.app_process", "run_idle_cpu", "idle CPU, window visible and hidden"),
    "memory": ("benchmarks.ui", "run_memory", "resident memory with 10,000 rows, fresh and soaked"),
    "scan": ("benchmarks.bench_scan", "run", "full loopback scan vs nmap"),
    "remote": ("benchmarks.bench_remote", "run", "a remote host's refresh over SSH"),
    "containers": ("benchmarks.containers", "run", "container engine: start-up and per refresh"),
    "scan-stall": ("benchmarks.scan_ui", "run", "longest UI-thread stall while the dialog scans"),
}
# These build what they measure in the machine's own namespace (the scanner its own
# namespaces, the container benchmark a private Docker Engine): never re-run inside one.
_OWN_NAMESPACES = ("scan", "containers")


def run_one(name: str, rounds: int, quick: bool) -> list[dict]:
    """Rows of one benchmark; a benchmark that fails to load or run gets a row saying why."""
    module_name, function, title = BENCHMARKS[name]
    try:
        module = importlib.import_module(module_name)
        bench = getattr(module, function)
        if name == "scan":
            return list(bench(rounds=rounds))
        return list(bench(rounds=rounds, quick=quick))
    except ModuleNotFoundError as exc:
        missing = exc.name or "a module"
        return [failed(title, f"Not measured: {missing} could not be imported ({exc}).")]
    except Exception as exc:  # one broken benchmark must not hide the others' figures
        return [failed(title, f"Not measured: {type(exc).__name__}: {exc}.")]


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    """One line on what the figures were measured on, and how busy it was."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, PySide6 {_version('PySide6-Essentials')}, psutil "
            f"{_version('psutil')}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
            f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}")  # fmt: skip


def _in_netns(names: list[str], args: argparse.Namespace) -> list[dict]:
    """Run ``names`` again inside a private network namespace; their rows, in order."""
    argv = [*names, "--rounds", str(args.rounds), "--json", *(["--quick"] if args.quick else [])]
    with private_netns() as prefix:
        env = dict(os.environ, **{INSIDE_ENV: prefix[-1]})
        done = subprocess.run([*prefix, sys.executable, "-m", "benchmarks", *argv], cwd=_ROOT,
                              env=env, stdout=subprocess.PIPE, text=True, check=False)  # fmt: skip
    try:
        return json.loads(done.stdout)["rows"]
    except (ValueError, KeyError):
        reason = f"the run inside the network namespace ended with status {done.returncode}"
        return [failed(BENCHMARKS[n][2], f"Not measured: {reason}.") for n in names]


# Reference tools and the Debian package that brings each.
_REFERENCE_PACKAGES = {"nmap": "nmap", "ss": "iproute2", "lsof": "lsof", "ip": "iproute2"}


def _install_references(names: list[str]) -> None:
    """On a fresh Debian machine, as root, install the reference tools the run needs.

    Without root or apt-get the affected rows say what to install instead."""
    wanted = {"nmap"} if "scan" in names else set()
    if "refresh" in names:
        wanted |= {"ss", "lsof"}
    missing = sorted({_REFERENCE_PACKAGES[t] for t in wanted if shutil.which(t) is None})
    if not missing or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return
    print(f"installing {' '.join(missing)} with apt-get…", file=sys.stderr, flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", *missing]):  # fmt: skip
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            print(f"could not install {' '.join(missing)}: {done.stderr.strip()[-300:]}",
                  file=sys.stderr)  # fmt: skip
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure Portie against its targets; each figure with a reference "
        "measured in the same run.",
    )
    names = ", ".join(BENCHMARKS)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"default all of: {names}")
    parser.add_argument("--rounds", type=int, default=5, help="alternating runs per figure")
    parser.add_argument("--quick", action="store_true",
                        help="idle CPU over 15 s (hidden: 30 s), not 60 s; a 2-minute memory "
                        "soak, not 10")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--no-netns", action="store_true",
                        help="count the machine's own sockets too")  # fmt: skip
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a target is missed or a figure is missing")  # fmt: skip
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        print(f"Unknown benchmark {', '.join(unknown)}: choose from {', '.join(BENCHMARKS)}.",
              file=sys.stderr)  # fmt: skip
        return 2
    if args.rounds < 1:
        print("--rounds must be 1 or more.", file=sys.stderr)
        return 2
    names = args.names or list(BENCHMARKS)
    if not os.environ.get(INSIDE_ENV):
        _install_references(names)
    before = machine()
    isolated = [n for n in names if n not in _OWN_NAMESPACES]
    inside = os.environ.get(INSIDE_ENV)
    why_not = "--no-netns" if args.no_netns else unavailable_reason()
    rows: list[dict] = []
    if isolated and not why_not:
        print("running in a private network namespace…", file=sys.stderr, flush=True)
        rows += _in_netns(isolated, args)
        names = [n for n in names if n in _OWN_NAMESPACES]
    for name in names:
        print(f"running {name}…", file=sys.stderr, flush=True)
        rows += run_one(name, args.rounds, args.quick)
    if inside:
        where = f"a private network namespace ({inside})"
    elif isolated and not why_not:
        where = "a private network namespace" + (f" ({', '.join(names)}: not)" if names else "")
    else:
        where = f"the machine's own network namespace, other programs' too ({why_not})"
    before = f"{before}; sockets counted in {where}"
    if args.json:
        print(json.dumps({"machine": before, "after": machine(), "rows": rows}, indent=1))
    else:
        print(f"Machine: {before}\n")
        print(format_table(rows))
        print(f"\nFinished: {machine()}")
    missed = any(row.get("met") is False or row.get("value") is None for row in rows)
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
