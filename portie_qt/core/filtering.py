"""Which endpoints the user wants to see: one predicate shared by the table and counts.

The search text matches the port, PID, process name, addresses, service, user and
state, and the owner's app label (``vite``), project (``web-app``), command line and
working directory. ``:3000`` means exactly port 3000. A bare number means that port
exactly *first*: the rows on port 3000 always match, and so do rows whose PID,
addresses, names, command line or directory contain "3000", but a port that merely
contains the digits (13000, 30001) does not. The rows on the port itself are the
answer (`FilterCriteria.port_query` names it for the answer card and `portie free`);
the table shows them among the other matches in the user's sort order.
"""

from __future__ import annotations

from typing import NamedTuple

from portie_qt.core.endpoints import LISTENING_STATES, Endpoint
from portie_qt.core.ports import PortError, parse_port
from portie_qt.core.ranges import REGISTERED_MAX, WELL_KNOWN_MAX, Band


class FilterCriteria(NamedTuple):
    """The ports view's filter: search text, toggles and the selected range band.

    The records the first refresh passes around (this, `Snapshot`, `Diff`, `Refresh`) are
    named tuples, not dataclasses: making a dataclass costs a millisecond at import (and
    ``dataclasses`` itself a few), before the first rows are on screen."""

    text: str = ""
    listening_only: bool = False
    tcp: bool = True
    udp: bool = True
    ipv4: bool = True
    ipv6: bool = True
    band: Band | None = None  # a range group (`Endpoint.group`); None: every group

    @property
    def exact_port(self) -> int | None:
        """``:3000`` in the search field means exactly port 3000."""
        text = self.text.strip()
        if not text.startswith(":"):
            return None
        try:
            return parse_port(text[1:])
        except PortError:
            return None

    @property
    def exact_pid(self) -> int | None:
        """``pid:1234`` means the rows of process 1234 (any holder), nothing else."""
        text = self.text.strip()
        head, _, number = text.partition(":")
        if head.lower() != "pid" or not (number.isascii() and number.isdigit()):
            return None
        return int(number) if len(number) <= 10 else None

    @property
    def port_query(self) -> int | None:
        """The port the search asks about: ``:3000`` or a bare ``3000``; None otherwise."""
        exact = self.exact_port
        if exact is not None:
            return exact
        text = self.text.strip()
        if text.isascii() and text.isdigit():
            try:
                return parse_port(text)
            except PortError:
                return None
        return None

    def matches(self, endpoint: Endpoint, *, ignore_band: bool = False,
                search: str | None = None) -> bool:  # fmt: skip
        """Whether the filter lets ``endpoint`` through; ``search`` is its precomputed
        `search_text` (the ports table keeps one per row)."""
        if self.listening_only and not endpoint.listening:
            return False
        if not (self.tcp if endpoint.protocol == "tcp" else self.udp):
            return False
        if not (self.ipv4 if endpoint.family == "ipv4" else self.ipv6):
            return False
        if not ignore_band and self.band is not None and endpoint.group is not self.band:
            return False
        text = self.text.strip()
        if not text:
            return True
        port = self.exact_port
        if port is not None:
            return endpoint.local_port == port
        pid = self.exact_pid
        if pid is not None:
            return pid in endpoint.pids
        port = self.port_query
        if port is not None and endpoint.local_port == port:
            return True
        needle = text.lower()
        if port is None and needle in str(endpoint.local_port):
            return True  # a bare 3000 is not 13000: the port's digits count for other text
        return needle in (search_text(endpoint) if search is None else search)


def search_text(endpoint: Endpoint, service: str | None = None) -> str:
    """What the search text is looked for in, besides the port: PIDs, process, addresses,
    service, user, state, container and the owner's app, project, command and directory,
    lower-case, one per line (a typed needle never holds a line break). ``service``: the
    endpoint's service label, when the caller has it already."""
    program = endpoint.program
    return "\n".join((
        _pids_text(endpoint),
        (endpoint.process or "").lower(),
        endpoint.local_address.lower(),
        (endpoint.remote_address or "").lower(),
        (endpoint.service if service is None else service).lower(),
        (endpoint.user or "").lower(),
        endpoint.state.lower(),
        endpoint.container.owner.lower() if endpoint.container is not None else "",
        program.search_text if program is not None else "",
    ))  # fmt: skip


def _pids_text(endpoint: Endpoint) -> str:
    """The PIDs a search can find the row by: every holder of a shared socket."""
    if endpoint.pid is None:
        return ""
    if len(endpoint.holders) > 1:
        return " ".join(str(holder[0]) for holder in endpoint.holders)
    return str(endpoint.pid)


def band_counts(endpoints, criteria: FilterCriteria) -> dict[Band, int]:
    """How many endpoints per range group (`Endpoint.group`) pass every filter except the
    range selector."""
    if criteria.text.strip() or criteria.listening_only:
        matching = [e for e in endpoints if criteria.matches(e, ignore_band=True)]
    elif criteria.tcp and criteria.udp and criteria.ipv4 and criteria.ipv6:
        matching = endpoints  # the default view: every endpoint passes
    else:
        protocols = {p for p, on in (("tcp", criteria.tcp), ("udp", criteria.udp)) if on}
        families = {f for f, on in (("ipv4", criteria.ipv4), ("ipv6", criteria.ipv6)) if on}
        matching = [e for e in endpoints if e[0] in protocols and e[1] in families]
    # Groups by comparison, not Endpoint.group per endpoint: this runs on every refresh
    # and every keystroke in the filter, over up to tens of thousands of endpoints.
    well_known = registered = dynamic = ephemeral = 0
    first, last = Band.EPHEMERAL.span
    for endpoint in matching:
        port = endpoint[3]
        if first <= port <= last and endpoint[6] not in LISTENING_STATES:
            ephemeral += 1
        elif port <= WELL_KNOWN_MAX:
            well_known += 1
        elif port <= REGISTERED_MAX:
            registered += 1
        else:
            dynamic += 1
    return {Band.WELL_KNOWN: well_known, Band.REGISTERED: registered, Band.DYNAMIC: dynamic,
            Band.EPHEMERAL: ephemeral}  # fmt: skip
