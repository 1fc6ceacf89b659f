"""Every parser of user or file input returns a value or a clear sentence, never another
exception (hypothesis): port numbers, the command line, settings values. (Licence keys:
tests/core/test_license_input.py.)"""

from __future__ import annotations

import contextlib
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from portie_qt import cli
from portie_qt.core.ports import PORT_MAX, PortError, parse_port


def _one_printable_line(message: str) -> bool:
    return "\n" not in message and all(c.isprintable() for c in message)


@given(st.text(max_size=60) | st.from_regex(r"\s*[0-9_٣]{0,8}\s*", fullmatch=True))
def test_parse_port_gives_a_port_or_a_sentence(text):
    try:
        port = parse_port(text)
    except PortError as exc:
        message = str(exc)
        assert message.endswith(".") and _one_printable_line(message)
        return
    assert 0 <= port <= PORT_MAX
    assert text.strip().isascii() and text.strip().isdigit() and int(text.strip()) == port


WORDS = ["license", "lisence", "activate", "status", "remove", "scan", "free", "--list",
         "--json", "--listening", "--port", "--self-test", "--version", "-platform",
         "offscreen", "-style", "--kill", "--yes", "--udp", "--ports", "--timeout",
         "--concurrency", "--banners", "-p", "3000", "70000", "-1", "1e-300", "top100",
         "", "-", "--", "\x1b]0;x\x07", "٣", "frobnicate"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=6))
def test_any_command_line_is_parsed_or_refused_with_a_sentence(argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            what, _args, qt_args = cli.parse_command_line(argv)
        except SystemExit as stop:
            assert stop.code in (0, 2)  # --help/--version, or bad input
            if stop.code == 2:
                lines = err.getvalue().splitlines()
                assert lines and lines[0].startswith("portie")
                assert len(lines) <= 2
            return
    assert what in ("list", "window", *cli.SUBCOMMANDS)
    if what != "window":
        assert qt_args == []
    assert all(word in argv or word.startswith("-") for word in qt_args)


@given(st.text(max_size=40))
def test_unknown_words_are_named_on_one_printable_line(word):
    for first in (True, False):
        assert _one_printable_line(cli.unknown_word_message(word, first))
