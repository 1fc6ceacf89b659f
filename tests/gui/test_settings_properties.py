"""Settings values as a hand edit or a damaged file leaves them: every read gives a value
of the right type (hypothesis), never an exception, and reports the junk."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QByteArray, QSettings

from portie_qt.settings import (
    problems_of,
    read_bool,
    read_bytes,
    read_int,
    read_str,
    read_str_list,
)

VALUES = st.sampled_from(["true", "0", "@Point(1 2)", "@Rect(1 2 3 4)", "@Size(3 4)",
                          "@ByteArray(\\0\\x1)", "@Variant(\\0\\0\\0\\x7f\\0\\0)", "@Invalid()",
                          "a, b, c", "\"quoted, value\"", "-5", "99999999999999999999", "",
                          "\\xff\\xfe", "@DateTime(junk)"]) | st.text(max_size=30)  # fmt: skip
_files = itertools.count()


# Qt itself complains (and carries on) about a damaged @Variant(...): expected here.
@pytest.mark.qt_log_ignore("QVariant::load.*", "Trying to construct an instance of an invalid.*")
@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_every_read_gives_its_type_whatever_the_file_says(tmp_path_factory, value):
    folder = tmp_path_factory.mktemp("ini", numbered=True)
    path = folder / f"portie-{next(_files)}.ini"
    raw = value.replace("\n", " ").replace("\r", " ")
    path.write_text(f"[k]\nv={raw}\n", encoding="utf-8", errors="surrogateescape")
    s = QSettings(str(path), QSettings.Format.IniFormat)
    assert isinstance(read_bool(s, "k/v", True), bool)
    assert 1 <= read_int(s, "k/v", 5, 1, 10) <= 10
    assert isinstance(read_str(s, "k/v", "d"), str)
    items = read_str_list(s, "k/v", 3)
    assert len(items) <= 3 and all(isinstance(i, str) and i for i in items)
    blob = read_bytes(s, "k/v")
    assert blob is None or isinstance(blob, QByteArray)
    keys = problems_of(s).keys
    assert keys in ([], ["k/v"])  # reported once, however often it is read
