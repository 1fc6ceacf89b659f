#!/usr/bin/env bash
# Prove the built Linux bundle works on its own, away from the source tree:
#
#   bash packaging/check_bundle.sh [BUNDLE_DIR]      (default: dist/Portie)
#
# 1. `portie --version` names the package version;
# 2. `portie --self-test` offscreen, then on a real X server (Xvfb, xcb): exit 0, rows > 0
#    (the self-test itself fails when an icon or data file is missing);
# 3. `portie --list --json` parses and shows a listener this script starts, and stops
#    quietly when its reader has gone (`| head`); the window's scan worker
#    (`portie --scan-worker`) starts from the bundle and answers in frames;
# 4. install.sh adds the menu entry, icons and command into a scratch home, and removes them;
# 5. the .tar.gz download unpacks and runs; the sizes.
# Everything runs from an empty temporary folder with PYTHONPATH unset, so nothing can
# come from the checkout. Exits non-zero on the first failure.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd -P)
bundle=$(cd "${1:-$repo/dist/Portie}" 2>/dev/null && pwd -P) || {
    echo "check_bundle: no bundle at ${1:-$repo/dist/Portie}; run python packaging/build.py first." >&2
    exit 1
}
exe="$bundle/portie"
[ -x "$exe" ] || { echo "check_bundle: $exe is missing or not executable." >&2; exit 1; }

