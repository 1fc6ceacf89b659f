#!/bin/sh
# Portie's Quick start on Debian or Ubuntu, as root or as a user with sudo:
#
#   sh setup/quickstart.sh run [ARGS…]     install what is missing, then run Portie
#   sh setup/quickstart.sh test [ARGS…]    install what is missing, then run the tests
#   sh setup/quickstart.sh build           install what is missing, then build the bundle
#
# 1. The Debian packages the task needs (setup/debian-packages.txt) that are not
#    installed yet, with apt-get (through sudo when not root);
# 2. a virtual environment in .venv (Debian and Ubuntu's own Python refuses a plain
#    `pip install`, PEP 668), with Portie and the task's extras installed into it;
# 3. the task: `portie ARGS`, or pytest ARGS (as root, through sudo when not root:
#    some tests build network namespaces), or packaging/build.py.
# Set PYTHON to use another interpreter than python3 (3.10 or newer).
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd -P)
task=${1:-}
case "$task" in
    run | test | build) shift ;;
    *)
        echo "usage: sh setup/quickstart.sh run|test|build [ARGS…]" >&2
        exit 2
        ;;
esac
python=${PYTHON:-python3}
venv="$repo/.venv"

say() { printf '== %s\n' "$*"; }
fail() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    fail "this account is not root and sudo is not installed; run this as root once (su -), or install sudo."
fi

# The packages of a task: its own lines plus those of the tasks it includes.
packages_of() {
    case "$1" in
        test | build) tasks="run $1" ;;
        *) tasks="$1" ;;
    esac
    for t in $tasks; do
        sed -n "s/^$t:[[:space:]]*//p" "$repo/setup/debian-packages.txt"
    done
}

install_packages() {
    command -v apt-get >/dev/null 2>&1 || {
        say "not a Debian/Ubuntu system: install the equivalents of these yourself: $(packages_of "$1" | tr '\n' ' ')"
        return 0
    }
    missing=""
    for pkg in $(packages_of "$1"); do
        # Installed means "install ok installed"; anything else (absent, removed) is missing.
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        [ "$status" = "install ok installed" ] || missing="$missing $pkg"
    done
    [ -z "$missing" ] && return 0
    say "installing Debian packages:$missing"
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086  # one word per package
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

make_venv() {
    extras=$1
    if [ ! -x "$venv/bin/python" ]; then
        say "creating the virtual environment $venv"
        "$python" -m venv "$venv" || fail "could not create $venv with $python; install python3-venv."
    fi
    say "installing Portie$extras into $venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$repo$extras"
}

case "$task" in
    run)
        install_packages run
        make_venv ""
        say "starting Portie"
        exec "$venv/bin/portie" "$@"
        ;;
    test)
        install_packages test
        make_venv "[test]"
        cd "$repo"
        say "running the tests"
        # No byte-code or cache files owned by root in a user's checkout.
        exec $as_root env PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" -m pytest -p no:cacheprovider "$@"
        ;;
    build)
        install_packages build
        make_venv "[build]"
        cd "$repo"
        exec "$venv/bin/python" packaging/build.py "$@"
        ;;
esac
