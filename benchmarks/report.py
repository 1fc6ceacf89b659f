"""Result rows, medians of alternating runs, and the printed table.

Every benchmark returns rows shaped like ``entry(...)``: the figure, its value, the
reference measured in the same run, their ratio, the target and whether it is met.
``met`` is None for informational rows and rows that could not be measured.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable

# How to install each reference tool on Debian/Ubuntu (what .ci/run does).
INSTALL_HINT = {
    "ss": "apt-get install iproute2",
    "lsof": "apt-get install lsof",
    "nmap": "apt-get install nmap",
}


def entry(name: str, value: float | None, unit: str, *, reference: str = "",
          ratio: float | None = None, target: str = "", met: bool | None = None,
          note: str = "") -> dict:  # fmt: skip
    """One table row; ``value`` None means the figure could not be measured (see ``note``)."""
    return {"name": name, "value": value, "unit": unit, "reference": reference, "ratio": ratio,
            "target": target, "met": met, "note": note}  # fmt: skip


def failed(name: str, reason: str, target: str = "") -> dict:
    """A row for a figure that could not be measured, saying why in one sentence."""
    return entry(name, None, "", target=target, note=reason)


def missing_tool(tool: str) -> str:
    """'' when ``tool`` is on PATH, else a sentence saying how to install it."""
    if shutil.which(tool):
        return ""
    hint = INSTALL_HINT.get(tool, f"install {tool}")
    return f"{tool} is not installed, so this reference was skipped: run `sudo {hint}`."


def alternate(runs: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds per call of each run, ``rounds`` times, rotating the order every round.

    Rotating means no contender always runs first (cold caches) or last (after the
    others warmed them), and the machine's load drifts over all of them alike.
    """
    names = list(runs)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - started)
    return times


def median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def spread(seconds: list[float]) -> str:
    """``min–max ms`` of a run, for the note column: the noise behind a median."""
    return f"runs {min(seconds) * 1000:.0f}–{max(seconds) * 1000:.0f} ms"


def _number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}"
    return str(value)


def format_table(rows: list[dict]) -> str:
    """A plain-text table: figure | value | reference | ratio | target | met, then notes."""
    header = ("figure", "value", "reference (same run)", "ratio", "target", "met")
    lines = []
    for row in rows:
        value = row.get("value")
        shown = "not measured" if value is None else f"{_number(value)} {row.get('unit', '')}"
        ratio = row.get("ratio")
        met = row.get("met")
        lines.append((
            str(row.get("name", "")),
            shown.strip(),
            _text(row.get("reference"), row.get("unit", "")),
            "—" if ratio is None else f"{ratio:.2f}×",
            _text(row.get("target")),
            "—" if met is None else ("yes" if met else "NO"),
        ))  # fmt: skip
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h)
              for i, h in enumerate(header)]  # fmt: skip
    out = [" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    out.append("-+-".join("-" * w for w in widths))
    for line in lines:
        out.append(" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))
    # "detail" is bench_scan's name for the same thing.
    notes = [f"- {row['name'].strip()}: {row.get('note') or row.get('detail')}" for row in rows
             if row.get("note") or row.get("detail")]  # fmt: skip
    if notes:
        out += ["", "Notes:", *notes]
    return "\n".join(out)


def _text(value, unit: str = "") -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, int | float):
        return f"{_number(value)} {unit}".strip()
    return str(value)
