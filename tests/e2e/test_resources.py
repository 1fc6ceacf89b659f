"""Every file the app loads at run time ships: in the checkout, in the wheel, in a bundle.

The frozen bundle itself is checked by ``packaging/check_bundle.sh`` (CI builds it);
here: resource resolution, the generated icons, the wheel's contents, and the build
script's trust-root handling (release vs development) on a staged copy.
"""

from __future__ import annotations

import importlib.util
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from portie_qt.core.paths import resource_path

ROOT = Path(__file__).resolve().parents[2]
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)


def _needed_resources() -> list[str]:
    """Every resource name: all forms, all assets, and what the self-test insists on."""
    from portie_qt.app import REQUIRED_RESOURCES

    names = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "assets").rglob("*")
        if p.is_file() and "screenshots" not in p.parts  # the README's pictures, not the app's
    }
    names |= set(REQUIRED_RESOURCES)
    names |= {f"assets/icons/portie-{size}.png" for size in ICON_SIZES}
    names |= {"assets/icons/portie.svg", "assets/icons/portie.ico", "assets/icons/portie.icns"}
    names |= {"assets/iana_ports.json"}
    return sorted(names)


def _build_script():
    spec = importlib.util.spec_from_file_location("portie_build", ROOT / "packaging" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_every_needed_resource_resolves_from_the_checkout():
    for name in _needed_resources():
        path = resource_path(name)
        assert path.is_file() and path.stat().st_size > 0, name
    assert {"assets/iana_ports.json", "assets/icons/lock.svg"} <= set(_needed_resources())


def test_generated_icons_have_the_sizes_their_names_say():
    for size in ICON_SIZES:
        data = resource_path(f"assets/icons/portie-{size}.png").read_bytes()
        assert _png_size(data) == (size, size)

    ico = resource_path("assets/icons/portie.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind) == (0, 1)
    sizes = set()
    for i in range(count):
        width, _h, _c, _r, _planes, _bpp, length, offset = struct.unpack_from(
            "<BBBBHHII", ico, 6 + 16 * i
        )
        assert _png_size(ico[offset : offset + length])[0] == (width or 256)
        sizes.add(width or 256)
    assert {16, 32, 48, 256} <= sizes  # what Explorer and the taskbar ask for

    icns = resource_path("assets/icons/portie.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    kinds, pos = {}, 8
    while pos < len(icns):
        kind, length = icns[pos : pos + 4], struct.unpack(">I", icns[pos + 4 : pos + 8])[0]
        kinds[kind] = _png_size(icns[pos + 8 : pos + length])[0]
        pos += length
    assert kinds[b"ic10"] == 1024 and kinds[b"ic07"] == 128 and kinds[b"icp4"] == 16


def test_make_icons_regenerates_every_output(tmp_path):
    out = tmp_path / "icons"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "make_icons.py"), "--out", str(out)],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    made = sorted(p.name for p in out.iterdir())
    assert made == sorted([f"portie-{s}.png" for s in ICON_SIZES] + ["portie.ico", "portie.icns"])
    for size in ICON_SIZES:
        assert _png_size((out / f"portie-{size}.png").read_bytes()) == (size, size)


@pytest.mark.slow
def test_wheel_ships_every_resource_where_resource_path_finds_it(tmp_path):
    # Build from a copy so the build leaves nothing (build/, *.egg-info) in the work tree.
    import shutil

    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_release_key.py", "_build_info.py")
    for name in ("portie_qt", "assets"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    wheels = tmp_path / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(wheels)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = wheels.glob("portie-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        members = set(archive.namelist())
        installed = tmp_path / "site"
        archive.extractall(installed)
    missing = [n for n in _needed_resources() if f"portie_qt/{n}" not in members]
    assert not missing, f"the wheel lacks {missing}: add them to package-data in pyproject.toml"
    assert not any(n.endswith(("_release_key.py", "_build_info.py")) for n in members)

    # Installed (unzipped) wheel, run from elsewhere: resource_path finds each file inside it.
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from portie_qt.core.paths import resource_path;"
        "print('\\n'.join(str(resource_path(n)) for n in sys.argv[2:]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe, str(installed), *_needed_resources()],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for line in done.stdout.splitlines():
        assert Path(line).is_relative_to(installed / "portie_qt"), line


def _staged_trust(build, tmp_path: Path, release_pem: str | None) -> str:
    """Stage the sources as build.py does and report the staged build's trust root."""
    stage = tmp_path / "stage"
    build.stage_sources(stage)
    build.write_build_info(stage / "portie_qt", release=release_pem is not None)
    if release_pem is not None:
        from portie_qt.core import trust

        trust.write_release_key(stage / "portie_qt", release_pem)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from portie_qt.core import trust;"
        "print(trust.is_release_build(), sorted(trust.trusted_keys()))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe, str(stage)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _new_public_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_development_build_trusts_the_dev_key_and_release_build_only_the_vendor_key(tmp_path):
    from portie_qt.core import trust

    build = _build_script()
    dev_id = trust.key_id(trust.dev_public_key())
    assert _staged_trust(build, tmp_path / "dev", None) == f"False [{dev_id}]"

    vendor_pem = _new_public_pem()
    vendor_id = trust.key_id(trust.load_public_key(vendor_pem))
    assert _staged_trust(build, tmp_path / "rel", vendor_pem) == f"True [{vendor_id}]"


def _run_build(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "packaging" / "build.py"), *args,
               "--dist", str(tmp_path / "dist"), "--work", str(tmp_path / "work")]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_release_build_refuses_the_development_key_before_building(tmp_path):
    from portie_qt.core import trust

    dev_pem = tmp_path / "dev-public.pem"
    dev_pem.write_text(trust.DEV_PUBLIC_KEY_PEM)
    done = _run_build(["--release", "--public-key", str(dev_pem)], tmp_path)
    assert done.returncode == 1
    assert "development license key" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "dist").exists()  # refused before PyInstaller ran


def test_release_build_refuses_a_private_key_and_needs_a_key(tmp_path):
    private = tmp_path / "vendor-private.pem"
    private.write_bytes((ROOT / "packaging" / "dev-license-signing-key.pem").read_bytes())
    done = _run_build(["--release", "--public-key", str(private)], tmp_path)
    assert done.returncode == 1 and "private key" in done.stderr

    done = _run_build(["--release"], tmp_path)
    assert done.returncode == 2 and "--public-key" in done.stderr
    assert not (tmp_path / "dist").exists()
