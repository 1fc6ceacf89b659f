"""Packaging step: make this build a release that trusts only the vendor's public key.

    python packaging/inject_release_key.py --public-key VENDOR-PUBLIC.pem
    python packaging/inject_release_key.py --remove      # back to a source build

Writes ``portie_qt/_release_key.py`` (never commit it). Its presence marks the build
as a release: the app then trusts that key alone and refuses to run if it is the
development key. Run it before PyInstaller, and ``--remove`` afterwards.
``--dev`` injects the development key on purpose, to check that refusal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # run as a script from a checkout

from portie_qt.core.trust import (  # noqa: E402
    DEV_PUBLIC_KEY_PEM,
    RELEASE_KEY_MODULE,
    load_public_key,
    write_release_key,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="inject_release_key.py", description=__doc__.split("\n\n")[0]
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--public-key", metavar="PEM", help="the vendor's Ed25519 public key")
    which.add_argument("--dev", action="store_true", help="inject the development key (tests)")
    which.add_argument("--remove", action="store_true", help="delete the injected key")
    parser.add_argument(
        "--package-dir",
        type=Path,
        default=REPO_ROOT / "portie_qt",
        help="the portie_qt package to write into (default: this checkout's)",
    )
    args = parser.parse_args(argv)
    target = args.package_dir / RELEASE_KEY_MODULE
    if args.remove:
        target.unlink(missing_ok=True)
        print(f"Removed {target}: this is a source build again.")
        return 0
    if args.dev:
        pem = DEV_PUBLIC_KEY_PEM
    else:
        try:
            pem = Path(args.public_key).read_text(encoding="utf-8")
        except OSError as exc:
            print(
                f"inject_release_key: cannot read {args.public_key} ({exc.strerror}).",
                file=sys.stderr,
            )
            return 2
    if "PRIVATE KEY" in pem:
        print(
            "inject_release_key: that file holds a private key; pass its public half "
            "(python packaging/keygen.py public-key --signing-key PEM).",
            file=sys.stderr,
        )
        return 2
    try:
        load_public_key(pem)
    except ValueError as exc:
        print(
            f"inject_release_key: {args.public_key} is not an Ed25519 public key ({exc}).",
            file=sys.stderr,
        )
        return 2
    print(f"Wrote {write_release_key(args.package_dir, pem)}: this build is now a release.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
