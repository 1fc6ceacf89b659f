"""Linux bundles: rebuild Qt's ICU data library with only the data Qt can use.

PySide6's ``libicudata.so.NN`` is 32 MB, a quarter of the bundle. It is a single
read-only blob (ICU's "common data" package) behind one symbol, ``icudtNN_dat``. Qt
asks ICU for collation (``QCollator``: the ``coll/`` tree and the root rules) and,
rarely, normalisation and legacy codec aliases; it formats numbers, dates, currency
and language names from its own CLDR tables, and breaks text with its own Unicode
tables. So this keeps ``coll/``, the root-level support files (``root.res``,
``supplementalData.res``, ``likelySubtags.res``, normalisation and Unicode property
data, ``cnvalias.icu``) and drops per-locale display data, currency, unit, zone and
language names, break-iterator dictionaries, transliterators and codec tables. A
locale ICU has no data for falls back to the root rules, which is what ICU does for
any locale it does not know.

The new package is wrapped in a shared library with binutils (``ld``, ``objcopy``),
which PyInstaller already needs on Linux. When they are missing, or the input is not
what this expects, the caller keeps the original library.

    python packaging/trim_icu.py LIBICUDATA OUT_DIR     # prints the new library's path
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ALIGN = 16  # ICU items are 16-byte aligned in the package; keep them so
LOCALE_FILE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]+)*\.res$")
KEEP_ROOT_RES = {"res_index.res", "root.res", "pool.res"}


class TrimError(Exception):
    """The library is not an ICU data library this script understands."""


def _sections(elf: bytes) -> dict[str, tuple[int, int, int, int]]:
    """Section name -> (type, file offset, size, link) of a 64-bit little-endian ELF."""
    if elf[:6] != b"\x7fELF\x02\x01":
        raise TrimError("not a 64-bit little-endian ELF file")
    (shoff,) = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)
    raw = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    names_at = raw[shstrndx][4]

    def name(offset: int) -> str:
        start = names_at + offset
        return elf[start : elf.index(b"\0", start)].decode()

    return {name(s[0]): (s[1], s[4], s[5], s[6]) for s in raw}


def _data_symbol(elf: bytes, sections: dict) -> tuple[str, int]:
    """The exported ``icudtNN_dat`` symbol's name and its file offset."""
    _, symtab, size, _ = sections[".dynsym"]
    strings = sections[".dynstr"][1]
    to_offset = _addr_to_offset(elf)
    for pos in range(symtab, symtab + size, 24):
        st_name, _info, _other, _shndx, value, _size = struct.unpack_from("<IBBHQQ", elf, pos)
        start = strings + st_name
        name = elf[start : elf.index(b"\0", start)].decode()
        if re.fullmatch(r"icudt\d+_dat", name):
            return name, to_offset(value)
    raise TrimError("no icudtNN_dat symbol")


def _addr_to_offset(elf: bytes):
    """Map a virtual address to a file offset through the PT_LOAD program headers."""
    (phoff,) = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    loads = []
    for i in range(phnum):
        kind, _flags, offset, vaddr, _paddr, filesz, _memsz, _align = struct.unpack_from(
            "<IIQQQQQQ", elf, phoff + i * phentsize
        )
        if kind == 1:  # PT_LOAD
            loads.append((vaddr, offset, filesz))

    def convert(addr: int) -> int:
        for vaddr, offset, filesz in loads:
            if vaddr <= addr < vaddr + filesz:
                return addr - vaddr + offset
        raise TrimError(f"address {addr:#x} is outside the loaded segments")

    return convert


def _soname(elf: bytes, sections: dict) -> str:
    _, dynamic, size, _ = sections[".dynamic"]
    strings = sections[".dynstr"][1]
    for pos in range(dynamic, dynamic + size, 16):
        tag, value = struct.unpack_from("<qQ", elf, pos)
        if tag == 14:  # DT_SONAME
            return elf[strings + value : elf.index(b"\0", strings + value)].decode()
    raise TrimError("no SONAME")


