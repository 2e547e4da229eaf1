#!/bin/sh
# check_layers.sh: the include rules between modules (STYLE.md section 1).
#  1. No module includes another module's internal header (x/x_int.h);
#     tests may (white-box), and so may tools/ and bench/.
#  2. Includes follow the layer order below: a module includes only
#     modules beneath it, and where a module may use just one header of
#     another, only that header (sched takes net's poller, not its
#     sockets or TLS).
#  3. Some modules may not include a library's headers at all (the
#     scheduler names no database and no TLS: those are host/'s).
# The order differs from STYLE's sketch in two places, on purpose:
#   - sched includes wasi (each process owns a WASI context), and wasi
#     knows nothing of processes (a host call finds its caller's context
#     through a callback), so the arrow points sched -> wasi;
#   - the lunatic::* guest ABI is a layer of its own, host, above sched:
#     sched offers it sched/sched_host.h and takes its functions as a
#     sched_abi_t at run time, never naming them. dist (the cluster) sits
#     beside host, above sched: neither includes the other, and dist
#     takes only sched's public headers (sched.h, sched_host.h).
# Prints the layer order, then each violation as file:line; exits 1 if
# there is any.
set -u
cd "$(dirname "$0")/.."

# The layers, lowest first; modules on one line are side by side.
LAYERS='common
vm fs net
wasi
sched
host dist
sdk (guest code: includes nothing of the host)'

allowed() { # module -> what it may include besides itself: modules, or
            # single headers (mod/file.h) where only those are allowed
    case "$1" in
    common) echo "" ;;
    vm | fs | net) echo "common" ;;
    wasi) echo "common vm fs net" ;;
    sched) echo "common vm wasi fs net/poll.h" ;;
    host) echo "common vm net wasi fs sched" ;;
    dist) echo "common vm net wasi fs sched/sched.h sched/sched_host.h" ;;
    sdk) echo "" ;;
    esac
}

forbidden_system() { # module -> system headers it may not include
    case "$1" in
    sched) echo "sqlite3.h mbedtls/ psa/" ;;
    *) echo "" ;;
    esac
}

echo "layers (lowest first):"
printf '%s\n' "$LAYERS" | sed 's/^/  /'

out=$(mktemp)
trap 'rm -f "$out"' EXIT
bad=0
for mod in common vm fs net wasi sched host dist sdk; do
    [ -d "$mod" ] || continue
    ok=$(allowed "$mod")
    nosys=$(forbidden_system "$mod")
    for f in "$mod"/*.c "$mod"/*.h "$mod"/*.inc; do
        [ -f "$f" ] || continue
        # quoted includes naming a module: "x/...", "../x/..."
        grep -n '#include "' "$f" | while IFS= read -r line; do
            path=$(printf '%s' "$line" | sed 's/.*#include "\([^"]*\)".*/\1/; s|^\.\./||')
            case "$path" in */*) ;; *) continue ;; esac
            dep=${path%%/*}
            [ "$dep" = "$mod" ] && continue
            case "$path" in *_int.h)
                echo "$f:${line%%:*}: includes another module's internal header $path"
                continue ;;
            esac
            case " $ok " in
            *" $dep "* | *" $path "*) ;;
            *" $dep/"*) echo "$f:${line%%:*}: $mod may include only $(printf '%s' " $ok " | tr ' ' '\n' | grep "^$dep/" | tr '\n' ' ')of $dep, not $path" ;;
            *) echo "$f:${line%%:*}: $mod may not include $dep ($path)" ;;
            esac
        done
        [ -n "$nosys" ] || continue
        grep -n '#include <' "$f" | while IFS= read -r line; do
            path=$(printf '%s' "$line" | sed 's/.*#include <\([^>]*\)>.*/\1/')
            for no in $nosys; do
                case "$path" in "$no"*)
                    echo "$f:${line%%:*}: $mod may not include <$path>" ;;
                esac
            done
        done
    done
done >"$out"
if [ -s "$out" ]; then
    cat "$out"
    bad=1
fi
[ "$bad" -eq 0 ] && echo "layers: ok"
exit "$bad"
