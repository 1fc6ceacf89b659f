"""What the user types as a host, what OpenSSH makes of it (``ssh -G``), and the one
sentence a failed login becomes. No network: ``ssh -G`` only reads config files."""

from __future__ import annotations

import pytest

from portie_qt.core.remote.address import HostAddress, HostError, parse_host, resolve
from portie_qt.core.remote.session import login_problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("staging", HostAddress("staging")),
        ("  pi@192.0.2.7:2222 ", HostAddress("192.0.2.7", "pi", 2222)),
        ("deploy@build-box.example.com", HostAddress("build-box.example.com", "deploy")),
        ("[2001:db8::7]:22", HostAddress("2001:db8::7", None, 22)),
        ("root@[2001:db8::7]", HostAddress("2001:db8::7", "root")),
        ("2001:db8::7", HostAddress("2001:db8::7")),
        ("fe80::1%eth0", HostAddress("fe80::1%eth0")),
    ],
)
def test_hosts_are_read_as_ssh_reads_them(text, expected):
    assert parse_host(text) == expected


def test_the_text_of_a_host_round_trips():
    for text in ("staging", "pi@192.0.2.7:2222", "[2001:db8::7]:22", "root@2001:db8::7"):
        assert parse_host(parse_host(text).text).text == parse_host(text).text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "No host given"),
        ("-oProxyCommand=touch /tmp/x", "not a host name"),
        ("-oProxyCommand=x", "not a host name"),
        ("host name", "spaces or control characters"),
        ("host\x1b[2J", "spaces or control characters"),
        ("-l@host", "not a user name"),
        ("pi@host:70000", "bad port"),
        ("pi@host:0", "port 0"),
        ("pi@host:ssh", "bad port"),
        ("[2001:db8::7", "write IPv6 as"),
        ("a/b", "not a host name"),
    ],
)
def test_anything_else_gets_one_sentence_and_never_reaches_ssh_as_an_option(text, words):
    with pytest.raises(HostError) as caught:
        parse_host(text)
    message = str(caught.value)
    assert words in message
    assert message.endswith(".") and "\x1b" not in message


def test_ssh_arguments_put_options_before_the_host():
    assert parse_host("pi@192.0.2.7:2222").ssh_arguments() == [
        "-p",
        "2222",
        "-l",
        "pi",
        "192.0.2.7",
    ]


def test_resolve_asks_openssh_what_an_alias_means(tmp_path):
    config = tmp_path / "ssh_config"
    config.write_text(
        "Host staging\n  HostName 192.0.2.10\n  User deploy\n  Port 2200\n"
        "  ProxyJump bastion.example.com\n"
    )
    resolved = resolve(parse_host("staging"), str(config))
    assert (resolved.hostname, resolved.user, resolved.port) == ("192.0.2.10", "deploy", 2200)
    assert resolved.summary == "deploy@192.0.2.10 port 2200 (via bastion.example.com)"
    # What the user typed wins over the config, as on ssh's own command line.
    typed = resolve(parse_host("ops@staging:22"), str(config))
    assert (typed.user, typed.port) == ("ops", 22)


def test_a_config_openssh_cannot_read_is_one_sentence_naming_the_line(tmp_path):
    config = tmp_path / "ssh_config"
    config.write_text("Host staging\n  Bogus yes\n")
    with pytest.raises(HostError) as caught:
        resolve(parse_host("staging"), str(config))
    message = str(caught.value)
    assert "line 2: Bad configuration option: bogus" in message
    assert message.endswith(f"fix {config}.") and message.count(". ") == 0


# Real stderr of OpenSSH 9.2 (Debian 12) with BatchMode=yes, LogLevel=ERROR.
_CHANGED = """@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Host key for [10.251.7.2]:2200 has changed and you have requested strict checking.
Host key verification failed.
"""
_STDERR = {
    "root@10.251.7.2: Permission denied (publickey).": "ssh-copy-id",
    "No ED25519 host key is known for [10.251.7.2]:2200 and you have requested strict "
    "checking.\nHost key verification failed.": "connect once in a terminal",
    _CHANGED: "ssh-keygen -R",
    "ssh: connect to host 10.251.7.2 port 2299: Connection refused": "SSH server is running",
    "ssh: Could not resolve hostname nosuchhost.invalid: "
    "Name or service not known": "check the spelling",
    "ssh: connect to host 10.251.7.3 port 2200: Network is unreachable": "switched on",
    "ssh: connect to host 192.0.2.1 port 22: Connection timed out": "switched on",
    "kex_exchange_identification: read: Connection reset by peer": "its log says why",
    "something new \x1b[31mred": "(something new [31mred)",
}


@pytest.mark.parametrize(("stderr", "words"), list(_STDERR.items()))
def test_a_failed_login_is_one_sentence_saying_how_to_fix_it(stderr, words):
    message = login_problem(stderr, "staging", parse_host("staging"))
    assert words in message
    assert message.startswith(("staging", "ssh could not log in to staging"))
    assert message.endswith(".") and ". " not in message.rstrip(".")
    assert "\n" not in message and "\x1b" not in message
