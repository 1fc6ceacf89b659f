"""What every terminal command shares: exit codes, the argument parser, port arguments,
and the aligned table printer. Imports the core only, never Qt."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from portie_qt.core.ports import PortError, parse_port
from portie_qt.core.text import plain

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_INTERRUPTED = 130
# Exit status after the reader of our output went away (`portie --list | head`): what a
# Unix tool killed by SIGPIPE reports.
EXIT_BROKEN_PIPE = 141


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit 2, never a usage dump."""

    def error(self, message: str):
        # argparse quotes what was typed: never let it bring control characters along.
        message = plain(message)
        self.exit(EXIT_USAGE, f"portie: {message}\nTry 'portie --help'.\n")


def port_argument(text: str) -> int:
    """argparse type: a port 0–65535, with the core's sentence for anything else."""
    try:
        return parse_port(text)
    except PortError as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip(".")) from None


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, two spaces apart, no trailing blanks."""
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]
    lines = [headers, *rows]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )
