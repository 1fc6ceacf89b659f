"""The Linux bundle's trimmed ICU data sorts text exactly like Qt's full ICU data.

``packaging/trim_icu.py`` rebuilds PySide6's ``libicudata`` with only the collation,
normalisation and Unicode property data. Here the real ICU libraries from the
installed PySide6 are loaded (in a child process) once with the original data and
once with the trimmed copy, and asked the same questions.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.linux_only  # the Linux bundle's ICU data

ROOT = Path(__file__).resolve().parents[2]

# Runs in a child: loads libicui18n from argv[1] (its RUNPATH $ORIGIN picks the
# libicuuc and libicudata beside it) and reports collation and converter results.
_PROBE = r"""
import ctypes, json, sys
folder, version = sys.argv[1], sys.argv[2]
i18n = ctypes.CDLL(f"{folder}/libicui18n.so.{version}")
uc = ctypes.CDLL(f"{folder}/libicuuc.so.{version}")
ucol_open = getattr(i18n, f"ucol_open_{version}")
ucol_open.restype = ctypes.c_void_p
strcoll = getattr(i18n, f"ucol_strcoll_{version}")
strcoll.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
ucnv_open = getattr(uc, f"ucnv_open_{version}")
ucnv_open.restype = ctypes.c_void_p
def utf16(text):
    return text.encode("utf-16-le") + b"\0\0"
result = {}
for locale in ("en_US", "de_DE", "sv_SE", "da_DK", "zh", "xx_YY"):
    status = ctypes.c_int(0)
    collator = ucol_open(locale.encode(), ctypes.byref(status))
    pairs = [("ä", "z"), ("a", "B"), ("aa", "z"), ("Ö", "o"), ("中", "文")]
    result[locale] = [status.value > 0] + [
        strcoll(collator, utf16(a), -1, utf16(b), -1) for a, b in pairs
    ]
for codec in ("UTF-8", "ISO-8859-1", "UTF-16LE"):
    status = ctypes.c_int(0)
    result[codec] = bool(ucnv_open(codec.encode(), ctypes.byref(status))) and status.value <= 0
print(json.dumps(result))
"""


def _qt_icu_dir() -> Path:
    import PySide6

    folder = Path(PySide6.__file__).parent / "Qt" / "lib"
    assert list(folder.glob("libicudata.so.*")), f"PySide6 ships no ICU in {folder}"
    return folder


def _probe(folder: Path, version: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-I", "-c", _PROBE, str(folder), version],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_trimmed_icu_sorts_like_the_full_data_and_is_much_smaller(tmp_path):
    spec = importlib.util.spec_from_file_location("trim_icu", ROOT / "packaging" / "trim_icu.py")
    trim_icu = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(trim_icu)

    qt_lib = _qt_icu_dir()
    (original,) = qt_lib.glob("libicudata.so.*")
    version = original.name.rsplit(".", 1)[1]
    trimmed_dir = tmp_path / "trimmed"
    trimmed = trim_icu.trim(original, trimmed_dir)
    assert trimmed.name == original.name
    assert trimmed.stat().st_size < original.stat().st_size / 4
    for name in (f"libicuuc.so.{version}", f"libicui18n.so.{version}"):
        shutil.copy2(qt_lib / name, trimmed_dir / name)

    full, small = _probe(qt_lib, version), _probe(trimmed_dir, version)
    assert small == full
    assert full["sv_SE"][1] > 0 > full["de_DE"][1]  # the probe does see tailorings: ä
    assert all(full[codec] for codec in ("UTF-8", "ISO-8859-1", "UTF-16LE"))
