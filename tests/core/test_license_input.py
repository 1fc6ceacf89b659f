"""Licence keys as people paste them, and as attackers and full disks leave them."""

from __future__ import annotations

import os
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portie_qt.core import license as lic
from tests.licensing import issue_dev_key
from tests.portie_cli import run_portie as portie

KEY = issue_dev_key("Ada Lovelace", "ada@example.com", serial=0x1234ABCD)
FORGED = lic.issue_key(Ed25519PrivateKey.generate(), "Eve", "eve@example.com")


def _fullwidth(text: str) -> str:
    return text.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})


def _quoted(text: str, depth: int) -> str:
    return "\n".join("> " * depth + line for line in text.splitlines())


# What mail programs, word processors and chat apps do to a key on its way to the user.
MANGLED = {
    "byte-order mark": lambda k: "\ufeff" + k,
    "soft hyphens": lambda k: k.replace("-", "-\u00ad"),
    "zero-width joiners": lambda k: k.replace("-", "\u200d-\u200c"),
    "word joiners": lambda k: k.replace("-", "\u2060-\u2060"),
    "zero-width spaces": lambda k: k.replace("-", "-\u200b"),
    "fullwidth hyphens": lambda k: k.replace("-", "\uff0d"),
    "small hyphens": lambda k: k.replace("-", "\ufe63"),
    "non-breaking hyphens": lambda k: k.replace("-", "\u2011"),
    "fullwidth letters": _fullwidth,
    "quoted reply": lambda k: _quoted("Here is your key:\n\n" + lic.armor(k), 1),
    "quoted twice": lambda k: _quoted(lic.armor(k), 2),
    "quoted without spaces": lambda k: "\n".join(">" + ln for ln in lic.armor(k).splitlines()),
}


@pytest.mark.parametrize("how", sorted(MANGLED))
def test_genuine_keys_survive_what_mail_does_to_them(how):
    license_ = lic.verify(MANGLED[how](KEY))
    assert (license_.name, license_.serial) == ("Ada Lovelace", 0x1234ABCD)
    assert license_.key_text == KEY
    with pytest.raises(lic.NotGenuine):  # the signature still decides
        lic.verify(MANGLED[how](FORGED))


def test_text_far_longer_than_a_key_is_refused_at_once_with_a_sentence(config_dir):
    huge = KEY + "-" + "A" * 200_000
    with pytest.raises(lic.KeyTooLong) as refused:
        lic.verify(huge)
    assert str(refused.value).startswith("This is far longer than a license key")
    done = portie("license", "activate", "-", stdin=huge, timeout=60)
    assert done.returncode == 2
    assert done.stderr == f"portie: {lic.KeyTooLong.message}\n"
    # A saved file of that size: locked with the damaged-file notice, not seconds of work.
    (config_dir / lic.LICENSE_FILENAME).write_text(huge)
    state = lic.LicenseStore().load()
    assert state.license is None and "is damaged" in state.notice
    # The limit leaves room for a key inside a whole email.
    email = "Hello Ada,\n" + "thanks! " * 1000 + "\n" + lic.armor(KEY) + "\n" + "-- \nPortie\n"
    assert len(email) < lic.MAX_KEY_TEXT and lic.verify(email).serial == 0x1234ABCD


@given(st.binary(min_size=0, max_size=600))
def test_key_characters_decode_to_the_bytes_they_encode(data):
    assert lic._b32decode(lic._b32encode(data)) == data


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_any_text_is_a_license_or_a_sentence(text):
    try:
        lic.verify(text)
    except lic.LicenseError as exc:
        assert str(exc).endswith(".") and "\n" not in str(exc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, len(KEY)), st.sampled_from(
            ["\ufeff", "\u00ad", "\u200d", "\u2060", " ", "\n", "> ", "-", "\uff0d", "O", "I",
             "L", "U", "\x00", "é", "\U0001f600", "---BEGIN PORTIE LICENSE---\n"])),
        max_size=6,
    )
)  # fmt: skip
def test_a_key_with_anything_inserted_is_accepted_or_refused_with_a_sentence(edits):
    text = KEY
    for position, insert in sorted(edits, reverse=True):
        text = text[:position] + insert + text[position:]
    try:
        assert lic.verify(text).serial == 0x1234ABCD  # accepted: only ever as itself
    except lic.LicenseError as exc:
        assert str(exc).endswith(".")


def test_activation_never_writes_through_planted_links(config_dir, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    victim.chmod(0o644)
    for name in ("license.key.tmp", ".license.key.tmp", "license.key"):
        (config_dir / name).symlink_to(victim)
    done = portie("license", "activate", KEY)
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "precious\n" and (victim.stat().st_mode & 0o777) == 0o644
    saved = config_dir / "license.key"
    assert saved.is_file() and not saved.is_symlink()
    assert (saved.stat().st_mode & 0o777) == 0o600
    assert lic.LicenseStore().load().license.serial == 0x1234ABCD


@pytest.mark.linux_only
def test_a_full_disk_leaves_the_old_key_and_no_temporary_file(tmp_path):
    if os.geteuid() != 0:
        pytest.fail("this test mounts a small file system: run the tests as root (CI does)")
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], check=True)
    try:
        config = mount / "portie"
        first = portie("license", "activate", KEY, config_dir=config)
        assert first.returncode == 0, first.stderr
        before = (config / "license.key").read_bytes()
        filler = mount / "filler"
        with filler.open("wb", buffering=0) as out, pytest.raises(OSError):
            while True:  # bounded by the 64 KiB file system
                out.write(b"\0" * 4096)
        other = issue_dev_key("Grace Hopper", "grace@example.com")
        done = portie("license", "activate", other, config_dir=config)
        assert done.returncode == 1
        assert "Could not save the license" in done.stderr and "Traceback" not in done.stderr
        assert sorted(p.name for p in config.iterdir()) == ["license.key"]
        assert (config / "license.key").read_bytes() == before
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