def read_package(blob: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Split an ICU common-data package into its header and (name, item) pairs."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", blob, 0)
    if (magic1, magic2) != (0xDA, 0x27) or blob[12:16] != b"CmnD":
        raise TrimError("not an ICU common data package (CmnD)")
    toc = header_size
    (count,) = struct.unpack_from("<I", blob, toc)
    entries = [struct.unpack_from("<II", blob, toc + 4 + 8 * i) for i in range(count)]
    items = []
    for i, (name_off, data_off) in enumerate(entries):
        name = blob[toc + name_off : blob.index(b"\0", toc + name_off)].decode()
        end = entries[i + 1][1] if i + 1 < count else len(blob) - toc
        items.append((name, blob[toc + data_off : toc + end]))
    return blob[:header_size], items


def write_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """An ICU common-data package; ``items`` must be in ICU's (byte-wise) name order."""
    toc_size = 4 + 8 * len(items)
    names = b"".join(name.encode() + b"\0" for name, _ in items)
    offset = toc_size + len(names)
    offset += -offset % ALIGN
    table, body, name_off = [], bytearray(), toc_size
    for name, data in items:
        table.append(struct.pack("<II", name_off, offset + len(body)))
        name_off += len(name) + 1
        body += data
        body += b"\0" * (-len(body) % ALIGN)
    head = struct.pack("<I", len(items)) + b"".join(table) + names
    head += b"\0" * (offset - len(head))
    return header + head + bytes(body)


def wanted(name: str) -> bool:
    """True for the ICU items Qt can use (see the module docstring)."""
    path = name.split("/", 1)[1]
    if "/" in path:
        return path.startswith("coll/")
    if path.endswith(".cnv"):
        return False  # codec tables; cnvalias.icu (names only) stays
    if path.endswith(".res"):
        return path in KEEP_ROOT_RES or not LOCALE_FILE.match(path)
    return True  # .icu, .nrm, .spp, .cfu: Unicode properties, normalisation, stringprep


def trim(library: Path, out_dir: Path) -> Path:
    """Write a trimmed copy of ``library`` (same SONAME and symbol) into ``out_dir``."""
    for tool in ("ld", "objcopy"):
        if shutil.which(tool) is None:
            raise TrimError(f"{tool} (binutils) is not installed")
    elf = library.read_bytes()
    sections = _sections(elf)
    symbol, start = _data_symbol(elf, sections)
    soname = _soname(elf, sections)
    header, items = read_package(elf[start:])
    kept = [(name, data) for name, data in items if wanted(name)]
    if not any(name.endswith("/coll/root.res") for name, _ in kept):
        raise TrimError("the package has no coll/root.res; refusing to guess")
    package = write_package(header, kept)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / soname
    with tempfile.TemporaryDirectory() as tmp:
        blob = Path(tmp) / "icudata.bin"
        blob.write_bytes(package)
        obj = Path(tmp) / "icudata.o"
        # `ld -r -b binary` wraps the bytes for the host architecture; objcopy then gives
        # the section ICU's alignment and read-only flags and the symbol ICU looks up.
        subprocess.run(["ld", "-r", "-b", "binary", "-o", str(obj), blob.name],
                       cwd=tmp, check=True)  # fmt: skip
        subprocess.run(
            ["objcopy",
             "--rename-section", ".data=.rodata,alloc,load,readonly,data,contents",
             "--set-section-alignment", f".rodata={ALIGN}",
             "--redefine-sym", f"_binary_icudata_bin_start={symbol}",
             "--strip-symbol", "_binary_icudata_bin_end",
             "--strip-symbol", "_binary_icudata_bin_size",
             str(obj)],
            check=True,
        )  # fmt: skip
        subprocess.run(
            ["ld", "-shared", "-soname", soname, "-z", "noexecstack", "-o", str(target), str(obj)],
            check=True,
        )
    check = target.read_bytes()
    check_sections = _sections(check)
    name, offset = _data_symbol(check, check_sections)
    if name != symbol or check[offset : offset + len(package)] != package:
        raise TrimError("the rebuilt library does not hold the package where ICU looks")
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    library, out_dir = Path(args[0]), Path(args[1])
    try:
        target = trim(library, out_dir)
    except (TrimError, OSError, subprocess.CalledProcessError) as exc:
        print(f"trim_icu: keeping the full ICU data: {exc}", file=sys.stderr)
        return 1
    print(target)
    before, after = library.stat().st_size / 1e6, target.stat().st_size / 1e6
    print(f"trim_icu: {before:.1f} MB -> {after:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
