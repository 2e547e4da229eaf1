#!/bin/sh
# check_embed_size.sh: the .text of a cross-built vm/ archive, full and
# minimal, printed and held under a ceiling (make check-embed).
#   tools/check_embed_size.sh TARGET SIZE_TOOL MIN_FLAGS FULL_A FULL_MAX MIN_A MIN_MAX
# A ceiling left empty is not checked. Exit status 1 when a build is over.
set -u
target=$1 size_tool=$2 min_flags=$3
full_a=$4 full_max=$5 min_a=$6 min_max=$7

text_of() { "$size_tool" -t "$1" | awk 'END { print $1 }'; }

status=0
check() { # label archive ceiling
    bytes=$(text_of "$2")
    line=$(printf '%s: vm/ .text -Os, %s: %s bytes (%s KiB)' "$target" "$1" "$bytes" \
        "$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1024 }')")
    if [ -n "$3" ] && [ "$bytes" -gt "$3" ]; then
        echo "$line: OVER the ceiling of $3 bytes"
        status=1
    elif [ -n "$3" ]; then
        echo "$line, ceiling $3"
    else
        echo "$line"
    fi
}
check "full build" "$full_a" "$full_max"
check "minimal ($min_flags)" "$min_a" "$min_max"
exit "$status"
