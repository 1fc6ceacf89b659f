"""TCP connect scanner. Qt-free.

- `spec`: port specifications (``22,80``, ``1-1024``, ``top100``, ``all``).
- `targets`: resolving what the user typed to a `ScanTarget`.
- `engine`: the non-blocking connect loop and its correctness traps.
- `banners`: what an open port says about itself.
- `parallel`: splitting a scan into batches or forked worker processes.
- `report`: `ScanResult`, `ScanReport` (with `merge`).
- `run`: `scan()`, the entry point.
"""

from portie_qt.core.scan.banners import banner_text, grab_banners
from portie_qt.core.scan.engine import (
    BANNER_TIMEOUT,
    DEFAULT_CONCURRENCY,
    DEFAULT_TIMEOUT,
    ScanError,
    effective_concurrency,
    raise_fd_limit,
)
from portie_qt.core.scan.parallel import parallel_processes, split_batches
from portie_qt.core.scan.report import (
    CLOSED,
    FILTERED,
    OPEN,
    PROTOCOL,
    ScanReport,
    ScanResult,
    service_labels,
    tcp_service,
)
from portie_qt.core.scan.run import scan
from portie_qt.core.scan.spec import PRESET_ALL, PRESETS, PortSpecError, parse_ports
from portie_qt.core.scan.targets import ScanTarget, TargetError, is_this_machine, resolve_target

__all__ = [
    "BANNER_TIMEOUT",
    "CLOSED",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_TIMEOUT",
    "FILTERED",
    "OPEN",
    "PRESETS",
    "PRESET_ALL",
    "PROTOCOL",
    "PortSpecError",
    "ScanError",
    "ScanReport",
    "ScanResult",
    "ScanTarget",
    "TargetError",
    "banner_text",
    "effective_concurrency",
    "grab_banners",
    "is_this_machine",
    "parallel_processes",
    "parse_ports",
    "raise_fd_limit",
    "resolve_target",
    "scan",
    "service_labels",
    "split_batches",
    "tcp_service",
]
