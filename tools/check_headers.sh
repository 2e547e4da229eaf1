#!/bin/sh
# check_headers.sh: every header compiles on its own (STYLE.md section 2),
# the way a .c file uses it: after common/lun_prefix.h (which every .c
# includes first, for the feature-test macros), with the project's
# warnings. The embedding API vm/vm.h must also compile with nothing
# before it. Skipped: vm/op_list.h, vm/iop_list.h and vm/simd_list.h,
# X-macro rows that only mean something with OP/IOP/SIMD defined. The guest SDK is checked for
# wasm32 with the flags guests are built with (see WASM_CFLAGS).
# Usage: check_headers.sh CC [WASM_CC]
set -u
cd "$(dirname "$0")/.."
CC=${1:-cc}
WASM_CC=${2:-clang}
FLAGS="-std=c11 -Wall -Wextra -Werror -Wshadow -Wundef -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wvla -I."
bad=0
for h in common/*.h vm/*.h fs/*.h net/*.h wasi/*.h sched/*.h host/*.h dist/*.h; do
    [ -f "$h" ] || continue
    case "$h" in vm/op_list.h | vm/iop_list.h | vm/simd_list.h) continue ;; esac
    if ! printf '#include "common/lun_prefix.h"\n#include "%s"\n' "$h" |
        $CC $FLAGS -fsyntax-only -x c - 2>/tmp/hdr.err; then
        echo "headers: $h does not compile on its own:"
        sed 's/^/    /' /tmp/hdr.err | head -5
        bad=1
    fi
done
if ! printf '#include "vm/vm.h"\n' | $CC $FLAGS -fsyntax-only -x c - 2>/tmp/hdr.err; then
    echo "headers: vm/vm.h needs something included before it:"
    sed 's/^/    /' /tmp/hdr.err | head -5
    bad=1
fi
for h in sdk/*.h; do
    [ -f "$h" ] || continue
    if ! printf '#include "%s"\n' "$h" |
        $WASM_CC --target=wasm32-wasi -O2 -Wall -Wextra -Werror -I. -fsyntax-only -x c - 2>/tmp/hdr.err; then
        echo "headers: $h does not compile on its own (wasm32):"
        sed 's/^/    /' /tmp/hdr.err | head -5
        bad=1
    fi
done
rm -f /tmp/hdr.err
[ "$bad" -eq 0 ] && echo "headers: ok"
exit "$bad"
