#!/usr/bin/env bash
# Does the README's set-up work, verbatim, on a fresh Debian 12?
#
# Bootstraps a minimal Debian 12 (bookworm) root with debootstrap (the same minbase
# variant the Debian container images are built from: no Python, no Java), clones
# this repository into it (committed files only), and runs set-up command 1 of
# README.md -- taken from the README's first ```sh block, so this checks what the
# README says, not a copy -- as root inside it with chroot. It passes when that
# command exits 0 and prints the durability counterexample of the Jepsen 2013 spec.
# With --tests it then also runs command 2's install part verbatim (everything
# before its `python -m pytest`), the quick loop (`python -m pytest -m "not tlc" -q -x`)
# and the two tests that render pages in Chromium (with TLC: a few minutes more).
#
# Needs root, Debian's package mirror (DEBIAN_MIRROR, default deb.debian.org) and
# PyPI; takes minutes and ~1 GB under /tmp (~2 GB with --tests), so it is
# not part of .ci/run. The chroot is unmounted and removed on exit, failed or not.
#
#   sudo .ci/fresh-debian.sh [--tests]
#
# Real runs (2026-12-05, this 2-core machine, shared with other work): plain, 1 min 8 s
# (debootstrap 36 s, command 1 30 s); --tests, 3 to 11 min depending on the load and
# the mirror (the slowest: debootstrap 74 s, command 1 96 s, command 2's install
# 200 s, quick loop 205 s, removal 95 s). The chroot takes 0.9 GB, 2.1 GB with --tests.
# The last --tests run (6 min 34 s) ended with:
#   fresh-debian [ 163s]: OK: README set-up command 1 works verbatim on Debian 12 and prints the durability violation
#   ...
#   fresh-debian [ 361s]: page-tests: exit 0 after 28 s; its last lines (...page-tests.out):
#       | 2 passed, 816 deselected in 27.66s
#   fresh-debian [ 389s]: OK: command 2's install part works verbatim on Debian 12; the quick loop and the Chromium page tests pass
#   fresh-debian [ 389s]: done in 389 s; the chroot took 2.1G
#   fresh-debian [ 394s]: removed /tmp/kafkamc-fresh-debian.9kWTtf
# (the quick loop: 606 passed, 212 deselected in 79 s; command 1 printed
#   So durability is broken at step 7: record r1, acknowledged at step 5, is missing
#   from the log of leader b2, elected at step 7 (its log is empty).)
set -euo pipefail

usage() { echo "usage: $0 [--tests]" >&2; exit 2; }
with_tests=false
case "${1:-}" in
    "") ;;
    --tests) with_tests=true ;;
    *) usage ;;
