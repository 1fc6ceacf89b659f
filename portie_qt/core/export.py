"""Rows out of Portie: the JSON and CSV that `--list --json`, the table's export and the
scan export all write. Qt-free."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from portie_qt.core.endpoints import Endpoint
from portie_qt.core.files import write_atomic
from portie_qt.core.scan.report import (
    CLOSED,
    FILTERED,
    MultiScanReport,
    ScanReport,
    service_labels,
)

FORMATS = ("csv", "json")
SCAN_KEYS = ("host", "address", "port", "protocol", "state", "service", "banner")


def format_of(path: str) -> str:
    """``json`` for a ``.json`` file name, else ``csv``."""
    return "json" if str(path).lower().endswith(".json") else "csv"


def endpoint_rows(endpoints: Iterable[Endpoint]) -> list[dict]:
    """One plain dict per endpoint: the keys `portie --list --json` prints."""
    return [e.as_dict() for e in endpoints]


def json_text(rows: Sequence[dict]) -> str:
    return json.dumps(list(rows), indent=1) + "\n"


def csv_text(rows: Sequence[dict], keys: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(keys), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def endpoints_text(endpoints: Iterable[Endpoint], fmt: str) -> str:
    """The endpoints as ``csv`` or ``json`` text."""
    rows = endpoint_rows(endpoints)
    if fmt == "json":
        return json_text(rows)
    for row in rows:  # a cell holds text: every holder's PID, space-separated
        row["pids"] = " ".join(str(pid) for pid in row["pids"])
    return csv_text(rows, Endpoint.EXPORT_KEYS)


def save_endpoints(path: str | Path, endpoints: Sequence[Endpoint]) -> int:
    """Write ``endpoints`` to ``path`` (format from its name), all at once; the row count."""
    write_atomic(path, endpoints_text(endpoints, format_of(str(path))))
    return len(endpoints)


class _Tails(dict):
    """Label -> the end of a JSON line for one state, each encoded once on first use."""

    def __init__(self, state: str):
        super().__init__()
        self.state = state

    def __missing__(self, label: str) -> str:
        text = self[label] = (
            f', "protocol": "tcp", "state": "{self.state}", "service": {json.dumps(label)}, '
            '"banner": null}'
        )
        return text


def _hosts(report: ScanReport | MultiScanReport) -> tuple[ScanReport, ...]:
    return report.hosts if isinstance(report, MultiScanReport) else (report,)


def scan_json(report: ScanReport | MultiScanReport) -> str:
    """Every scanned port as one flat JSON array, host by host, each host ascending by port.

    One object per line, each naming its ``host`` and ``address``. Written from
    per-state templates rather than one dict per port: a full scan has 65,535 entries
    and ``json.dumps`` of that many dicts would take longer than the scan. Banners were
    made plain text when they were read (`core.text.plain`), and JSON escapes the rest.
    """
    label = service_labels().get
    out: list[str] = []
    for host in _hosts(report):
        target = host.target
        head = (
            f'{{"host": {json.dumps(target.host)}, "address": {json.dumps(target.address)}, '
            '"port": '
        )
        lines: dict[int, str] = {}
        for state, ports in ((CLOSED, host.closed), (FILTERED, host.filtered)):
            tails = _Tails(state)
            lines.update(zip(ports, [f"{head}{p}{tails[label(p, '')]}" for p in ports],
                             strict=True))  # fmt: skip
        lines.update((r.port, json.dumps(r.as_dict())) for r in host.open)
        out += [lines[p] for p in sorted(lines)]
    if not out:
        return "[]\n"
    return "[\n" + ",\n".join(out) + "\n]\n"


def scan_text(report: ScanReport | MultiScanReport, fmt: str) -> str:
    """A scan's results as ``csv`` or ``json`` text: one row per port of every host."""
    if fmt == "json":
        return scan_json(report)
    return csv_text([r.as_dict() for r in report.results()], SCAN_KEYS)


def save_scan(path: str | Path, report: ScanReport | MultiScanReport) -> int:
    """Write a scan's results to ``path`` (format from its name), all at once; the count."""
    write_atomic(path, scan_text(report, format_of(str(path))))
    return report.scanned
