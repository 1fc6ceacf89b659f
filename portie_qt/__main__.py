"""``python -m portie_qt`` and the ``portie`` script."""

from __future__ import annotations

import sys

SCAN_WORKER_FLAG = "--scan-worker"  # the window's scan process (core.scan.worker)


def main() -> int:
    if sys.argv[1:2] == [SCAN_WORKER_FLAG]:  # before the CLI: a bundle has no `python -m`
        from portie_qt.core.scan.worker import main as scan_worker

        return scan_worker()
    from portie_qt.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
