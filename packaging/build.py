"""Build the double-clickable Portie for this platform with PyInstaller.

    python packaging/build.py                                  # development build
    python packaging/build.py --release --public-key VENDOR.pem  # official release

Produces, under ``dist/``:

- Linux: ``Portie/`` (executable ``Portie/portie``, ``portie.desktop``, icons,
  ``install.sh``) and ``Portie-<version>-linux-<arch>.tar.gz``;
- macOS: ``Portie.app`` and ``Portie-<version>-macos-<arch>.zip``;
- Windows: ``Portie/`` (``Portie.exe`` windowed, ``portie-cli.exe`` for the terminal)
  and ``Portie-<version>-windows-<arch>.zip``.

The sources are copied to ``build/stage`` first, so the build marker written there
(``portie_qt/_build_info.py``) and, for a release, the vendor's public key
(``portie_qt/_release_key.py``) never touch the work tree. A development build trusts
the development license key and says so; a release build trusts only the key given
with ``--public-key`` and refuses the development key.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGING = REPO / "packaging"
sys.path.insert(0, str(REPO))  # the build reads version and trust root from the sources

# Sources the bundle is built from; generated modules are left behind and re-made.
STAGED = ("portie_qt", "assets")  # the forms in ui/ are compiled into portie_qt/forms
GENERATED = ("_build_info.py", "_release_key.py")


class BuildError(Exception):
    """A build step failed; the message says what to do."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Build the Portie app bundle for this platform.")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--dev", action="store_true", help="development build (the default)")
    kind.add_argument("--release", action="store_true", help="official release build")
    parser.add_argument(
        "--public-key", type=Path, metavar="PEM", help="with --release: the vendor's public key"
    )
    parser.add_argument(
        "--purchase-url",
        default="",
        metavar="URL",
        help="the shop's page the Unlock dialog's Buy button opens (https://…)",
    )
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=REPO / "build", help="scratch folder")
    parser.add_argument("--no-archive", action="store_true", help="skip the .tar.gz / .zip")
    parser.add_argument(
        "--full-icu",
        action="store_true",
        help="Linux: ship Qt's full 32 MB ICU data instead of the trimmed copy (trim_icu.py)",
    )
    args = parser.parse_args(argv)
    if args.release and args.public_key is None:
        parser.error("--release needs --public-key VENDOR.pem (the vendor's license public key)")
    if args.public_key is not None and not args.release:
        parser.error("--public-key goes with --release")
    if args.purchase_url and not args.purchase_url.startswith("https://"):
        parser.error("--purchase-url must be an https:// address")
    return args


def arch() -> str:
    """Machine name as release archives spell it."""
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(machine, machine)


def platform_tag() -> str:
    if sys.platform == "darwin":
        return "macos"
    return "windows" if sys.platform == "win32" else "linux"


def stage_sources(stage: Path) -> None:
    """Copy the package, forms and assets to ``stage`` (caches and generated files left out)."""
    if stage.exists():
        shutil.rmtree(stage)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", *GENERATED)
    for name in STAGED:
        shutil.copytree(REPO / name, stage / name, ignore=ignore)


def read_release_key(pem_path: Path) -> str:
    """The vendor key's PEM text, refused when unreadable or when it is the development key."""
    from portie_qt.core import trust

    try:
        pem = pem_path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"Cannot read the public key {pem_path}: {exc}.") from None
    if "PRIVATE KEY" in pem:
        raise BuildError(
            f"{pem_path} holds a private key; pass the vendor's PUBLIC key "
            "(the private one never goes into a build)."
        )
    try:
        trust.load_public_key(pem)
    except ValueError:
        raise BuildError(
            f"{pem_path} is not an Ed25519 public key in PEM form "
            "(make one with: python packaging/keygen.py public-key --signing-key VENDOR.pem)."
        ) from None
    try:
        trust.resolve_trusted_keys(release=True, release_pem=pem)
    except trust.TrustRootError as exc:
        raise BuildError(str(exc)) from None
    return pem


def write_build_info(package: Path, release: bool, purchase_url: str = "") -> None:
    """Mark the staged package as a development or release build (read by core.trust),
    with the shop's page for the Buy button (core.license.purchase_url)."""
    kind = "release" if release else "development"
    (package / "_build_info.py").write_text(
        '"""Written by packaging/build.py: what kind of build this bundle is."""\n\n'
        f"RELEASE = {release!r}\nKIND = {kind!r}\nPURCHASE_URL = {purchase_url!r}\n",
        encoding="utf-8",
    )


