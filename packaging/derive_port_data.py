"""Derive Portie's compact port-reference file from IANA's registry CSV.

Usage: python packaging/derive_port_data.py [SOURCE_CSV] [OUT_JSON]

Defaults: ../shared/data/iana-service-names-port-numbers.csv -> assets/iana_ports.json.
Re-run when IANA publishes a newer registry and commit the result; the app reads only
the derived file, never the CSV.

Output (JSON, one object):
  "source":  where the data came from and its newest modification date
  "ports":   {"<port>": {"tcp": [[name, description], ...], "udp": [...], ...}}
  "ranges":  [[first, last, protocol or "", name, description], ...]  (e.g. x11 6000-6063)
Rows without a service name (Reserved / Unassigned) keep an empty name so the app can
say "reserved" rather than "unassigned".
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "iana-service-names-port-numbers.csv"
DEFAULT_OUT = ROOT / "assets" / "iana_ports.json"
PROTOCOLS = ("tcp", "udp", "sctp", "dccp")


def _clean(text: str) -> str:
    return " ".join(text.split())


def derive(source: Path) -> dict:
    ports: dict[str, dict[str, list[list[str]]]] = {}
    ranges: list[list] = []
    newest = ""
    with source.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            number = row["Port Number"].strip()
            proto = row["Transport Protocol"].strip().lower()
            name = row["Service Name"].strip()
            description = _clean(row["Description"])
            newest = max(newest, row["Modification Date"].strip(), row["Registration Date"].strip())
            if not number:
                continue  # service names without a port (SRV-only registrations)
            if "-" in number:
                first, last = (int(part) for part in number.split("-", 1))
                if name:  # unnamed ranges are "Unassigned"/"Reserved": the default answer
                    ranges.append([first, last, proto, name, description])
                continue
            if proto not in PROTOCOLS:
                continue  # protocol-less single rows are "Unassigned"/"Reserved" markers
            if not name and description.lower() == "unassigned":
                continue
            entries = ports.setdefault(str(int(number)), {}).setdefault(proto, [])
            pair = [name, description]
            if pair not in entries:
                entries.append(pair)
    ordered = {key: ports[key] for key in sorted(ports, key=int)}
    return {
        "source": {
            "name": "IANA Service Name and Transport Protocol Port Number Registry",
            "url": "https://www.iana.org/assignments/service-names-port-numbers/",
            "licence": "CC0 1.0 (IANA/IETF joint statement, 2021-11-10)",
            "newest_entry": newest,
        },
        "ports": ordered,
        "ranges": sorted(ranges),
    }


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    if not source.is_file():
        print(f"IANA registry CSV not found at {source}", file=sys.stderr)
        return 2
    data = derive(source)
    out.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {out} ({out.stat().st_size:,} bytes, {len(data['ports']):,} ports)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
