"""Which endpoints the user wants to see: one predicate shared by the table and counts."""

from __future__ import annotations

from dataclasses import dataclass

from portie_qt.core.endpoints import Endpoint
from portie_qt.core.ranges import Band


@dataclass(frozen=True, slots=True)
class FilterCriteria:
    """The ports view's filter: search text, toggles and the selected range band."""

    text: str = ""
    listening_only: bool = False
    tcp: bool = True
    udp: bool = True
    ipv4: bool = True
    ipv6: bool = True
    band: Band | None = None  # None: every band

    @property
    def exact_port(self) -> int | None:
        """``:3000`` in the search field means exactly port 3000."""
        text = self.text.strip()
        if text.startswith(":") and text[1:].isdigit():
            return int(text[1:])
        return None

    def matches(self, endpoint: Endpoint, *, ignore_band: bool = False) -> bool:
        if self.listening_only and not endpoint.listening:
            return False
        if not (self.tcp if endpoint.protocol == "tcp" else self.udp):
            return False
        if not (self.ipv4 if endpoint.family == "ipv4" else self.ipv6):
            return False
        if not ignore_band and self.band is not None and endpoint.band is not self.band:
            return False
        text = self.text.strip()
        if not text:
            return True
        port = self.exact_port
        if port is not None:
            return endpoint.local_port == port
        needle = text.lower()
        return any(
            needle in field
            for field in (
                str(endpoint.local_port),
                str(endpoint.pid) if endpoint.pid is not None else "",
                (endpoint.process or "").lower(),
                endpoint.local_address.lower(),
                (endpoint.remote_address or "").lower(),
                endpoint.service.lower(),
                (endpoint.user or "").lower(),
                endpoint.state.lower(),
            )
        )


def band_counts(endpoints, criteria: FilterCriteria) -> dict[Band, int]:
    """How many endpoints per band pass every filter except the band selector."""
    counts = dict.fromkeys(Band, 0)
    for endpoint in endpoints:
        if criteria.matches(endpoint, ignore_band=True):
            counts[endpoint.band] += 1
    return counts
