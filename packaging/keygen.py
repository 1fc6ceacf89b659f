"""Vendor tool: make a license signing key and issue customer license keys.

    python packaging/keygen.py new-signing-key OUT.pem
    python packaging/keygen.py issue --signing-key PEM --name NAME --email EMAIL [--edition pro]

Never bundled into the app (the app only ever sees public keys). The vendor's real
signing key lives outside this repository; ``new-signing-key`` refuses to write inside
it. For source builds, ``packaging/dev-license-signing-key.pem`` issues keys that only
source builds accept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # run as a script from a checkout

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from portie_qt.core.license import EDITIONS, armor, issue_key  # noqa: E402
from portie_qt.core.trust import key_id  # noqa: E402


class ToolError(Exception):
    """A sentence for the vendor; the tool prints it and exits 2."""


def _inside_repo(path: Path) -> bool:
    return path.resolve().is_relative_to(REPO_ROOT)


def new_signing_key(out: Path, allow_in_repo: bool = False) -> Ed25519PrivateKey:
    """Write a fresh Ed25519 private key to ``out`` (mode 0600) and return it."""
    if _inside_repo(out) and not allow_in_repo:
        raise ToolError(
            f"Refusing to write a private key inside the repository ({out}): "
            "keep signing keys somewhere that is never committed."
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ToolError(f"{out} already exists; choose another file name.") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """Read an Ed25519 private key (PEM) with a sentence for every way it can fail."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ToolError(f"Cannot read the signing key {path} ({exc.strerror}).") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ToolError(f"{path} is not an unencrypted PEM private key ({exc}).") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ToolError(f"{path} is not an Ed25519 key; make one with 'new-signing-key'.")
    return key


def _public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _cmd_new(args: argparse.Namespace) -> None:
    key = new_signing_key(Path(args.out))
    print(f"Wrote the private signing key to {args.out} (key id {key_id(key.public_key()):04X}).")
    print("Its public half, for packaging/inject_release_key.py --public-key:")
    print(_public_pem(key), end="")


def _cmd_issue(args: argparse.Namespace) -> None:
    key = load_signing_key(Path(args.signing_key))
    issued = dt.date.fromisoformat(args.issued) if args.issued else None
    try:
        text = issue_key(key, args.name, args.email, args.edition, args.serial, issued)
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    print(armor(text) if args.armor else text)


def _cmd_public(args: argparse.Namespace) -> None:
    print(_public_pem(load_signing_key(Path(args.signing_key))), end="")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="keygen.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new-signing-key", help="make a new Ed25519 signing key")
    new.add_argument("out", metavar="OUT.pem")
    new.set_defaults(func=_cmd_new)
    issue = commands.add_parser("issue", help="print a license key for a customer")
    issue.add_argument("--signing-key", required=True, metavar="PEM")
    issue.add_argument("--name", required=True)
    issue.add_argument("--email", required=True)
    issue.add_argument("--edition", default="pro", choices=sorted(EDITIONS))
    issue.add_argument("--serial", type=lambda s: int(s, 16), help="hex serial (default random)")
    issue.add_argument("--issued", metavar="YYYY-MM-DD", help="issue date (default today, UTC)")
    issue.add_argument("--armor", action="store_true", help="wrap in BEGIN/END lines for an email")
    issue.set_defaults(func=_cmd_issue)
    public = commands.add_parser("public-key", help="print the public half of a signing key")
    public.add_argument("--signing-key", required=True, metavar="PEM")
    public.set_defaults(func=_cmd_public)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except ToolError as exc:
        print(f"keygen: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
