"""The remote parsers on real captured output, and on hostile input.

``tests/data/remote/`` was captured on Debian 12 (iproute2 6.1, lsof 4.95, procps-ng
4.0.2) in one network namespace holding: listeners on 0.0.0.0, [::] (v6only and
dual-stack), 127.0.0.1 and ::1, a UDP socket bound to ``127.0.0.53%lo`` and one to a
link-local address, connected TCP and UDP pairs, a half-closed pair, and processes named
``evil"),("x``, ``ESC[31mred<newline>line``, ``my app (dev)`` and ``nobody-srv`` (run
as nobody). ``*_nobody`` files are the same tools run as nobody: other users' owners are
hidden. lsof's field output (``-F…0``) is the same program on macOS.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from portie_qt.core.endpoints import BOUND, LISTEN, process_text
from portie_qt.core.remote.collector import (
    backoff,
    build_snapshot,
    collect_script,
    parse_answer,
    split_sections,
)
from portie_qt.core.remote.lsof import parse_lsof
from portie_qt.core.remote.portie_json import parse_portie_json
from portie_qt.core.remote.records import lstart_seconds, lstart_text, parse_ps, split_endpoint
from portie_qt.core.remote.session import RemoteError
from portie_qt.core.remote.ss import parse_ss

DATA = Path(__file__).resolve().parent.parent / "data" / "remote"
NODE, RESOLVED, SSHD, NOBODY = 11381, 12239, 5407, 11407


def _read(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8", "replace")


def _keyed(sockets) -> dict[tuple, object]:
    return {s[:7]: s for s in sockets}


def _printable(text: str | None) -> bool:
    """Plain text on one line: printable characters and plain spaces only."""
    return text is None or all(ch == " " or ch.isprintable() for ch in text)


# -- ss ---------------------------------------------------------------------------------


def test_ss_reads_every_socket_with_family_state_and_owner():
    sockets = _keyed(parse_ss(_read("ss_root.txt")))
    assert len(sockets) == 22
    listen = {
        (s.family, s.local_address, s.local_port) for s in sockets.values() if s.state == LISTEN
    }
    assert {
        ("ipv4", "0.0.0.0", 8080),
        ("ipv6", "::", 8443),
        ("ipv4", "127.0.0.1", 5432),
        ("ipv6", "::1", 6379),
        ("ipv4", "10.251.7.2", 2200),
    } <= listen
    # A dual-stack socket (IPV6_V6ONLY off) is written "*:5173": all of IPv6 and IPv4.
    assert ("ipv6", "::", 5173) in listen
    dual = sockets[("tcp", "ipv6", "::", 5173, None, None, LISTEN)]
    assert (dual.pid, dual.process) == (NODE, "node")
    # Interface scopes are dropped, as the local view's /proc reader has no scope either.
    resolver = sockets[("udp", "ipv4", "127.0.0.53", 53, None, None, BOUND)]
    assert (resolver.pid, resolver.process) == (RESOLVED, "systemd-resolve")
    assert ("udp", "ipv6", "fe80::44ea:b5ff:fe2b:43e4", 546, None, None, BOUND) in sockets
    assert ("udp", "ipv4", "127.0.0.1", 42914, "127.0.0.1", 5353, "CONNECTED") in sockets
    assert ("tcp", "ipv4", "127.0.0.1", 8080, "127.0.0.1", 33882, "CLOSE_WAIT") in sockets
    # An orphaned half-closed connection and a connection still in a listen queue: no owner.
    assert sockets[("tcp", "ipv4", "127.0.0.1", 33882, "127.0.0.1", 8080, "FIN_WAIT2")].pid is None
    assert sockets[("tcp", "ipv6", "::1", 6379, "::1", 60490, "ESTABLISHED")].pid is None


def test_ss_names_are_plain_text_even_with_quotes_escapes_and_newlines():
    by_port = {s.local_port: s for s in parse_ss(_read("ss_root.txt")) if s.state == LISTEN}
    # ss cuts names at the first ")"; the quote inside stays, and does not end the name.
    assert by_port[9001].process == 'evil"'
    assert by_port[9003].process == "my app (dev"
    # The escape character is dropped and the newline (which split ss's line) is a space.
    assert by_port[9002].process == "[31mred line"
    assert by_port[9002].pid == 11383
    assert all(_printable(s.process) for s in by_port.values())


def test_ss_as_another_user_hides_the_owners_it_may_not_see():
    sockets = parse_ss(_read("ss_nobody.txt"))
    owned = {(s.local_port, s.pid, s.process) for s in sockets if s.pid is not None}
    assert owned == {(9004, NOBODY, "nobody-srv")}
    assert len(sockets) == len(parse_ss(_read("ss_root.txt")))


def test_ss_keeps_the_highest_pid_of_a_shared_socket_as_the_local_view_does():
    line = (
        "tcp LISTEN 0 4 0.0.0.0:7070 0.0.0.0:* "
        'users:(("python3",pid=16150,fd=3),("python3",pid=16105,fd=3))'
    )
    [found] = parse_ss(line)
    assert found.pid == 16150


def test_ss_skips_what_it_cannot_read_and_keeps_the_rest():
    text = "\n".join(
        [
            "garbage line",
            "tcp LISTEN 0 128 999.1.1.1:22 0.0.0.0:*",  # not an address
            "tcp LISTEN 0 128 0.0.0.0:99999 0.0.0.0:*",  # not a port
            "udp UNCONN 0 0 [::1:53 [::]:*",  # unbalanced bracket
            'tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=abc,fd=3))',
            "tcp LISTEN 0 128 127.0.0.1:631 0.0.0.0:*",
        ]
    )
    found = parse_ss(text)
    assert [(s.local_port, s.pid) for s in found] == [(22, None), (631, None)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_ss_never_raises_and_every_name_is_plain(text):
    for found in parse_ss(text):
        assert _printable(found.process)
        assert 0 <= found.local_port <= 65535


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_a_hostile_process_name_stays_one_plain_name(name):
    name = name.replace(")", "")  # the kernel's comm may hold anything; ss cuts at ")"
    line = f'tcp LISTEN 0 5 0.0.0.0:8000 0.0.0.0:* users:(("{name}",pid=42,fd=3))'
    [found] = parse_ss(line)
    assert found.pid == 42
    assert _printable(found.process)


# -- lsof -------------------------------------------------------------------------------


def test_lsof_field_output_gives_the_same_sockets_as_ss_with_their_users():
    from_lsof = _keyed(parse_lsof(_read("lsof_root.bin")))
    from_ss = _keyed(parse_ss(_read("ss_root.txt")))
    # lsof lists sockets per process: the two ownerless ones are missing, nothing else.
    assert set(from_ss) - set(from_lsof) == {
        ("tcp", "ipv4", "127.0.0.1", 33882, "127.0.0.1", 8080, "FIN_WAIT2"),
        ("tcp", "ipv6", "::1", 6379, "::1", 60490, "ESTABLISHED"),
    }
    assert set(from_lsof) <= set(from_ss)
    for key, found in from_lsof.items():
        assert found.pid == from_ss[key].pid
    assert from_lsof[("tcp", "ipv4", "0.0.0.0", 9004, None, None, LISTEN)].user == "nobody"
    assert from_lsof[("tcp", "ipv4", "0.0.0.0", 9003, None, None, LISTEN)].process == "my app (dev)"


def test_lsof_lists_a_socket_shared_by_forked_workers_once_with_the_highest_pid():
    text = (
        "p16105\0cpython3\0Lroot\0\ntIPv4\0d643412\0PTCP\0n*:7070\0TST=LISTEN\0\n"
        "p16150\0cpython3\0Lroot\0\ntIPv4\0d643412\0PTCP\0n*:7070\0TST=LISTEN\0\n"
    )
    [found] = parse_lsof(text)
    assert (found.pid, found.local_address, found.state) == (16150, "0.0.0.0", LISTEN)


def test_lsof_reads_macos_state_names():
    text = (
        "p501\0cControlCe\0Lada\0\n"
        "tIPv6\0d0x4f1c\0PTCP\0n[::1]:7000->[::1]:50123\0TST=SYN_RECEIVED\0\n"
        "tIPv4\0d0x4f1d\0PTCP\0n127.0.0.1:5000\0TST=CLOSED\0\n"
        "tIPv4\0d0x4f1e\0PUDP\0n*:*\0\n"
    )
    states = {(s.local_port, s.state) for s in parse_lsof(text)}
    assert states == {(7000, "SYN_RECV"), (5000, "CLOSE")}  # "*:*" has no port: skipped


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("pcLPnTtd0123456789:.*[]->\0\n=ABCDEFIUPSVWX\x1b"), max_size=300
    )
)
def test_lsof_never_raises_and_every_name_is_plain(text):
    for found in parse_lsof(text):
        assert _printable(found.process) and _printable(found.user)


# -- portie --list --json -----------------------------------------------------------------


def test_portie_json_rows_read_back_as_the_same_sockets_ss_saw():
    from_portie = _keyed(parse_portie_json(_read("portie.json")))
    from_ss = _keyed(parse_ss(_read("ss_root.txt")))
    assert set(from_portie) == set(from_ss)
    for key, found in from_portie.items():
        assert found.pid == from_ss[key].pid


def test_portie_json_drops_bad_rows_and_ignores_fields_it_does_not_know():
    text = """[
      {"protocol": "tcp", "family": "ipv4", "local_address": "0.0.0.0", "local_port": 80,
       "remote_address": null, "remote_port": null, "state": "LISTEN", "pid": 7,
       "process": "nginx\\u001b[2J\\u202e", "user": "www", "project": "shop"},
      {"protocol": "tcp", "family": "ipv4", "local_address": "0.0.0.0", "local_port": 70000,
       "state": "LISTEN"},
      {"protocol": "sctp", "family": "ipv4", "local_address": "0.0.0.0", "local_port": 9},
      {"protocol": "tcp", "family": "ipv4", "local_address": "nope", "local_port": 1},
      {"protocol": "udp", "family": "ipv6", "local_address": "::", "local_port": 53,
       "state": "BOUND", "pid": true},
      "not a row", 42
    ]"""
    found = parse_portie_json(text)
    assert [(s.local_port, s.pid, s.process) for s in found] == [
        (80, 7, "nginx[2J"),
        (53, None, None),
    ]


def test_portie_json_that_is_not_a_list_says_so():
    assert parse_portie_json("Traceback (most recent call last):") is None
    assert parse_portie_json('{"rows": []}') is None
    assert parse_portie_json("[" * 100_000) is None  # deep nesting: no RecursionError


# -- ps, addresses, start times -------------------------------------------------------------


def test_ps_gives_each_process_its_start_time_in_utc_and_its_user():
    owners = parse_ps(_read("ps.txt"))
    assert owners[NODE].create_time == lstart_seconds("Wed Dec  2 01:29:47 2026")
    assert owners[NOBODY].user == "nobody" and owners[NOBODY].uid == 65534
    assert owners[1].uid == 0


def test_lstart_round_trips_word_for_word_as_the_remote_shell_compares_it():
    for text in ("Wed Dec 2 00:49:33 2026", "Mon Feb 29 23:59:59 2016", "Sun Jan 1 00:00:00 2023"):
        assert lstart_text(lstart_seconds(text)) == text
    for bad in (
        "Wed Foo 2 00:49:33 2026",
        "Wed Dec 32 00:49:33 2026",
        "Wed Dec 2 25:00:00 2026",
        "",
        "Wed Dec 2 00:49 2026",
    ):
        assert lstart_seconds(bad) is None


def test_endpoint_addresses_in_every_spelling():
    assert split_endpoint("[::ffff:10.0.0.1]:80", "::") == ("ipv6", "::ffff:10.0.0.1", 80)
    assert split_endpoint("[fe80::1]%eth0:546", "::") == ("ipv6", "fe80::1", 546)
    assert split_endpoint("127.0.0.53%lo:53", "::") == ("ipv4", "127.0.0.53", 53)
    assert split_endpoint("*:22", "0.0.0.0") == ("ipv4", "0.0.0.0", 22)
    assert split_endpoint("0.0.0.0:*", "::") == ("ipv4", "0.0.0.0", None)
    for bad in ("", ":", "host:22", "[::1:22", "1.2.3.4:-1", "1.2.3.4:٣"):
        assert split_endpoint(bad, "::") is None


# -- a whole answer ---------------------------------------------------------------------------


def _answer(marker: str, method: str, body: str, uid: int = 0) -> str:
    return (
        f"{marker} host Linux {uid}\n{marker} {method}\n{body}\n{marker} ps\n"
        f"{_read('ps.txt')}\n{marker} end\n"
    )


def test_a_whole_answer_becomes_a_snapshot_with_owners_start_times_and_users():
    marker = "@@portie-0123456789abcdef"
    method, system, uid, sockets, owners = parse_answer(
        _answer(marker, "ss", _read("ss_root.txt")), marker, "staging"
    )
    snapshot = build_snapshot("staging", method, uid, sockets, owners, 1.0)
    assert (method, system, uid, snapshot.host) == ("ss", "Linux", 0, "staging")
    [node] = [e for e in snapshot.endpoints if e.local_port == 8080 and e.listening]
    assert (node.pid, node.user) == (NODE, "root")
    assert node.create_time == lstart_seconds("Wed Dec  2 01:29:47 2026")
    assert not snapshot.limited  # root sees every owner; the listen-queue one has none
    assert not [e for e in snapshot.endpoints if process_text(e) == "(hidden)"]


def test_another_users_login_gets_the_hidden_owners_notice():
    marker = "@@portie-0123456789abcdef"
    args = parse_answer(_answer(marker, "ss", _read("ss_nobody.txt"), 65534), marker, "pi")
    snapshot = build_snapshot("pi", *args[:1], args[2], *args[3:], 1.0)
    assert snapshot.limited
    assert snapshot.hidden_owners == 19
    assert snapshot.notice == (
        "The owners of 19 sockets on pi belong to other users and are "
        "hidden. Log in to pi as root to see them."
    )
    # Each of those rows says why it has no owner: hidden, the login lacks the permission.
    unseen = [e for e in snapshot.endpoints if e.pid is None and e.listening]
    assert unseen and {process_text(e) for e in unseen} == {"(hidden)"}
    lsof = parse_answer(_answer(marker, "lsof", _read("lsof_nobody.bin"), 501), marker, "mac")
    snapshot = build_snapshot("mac", lsof[0], lsof[2], *lsof[3:], 1.0)
    assert snapshot.limited and "only the login's own processes' sockets on mac" in snapshot.notice


def test_a_process_name_cannot_fake_the_end_of_a_section():
    marker = "@@portie-0123456789abcdef"
    forged = 'tcp LISTEN 0 5 0.0.0.0:1 0.0.0.0:* users:(("x\n@@portie-guess end\n",pid=9,fd=3))'
    text = _answer(marker, "ss", forged)
    assert set(split_sections(text, marker)) == {"host", "ss", "ps", "end"}
    [socket_] = parse_answer(text, marker, "h")[3]
    assert socket_.pid == 9 and _printable(socket_.process)


def test_answers_that_are_not_portie_s_say_what_to_do():
    marker = "@@portie-0123456789abcdef"
    cases = {
        "Microsoft Windows [Version 10.0]\r\nC:\\>": "Linux and macOS hosts",
        f"{marker} host Linux 0\n{marker} ss\ntcp LISTEN": "cut short",
        f"{marker} host Linux 0\n{marker} none\n{marker} ps\n{marker} end": "install iproute2",
        f"{marker} host Linux 0\n{marker} portie\nTraceback\n{marker} end": "update it there",
    }
    for text, words in cases.items():
        try:
            parse_answer(text, marker, "h")
        except RemoteError as exc:
            assert words in str(exc)
            assert str(exc).count(". ") == 0 and str(exc).endswith(".")
        else:
            raise AssertionError(f"{text!r} was accepted")


def test_the_script_is_posix_sh_and_carries_its_marker():
    import shutil
    import subprocess

    script = collect_script("@@portie-feedfacefeedface")
    assert script.count("@@portie-feedfacefeedface") == 1
    sh = shutil.which("dash") or "/bin/sh"
    checked = subprocess.run([sh, "-n"], input=script, text=True, capture_output=True, timeout=10)
    assert checked.returncode == 0, checked.stderr


def test_backoff_doubles_to_a_minute():
    assert [backoff(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