def run_pyinstaller(stage: Path, dist: Path, work: Path, full_icu: bool) -> None:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise BuildError("PyInstaller is missing: run  pip install '.[build]'  first.") from None
    env = dict(os.environ, PORTIE_STAGE=str(stage), PORTIE_FULL_ICU="1" if full_icu else "0")
    env.pop("PYTHONPATH", None)  # the spec puts the staged sources first; nothing else
    command = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work / "pyinstaller"),
        str(PACKAGING / "portie.spec"),
    ]  # fmt: skip
    if subprocess.run(command, env=env, check=False).returncode != 0:
        raise BuildError("PyInstaller failed; its messages above say which step.")


def add_linux_desktop_files(bundle: Path, version: str) -> None:
    """Put the launcher entry, icons and the menu installer beside the executable."""
    for name in ("portie.desktop", "install.sh"):
        text = (PACKAGING / name).read_text(encoding="utf-8").replace("@VERSION@", version)
        target = bundle / name
        target.write_text(text, encoding="utf-8")
        target.chmod(0o755 if name.endswith(".sh") else 0o644)
    icons = bundle / "icons"
    icons.mkdir(exist_ok=True)
    for icon in sorted((REPO / "assets" / "icons").glob("portie-*.png")):
        shutil.copy2(icon, icons / icon.name)
    shutil.copy2(REPO / "assets" / "icons" / "portie.svg", icons / "portie.svg")
    shutil.copy2(REPO / "assets" / "icons" / "portie-256.png", bundle / "portie.png")


def archive(dist: Path, version: str) -> Path:
    """The download users get: a .tar.gz on Linux, a .zip elsewhere."""
    stem = f"Portie-{version}-{platform_tag()}-{arch()}"
    if sys.platform.startswith("linux"):
        target = dist / f"{stem}.tar.gz"
        with tarfile.open(target, "w:gz", compresslevel=6) as tar:
            tar.add(dist / "Portie", arcname="Portie")
        return target
    target = dist / f"{stem}.zip"
    target.unlink(missing_ok=True)
    if sys.platform == "darwin":  # ditto keeps the framework symlinks inside the .app
        subprocess.run(
            ["ditto", "-c", "-k", "--keepParent", str(dist / "Portie.app"), str(target)],
            check=True,
        )
    else:
        shutil.make_archive(str(dist / stem), "zip", root_dir=dist, base_dir="Portie")
    return target


def bundle_root(dist: Path) -> Path:
    return dist / "Portie.app" if sys.platform == "darwin" else dist / "Portie"


def cli_executable(dist: Path) -> Path:
    """The bundle's executable that prints to a terminal."""
    if sys.platform == "darwin":
        return dist / "Portie.app" / "Contents" / "MacOS" / "portie"
    if sys.platform == "win32":
        return dist / "Portie" / "portie-cli.exe"
    return dist / "Portie" / "portie"


def size_text(path: Path) -> str:
    """Total size of the files under ``path`` in MB and in MiB (what ``du -h`` shows)."""
    total = sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir())
    return f"{total / 1e6:.1f} MB ({total / 2**20:.1f} MiB)"


def smoke_test(dist: Path, version: str) -> None:
    """The built executable starts from its own folder and reports the right version."""
    exe = cli_executable(dist)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PORTIE_STAGE")}
    result = subprocess.run(
        [str(exe), "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tempfile.gettempdir(),  # away from the source tree, as a user would run it
        env=env,
        check=False,
    )
    if result.returncode != 0 or version not in result.stdout:
        raise BuildError(
            f"The built {exe.name} did not start (exit {result.returncode}): "
            f"{(result.stderr or result.stdout).strip()[-500:]}"
        )


def build(args: argparse.Namespace) -> int:
    from portie_qt import __version__ as version

    started = time.monotonic()
    pem = read_release_key(args.public_key) if args.release else None
    for old in args.dist.glob(f"Portie-*-{platform_tag()}-*"):
        old.unlink()  # an archive left from an earlier build must not pass for this one
    stage = args.work / "stage"
    stage_sources(stage)
    write_build_info(stage / "portie_qt", release=args.release, purchase_url=args.purchase_url)
    if pem is not None:
        from portie_qt.core import trust

        trust.write_release_key(stage / "portie_qt", pem)
    run_pyinstaller(stage, args.dist, args.work, args.full_icu)
    if sys.platform.startswith("linux"):
        add_linux_desktop_files(args.dist / "Portie", version)
    smoke_test(args.dist, version)
    download = None if args.no_archive else archive(args.dist, version)
    kind = "release" if args.release else "development"
    print(f"build: Portie {version} ({kind} build) in {time.monotonic() - started:.0f} s")
    print(f"build: bundle {bundle_root(args.dist)}  {size_text(bundle_root(args.dist))}")
    if download is not None:
        print(f"build: download {download}  {download.stat().st_size / 1e6:.1f} MB")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return build(args)
    except BuildError as exc:
        print(f"build: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
