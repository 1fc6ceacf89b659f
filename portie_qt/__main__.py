"""``python -m portie_qt`` and the ``portie`` script."""

from __future__ import annotations

import sys


def main() -> int:
    from portie_qt.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
