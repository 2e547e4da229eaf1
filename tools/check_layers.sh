#!/bin/sh
# check_layers.sh: the include rules between modules (STYLE.md section 1).
#  1. No module includes another module's internal header (x/x_int.h);
#     tests may (white-box), and so may tools/ and bench/.
#  2. Includes follow the dependency direction below. It differs from
#     STYLE's sketch in one place, on purpose: sched includes wasi (each
#     process owns a WASI context), and wasi knows nothing of processes
#     (a host call finds its caller's context through a callback), so the
#     arrow points sched -> wasi, not the other way.
# Prints each violation as file:line and exits 1 if there is any.
set -u
cd "$(dirname "$0")/.."

allowed() { # module -> the modules it may include besides itself
    case "$1" in
    common) echo "" ;;
    vm | fs | net) echo "common" ;;
    wasi) echo "common vm fs net" ;;
    sched) echo "common vm net wasi fs" ;;
    dist) echo "common vm net sched" ;;
    sdk) echo "" ;; # guest code: nothing of the host
    esac
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
bad=0
for mod in common vm fs net wasi sched dist sdk; do
    [ -d "$mod" ] || continue
    ok=$(allowed "$mod")
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
            case " $ok " in *" $dep "*) ;; *)
                echo "$f:${line%%:*}: $mod may not include $dep ($path)" ;;
            esac
        done
    done
done >"$out"
if [ -s "$out" ]; then
    cat "$out"
    bad=1
fi
[ "$bad" -eq 0 ] && echo "layers: ok"
exit "$bad"
