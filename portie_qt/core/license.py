"""Offline license keys: format, verification, storage and the "is it unlocked?" answer.

Qt-free. A key is a binary record, base32-encoded (Crockford alphabet) in dash-separated
groups of five after a ``PORTIE-`` prefix, so it survives being pasted from an email:

    payload   = "PT" | format version (1) | signing-key id (2) | serial (4)
                | issue date, days since 2000-01-01 (2)
                | edition, licensee name, email (each: length byte + UTF-8)
    body      = payload | Ed25519 signature over (domain tag + payload) (64)
    key bytes = body | CRC-32 of body (4)

The CRC-32 is what tells a typo apart from a forgery: any single mistyped character
(a 5-bit burst) always breaks it, while a well-formed key whose signature fails was
made by someone other than Portie's vendor. Paid commands gate themselves with
``is_unlocked()`` and print ``LOCKED_MESSAGE`` otherwise.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
import struct
import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from portie_qt.core import trust
from portie_qt.core.files import PRIVATE_FILE, write_atomic
from portie_qt.core.paths import ResourceError, config_dir, ensure_config_dir, resource_path

if TYPE_CHECKING:  # cryptography loads when a key is checked, not when the window opens
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

PRICE = "$8.99"

# Feature name -> short title; every paid action names one of these.
FEATURES = {
    "process_control": "process control",
    "remote_scan": "remote port scanning",
}
# Feature name -> what the user gets, for the unlock dialog.
FEATURE_DETAILS = {
    "process_control": "Stop or kill the process holding a port, in one click",
    "remote_scan": "Scan the TCP ports of another computer on your network",
}

LOCKED_MESSAGE = (
    f"This is a paid feature: a one-time {PRICE} unlock adds process control and remote "
    "port scanning; if you have a key, choose Help → Unlock Portie… in the window or run "
    "`portie license activate KEY`."
)

PRODUCT = "PORTIE"
MAGIC = b"PT"
FORMAT_VERSION = 1
EDITIONS = {"pro": frozenset(FEATURES)}
LICENSE_FILENAME = "license.key"
MAX_FIELD_BYTES = 120

_SIGNED_DOMAIN = b"portie-license\x00"
_EPOCH = dt.date(2000, 1, 1)
_HEADER = struct.Struct(">2sBHIH")  # magic, version, key id, serial, issue day
_SIGNATURE_BYTES = 64
_CRC_BYTES = 4
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_DECODE = {c: i for i, c in enumerate(_ALPHABET)} | {"I": 1, "L": 1, "O": 0}
_GROUP = 5
# Header, three one-byte texts with their lengths, signature, checksum; in characters.
MIN_KEY_CHARS = -(-(_HEADER.size + 6 + _SIGNATURE_BYTES + _CRC_BYTES) * 8 // 5)
# Pasted text longer than this is refused at once: a key is about 750 characters, and an
# email around it fits many times over. Everything below is linear in the text's length.
MAX_KEY_TEXT = 20_000
# "> " quoting from a forwarded or replied-to email, however deep.
_QUOTING = re.compile(r"^[ \t]*(?:>[ \t]?)+")
# Dashes from other sources ("‐", "–", "－", "﹣") count as grouping dashes too.
_DASHES = re.compile(r"[-\u2010-\u2015\u2043\u2212\ufe58\ufe63\uff0d]+")


class LicenseError(ValueError):
    """A key was refused; ``str(error)`` is the sentence to show the user."""

    message = "This license key was refused."

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)


class EmptyKey(LicenseError):
    message = "Paste the license key from your Portie purchase email."


class KeyTooLong(LicenseError):
    message = (
        "This is far longer than a license key; paste only the key from your Portie purchase email."
    )


class MistypedKey(LicenseError):
    message = "This key looks mistyped: check it against your email, character by character."


class NotGenuine(LicenseError):
    message = (
        "This key was not issued by Portie; paste the key from your Portie purchase email instead."
    )


class WrongProduct(LicenseError):
    message = (
        "This is a license key for a different product, not Portie; paste the key from your "
        "Portie purchase email instead."
    )


class FutureFormat(LicenseError):
    message = (
        "This key was made for a newer version of Portie; update Portie, then activate the "
        "key again."
    )


class Revoked(LicenseError):
    message = (
        "This key has been revoked; write to Portie support from your purchase email address "
        "for a replacement."
    )


@dataclass(frozen=True)
class License:
    """A verified license key and what it says."""

    name: str
    email: str
    edition: str
    issued: dt.date
    serial: int
    key_id: int
    format_version: int
    key_text: str = field(repr=False)

    @property
    def features(self) -> frozenset[str]:
        return EDITIONS.get(self.edition, frozenset())

    def allows(self, feature: str) -> bool:
        return feature in self.features

    def summary(self) -> str:
        """One line for the status display."""
        return (
            f"Licensed to {self.name} <{self.email}> — Portie {self.edition.title()}, "
            f"issued {self.issued.isoformat()}, serial {self.serial:08X}"
        )


# --- text encoding ------------------------------------------------------------------------


def _b32encode(data: bytes) -> str:
    bits = int.from_bytes(data, "big")
    nchars = -(-len(data) * 8 // 5)
    bits <<= nchars * 5 - len(data) * 8  # zero padding on the right
    return "".join(_ALPHABET[(bits >> (5 * i)) & 31] for i in reversed(range(nchars)))


def _b32decode(chars: str) -> bytes:
    """Bytes from key characters, 5 bits each; linear in the length (no big integer)."""
    out = bytearray()
    acc = bits = 0
    for c in chars:
        acc = ((acc << 5) | _DECODE[c]) & 0x1FFF  # at most 12 bits are ever pending
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    if bits >= 5 or acc & ((1 << bits) - 1):
        # A whole spare character, or non-zero padding: never produced by the encoder.
        raise MistypedKey
    return bytes(out)


def format_key(data: bytes) -> str:
    """Canonical key text: ``PORTIE-XXXXX-XXXXX-…``."""
    text = _b32encode(data)
    return "-".join([PRODUCT, *(text[i : i + _GROUP] for i in range(0, len(text), _GROUP))])


def armor(key_text: str, groups_per_line: int = 6) -> str:
    """The key wrapped for an email: BEGIN/END lines around short lines of groups."""
    groups = normalize(key_text)
    body = _b32encode(groups)
    parts = [body[i : i + _GROUP] for i in range(0, len(body), _GROUP)]
    lines = [
        "-".join(parts[i : i + groups_per_line]) for i in range(0, len(parts), groups_per_line)
    ]
    return "\n".join(
        [f"-----BEGIN {PRODUCT} LICENSE-----", *lines, f"-----END {PRODUCT} LICENSE-----"]
    )


def _armor_line(line: str) -> tuple[str, list[str]] | None:
    """("BEGIN" or "END", the label's words) for a ``-----BEGIN PORTIE LICENSE-----`` line."""
    stripped = line.strip()
    if len(stripped) > 200 or not (stripped.startswith("---") and stripped.endswith("---")):
        return None
    words = stripped.strip("-").upper().split()
    if not words or words[0] not in ("BEGIN", "END") or len(words) < 2:
        return None
    return words[0], words[1:]


def _plain(text: str) -> str:
    """Pasted text as typed: compatibility forms folded (fullwidth letters and hyphens,
    no-break spaces) and invisible characters dropped (a byte-order mark, soft hyphens,
    zero-width spaces and joiners, word joiners)."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf")


def _key_characters(text: str) -> str:
    """The key's base32 characters from pasted text (wrapper, prefix, quoting and
    spacing removed).

    Raises EmptyKey, KeyTooLong or WrongProduct; the characters are not checked yet.
    """
    if len(text) > MAX_KEY_TEXT:
        raise KeyTooLong
    kept: list[str] = []
    armored = False
    for line in _plain(text).splitlines():
        line = _QUOTING.sub("", line, count=1)
        armor = _armor_line(line)
        if armor is None:
            kept.append(line)
            continue
        kind, label = armor
        if label[0] != PRODUCT:
            raise WrongProduct
        if kind == "BEGIN":
            kept, armored = [], True  # drop the email's greeting above the block
        elif armored:
            break  # and its signature below it
    compact = re.sub(r"\s+", "", "".join(kept)).upper()
    compact = _DASHES.sub("-", compact).strip("-")
    if not compact:
        raise EmptyKey
    first = compact.split("-", 1)[0]
    if "-" in compact and first.isalpha() and len(first) != _GROUP and first != PRODUCT:
        raise WrongProduct  # another vendor's "ACME-…" prefix
    chars = compact.replace("-", "")
    # The encoded magic "PT" always starts with "A", so a glued-on prefix is unambiguous.
    return chars.removeprefix(PRODUCT)


# Where the Buy button leads. A release build names the shop's page (packaging/build.py
# --purchase-url writes it into _build_info.py); a development build opens this one.
DEV_PURCHASE_URL = "https://portie.app/buy"


def purchase_url() -> str:
    """The purchase page of this build."""
    try:
        from portie_qt import _build_info  # written by packaging/build.py
    except ImportError:
        return DEV_PURCHASE_URL
    url = getattr(_build_info, "PURCHASE_URL", "")
    return url if isinstance(url, str) and url.startswith("https://") else DEV_PURCHASE_URL


def key_shape() -> str:
    """What a whole key looks like, for someone who pasted part of one."""
    groups = -(-MIN_KEY_CHARS // _GROUP)
    return (
        f"That is only the start of a key: a whole key is PORTIE- and then about {groups} "
        "groups of five letters and digits (PORTIE-A1B2C-…), usually over several lines "
        "of your purchase email. Paste all of it."
    )


def looks_incomplete(text: str) -> bool:
    """True while pasted or typed text is still shorter than the shortest possible key."""
    try:
        return len(_key_characters(text)) < MIN_KEY_CHARS
    except LicenseError:
        return False


def normalize(text: str) -> bytes:
    """Key bytes from pasted text; tolerant of case, spacing, dashes and an armor wrapper.

    Raises EmptyKey, MistypedKey or WrongProduct; checks the checksum but not the signature.
    """
    chars = _key_characters(text)
    if any(c not in _DECODE for c in chars):
        raise MistypedKey
    data = _b32decode(chars)
    if len(data) < _HEADER.size + 6 + _SIGNATURE_BYTES + _CRC_BYTES:
        raise MistypedKey
    body, crc = data[:-_CRC_BYTES], data[-_CRC_BYTES:]
    if zlib.crc32(body).to_bytes(_CRC_BYTES, "big") != crc:
        raise MistypedKey
    return data


# --- payload ------------------------------------------------------------------------------


def _pack_text(value: str, what: str) -> bytes:
    raw = value.encode("utf-8")
    if not raw or len(raw) > MAX_FIELD_BYTES:
        raise ValueError(f"The {what} must be 1–{MAX_FIELD_BYTES} bytes of UTF-8.")
    return bytes([len(raw)]) + raw


def _unpack_texts(data: bytes, count: int) -> list[str]:
    texts, pos = [], 0
    for _ in range(count):
        if pos >= len(data):
            raise NotGenuine
        size = data[pos]
        chunk = data[pos + 1 : pos + 1 + size]
        if len(chunk) != size or not size:
            raise NotGenuine
        try:
            texts.append(chunk.decode("utf-8"))
        except UnicodeDecodeError:
            raise NotGenuine from None
        pos += 1 + size
    if pos != len(data):
        raise NotGenuine
    return texts


def _signed_message(payload: bytes) -> bytes:
    return _SIGNED_DOMAIN + payload


def issue_key(
    private_key: Ed25519PrivateKey,
    name: str,
    email: str,
    edition: str = "pro",
    serial: int | None = None,
    issued: dt.date | None = None,
    *,
    format_version: int = FORMAT_VERSION,
    magic: bytes = MAGIC,
) -> str:
    """Sign a new key (vendor side). ``format_version``/``magic`` exist for tests only."""
    name, email = " ".join(name.split()), email.strip()
    if "@" not in email:
        raise ValueError(f"'{email}' is not an email address.")
    if serial is None:
        serial = secrets.randbelow(2**32 - 1) + 1
    if not 0 < serial < 2**32:
        raise ValueError("The serial must be 1–4294967295.")
    issued = issued or dt.datetime.now(dt.timezone.utc).date()
    days = (issued - _EPOCH).days
    if not 0 <= days < 2**16:
        raise ValueError("The issue date must fall between 2000 and 2179.")
    kid = trust.key_id(private_key.public_key())
    payload = (
        _HEADER.pack(magic, format_version, kid, serial, days)
        + _pack_text(edition, "edition")
        + _pack_text(name, "name")
        + _pack_text(email, "email")
    )
    body = payload + private_key.sign(_signed_message(payload))
    return format_key(body + zlib.crc32(body).to_bytes(_CRC_BYTES, "big"))


def verify(
    text: str,
    trusted_keys: Mapping[int, Ed25519PublicKey] | None = None,
    revoked: frozenset[int] | None = None,
) -> License:
    """The License a pasted key grants, or raise the LicenseError that says why not.

    ``trusted_keys`` defaults to this build's trust root (see ``trust.trusted_keys``),
    which raises ``trust.TrustRootError`` for a misbuilt release.
    """
    data = normalize(text)
    body = data[:-_CRC_BYTES]
    payload, signature = body[:-_SIGNATURE_BYTES], body[-_SIGNATURE_BYTES:]
    magic, version, kid, serial, days = _HEADER.unpack_from(payload)
    if magic != MAGIC:
        raise WrongProduct
    if version > FORMAT_VERSION:
        raise FutureFormat
    if version < 1:
        raise NotGenuine
    edition, name, email = _unpack_texts(payload[_HEADER.size :], 3)
    keys = trust.trusted_keys() if trusted_keys is None else trusted_keys
    public_key = keys.get(kid)
    if public_key is None:
        raise NotGenuine
    from cryptography.exceptions import InvalidSignature

    try:
        public_key.verify(signature, _signed_message(payload))
    except InvalidSignature:
        raise NotGenuine from None
    if serial in (revoked_serials() if revoked is None else revoked):
        raise Revoked
    if edition not in EDITIONS:
        raise FutureFormat(
            f"This key is for the Portie {edition} edition, which this version does not know; "
            "update Portie, then activate the key again."
        )
    return License(
        name=name,
        email=email,
        edition=edition,
        issued=_EPOCH + dt.timedelta(days=days),
        serial=serial,
        key_id=kid,
        format_version=version,
        key_text=format_key(data),
    )


@functools.cache
def revoked_serials() -> frozenset[int]:
    """Serials refused even with a genuine signature (``assets/revoked_serials.txt``)."""
    try:
        text = resource_path("assets/revoked_serials.txt").read_text(encoding="utf-8")
    except (ResourceError, OSError):
        return frozenset()
    serials = set()
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            serials.add(int(entry, 16))
    return frozenset(serials)


# --- storage ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenseState:
    """What the saved license file grants: a License, or nothing with an optional notice."""

    license: License | None = None
    notice: str | None = None

    @property
    def unlocked(self) -> bool:
        return self.license is not None

    def allows(self, feature: str) -> bool:
        return self.license is not None and self.license.allows(feature)


class LicenseStore:
    """The activated key at ``config_dir()/license.key``, re-verified on every load.

    The file holds the key itself, never an "unlocked" flag, so editing it unlocks nothing.
    """

    def __init__(self, path: Path | None = None):
        self._path = path

    @property
    def path(self) -> Path:
        return self._path or config_dir() / LICENSE_FILENAME

    def load(self, trusted_keys: Mapping[int, Ed25519PublicKey] | None = None) -> LicenseState:
        """The current state; a missing file is plainly locked, a damaged one adds a notice."""
        try:
            with self.path.open(encoding="utf-8") as handle:
                text = handle.read(MAX_KEY_TEXT + 1)  # a huge file is refused, not parsed
        except FileNotFoundError:
            return LicenseState()
        except (OSError, UnicodeDecodeError):
            return LicenseState(notice=self._notice("is unreadable"))
        try:
            return LicenseState(license=verify(text, trusted_keys))
        except (EmptyKey, MistypedKey, KeyTooLong):
            return LicenseState(notice=self._notice("is damaged"))
        except trust.TrustRootError as exc:
            return LicenseState(notice=str(exc))  # a misbuilt release: locked, never a crash
        except LicenseError as exc:
            reason = str(exc).split(";")[0]
            return LicenseState(
                notice=self._notice(f"was refused ({reason[0].lower()}{reason[1:]})")
            )

    def _notice(self, what: str) -> str:
        return (
            f"The saved license key {self.path} {what}, so Portie is locked; activate your key "
            "again (Help → Unlock Portie… or 'portie license activate KEY')."
        )

    def save(self, key_text: str, trusted_keys: Mapping[int, Ed25519PublicKey] | None = None):
        """Verify ``key_text`` and store it (user-only permissions); return the License."""
        license_ = verify(key_text, trusted_keys)
        ensure_config_dir()
        # All-or-nothing, user-only, never through a planted link (core.files).
        write_atomic(self.path, armor(license_.key_text) + "\n", PRIVATE_FILE)
        return license_

    def remove(self) -> bool:
        """Delete the saved key; True when there was one."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True


def current_state() -> LicenseState:
    """The license state from the saved key, verified now."""
    return LicenseStore().load()


def is_unlocked() -> bool:
    """True when a genuine key is activated; paid commands check this first."""
    return current_state().unlocked
