"""Test helpers: issue license keys with the committed development signing key.

Other test modules use ``activate_dev_license()`` to unlock paid features inside the
per-test ``PORTIE_CONFIG_DIR`` (the autouse ``config_dir`` fixture in conftest).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from portie_qt.core.license import License, LicenseStore, issue_key

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_SIGNING_KEY = REPO_ROOT / "packaging" / "dev-license-signing-key.pem"


@cache
def dev_signing_key() -> Ed25519PrivateKey:
    """The development-only private key committed for source builds and tests."""
    key = load_pem_private_key(DEV_SIGNING_KEY.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def issue_dev_key(name: str = "Test User", email: str = "t@example.com", **kwargs) -> str:
    """A genuine key for a source build, signed with the development key."""
    return issue_key(dev_signing_key(), name, email, **kwargs)


def activate_dev_license(name: str = "Test User", email: str = "t@example.com") -> License:
    """Issue a dev key and save it to the current PORTIE_CONFIG_DIR: paid features unlock."""
    return LicenseStore().save(issue_dev_key(name, email))
