"""License keys: issue, activate, survive restarts, refuse forgeries, typos and tampering."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import stat
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portie_qt.core import license as lic
from portie_qt.core import trust
from tests.licensing import DEV_SIGNING_KEY, REPO_ROOT, dev_signing_key, issue_dev_key
from tests.portie_cli import run_portie

# One key for the property tests (issuing per example would only slow them down).
KEY = issue_dev_key("Ada Lovelace", "ada@example.com", serial=0x1234ABCD)
DATA_START = len("PORTIE-")
# Property tests re-run hundreds of examples; the per-test config dir does not matter there.
PROPERTY = settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])


def portie(*args: str, env_dir: Path, stdin: str | None = None, cwd: Path = REPO_ROOT):
    """Run ``python -m portie_qt ARGS`` as a fresh process (a "restart")."""
    return run_portie(*args, stdin=stdin, config_dir=env_dir, cwd=cwd, timeout=60)


def reencode(data: bytes) -> str:
    """Key text for raw key bytes whose body was edited: a correct checksum, so no typo."""
    body = data[:-4]
    return lic.format_key(body + zlib.crc32(body).to_bytes(4, "big"))


def flip_one_character(text: str) -> str:
    """Change one key character (in the middle of the second line) to another symbol."""
    pos = text.index("\n", text.index("\n") + 1) + 3
    return text[:pos] + ("Z" if text[pos] != "Z" else "Y") + text[pos + 1 :]


def symbol_value(char: str) -> int | None:
    return lic._DECODE.get(char.upper())


# --- genuine keys -------------------------------------------------------------------------


def test_dev_key_verifies_with_what_it_says():
    granted = lic.verify(KEY)
    assert (granted.name, granted.email, granted.edition) == (
        "Ada Lovelace",
        "ada@example.com",
        "pro",
    )
    assert granted.serial == 0x1234ABCD
    assert granted.issued == dt.datetime.now(dt.timezone.utc).date()
    assert granted.allows("process_control") and granted.allows("remote_scan")
    assert not granted.allows("time_travel")


@pytest.mark.parametrize(
    "mangle",
    [
        str.lower,
        lambda k: k.replace("-", " "),
        lambda k: k.replace("-", ""),
        lambda k: "\n".join(k[i : i + 17] for i in range(0, len(k), 17)),
        lambda k: "  " + k.removeprefix("PORTIE-") + "\r\n",
        lambda k: k.replace("-", "\u2013"),  # an email client's en dash
        lambda k: k.replace("0", "O").replace("1", "l"),  # Crockford look-alikes
        lambda k: "Your key:\n\n" + lic.armor(k) + "\n",
        lambda k: lic.armor(k).lower().replace("\n", "\r\n  "),
    ],
    ids=[
        "lower",
        "spaces",
        "no-dashes",
        "wrapped",
        "no-prefix",
        "en-dash",
        "look-alikes",
        "armor-in-email",
        "armor-mangled",
    ],
)
def test_key_survives_being_pasted_from_an_email(mangle):
    assert lic.verify(mangle(KEY)).name == "Ada Lovelace"


def test_armor_is_what_the_store_writes_and_reads(config_dir):
    lic.LicenseStore().save(KEY)
    saved = (config_dir / "license.key").read_text()
    assert saved.startswith("-----BEGIN PORTIE LICENSE-----\n")
    assert lic.LicenseStore().load().license.key_text == KEY


# --- refusals -----------------------------------------------------------------------------


@PROPERTY
@given(data=st.data())
def test_any_single_character_change_is_a_typo(data):
    pos = data.draw(st.integers(DATA_START, len(KEY) - 1))
    old = KEY[pos]
    new = data.draw(st.sampled_from("0123456789ABCDEFGHJKMNPQRSTVWXYZ!U*-"))
    if (new == "-" and old == "-") or (
        symbol_value(new) is not None and symbol_value(new) == symbol_value(old)
    ):
        return  # the same key (a look-alike or an unchanged dash): nothing to refuse
    changed = KEY[:pos] + new + KEY[pos + 1 :]
    with pytest.raises(lic.MistypedKey) as refused:
        lic.verify(changed)
    assert str(refused.value) == (
        "This key looks mistyped: check it against your email, character by character."
    )


def test_any_change_to_the_prefix_is_refused():
    for pos in range(DATA_START):
        for new in "0123456789ABCDEFGHJKMNPQRSTVWXYZ!-":
            if new == KEY[pos]:
                continue
            with pytest.raises(lic.LicenseError):
                lic.verify(KEY[:pos] + new + KEY[pos + 1 :])


@PROPERTY
@given(cut=st.integers(0, len(KEY) - 1))
def test_truncated_key_is_refused(cut):
    with pytest.raises(lic.LicenseError):
        lic.verify(KEY[:cut])
    # The dialog says "keep going" rather than "mistyped" while a key is clearly partial.
    if 0 < cut <= DATA_START + lic.MIN_KEY_CHARS:
        assert lic.looks_incomplete(KEY[:cut])
    elif cut > len(KEY) - 10:
        assert not lic.looks_incomplete(KEY[:cut])  # nearly whole: "mistyped" is the news


@PROPERTY
@given(data=st.data())
def test_dropped_or_doubled_character_is_a_typo(data):
    pos = data.draw(st.integers(DATA_START, len(KEY) - 1).filter(lambda p: KEY[p] != "-"))
    if data.draw(st.booleans()):
        mangled = KEY[:pos] + KEY[pos + 1 :]
    else:
        mangled = KEY[:pos] + KEY[pos] + KEY[pos:]
    with pytest.raises(lic.MistypedKey):
        lic.verify(mangled)


@PROPERTY
@given(data=st.data())
def test_payload_or_signature_edit_with_fixed_checksum_is_not_genuine(data):
    raw = bytearray(lic.normalize(KEY))
    pos = data.draw(st.integers(3, len(raw) - 5))  # past magic and version, before the CRC
    raw[pos] ^= data.draw(st.integers(1, 255))
    with pytest.raises(lic.NotGenuine) as refused:
        lic.verify(reencode(bytes(raw)))
    assert str(refused.value).startswith("This key was not issued by Portie")


def test_editing_the_licensee_name_is_not_genuine():
    raw = lic.normalize(KEY)
    forged = raw.replace(b"Ada Lovelace", b"Eve Mallory!")
    assert forged != raw
    with pytest.raises(lic.NotGenuine):
        lic.verify(reencode(forged))


def test_key_signed_by_another_ed25519_key_is_not_genuine():
    other = Ed25519PrivateKey.generate()
    forged = lic.issue_key(other, "Ada Lovelace", "ada@example.com")
    with pytest.raises(lic.NotGenuine):
        lic.verify(forged)
    # Even when the forger copies the dev key's id into the payload.
    raw = bytearray(lic.normalize(forged))
    raw[3:5] = trust.key_id(trust.dev_public_key()).to_bytes(2, "big")
    body = bytes(raw[:-68])
    resigned = body + other.sign(lic._signed_message(body))
    with pytest.raises(lic.NotGenuine):
        lic.verify(reencode(resigned + b"\0\0\0\0"))


def test_other_product_and_future_format_have_their_own_messages():
    with pytest.raises(lic.WrongProduct, match="different product"):
        lic.verify(lic.issue_key(dev_signing_key(), "A", "a@b.c", magic=b"XX"))
    with pytest.raises(lic.WrongProduct):
        lic.verify("ACMEPRO-" + KEY.removeprefix("PORTIE-"))
    with pytest.raises(lic.WrongProduct):
        lic.verify(lic.armor(KEY).replace("PORTIE", "ACME"))
    with pytest.raises(lic.FutureFormat, match="newer version of Portie"):
        lic.verify(issue_dev_key(format_version=2))
    with pytest.raises(lic.FutureFormat, match="enterprise edition"):
        lic.verify(issue_dev_key(edition="enterprise"))


def test_revoked_serial_is_refused_despite_a_genuine_signature():
    assert 0x0BADC0DE in lic.revoked_serials()
    with pytest.raises(lic.Revoked, match="revoked"):
        lic.verify(issue_dev_key(serial=0x0BADC0DE))


@pytest.mark.parametrize(
    "text", ["", "   \n", "-----BEGIN PORTIE LICENSE-----\n-----END PORTIE LICENSE-----"]
)
def test_empty_input_asks_for_a_key(text):
    with pytest.raises(lic.EmptyKey, match="Paste the license key"):
        lic.verify(text)


@pytest.mark.parametrize("text", ["hello", "PORTIE-", "PORTIE-ÄÖÜ", "PORTIE-UUUUU-" + "A" * 200])
def test_garbage_is_a_typo_not_a_crash(text):
    with pytest.raises(lic.MistypedKey):
        lic.verify(text)


# --- storage ------------------------------------------------------------------------------


@pytest.mark.linux_only
def test_store_saves_user_only_and_reverifies(config_dir):
    assert not lic.is_unlocked()
    lic.LicenseStore().save(KEY)
    path = config_dir / "license.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert lic.is_unlocked()
    assert lic.current_state().license.name == "Ada Lovelace"
    assert lic.LicenseStore().remove()
    assert not lic.is_unlocked() and lic.current_state().notice is None
    assert not lic.LicenseStore().remove()


def test_refused_key_is_not_saved(config_dir):
    with pytest.raises(lic.NotGenuine):
        lic.LicenseStore().save(lic.issue_key(Ed25519PrivateKey.generate(), "E", "e@x.y"))
    assert not (config_dir / "license.key").exists()


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: flip_one_character(t),
        lambda t: t[: len(t) // 2],
        lambda t: "",
        lambda t: t.replace("-----BEGIN PORTIE", "-----BEGIN OTHER"),
    ],
    ids=["one-char", "truncated", "emptied", "relabelled"],
)
def test_tampered_license_file_leaves_app_locked_with_notice(config_dir, damage):
    lic.LicenseStore().save(KEY)
    path = config_dir / "license.key"
    path.write_text(damage(path.read_text()))
    state = lic.LicenseStore().load()
    assert not state.unlocked and not lic.is_unlocked()
    assert str(path) in state.notice and "Portie is locked" in state.notice


def test_forged_license_file_and_binary_junk_leave_app_locked(config_dir):
    path = config_dir / "license.key"
    path.write_text(reencode(lic.normalize(KEY).replace(b"Ada", b"Eve")))
    assert "was refused (this key was not issued by Portie)" in lic.LicenseStore().load().notice
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert "is unreadable" in lic.LicenseStore().load().notice


# --- terminal -----------------------------------------------------------------------------


def test_keygen_key_activates_and_survives_restart(config_dir):
    issued = subprocess.run(
        [sys.executable, str(REPO_ROOT / "packaging" / "keygen.py"), "issue",
         "--signing-key", str(DEV_SIGNING_KEY), "--name", "Grace Hopper",
         "--email", "grace@example.com"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()  # fmt: skip
    before = portie("license", "status", env_dir=config_dir)
    assert before.returncode == 3 and "not unlocked" in before.stdout

    done = portie("license", "activate", issued, env_dir=config_dir)
    assert done.returncode == 0, done.stderr
    assert "Licensed to Grace Hopper" in done.stdout

    status = portie("license", "status", env_dir=config_dir)  # a new process: a restart
    assert status.returncode == 0
    assert "Licensed to Grace Hopper <grace@example.com>" in status.stdout

    removed = portie("license", "remove", env_dir=config_dir)
    assert removed.returncode == 0 and "locked again" in removed.stdout
    assert portie("license", "status", env_dir=config_dir).returncode == 3


def test_cli_reads_armored_key_from_stdin(config_dir):
    done = portie("license", "activate", "-", env_dir=config_dir, stdin=lic.armor(KEY) + "\n")
    assert done.returncode == 0 and "Ada Lovelace" in done.stdout


def test_cli_refuses_bad_keys_with_the_dialog_sentences(config_dir):
    typo = KEY[:-3] + ("X" if KEY[-3] != "X" else "Y") + KEY[-2:]
    forged = lic.issue_key(Ed25519PrivateKey.generate(), "E", "e@x.y")
    for text, error in [(typo, lic.MistypedKey), (forged, lic.NotGenuine)]:
        result = portie("license", "activate", text, env_dir=config_dir)
        assert result.returncode == 2
        assert result.stderr.strip() == f"portie: {error.message}"
        assert "Traceback" not in result.stderr
    assert not (config_dir / "license.key").exists()


def test_cli_status_explains_a_damaged_file(config_dir):
    (config_dir / "license.key").write_text("PORTIE-AAAAA-BBBBB\n")
    result = portie("license", "status", env_dir=config_dir)
    assert result.returncode == 3
    assert "is damaged, so Portie is locked" in result.stderr


def test_license_code_does_not_load_qt():
    code = (
        "import sys, portie_qt.core.license, portie_qt.core.trust, portie_qt.commands.license;"
        "assert 'PySide6' not in sys.modules, 'Qt was imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=60)


def test_keygen_refuses_to_write_a_private_key_into_the_repo(tmp_path):
    keygen = [sys.executable, str(REPO_ROOT / "packaging" / "keygen.py"), "new-signing-key"]
    inside = REPO_ROOT / "packaging" / "should-not-exist.pem"
    refused = subprocess.run([*keygen, str(inside)], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "Refusing" in refused.stderr
    assert not inside.exists()
    outside = tmp_path / "vendor.pem"
    made = subprocess.run([*keygen, str(outside)], capture_output=True, text=True, timeout=60)
    assert made.returncode == 0 and stat.S_IMODE(outside.stat().st_mode) == 0o600


# --- trust root ---------------------------------------------------------------------------

_PRIVATE_BLOCK = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE " + rb"KEY-----")


def test_no_private_key_in_repo_but_the_dev_one():
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, check=True, timeout=60,
    ).stdout.split(b"\0")  # fmt: skip
    holders = []
    for name in filter(None, listed):
        path = REPO_ROOT / name.decode()
        if path.is_file() and _PRIVATE_BLOCK.search(path.read_bytes()):
            holders.append(name.decode())
    assert holders == ["packaging/dev-license-signing-key.pem"]
    assert "DEVELOPMENT-ONLY" in DEV_SIGNING_KEY.read_text()


def test_dev_public_key_matches_committed_private_half():
    public = dev_signing_key().public_key()
    assert trust.raw_public_bytes(public) == trust.raw_public_bytes(trust.dev_public_key())
    assert not trust.is_release_build()  # this checkout is a source build


def _public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_release_trust_root_refuses_dev_key_and_trusts_vendor_key_only():
    with pytest.raises(trust.TrustRootError, match="development license key"):
        trust.resolve_trusted_keys(release=True, release_pem=trust.DEV_PUBLIC_KEY_PEM)
    with pytest.raises(trust.TrustRootError, match="no license public key"):
        trust.resolve_trusted_keys(release=True, release_pem=None)
    vendor = Ed25519PrivateKey.generate()
    keys = trust.resolve_trusted_keys(release=True, release_pem=_public_pem(vendor))
    assert lic.verify(lic.issue_key(vendor, "V", "v@x.y"), keys).name == "V"
    with pytest.raises(lic.NotGenuine):
        lic.verify(KEY, keys)  # a dev-signed key means nothing to a release build


@pytest.fixture
def packaged_copy(tmp_path):
    """A copy of the portie_qt package, as a packaging step would see it."""
    shutil.copytree(
        REPO_ROOT / "portie_qt",
        tmp_path / "build" / "portie_qt",
        ignore=shutil.ignore_patterns("__pycache__", "_release_key.py", "_build_info.py"),
    )
    return tmp_path / "build"


def inject(package_root: Path, *args: str):
    tool = REPO_ROOT / "packaging" / "inject_release_key.py"
    return subprocess.run(
        [sys.executable, str(tool), *args, "--package-dir", str(package_root / "portie_qt")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_release_build_with_dev_key_refuses_to_run(packaged_copy, config_dir):
    assert inject(packaged_copy, "--dev").returncode == 0
    result = portie("license", "status", env_dir=config_dir, cwd=packaged_copy)
    assert result.returncode == 1
    assert "trusts the development license key, so it refuses to run" in result.stderr
    assert "Traceback" not in result.stderr


def test_release_build_accepts_vendor_keys_only(packaged_copy, config_dir, tmp_path):
    vendor = Ed25519PrivateKey.generate()
    pem = tmp_path / "vendor-public.pem"
    pem.write_text(_public_pem(vendor))
    assert inject(packaged_copy, "--public-key", str(pem)).returncode == 0
    dev_signed = portie("license", "activate", KEY, env_dir=config_dir, cwd=packaged_copy)
    assert dev_signed.returncode == 2 and "not issued by Portie" in dev_signed.stderr
    vendor_key = lic.issue_key(vendor, "Paying Customer", "pay@example.com")
    bought = portie("license", "activate", vendor_key, env_dir=config_dir, cwd=packaged_copy)
    assert bought.returncode == 0 and "Paying Customer" in bought.stdout
    assert inject(packaged_copy, "--remove").returncode == 0
    assert not (packaged_copy / "portie_qt" / "_release_key.py").exists()


def test_injector_refuses_a_private_key(packaged_copy):
    result = inject(packaged_copy, "--public-key", str(DEV_SIGNING_KEY))
    assert result.returncode == 2 and "private key" in result.stderr
    assert not (packaged_copy / "portie_qt" / "_release_key.py").exists()


def test_misbuilt_release_is_locked_with_notice_not_a_crash(config_dir, monkeypatch):
    lic.LicenseStore().save(KEY)
    monkeypatch.setattr(trust, "_injected_release_pem", lambda: trust.DEV_PUBLIC_KEY_PEM)
    assert trust.is_release_build()
    with pytest.raises(trust.TrustRootError):
        trust.check_trust_root()
    state = lic.current_state()
    assert not state.unlocked and "refuses to run" in state.notice
