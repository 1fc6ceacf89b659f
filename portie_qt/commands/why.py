"""``portie why PORT [--udp] [--json]``: why a port is busy, or that it is free.

Exit 0 when Portie could explain (busy or free), 2 on a bad port.
"""

from __future__ import annotations

import argparse
import json
import sys

from portie_qt.commands._common import EXIT_OK, port_argument
from portie_qt.core.text import plain


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("port", type=port_argument, metavar="PORT", help="the port to explain")
    parser.add_argument("--udp", action="store_true", help="a UDP port instead of TCP")
    parser.add_argument("--json", action="store_true", help="print the explanation as JSON")


def run(args: argparse.Namespace) -> int:
    from portie_qt.core.why import explain

    explanation = explain(args.port, "udp" if args.udp else "tcp")
    if args.json:
        sys.stdout.write(json.dumps(explanation.as_dict(), indent=1) + "\n")
    else:
        print("\n".join(plain(line) for line in explanation.lines()))
    return EXIT_OK
