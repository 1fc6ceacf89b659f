"""What the ports table shows for one endpoint: every column's text and sort key, the
row's look and its tooltip. The one place to change what a row says. Qt-free.

`display_row()` runs on the refresh worker for each new or changed endpoint, so painting
the table is only tuple lookups on the UI thread (`tooltip_text` runs on hover). Colours
are named here as tokens (``"muted"``, ``"listen"``, a band's value); `portie_qt.style`
maps each token to the palette's colour, so dark mode still applies.

To show more in a column, change its ``*_text`` function below. Its sort key follows the
text (case-insensitive) unless the column is listed in `display_row`'s numeric keys; a
new colour or marker is a new token here plus its colour in `style.Style`.
"""

from __future__ import annotations

from typing import NamedTuple

from portie_qt.core.endpoints import LISTEN, PASSING_STATES, Diff, Endpoint, owner_phrase
from portie_qt.core.endpoints import process_text as endpoint_process_text
from portie_qt.core.filtering import search_text
from portie_qt.core.ranges import Band, ephemeral_range
from portie_qt.core.reference import is_curated, service_labels

PROTOCOL, LOCAL, PORT, REMOTE, STATE, PID, PROCESS, USER, SERVICE, RANGE = range(10)
HEADERS = ("Proto", "Local", "Port", "Remote", "State", "PID", "Process", "User",
           "Service", "Range")  # fmt: skip
RIGHT_ALIGNED = frozenset({PORT, PID})  # numbers line up on the right

# Foreground tokens: `style.Style.pens` has a colour for each (band values too).
MUTED = "muted"  # a connection on its way in or out
LISTENING = "listen"  # the State cell of a listening socket


class Look(NamedTuple):
    """How a row is drawn, as tokens. Interned: thousands of rows share a handful."""

    background: str | None  # a band's value for its tint, None for the plain background
    foreground: tuple[str | None, ...]  # per column: a pen token, None for the default
    bold: tuple[bool, ...]  # per column
    marker: tuple[str | None, ...]  # per column: a marker token (a band's value), or None


class Row(NamedTuple):
    """One endpoint as the table shows it: everything a paint or a sort asks for."""

    key: tuple  # the endpoint's identity across refreshes (`Snapshot.keyed()`)
    endpoint: Endpoint
    texts: tuple[str, ...]  # per column
    sort_keys: tuple  # per column; within a column all ints or all strings
    look: Look
    search: str  # what the filter's text searches (`filtering.search_text`)


# -- each column's text --------------------------------------------------------------------
def protocol_text(endpoint: Endpoint) -> str:
    return endpoint.protocol.upper() + ("6" if endpoint.family == "ipv6" else "")


def remote_text(endpoint: Endpoint) -> str:
    return endpoint.remote or "—"


def pid_text(endpoint: Endpoint) -> str:
    return "" if endpoint.pid is None else str(endpoint.pid)


def process_text(endpoint: Endpoint) -> str:
    """The container that owns the port, else the holder's name (``+3`` when three more
    processes hold the socket), or why there is no owner: `endpoints.process_text`."""
    return endpoint_process_text(endpoint)


def service_text(endpoint: Endpoint) -> str:
    """`Endpoint.service`: from the whole-port table once a big batch (the first refresh
    of a busy machine) has built it, else one lookup at a time."""
    table = _label_tables.get(endpoint.protocol)
    return endpoint.service if table is None else table.get(endpoint.local_port, "")


def range_text(group: Band) -> str:
    """The Range column: the row's range group (`Endpoint.group`), one short word."""
    return group.title


def iana_name(endpoint: Endpoint, service: str) -> bool:
    """Whether ``service`` is IANA's registered keyword for the port (``brlp-0``) rather
    than one of Portie's own labels (``PostgreSQL``): the table shows keywords muted."""
    return bool(service) and not is_curated(endpoint.local_port, endpoint.protocol)


def tooltip_text(endpoint: Endpoint) -> str:
    """The row's tooltip. Made when the pointer rests on a row, one at a time, so rows do
    not each carry one (10,000 tooltips are 3 MB and 80 ms of the worker's time)."""
    band = endpoint.band
    owner = owner_phrase(endpoint)
    if endpoint.process:
        owner += f", {endpoint.user or 'unknown user'}"
    service = endpoint.service
    if not service:
        service = "No known service"
    elif iana_name(endpoint, service):
        service = f"IANA: {service}"
    ephemeral = (
        f"\nIn this OS's ephemeral range ({ephemeral_range()}): a passing outbound connection"
        if endpoint.passing_by
        else ""
    )
    if endpoint.container is not None:
        if endpoint.pid is not None or endpoint.state == LISTEN:
            owner = f"{endpoint.container.owner}, held on the host by {owner}"
        else:
            owner = f"{endpoint.container.owner}; no host process holds it"
    return (
        f"{endpoint.protocol.upper()} {endpoint.local} — {endpoint.state}\n"
        f"{service}\n{band.title} port ({band.span[0]}–{band.span[1]}): {band.usually}"
        f"{ephemeral}\nOwner: {owner}"
    )


