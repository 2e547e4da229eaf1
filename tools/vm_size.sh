#!/bin/sh
# vm_size.sh: the .text of each object of the interpreter (vm/*.c) built
# with a given compiler and flags, one line per object and a total.
#   tools/vm_size.sh CC "CFLAGS"
#   tools/vm_size.sh i686-linux-gnu-gcc-12 "-Os -DVM_NO_SIMD -DVM_NO_FUSION"
# Output: "<object> <bytes>" lines, sorted largest first, then
# "total <bytes> (<KiB> KiB)". The objects go to a temporary directory;
# the size tool is CC's own (i686-linux-gnu-size for i686-linux-gnu-gcc-12),
# else size.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 CC [\"CFLAGS\"]" >&2; exit 2; }
cc=$1
cflags=${2:-}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# i686-linux-gnu-gcc-12 -> i686-linux-gnu-size
prefix=$(basename "$cc" | sed -n 's/^\(.*-\)g\{0,1\}cc\(-[0-9.]*\)\{0,1\}$/\1/p')
size_tool=size
command -v "${prefix}size" >/dev/null 2>&1 && size_tool=${prefix}size

for src in vm/*.c; do
    obj=$tmp/$(basename "$src" .c).o
    # shellcheck disable=SC2086  # CFLAGS is a list of words
    "$cc" -std=c11 -I. -fvisibility=hidden $cflags -c "$src" -o "$obj"
done
"$size_tool" "$tmp"/*.o | awk 'NR > 1 { n = split($6, p, "/"); print p[n], $1 }' |
    sort -k2 -n -r | awk '{ printf "%-20s %8d\n", $1, $2; t += $2 }
        END { printf "%-20s %8d (%.1f KiB)\n", "total", t, t / 1024 }'
