"""Which TCP ports to try first: Portie's own ranking for the ``top100``/``top1000`` presets.

The head of the list is written by the Portie project from what people actually
find listening on servers, routers, desktops and developer machines: remote
access and web first, then mail, file sharing, databases, message brokers,
container/cluster control planes and the usual dev-server ports. It is not
derived from any other scanner's data files.

``top1000`` continues the hand-written ranking with a documented, deterministic
fill, stopping at 1,000 ports:

1. the hand-written ranking (``RANKED``),
2. every other port in Portie's curated reference (``curated_ports.CURATED``)
   that applies to TCP, in ascending order,
3. every well-known port (1–1023) with an IANA TCP service name, ascending,
4. every registered port (1024–49151) with an IANA TCP service name, ascending.
"""

from __future__ import annotations

import functools

from portie_qt.core.curated_ports import CURATED

# Hand-ranked, most likely first. Groups are by kind; order within and across groups
# reflects how often each is found open in practice.
RANKED: tuple[int, ...] = (
    # Remote access and the web
    80, 443, 22, 8080, 21, 23, 3389, 8443, 8000, 5900,
    # Mail
    25, 587, 993, 143, 110, 995, 465,
    # Windows and file sharing, naming, directory
    445, 139, 135, 53, 111, 2049, 389, 636, 88, 464,
    # Databases and caches
    3306, 5432, 6379, 27017, 1433, 1521, 11211, 9200, 5984, 7474, 9042, 8086,
    # Dev servers
    3000, 5000, 8888, 4200, 5173, 8081, 3001, 4000, 9000, 8008, 8001, 8088, 5601,
    # Printing, devices, media, home network
    631, 9100, 515, 1900, 5000, 554, 8009, 62078, 49152, 32400, 7000, 548,
    # Containers, clusters, observability
    2375, 2376, 2379, 6443, 10250, 9090, 9093, 9091, 3100, 4317, 4318, 9411, 8500,
    # Brokers and queues
    5672, 15672, 1883, 8883, 9092, 4222, 61616,
    # Other remote admin, VPN and proxies
    5985, 5986, 10000, 1080, 3128, 8118, 1194, 1723, 5938, 2222, 113, 179,
    # Legacy and misc services still seen
    79, 119, 199, 513, 514, 543, 544, 873, 990, 1025, 1026, 1027, 1028, 1029, 1110,
    2000, 2001, 2121, 2717, 3986, 4899, 5060, 5061, 5631, 5800, 6000, 6001, 6646,
    7070, 8010, 8031, 8180, 8200, 8222, 8280, 8800, 9001, 9418, 9999, 10001, 32768,
    49153, 49154, 49155, 49156, 49157,
    # Dev tools and debuggers
    5037, 5555, 6006, 9229, 11434, 19000, 4040, 8787, 8889, 1313, 4567, 8761, 9443,
)  # fmt: skip


def _ranked_unique() -> list[int]:
    return list(dict.fromkeys(RANKED))


def _iana_tcp_named() -> tuple[int, ...]:
    """Well-known and registered ports with an IANA TCP service name, ascending."""
    from portie_qt.core.reference import named_ports  # loads the port data: only on demand

    return tuple(p for p in named_ports("tcp") if 0 < p <= 49151)


@functools.lru_cache(maxsize=4)
def top_ports(count: int) -> tuple[int, ...]:
    """The ``count`` most likely TCP ports, best first (deterministic; see module doc)."""
    order = _ranked_unique()
    if len(order) < count:
        order += sorted(p for p, (_l, _n, protos) in CURATED.items() if "tcp" in protos and p)
        order += _iana_tcp_named()
    return tuple(dict.fromkeys(order))[:count]


def top100() -> tuple[int, ...]:
    """The 100 most likely TCP ports."""
    return top_ports(100)


def top1000() -> tuple[int, ...]:
    """The 1,000 most likely TCP ports."""
    return top_ports(1000)
