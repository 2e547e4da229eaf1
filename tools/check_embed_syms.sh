#!/bin/sh
# check_embed_syms.sh: the symbols an archive needs from outside itself
# must all be allowed: vm/ may use the C library's memory, string and
# formatting functions, libm and the compiler's runtime, never the OS
# (threads, files, mappings, clocks). Run by make check-embed (tests/embed/embed.mk).
# Usage: check_embed_syms.sh NM ARCHIVE "ALLOWED NAMES" 'ALLOWED REGEX'
set -eu
NM=$1
LIB=$2
ALLOWED=$3
PATTERN=$4

# Defined anywhere in the archive: calls between its members are fine.
defined=$($NM --defined-only "$LIB" | awk 'NF == 3 {print $3}' | sort -u)
needed=$($NM -u "$LIB" | awk 'NF >= 2 && $1 == "U" {print $2}' | sort -u)
bad=""
for s in $needed; do
    if printf '%s\n' "$defined" | grep -qx "$s"; then continue; fi
    case " $ALLOWED " in *" $s "*) continue ;; esac
    if printf '%s\n' "$s" | grep -Eq "$PATTERN"; then continue; fi
    bad="$bad $s"
done
if [ -n "$bad" ]; then
    echo "check-embed: $LIB uses symbols outside the allowlist" \
         "(EMBED_ALLOWED_SYMS in tests/embed/embed.mk):$bad"
    exit 1
fi
echo "check-embed: $LIB: $(printf '%s\n' "$needed" | grep -cvxF "$defined" || true) external symbols, all allowed"
