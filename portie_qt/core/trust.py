"""Which Ed25519 public keys this build of Portie trusts to sign license keys. Qt-free.

The app embeds public keys only. A source build trusts the development key, whose
private half is committed at ``packaging/dev-license-signing-key.pem`` so anyone
building from source (tests included) can issue keys. A release build trusts only
the vendor's public key, written into ``portie_qt/_release_key.py`` at packaging
time by ``packaging/inject_release_key.py``; a release build that has no vendor key,
or whose "vendor" key is the development key, refuses to run.

A build counts as a release when ``portie_qt/_release_key.py`` exists or when
``portie_qt/_build_info.py`` sets ``RELEASE = True`` (either file is written by the
packaging step, never committed).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography loads when a key is read, not at every start-up
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

# Public half of packaging/dev-license-signing-key.pem (development only).
DEV_PUBLIC_KEY_PEM = """\
-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEArJAoRvgcxbqQ3A9CcNpyiIzg+N660jDp6B2fHOLkGhA=
-----END PUBLIC KEY-----
"""

RELEASE_KEY_MODULE = "_release_key.py"


class TrustRootError(RuntimeError):
    """This build's trust root is unsafe or missing; the app must not run."""


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """Parse a PEM public key, insisting it is Ed25519."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    data = pem.encode() if isinstance(pem, str) else pem
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("License signing keys must be Ed25519 public keys.")
    return key


def raw_public_bytes(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> int:
    """The 16-bit id a license key carries to name the key that signed it."""
    import hashlib  # here, not at start-up: every start asks is_release_build() first

    return int.from_bytes(hashlib.sha256(raw_public_bytes(key)).digest()[:2], "big")


def dev_public_key() -> Ed25519PublicKey:
    """The development public key every source build trusts."""
    return load_public_key(DEV_PUBLIC_KEY_PEM)


def _injected_release_pem() -> str | None:
    # A static import (not importlib) so PyInstaller bundles the module when present.
    try:
        from portie_qt import _release_key
    except ImportError:
        return None
    return getattr(_release_key, "PUBLIC_KEY_PEM", None)


def _marked_release() -> bool:
    try:
        from portie_qt import _build_info
    except ImportError:
        return False
    return bool(getattr(_build_info, "RELEASE", False))


def resolve_trusted_keys(release: bool, release_pem: str | None) -> dict[int, Ed25519PublicKey]:
    """The keys to trust, by key id, given a build's release flag and injected vendor key.

    Raises TrustRootError for a release build with no vendor key or with the
    development key in its place.
    """
    if release_pem is None:
        if release:
            raise TrustRootError(
                "This release build of Portie has no license public key, so it refuses to "
                "run: package it again with packaging/inject_release_key.py."
            )
        dev = dev_public_key()
        return {key_id(dev): dev}
    try:
        vendor = load_public_key(release_pem)
    except ValueError as exc:
        raise TrustRootError(
            f"This build's license public key is unreadable ({exc}), so Portie refuses to "
            "run: package it again with packaging/inject_release_key.py."
        ) from None
    if raw_public_bytes(vendor) == raw_public_bytes(dev_public_key()):
        raise TrustRootError(
            "This release build of Portie trusts the development license key, so it refuses "
            "to run: package it again with the vendor's public key "
            "(packaging/inject_release_key.py --public-key VENDOR.pem)."
        )
    return {key_id(vendor): vendor}


def trusted_keys() -> dict[int, Ed25519PublicKey]:
    """The public keys this build trusts, by key id (raises TrustRootError when unsafe)."""
    pem = _injected_release_pem()
    return resolve_trusted_keys(release=_marked_release() or pem is not None, release_pem=pem)


def check_trust_root() -> None:
    """Raise TrustRootError when this build must refuse to run; call once at start-up."""
    trusted_keys()


def is_release_build() -> bool:
    """True when the packaging step marked this build as an official release."""
    return _marked_release() or _injected_release_pem() is not None


def release_key_module_source(public_pem: str) -> str:
    """Text of ``portie_qt/_release_key.py`` embedding ``public_pem`` (validated first)."""
    load_public_key(public_pem)
    return (
        '"""Generated by packaging/inject_release_key.py: the vendor\'s license public key.\n\n'
        "Its presence marks this build as a release. Do not commit this file.\n"
        '"""\n\n'
        f"PUBLIC_KEY_PEM = {public_pem.strip()!r} + '\\n'\n"
    )


def write_release_key(package_dir: Path, public_pem: str) -> Path:
    """Write ``_release_key.py`` into the ``portie_qt`` package at ``package_dir``."""
    target = Path(package_dir) / RELEASE_KEY_MODULE
    target.write_text(release_key_module_source(public_pem), encoding="utf-8")
    return target
