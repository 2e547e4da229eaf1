#!/bin/sh
# fetch.sh OUT PKG...: download the Debian 12 (bookworm) source packages PKG
# with `apt-get source` and unpack each with dpkg-source into OUT/src/, leaving
# the system's apt configuration alone: the sources list, the package lists
# and the download cache all live under OUT/apt/. A package already unpacked
# (OUT/src/PKG.dir names its folder) is skipped, so a second run is quick.
# Debian's patches are not applied (--skip-patches): the upstream sources,
# as released, are what gets built.
set -eu
[ $# -ge 2 ] || { echo "usage: fetch.sh OUT PKG..." >&2; exit 2; }
out=$1; shift
mkdir -p "$out" && out=$(cd "$out" && pwd)
apt="$out/apt"; src="$out/src"
mkdir -p "$apt/sourceparts" "$apt/lists/partial" "$apt/cache/archives/partial" "$src"

# The mirror the system itself uses (deb822 or one-line form), else Debian's.
mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb  *\(http[^ ]*\/debian\)\/* bookworm .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
echo "deb-src $mirror bookworm main" > "$apt/sourceparts/bookworm-src.list"

set -- "$@"
APT_OPTS="-q -o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts=$apt/sourceparts
 -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache
 -o APT::Sandbox::User=root -o Debug::NoLocking=1"

need=""
for p in "$@"; do
    [ -f "$src/$p.dir" ] && [ -d "$src/$(cat "$src/$p.dir")" ] || need="$need $p"
done
[ -n "$need" ] || exit 0

command -v dpkg-source >/dev/null || { echo "fetch.sh: dpkg-source not found (make deps)" >&2; exit 1; }
if ! ls "$apt/lists/"*Sources* >/dev/null 2>&1; then
    echo "fetch: apt-get update ($mirror bookworm, deb-src only)"
    # shellcheck disable=SC2086
    apt-get $APT_OPTS update >"$apt/update.log" 2>&1 ||
        { cat "$apt/update.log" >&2; echo "fetch.sh: apt-get update failed" >&2; exit 1; }
fi
for p in $need; do
    echo "fetch: $p"
    # shellcheck disable=SC2086
    (cd "$src" && apt-get $APT_OPTS source --download-only "$p") >"$src/$p.log" 2>&1 ||
        { cat "$src/$p.log" >&2; echo "fetch.sh: apt-get source $p failed" >&2; exit 1; }
    dsc=$(cd "$src" && ls -t ./*.dsc | while read -r f; do
        grep -q "^Source: $p\$" "$f" && { echo "$f"; break; }; done)
    [ -n "$dsc" ] || { echo "fetch.sh: no .dsc for $p" >&2; exit 1; }
    # <source>-<upstream version>: the folder dpkg-source -x makes
    ver=$(sed -n 's/^Version: *//p' "$src/$dsc" | head -1)
    up=${ver#*:}; up=${up%-*}
    dir="$p-$up"
    rm -rf "${src:?}/$dir"
    (cd "$src" && dpkg-source --no-check --skip-patches -x "$dsc" "$dir") >>"$src/$p.log" 2>&1 ||
        { cat "$src/$p.log" >&2; echo "fetch.sh: dpkg-source -x $dsc failed" >&2; exit 1; }
    echo "$dir" > "$src/$p.dir"
    echo "$ver" > "$src/$p.version"
done
