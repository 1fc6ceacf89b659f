"""TCP connect scanner. Qt-free.

- `spec`: port specifications (``22,80``, ``1-1024``, ``top100``, ``all``).
- `targets`: resolving what the user typed to a `ScanTarget`.
- `engine`: the non-blocking connect loop and its correctness traps.
- `banners`: what an open port says about itself.
- `local`: scanning this machine: its listening table and the owners of its ports.
- `tally`: counting a running scan's results per host.
- `parallel`: splitting a scan into batches or forked worker processes.
- `report`: `ScanResult`, `ScanReport` (per host), `MultiScanReport`.
- `run`: `scan()` (one host) and `scan_targets()` (many), the entry points.
- `history`: every finished scan, kept on disk, and what changed since the last one.
- `worker`: a scan in a process of its own, streaming its results (for the window).
"""

from portie_qt.core.scan.banners import banner_text, grab_banners
from portie_qt.core.scan.engine import (
    BANNER_TIMEOUT,
    DEFAULT_CONCURRENCY,
    DEFAULT_TIMEOUT,
    ScanError,
    concurrency_notice,
    effective_concurrency,
    raise_fd_limit,
)
from portie_qt.core.scan.parallel import parallel_processes, split_batches
from portie_qt.core.scan.report import (
    CLOSED,
    FILTERED,
    HOST_DOWN,
    HOST_FILTERED,
    HOST_UNSCANNED,
    HOST_UP,
    OPEN,
    PROTOCOL,
    MultiScanReport,
    ScanReport,
    ScanResult,
    service_labels,
    tcp_service,
)
from portie_qt.core.scan.run import MAX_PROBES, probes_refusal, scan, scan_targets
from portie_qt.core.scan.spec import PRESET_ALL, PRESETS, PortSpecError, parse_ports
from portie_qt.core.scan.targets import (
    CONFIRM_ABOVE,
    MAX_ADDRESSES,
    ScanTarget,
    TargetError,
    TargetList,
    is_this_machine,
    parse_targets,
    resolve_target,
    resolve_targets,
)

__all__ = [
    "BANNER_TIMEOUT",
    "CLOSED",
    "CONFIRM_ABOVE",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_TIMEOUT",
    "FILTERED",
    "HOST_DOWN",
    "HOST_FILTERED",
    "HOST_UNSCANNED",
    "HOST_UP",
    "MAX_ADDRESSES",
    "MAX_PROBES",
    "OPEN",
    "PRESETS",
    "PRESET_ALL",
    "PROTOCOL",
    "MultiScanReport",
    "PortSpecError",
    "ScanError",
    "ScanReport",
    "ScanResult",
    "ScanTarget",
    "TargetError",
    "TargetList",
    "banner_text",
    "concurrency_notice",
    "effective_concurrency",
    "grab_banners",
    "is_this_machine",
    "parallel_processes",
    "parse_ports",
    "parse_targets",
    "probes_refusal",
    "raise_fd_limit",
    "resolve_target",
    "resolve_targets",
    "scan",
    "scan_targets",
    "service_labels",
    "split_batches",
    "tcp_service",
]
