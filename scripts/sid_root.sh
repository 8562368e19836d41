#!/bin/sh
# Python 3.14 and 3.15 for a machine that has neither: Debian's `sid` suite packages them, but
# they need sid's C library, so they run inside a Debian sid root (a chroot). This script
# builds that root once, then mounts what a test run needs and runs a command inside it.
#
#   sh scripts/sid_root.sh can python3.X     succeed if this script can provide that Python here
#   sh scripts/sid_root.sh ensure              build the root if missing, mount, print its path
#   sh scripts/sid_root.sh run DIR CMD...      run CMD inside the root, in DIR (a path on the
#                                              host, bind-mounted at the same path inside)
#   sh scripts/sid_root.sh umount              unmount everything mounted below the root
#
# Needs root (debootstrap and chroot do) and Debian's package mirror. The root lives outside
# any checkout, in $BOOK_SID_ROOT (default /var/cache/concurrency-book/sid), so every clone
# and every CI run share one copy: the first build takes a few minutes, the next ones none.
set -eu

ROOT=${BOOK_SID_ROOT:-/var/cache/concurrency-book/sid}
MIRROR=${BOOK_SID_MIRROR:-http://deb.debian.org/debian}
# The interpreters and what `make test` runs with, which debootstrap installs; then Chromium for
# the browser test, which apt installs inside the root: debootstrap's own resolver cannot pick
# a package for a virtual dependency (dconf-service needs "dbus-session-bus"), and fails there.
BASE_PACKAGES="python3.14 python3.14-venv python3.15 python3.15-venv make git ca-certificates"
PACKAGES="$BASE_PACKAGES chromium"
# Bump when PACKAGES changes: an existing root then gets the missing packages installed.
STAMP="$ROOT/.book-sid-root-2"

die() { echo "sid_root.sh: $*" >&2; exit 1; }

complete() {
    echo "sid_root.sh: completing the sid root in $ROOT" >&2
    mount_all
    # The mirror may serve a sid snapshot whose Release file has passed its Valid-Until.
    chroot "$ROOT" sh -c "apt-get -o Acquire::Check-Valid-Until=false update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES" >>"$ROOT.log" 2>&1 \
        || { tail -n 20 "$ROOT.log" >&2; die "apt-get in the sid root failed; its log is $ROOT.log"; }
    touch "$STAMP"
}

build() {
    [ "$(id -u)" = 0 ] || die "building the sid root needs root (debootstrap); run as root or with sudo"
    if [ -x "$ROOT/usr/bin/python3.15" ] && [ -x "$ROOT/usr/bin/python3.14" ]; then
        complete
        return
    fi
    if ! command -v debootstrap >/dev/null 2>&1; then
        command -v apt-get >/dev/null 2>&1 || die "debootstrap is missing and there is no apt-get to install it"
        echo "sid_root.sh: installing debootstrap" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    fi
    echo "sid_root.sh: building a Debian sid root with Python 3.14 and 3.15 in $ROOT (a few minutes, once)" >&2
    rm -rf "$ROOT.partial"
    mkdir -p "$(dirname "$ROOT")"
    debootstrap --variant=minbase --include="$(echo $BASE_PACKAGES | tr ' ' ,)" sid "$ROOT.partial" "$MIRROR" >"$ROOT.log" 2>&1 \
        || { tail -n 20 "$ROOT.log" >&2; die "debootstrap failed; its log is $ROOT.log"; }
    rm -rf "$ROOT"
    mv "$ROOT.partial" "$ROOT"
    complete
}

is_mounted() { grep -q " $1 " /proc/self/mounts; }

mount_all() {
    is_mounted "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
    is_mounted "$ROOT/sys" || mount -t sysfs sys "$ROOT/sys"
    is_mounted "$ROOT/dev" || mount --bind /dev "$ROOT/dev"
    is_mounted "$ROOT/dev/pts" || mount --bind /dev/pts "$ROOT/dev/pts"
    # Process pools' semaphores live in /dev/shm; a tmpfs of the root's own keeps them there.
    is_mounted "$ROOT/dev/shm" || mount -t tmpfs -o mode=1777 shm "$ROOT/dev/shm"
    # pip inside the root reaches the package index as on the host.
    cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
        mkdir -p "$ROOT/etc/ssl/certs"
        cp -L /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
    fi
}

# Bind DIR at the same path inside the root. A mount left by an earlier run may hold a folder
# since deleted and cloned again at the same path (CI does this): it is replaced, or the
# command would start in a folder that no longer exists ("getcwd: No such file or directory").
bind_fresh() {
    if is_mounted "$ROOT$1"; then
        [ "$(stat -c %d:%i "$1")" = "$(stat -c %d:%i "$ROOT$1" 2>/dev/null)" ] && return 0
        umount -l "$ROOT$1"
        mkdir -p "$ROOT$1"
    fi
    mount --bind "$1" "$ROOT$1"
}

umount_all() {
    # Deepest first, so /dev/shm goes before /dev.
    grep " $ROOT/" /proc/self/mounts | awk '{print $2}' | sort -r | while read -r target; do
        umount -l "$target" 2>/dev/null || true
    done
}

case "${1:-}" in
    can)
        case "${2:-}" in python3.14 | python3.15) ;; *) exit 1 ;; esac
        [ "$(uname -s)" = Linux ] && [ "$(id -u)" = 0 ] || exit 1
        [ -f "$STAMP" ] || command -v debootstrap >/dev/null 2>&1 || command -v apt-get >/dev/null 2>&1
        ;;
    ensure)
        [ -f "$STAMP" ] || build
        [ "$(id -u)" = 0 ] || die "running inside the sid root needs root (chroot)"
        mount_all
        echo "$ROOT"
        ;;
    run)
        shift
        dir=${1:?usage: sid_root.sh run DIR CMD...}
        shift
        dir=$(cd "$dir" && pwd -P)
        [ -f "$STAMP" ] || build
        mount_all
        mkdir -p "$ROOT$dir"
        bind_fresh "$dir"
        # The host's pip settings point at files the root does not have (PIP_FIND_LINKS);
        # HOME is the root's own, so caches do not mix with the host's.
        exec chroot "$ROOT" /usr/bin/env -u PIP_FIND_LINKS -u PIP_CONSTRAINT -u VIRTUAL_ENV \
            HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
            sh -c 'cd "$1" && shift && exec "$@"' sh "$dir" "$@"
        ;;
    umount)
        umount_all
        ;;
    *)
        die "usage: sid_root.sh can python3.X | ensure | run DIR CMD... | umount"
        ;;
esac