esac
[ $# -le 1 ] || usage

repo=$(cd "$(dirname "$0")/.." && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
say() { printf 'fresh-debian [%4ds]: %s\n' "$SECONDS" "$*"; }
die() { say "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap, mount and chroot need it)"
command -v git >/dev/null || die "git is needed to clone the repository"
if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
fi
[ -z "$(git -C "$repo" status --porcelain --untracked-files=no)" ] \
    || say "note: uncommitted changes in $repo are not tested (the chroot gets a clone)"

root=$(mktemp -d /tmp/kafkamc-fresh-debian.XXXXXX)
log=$root.log

# Everything mounted at or below the chroot, deepest first.
mounts_below_root() {
    awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}
exec 3>&1 4>&2  # the terminal, for cleanup: a signal may stop us inside a redirection
cleanup() {
    local status=$? m
    set +e
    exec 1>&3 2>&4
    for m in $(mounts_below_root); do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
    if [ -n "$(mounts_below_root)" ]; then
        say "still mounted below $root, NOT removing it:" >&2
        mounts_below_root >&2
    else
        # --one-file-system: never follow into anything still bound from the host.
        rm -rf --one-file-system "$root"
        # The logs beside it are kept for a failure only.
        if [ "$status" -eq 0 ]; then
            rm -f "$root".*
            say "removed $root"
        else
            say "removed $root; its logs: $(echo "$root".*)"
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "debootstrap --variant=minbase bookworm $root $mirror (log: $log)"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$log" 2>&1 \
    || { tail -n 20 "$log" >&2; die "debootstrap failed"; }
say "debootstrap done: $(du -sh --one-file-system "$root" | cut -f1)"

# What chroot needs of the host: name resolution, /proc (Java reads it), /sys and
# /dev with its ptys and /dev/shm (Chromium uses it).
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
# Where this host reaches PyPI through a TLS-inspecting proxy, only its pip trusts the
# proxy's CA (PIP_CERT, or pip's global.cert): give the chroot's pip that trust, and
# nothing else of the host's configuration.
ca=${PIP_CERT:-$(python3 -m pip config get global.cert 2>/dev/null || true)}
if [ -n "$ca" ]; then
    cp -L "$ca" "$root/etc/host-pip-ca.crt"
    printf '[global]\ncert = /etc/host-pip-ca.crt\n' >"$root/etc/pip.conf"
    say "the chroot's pip trusts $ca, as this host's pip does"
fi
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"

head=$(git -C "$repo" rev-parse HEAD)
git clone -q "$repo" "$root/root/kafkamc"
[ "$(git -C "$root/root/kafkamc" rev-parse HEAD)" = "$head" ] \
    || die "the clone is not at $head"
say "cloned $repo at ${head:0:12} into /root/kafkamc"

# The README's set-up commands: the lines of its first ```sh block, less comments.
mapfile -t commands < <(awk '/^```sh$/ { n++; next } n == 1 && /^```$/ { exit } n == 1' \
    "$root/root/kafkamc/README.md" | grep -v -e '^#' -e '^[[:space:]]*$')
[ "${#commands[@]}" -eq 2 ] \
    || die "README.md's first sh block has ${#commands[@]} commands, expected the 2 set-up commands"

# A root login shell on a fresh machine: nothing of this host's environment.
in_chroot() {
    chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        DEBIAN_FRONTEND=noninteractive /bin/bash -c "cd /root/kafkamc && $1"
}
run_step() {  # NAME COMMAND: run COMMAND in the chroot, its output to $root.NAME.out
    local out=$root.$1.out started=$SECONDS status=0
    say "$1: $2"
    in_chroot "$2" >"$out" 2>&1 || status=$?
    say "$1: exit $status after $((SECONDS - started)) s; its last lines ($out):"
    tail -n 15 "$out" | sed 's/^/    | /'
    return "$status"
}

run_step command-1 "${commands[0]}" || die "README set-up command 1 exited non-zero"
grep -Eq '^durability is broken in [0-9]+ steps' "$root.command-1.out" \
    || die "command 1 did not print the durability counterexample"
grep -m 1 '^  So durability is broken' "$root.command-1.out" | sed 's/^ */    | /'
say "OK: README set-up command 1 works verbatim on Debian 12 and prints the durability violation"

if $with_tests; then
    install=${commands[1]% && python -m pytest}
    [ "$install" != "${commands[1]}" ] || die "command 2 does not end with '&& python -m pytest'"
    run_step command-2-install "$install" || die "the install part of README set-up command 2 failed"
    run_step quick-loop '. .venv/bin/activate && python -m pytest -m "not tlc" -q -x' \
        || die "the quick loop failed in the chroot"
    # The quick loop has no TLC test, and the page tests, which need TLC and Chromium,
    # are skipped where chromium is missing: run them, and insist they ran.
    run_step page-tests '. .venv/bin/activate && python -m pytest -q -x -rs -k chromium' \
        || die "the tests that render pages in Chromium failed in the chroot"
    grep -q skipped "$root.page-tests.out" && die "the Chromium tests were skipped: no chromium"
    say "OK: command 2's install part works verbatim on Debian 12;" \
        "the quick loop and the Chromium page tests pass"
fi
say "done in $SECONDS s; the chroot took $(du -sh --one-file-system "$root" | cut -f1)"
