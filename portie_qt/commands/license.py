"""``portie license activate KEY|-``, ``portie license status``, ``portie license remove``.

Exit codes: 0 done (status: unlocked), 2 a refused key or bad usage, 3 status when locked,
1 when the key could not be saved or this build's trust root is unsafe. The refusal
sentences are the same ones the unlock dialog shows.
"""

from __future__ import annotations

import argparse
import sys

from portie_qt.commands._common import EXIT_FAILURE, EXIT_LOCKED, EXIT_OK, EXIT_USAGE
from portie_qt.core.license import FEATURES, MAX_KEY_TEXT, PRICE, LicenseError, LicenseStore
from portie_qt.core.trust import TrustRootError, check_trust_root


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    activate = actions.add_parser("activate", help="check a license key and save it")
    activate.add_argument(
        "key",
        nargs="+",
        metavar="KEY",
        help="the key from your purchase email, or - to read it from standard input",
    )
    actions.add_parser("status", help="show whether Portie is unlocked and for whom")
    actions.add_parser("remove", help="forget the saved key (paid features lock again)")


def _unlocked_features() -> str:
    return " and ".join(FEATURES.values())


def _activate(store: LicenseStore, words: list[str]) -> int:
    # An unquoted key pasted with spaces arrives as several words; join them back.
    # Standard input is read only up to what a key can be: a huge file is refused at once.
    text = sys.stdin.read(MAX_KEY_TEXT + 1) if words == ["-"] else " ".join(words)
    try:
        license_ = store.save(text)
    except LicenseError as exc:
        print(f"portie: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(
            f"portie: Could not save the license to {store.path} ({exc.strerror}); "
            "check that the folder is writable.",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    print(f"Licensed to {license_.name} <{license_.email}>. Unlocked: {_unlocked_features()}.")
    return EXIT_OK


def _status(store: LicenseStore) -> int:
    state = store.load()
    if state.license is not None:
        print(state.license.summary())
        print(f"Unlocked: {_unlocked_features()}.")
        return EXIT_OK
    print(
        f"Portie is not unlocked: a one-time {PRICE} unlock adds {_unlocked_features()}; "
        "activate a key with 'portie license activate KEY'."
    )
    if state.notice:
        print(f"Note: {state.notice}", file=sys.stderr)
    return EXIT_LOCKED


def _remove(store: LicenseStore) -> int:
    try:
        removed = store.remove()
    except OSError as exc:
        print(f"portie: Could not remove {store.path} ({exc.strerror}).", file=sys.stderr)
        return EXIT_FAILURE
    print(
        "License removed; paid features are locked again."
        if removed
        else "No license key was saved."
    )
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    store = LicenseStore()
    try:
        check_trust_root()  # a release build trusting the dev key must not even say "locked"
        if args.action == "activate":
            return _activate(store, args.key)
        if args.action == "status":
            return _status(store)
        return _remove(store)
    except TrustRootError as exc:
        print(f"portie: {exc}", file=sys.stderr)
        return EXIT_FAILURE
