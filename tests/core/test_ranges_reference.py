"""Range bands, the OS ephemeral range, and the port reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from portie_qt.core.endpoints import Endpoint
from portie_qt.core.ranges import Band, band_of, ephemeral_range
from portie_qt.core.reference import lookup, search, service_label


@pytest.mark.parametrize(
    ("port", "band"),
    [(0, Band.WELL_KNOWN), (1023, Band.WELL_KNOWN), (1024, Band.REGISTERED),
     (49151, Band.REGISTERED), (49152, Band.DYNAMIC), (65535, Band.DYNAMIC)],
)  # fmt: skip
def test_band_boundaries(port, band):
    assert band_of(port) is band


@pytest.mark.parametrize("port", [-1, 65536, 70000])
def test_out_of_range_port_is_refused_with_a_sentence(port):
    with pytest.raises(ValueError, match="out of range: ports run 0–65535"):
        band_of(port)


@pytest.mark.linux_only
def test_ephemeral_range_is_this_machines():
    first, last = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    found = ephemeral_range()
    assert (found.first, found.last) == (first, last)
    assert first in found and last in found and first - 1 not in found


def test_passing_connection_in_ephemeral_range_but_listener_is_not():
    port = ephemeral_range().first
    conn = Endpoint("tcp", "ipv4", "127.0.0.1", port, "127.0.0.1", 80, "ESTABLISHED",
                    1, "x", "u", 0.0)  # fmt: skip
    assert conn.passing_by
    assert not conn._replace(state="LISTEN", remote_address=None, remote_port=None).passing_by


@pytest.mark.parametrize(
    ("port", "iana"), [(22, "ssh"), (443, "https"), (5432, "postgresql"), (80, "http")]
)
def test_iana_names(port, iana):
    info = lookup(port, "tcp")
    assert iana in {a.name for a in info.assignments}
    assert all(a.protocol == "tcp" for a in info.assignments)


def test_iana_per_protocol():
    info = lookup(53)
    assert {a.protocol for a in info.assignments} >= {"tcp", "udp"}
    assert lookup(53, "udp").for_protocol("tcp") == ()


@pytest.mark.parametrize(
    ("port", "label"),
    [(3000, "Node/React dev server"), (5173, "Vite dev server"), (5432, "PostgreSQL"),
     (6379, "Redis"), (8080, "Alternate HTTP"), (631, "CUPS printing"),
     (5353, "mDNS / Bonjour")],
)  # fmt: skip
def test_practical_labels(port, label):
    assert lookup(port).practical == label
    assert lookup(port).note


def test_practical_label_respects_protocol():
    assert lookup(5353, "udp").practical == "mDNS / Bonjour"
    assert lookup(5353, "tcp").practical is None
    assert service_label(5353, "tcp") == "mdns"  # IANA name when no practical label


def test_unassigned_and_reserved_ports_say_so():
    assert lookup(4).assignments == ()
    assert lookup(4).summary == "unassigned (IANA)"
    assert lookup(1023).reserved and lookup(1023).summary == "reserved (IANA)"


def test_ranges_in_registry_apply():
    assert "x11" in {a.name for a in lookup(6010, "tcp").assignments}


def test_search_by_name_and_label():
    assert 5432 in [i.port for i in search("postgres")]
    assert 5173 in [i.port for i in search("vite")]
    assert [i.port for i in search("6379")] == [6379]
    assert search("") == [] and search("99999") == []


def test_curated_layer_is_about_sixty_entries():
    from portie_qt.core.curated_ports import CURATED

    assert len(CURATED) >= 60
    assert all(label and note for label, note, _ in CURATED.values())
