#!/bin/bash
# The shared library exports the public API and nothing else: every
# function declared RECUR_API in include/recur/*.h, and no other symbol
# (the internal helpers, recur_-prefixed or not, stay hidden).
# Usage: tests/exports.sh path/to/librecur.so path/to/include mpi|nompi
# (recur_comm_mpi is in a -DRECUR_USE_MPI=ON build's library alone).
set -euo pipefail
lib=$1 include=$2 mpi=${3:-nompi}
command -v nm >/dev/null || { echo "SKIP: no nm"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -D --defined-only "$lib" | awk '{print $NF}' | sort -u >"$tmp/exported"
grep -hoE '^RECUR_API [^(]*\brecur_[a-z0-9_]+\(' "$include"/recur/*.h | grep -oE 'recur_[a-z0-9_]+\($' |
    tr -d '(' | { if [ "$mpi" = mpi ]; then cat; else grep -vx recur_comm_mpi; fi; } | sort -u >"$tmp/declared"
fail=0
if extra=$(comm -23 "$tmp/exported" "$tmp/declared") && [ -n "$extra" ]; then
    echo "FAIL: exported but not declared RECUR_API in include/recur/:"
    echo "$extra" | sed 's/^/  /'
    fail=1
fi
if missing=$(comm -13 "$tmp/exported" "$tmp/declared") && [ -n "$missing" ]; then
    echo "FAIL: declared RECUR_API but not exported:"
    echo "$missing" | sed 's/^/  /'
    fail=1
fi
echo "$(wc -l <"$tmp/exported") symbols exported, $(wc -l <"$tmp/declared") declared"
exit $fail