scratch=$(mktemp -d)
xvfb_pid=""
listener_pid=""
cleanup() {
    # Stop only what this script started, by PID.
    [ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null && wait "$listener_pid" 2>/dev/null
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
    rm -rf "$scratch"
}
trap cleanup EXIT

cd "$scratch"
unset PYTHONPATH PYTHONHOME PORTIE_STAGE
export PORTIE_CONFIG_DIR="$scratch/config"  # never touch the real user's settings

fail() { echo "check_bundle: FAIL: $*" >&2; exit 1; }

echo "== bundle $bundle"
version=$(python3 -I -c "import ast,sys;t=ast.parse(open(sys.argv[1]).read());print(next(n.value.value for n in t.body if isinstance(n,ast.Assign) and n.targets[0].id=='__version__'))" "$repo/portie_qt/__init__.py")
out=$(timeout 60 "$exe" --version) || fail "--version exited $?"
[ "$out" = "Portie $version" ] || fail "--version said '$out', expected 'Portie $version'"
echo "ok   --version: $out"

self_test() {  # $1 = label; environment chooses the platform
    local out rc=0
    out=$(timeout 90 "$exe" --self-test 2>"$scratch/self-test.err") || rc=$?
    [ "$rc" -eq 0 ] || fail "--self-test ($1) exited $rc: $(tail -5 "$scratch/self-test.err")"
    [[ "$out" =~ rows=([0-9]+)\ first_rows_ms=([0-9]+) ]] || fail "--self-test ($1) printed '$out'"
    [ "${BASH_REMATCH[1]}" -gt 0 ] || fail "--self-test ($1) showed no rows"
    echo "ok   --self-test ($1): $out"
}

# A listener of our own, in a child process, on a loopback port the kernel picks: the
# window always has a row to show, and --list must find it.
python3 -I -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
deadline = time.monotonic() + 300  # bounded: ends by itself if forgotten
while time.monotonic() < deadline:
    time.sleep(0.2)
' >"$scratch/listener.port" &
listener_pid=$!
port=""
for _ in $(seq 50); do  # up to 5 s for the child to report its port
    port=$(head -n1 "$scratch/listener.port" 2>/dev/null || true)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || fail "the test listener did not start"

QT_QPA_PLATFORM=offscreen self_test offscreen

# A real X server: Xvfb picks a free display and writes its number to fd 3.
command -v Xvfb >/dev/null || fail "Xvfb is not installed (apt-get install xvfb)"
exec 3<> <(:)
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >"$scratch/xvfb.log" 2>&1 &
xvfb_pid=$!
display=""
read -r -t 20 display <&3 || true
exec 3<&-
[ -n "$display" ] || fail "Xvfb did not start: $(tail -3 "$scratch/xvfb.log")"
DISPLAY=":$display" QT_QPA_PLATFORM=xcb self_test "Xvfb :$display, xcb"
kill "$xvfb_pid" && wait "$xvfb_pid" 2>/dev/null || true
xvfb_pid=""

timeout 60 "$exe" --list --json >"$scratch/list.json" 2>"$scratch/list.err" || fail "--list --json exited $?: $(tail -3 "$scratch/list.err")"
python3 -I - "$scratch/list.json" "$port" "$listener_pid" <<'EOF' || fail "--list --json did not show the test listener"
import json, sys
rows = json.load(open(sys.argv[1]))
port, pid = int(sys.argv[2]), int(sys.argv[3])
mine = [r for r in rows if r["local_port"] == port and r["state"] == "LISTEN" and r["pid"] == pid]
print(f"ok   --list --json: {len(rows)} rows, listener 127.0.0.1:{port} pid {pid} "
      f"({mine[0]['process'] if mine else 'MISSING'})")
sys.exit(0 if mine else 1)
EOF
# The scan dialog's worker process, as the bundle starts it: unlicensed, it must read the
# request, check it, and answer with the paid-feature sentence in one frame.
printf '{"targets": "127.0.0.1", "ports": "%s", "timeout": 1, "concurrency": null, "banners": false}\n' "$port" \
    | timeout 60 "$exe" --scan-worker >"$scratch/worker.out" 2>"$scratch/worker.err" || true
python3 -I - "$scratch/worker.out" <<'EOF' || fail "--scan-worker did not answer: $(tail -3 "$scratch/worker.err")"
import marshal, struct, sys
data = open(sys.argv[1], "rb").read()
size = struct.unpack_from("<I", data)[0] if len(data) >= 4 else -1
kind, text = marshal.loads(data[4 : 4 + size]) if size > 0 else ("nothing", "")
print(f"ok   --scan-worker: {kind}: {text[:60]}…")
sys.exit(0 if kind == "error" and "paid feature" in text else 1)
EOF
# A reader that leaves early (`portie --list --json | head`): a quiet stop, no traceback.
python3 -I - "$exe" <<'EOF' || fail "--list --json into a closed pipe was not quiet"
import os, subprocess, sys
read_end, write_end = os.pipe()
os.close(read_end)  # the reader has gone before Portie writes a byte
done = subprocess.run([sys.argv[1], "--list", "--json"], stdout=write_end,
                      stderr=subprocess.PIPE, text=True, timeout=60)
os.close(write_end)
print(f"ok   --list --json into a closed pipe: exit {done.returncode}, stderr {done.stderr!r}")
sys.exit(0 if done.returncode == 141 and done.stderr == "" else 1)
EOF
kill "$listener_pid" && wait "$listener_pid" 2>/dev/null || true
listener_pid=""

# The menu installer, into a throw-away home: entry, icons, and a working `portie` link.
home="$scratch/home"
mkdir -p "$home"
HOME="$home" XDG_DATA_HOME="" sh "$bundle/install.sh" >"$scratch/install.log" 2>&1 \
    || fail "install.sh failed: $(tail -3 "$scratch/install.log")"
entry="$home/.local/share/applications/portie.desktop"
grep -qx "Exec=\"$bundle/portie\"" "$entry" || fail "install.sh wrote no Exec line for $bundle/portie"
[ -f "$home/.local/share/icons/hicolor/256x256/apps/portie.png" ] || fail "install.sh installed no icon"
if command -v desktop-file-validate >/dev/null; then  # desktop-file-utils, when present
    desktop-file-validate "$entry" || fail "the installed desktop entry is not valid"
fi
out=$(timeout 60 "$home/.local/bin/portie" --version) || fail "the installed portie link did not run"
[ "$out" = "Portie $version" ] || fail "the installed portie link said '$out'"
HOME="$home" XDG_DATA_HOME="" sh "$bundle/install.sh" --uninstall >/dev/null \
    || fail "install.sh --uninstall failed"
[ ! -e "$entry" ] && [ ! -e "$home/.local/bin/portie" ] || fail "install.sh --uninstall left files"
echo "ok   install.sh: menu entry, icons and ~/.local/bin/portie; --uninstall removes them"

echo "ok   size: $(du -sh "$bundle" | cut -f1) ($bundle)"
for archive in "$(dirname "$bundle")"/Portie-*-linux-*.tar.gz; do
    [ -f "$archive" ] || continue
    # The download users get: unpacked elsewhere, it runs by itself.
    mkdir -p "$scratch/unpacked"
    tar -xzf "$archive" -C "$scratch/unpacked" || fail "cannot unpack $archive"
    out=$(timeout 60 "$scratch/unpacked/Portie/portie" --version) \
        || fail "the unpacked $(basename "$archive") did not start"
    [ "$out" = "Portie $version" ] || fail "the unpacked bundle said '$out'"
    echo "ok   download: $(du -h "$archive" | cut -f1) ($(basename "$archive")), unpacks and runs"
done
echo "check_bundle: all checks passed"