def look_of(group: Band, state: str, iana: bool = False) -> Look:
    """The row's tokens: its range group's tint and marker (passing connections have no
    tint), muted passing connections and IANA keywords, bold listeners."""
    marker_band = group.value
    listening = state == LISTEN
    plain = MUTED if state in PASSING_STATES else None
    foreground = [plain] * len(HEADERS)
    if listening and plain is None:
        foreground[STATE] = LISTENING
    if iana:
        foreground[SERVICE] = MUTED
    foreground[RANGE] = marker_band
    bold = tuple(listening and column in (PORT, STATE) for column in range(len(HEADERS)))
    marker = tuple(marker_band if column == RANGE else None for column in range(len(HEADERS)))
    tint = None if group is Band.EPHEMERAL else group.value
    return Look(tint, tuple(foreground), bold, marker)


def display_row(key: tuple, endpoint: Endpoint, labelled: bool = True) -> Row:
    """Everything the table shows for ``endpoint``: texts, sort keys and look; without
    the service label unless ``labelled`` (the port data is not loaded yet)."""
    service = service_text(endpoint) if labelled else ""
    group = endpoint.group
    kind = (group, endpoint.state, iana_name(endpoint, service))  # what range and look need
    by_kind = _by_kind.get(kind)
    if by_kind is None:
        by_kind = _by_kind[kind] = (_shared(range_text(group)), look_of(*kind))
    texts = (
        _shared(protocol_text(endpoint)),
        endpoint.local_address,
        str(endpoint.local_port),
        remote_text(endpoint),
        endpoint.state,
        pid_text(endpoint),
        _shared(process_text(endpoint)),
        _shared(endpoint.user or ""),
        service,
        by_kind[0],
    )
    sort_keys = (
        _folded(texts[PROTOCOL]),
        _lower(texts[LOCAL]),
        endpoint.local_port,
        f"{endpoint.remote_address or ''}:{endpoint.remote_port or 0:05d}",
        _folded(texts[STATE]),
        -1 if endpoint.pid is None else endpoint.pid,
        _folded(texts[PROCESS]),
        _folded(texts[USER]),
        _folded(service),
        _GROUP_ORDER[group] + endpoint.local_port,  # by group, then port
    )
    return Row(key, endpoint, texts, sort_keys, by_kind[1], search_text(endpoint, service))


def display_rows(change: Diff, labelled: bool = True) -> dict[tuple, Row]:
    """Rows for every endpoint a refresh added or changed (what the table must redraw);
    ``labelled=False`` leaves the Service cells for `labelled_rows`."""
    if labelled and len(change.added) + len(change.changed) > _TABLE_FROM:
        _build_label_tables()
    rows = {key: display_row(key, e, labelled) for key, e in change.added.items()}
    for key, (_old, new) in change.changed.items():
        rows[key] = display_row(key, new, labelled)
    return rows


def labelled_rows(snapshot) -> dict[tuple, Row]:
    """The rows of ``snapshot`` whose Service cell the port data fills (loading it): the
    first refresh shows its rows without, so they need not wait for the port data."""
    keyed = snapshot.keyed()
    if len(keyed) > _TABLE_FROM:
        _build_label_tables()
    return {key: display_row(key, e) for key, e in keyed.items() if service_text(e)}


def _build_label_tables() -> None:
    """Thousands of distinct ports: one pass over the port data labels them all."""
    if not _label_tables:
        _label_tables.update((p, service_labels(p)) for p in ("tcp", "udp"))


_TABLE_FROM = 500  # rows: from here one pass over the port data beats a lookup per port
_label_tables: dict[str, dict[int, str]] = {}  # protocol -> port -> label, once built

# -- sharing repeated values: 10,000 rows hold a few dozen distinct looks and names ----------
_GROUP_ORDER = {group: at << 16 for at, group in enumerate(Band)}  # above any port number
# (group, state, IANA name) -> (Range text, Look): a few dozen at most
_by_kind: dict[tuple, tuple[str, Look]] = {}
_texts: dict[str, str] = {}
_folds: dict[str, str] = {}
_SHARED_MAX = 4096  # bounded: names are few, but nothing here may grow without end


def _shared(text: str) -> str:
    """One string object for a repeated text (process names, users, band titles)."""
    shared = _texts.get(text)
    if shared is None:
        shared = text
        if len(_texts) < _SHARED_MAX:
            _texts[text] = text
    return shared


def _folded(text: str) -> str:
    """The case-insensitive sort key of a repeated text, shared like the text."""
    folded = _folds.get(text)
    if folded is None:
        folded = _lower(text)
        if len(_folds) < _SHARED_MAX:
            _folds[text] = folded
    return folded


def _lower(text: str) -> str:
    """``text.lower()``, reusing ``text`` itself when it has no capitals (addresses)."""
    lowered = text.lower()
    return text if lowered == text else lowered
