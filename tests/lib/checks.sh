# The shared start of the command-line tests that count their checks.
# Sourced as the test's first command after `set`:
#     . "$(dirname "$0")/../lib/checks.sh" "$1"
# It gives the test
#   RECUR   the recur binary ($1) as an absolute path, so that the test may cd;
#   DIR     a scratch directory, removed when the test exits;
#   check NAME CONDITION
#           evaluates CONDITION, prints "ok   NAME" or "FAIL NAME", and counts
#           the failures in $fail (the test ends with `exit $fail`).
RECUR=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=$((fail + 1)); fi; }
