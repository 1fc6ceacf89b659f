#!/bin/sh
# Add Portie @VERSION@ to this user's application menu (no root needed).
#
#   ./install.sh              add or update the menu entry, icons and the `portie` command
#   ./install.sh --uninstall  remove them again (this folder itself stays where it is)
#
# Portie runs from this folder: keep it where it is (for example ~/Applications/Portie)
# and run this script again if you move it.
set -eu

here=$(cd "$(dirname "$0")" && pwd -P)
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps="$data/applications"
icons="$data/icons/hicolor"
bindir="$HOME/.local/bin"
sizes="16 32 48 64 128 256 512"

refresh_caches() {
    # Menus pick up changes by themselves on most desktops; this just makes it immediate.
    # No gtk-update-icon-cache: a cache file in the user's icon folder goes stale and
    # hides icons other apps install later. Touching the folder prompts a rescan.
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$apps" 2>/dev/null || true
    fi
    touch "$icons" 2>/dev/null || true
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$apps/portie.desktop" "$icons/scalable/apps/portie.svg"
    for size in $sizes; do
        rm -f "$icons/${size}x${size}/apps/portie.png"
    done
    # Remove the command only if it is ours (points into this folder).
    if [ -L "$bindir/portie" ] && [ "$(readlink "$bindir/portie")" = "$here/portie" ]; then
        rm -f "$bindir/portie"
    fi
    refresh_caches
    echo "Portie is no longer in your application menu. Delete $here to remove it completely."
    exit 0
elif [ $# -gt 0 ]; then
    echo "Usage: $0 [--uninstall]" >&2
    exit 2
fi

if [ ! -x "$here/portie" ]; then
    echo "install.sh: $here/portie is missing; run this script from the unpacked Portie folder." >&2
    exit 1
fi
case "$here" in
    *[\"\`\$\\%]*)
        echo "install.sh: move Portie to a folder whose path has no \" \` \$ \\ or % characters, then run this again." >&2
        exit 1
        ;;
esac

mkdir -p "$apps" "$icons/scalable/apps"
for size in $sizes; do
    mkdir -p "$icons/${size}x${size}/apps"
    cp "$here/icons/portie-$size.png" "$icons/${size}x${size}/apps/portie.png"
done
cp "$here/icons/portie.svg" "$icons/scalable/apps/portie.svg"

# The launcher entry, pointing at this folder's executable (quoted: paths may have spaces).
sed -e "s|^Exec=.*|Exec=\"$here/portie\"|" \
    -e "s|^Icon=.*|Icon=portie|" \
    -e "/^X-Portie-Version=/a TryExec=$here/portie" \
    "$here/portie.desktop" > "$apps/portie.desktop.tmp"
mv "$apps/portie.desktop.tmp" "$apps/portie.desktop"
chmod 644 "$apps/portie.desktop"

# `portie` on the command line, unless something else already has that name.
mkdir -p "$bindir"
if [ ! -e "$bindir/portie" ] || [ -L "$bindir/portie" ]; then
    ln -sfn "$here/portie" "$bindir/portie"
    linked=yes
else
    linked=no
fi

refresh_caches
echo "Portie @VERSION@ is in your application menu."
if [ "$linked" = yes ]; then
    case ":$PATH:" in
        *":$bindir:"*) echo "Type 'portie --list' in a terminal for the command-line view." ;;
        *) echo "For the command-line view, add $bindir to your PATH, then type 'portie --list'." ;;
    esac
else
    echo "$bindir/portie already exists and is not Portie's, so it was left alone."
fi
