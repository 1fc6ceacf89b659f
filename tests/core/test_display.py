"""What the ports table shows for an endpoint (core/display.py), checked against the
records' own rules: service labels, bands, the filter's search text."""

from __future__ import annotations

from portie_qt.core.display import (
    HEADERS,
    LISTENING,
    MUTED,
    PID,
    PORT,
    PROCESS,
    RANGE,
    SERVICE,
    STATE,
    display_row,
    display_rows,
    tooltip_text,
)
from portie_qt.core.endpoints import OWNER_HIDDEN, Endpoint, Snapshot, diff
from portie_qt.core.filtering import FilterCriteria, search_text
from portie_qt.core.ranges import Band, ephemeral_range


def _listener(port: int, protocol: str = "tcp", pid: int | None = 42) -> Endpoint:
    state = "LISTEN" if protocol == "tcp" else "BOUND"
    return Endpoint(protocol, "ipv4", "0.0.0.0", port, None, None, state, pid,
                    "postgres" if pid else None, "pg" if pid else None, None)  # fmt: skip


def test_service_column_is_the_endpoints_own_label_for_every_kind_of_port():
    ports = [0, 22, 53, 80, 443, 1023, 1024, 3000, 5173, 5432, 6379, 8080, 27017, 49151,
             49152, 60000, 65535]  # fmt: skip
    for protocol in ("tcp", "udp"):
        for port in ports:
            endpoint = _listener(port, protocol)
            row = display_row(endpoint.key, endpoint)
            assert row.texts[SERVICE] == endpoint.service, (protocol, port)
            assert row.search == search_text(endpoint), (protocol, port)


def test_a_listener_row_is_bold_green_and_sorts_numbers_as_numbers():
    endpoint = _listener(5432)
    row = display_row(endpoint.key, endpoint)
    assert len(row.texts) == len(HEADERS)
    assert row.texts[PORT] == "5432" and row.texts[PROCESS] == "postgres"
    assert row.texts[SERVICE] == "PostgreSQL"
    assert row.sort_keys[PORT] == 5432 and row.sort_keys[PID] == 42
    assert row.look.bold[PORT] and row.look.bold[STATE] and not row.look.bold[PROCESS]
    assert row.look.foreground[STATE] == LISTENING
    assert row.look.background == "registered" and row.look.marker[RANGE] == "registered"


def test_hidden_owner_and_passing_connection():
    hidden = _listener(8080, pid=None)._replace(owner_status=OWNER_HIDDEN)
    assert display_row(hidden.key, hidden).texts[PROCESS] == "(hidden)"  # endpoints' words
    port = ephemeral_range().first
    passing = Endpoint("tcp", "ipv4", "127.0.0.1", port, "10.0.0.1", 443, "TIME_WAIT", None,
                       None, None, None)  # fmt: skip
    row = display_row(passing.key, passing)
    assert row.texts[RANGE] == "Ephemeral" and row.texts[PROCESS] == ""
    assert row.look.background is None and row.look.marker[RANGE] == "ephemeral"
    assert passing.group is Band.EPHEMERAL and passing.band is not Band.EPHEMERAL
    assert set(row.look.foreground[:RANGE]) == {MUTED}
    assert row.sort_keys[PID] == -1
    assert "ephemeral range" in tooltip_text(passing)


def test_rows_cover_added_and_changed_endpoints_and_the_filter_agrees():
    first = Snapshot((_listener(5432), _listener(6379)), 0.0)
    moved = _listener(6379, pid=43)
    second = Snapshot((moved, _listener(27017)), 0.0)
    change = diff(first, second)
    rows = display_rows(change)
    assert set(rows) == set(change.added) | set(change.changed)
    criteria = FilterCriteria(text="redis")
    for key, row in rows.items():
        endpoint = row.endpoint
        assert row.key == key
        assert criteria.matches(endpoint, search=row.search) == criteria.matches(endpoint)


def test_a_big_first_batch_labels_ports_from_the_whole_table_alike():
    many = Snapshot(tuple(_listener(port, protocol) for port in range(1, 700)
                          for protocol in ("tcp", "udp")), 0.0)  # fmt: skip
    rows = display_rows(diff(None, many))  # past the size where the table is built
    assert len(rows) == 2 * 699
    for row in rows.values():
        assert row.texts[SERVICE] == row.endpoint.service, row.endpoint
