#!/bin/sh
# deps.sh: install the Debian packages the build and the tests need, but
# only those missing; with everything present it does nothing (no apt-get
# update). Runs as root without a TTY, or through sudo when not root.
set -eu

# The third line: tools the tests run (the TLS test's CA, the HTTP test's
# client, the test scripts' socket helpers, make ops-e2e's Prometheus
# server and promtool, and the tmux that drives `lunatic top`). The fourth: those of make
# test-real and make fuzz-diff (dpkg-source unpacks Debian source
# packages, tclsh generates SQLite's amalgamation, node's V8 is the
# reference engine, binaryen's wasm-opt generates fuzz modules and gives
# Lua and mujs their setjmp/longjmp). The rest: Debian's Rust with the
# wasm32-wasi std and the crates lunatic-rs needs, which `make
# test-lunatic-rs` builds offline (../shared/lunatic-rs/README.md; darling's
# "suggestions" feature brings strsim, which that list misses). Features
# other packages provide (serde+derive, syn+full...) are not listed: they
# are virtual, and dpkg-query would call them missing every time.
# The last two lines: make check-embed's cross compilers (i386, 32-bit ARM,
# big-endian 32-bit PowerPC), their C libraries and qemu-user. Versioned
# gcc-12-* packages: the unversioned gcc-<triple> meta packages fail to
# install here, and gcc-multilib conflicts with every cross compiler (so
# 32-bit x86 is a cross target too, not gcc -m32).
PACKAGES="libxxhash-dev libcriterion-dev libmbedtls-dev libsqlite3-dev wabt clang lld
wasi-libc libclang-rt-14-dev-wasm32
openssl curl python3 wrk prometheus tmux
dpkg-dev tcl nodejs binaryen
rustc cargo libstd-rust-dev-wasm32 librust-thiserror-dev librust-rustversion-dev
librust-paste-dev librust-serde-dev librust-serde-derive-dev librust-bincode-dev
librust-serde-json-dev librust-rmp-serde-dev librust-darling-dev
librust-darling+suggestions-dev librust-proc-macro2-dev librust-quote-dev
librust-syn-dev librust-serde-bytes-dev
qemu-user gcc-12-i686-linux-gnu libc6-dev-i386-cross gcc-12-arm-linux-gnueabihf
libc6-dev-armhf-cross gcc-12-powerpc-linux-gnu libc6-dev-powerpc-cross"

missing=""
for p in $PACKAGES; do
    # dpkg-query prints "install ok installed" only for a fully installed
    # package; removed-but-configured ones count as missing.
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing="$missing $p"
done

if [ -z "$missing" ]; then
    echo "deps: all present"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "deps: missing:$missing; run as root (no sudo found)" >&2
    exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Another apt or dpkg (unattended-upgrades, a second job on the machine)
# may hold the lock: wait for it, up to DEPS_LOCK_WAIT seconds, instead of
# failing at once, and say so. apt-get install waits by itself with
# DPkg::Lock::Timeout, silently; apt-get update ignores that option for the
# lists lock (apt 2.6 fails at once), hence the polling here.
lock_wait=${DEPS_LOCK_WAIT:-600}
APT_LOCKS="/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock"

apt_locked() {
    # fuser (psmisc) lists who has a lock file open; without it, assume free
    # and let apt-get report the lock.
    command -v fuser >/dev/null 2>&1 || return 1
    # shellcheck disable=SC2086 # the list is meant to split into words
    $SUDO fuser $APT_LOCKS >/dev/null 2>&1
}

wait_for_apt() {
    waited=0
    while apt_locked; do
        if [ "$waited" -eq 0 ]; then
            echo "deps: another apt/dpkg holds the lock; waiting (up to ${lock_wait} s)"
        fi
        if [ "$waited" -ge "$lock_wait" ]; then
            echo "deps: still locked after ${lock_wait} s; trying anyway" >&2
            return 0
        fi
        sleep 2
        waited=$((waited + 2))
    done
    [ "$waited" -eq 0 ] || echo "deps: lock free after ${waited} s"
}

apt_get() {
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get \
        -o DPkg::Lock::Timeout="$lock_wait" "$@"
}

wait_for_apt
apt_get update -q
wait_for_apt
# shellcheck disable=SC2086 # the list is meant to split into words
apt_get install -y -q --no-install-recommends $missing
