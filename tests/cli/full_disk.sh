#!/bin/bash
# A full disk, simulated with a file-size limit (ulimit -f, with SIGXFSZ
# ignored so that a write past it fails with EFBIG as on a full disk): the
# save fails with a clear error and a non-zero exit, the previous checkpoint
# and training state are left byte for byte, no temporary file is left, and a
# later run without the limit resumes from them.
set -uo pipefail
. "$(dirname "$0")/../lib/checks.sh" "$1"

awk 'BEGIN { srand(5); for (i = 0; i < 3000; i++) printf "%c%s", 97 + int(rand() * 20), (i % 60 == 59) ? "\n" : "" }' \
    > "$DIR/text.txt"
M="$DIR/m.safetensors"
"$RECUR" train --data "$DIR/text.txt" --out "$M" --hidden 48 --layers 1 --batch 4 --seq 16 --steps 4 \
    --save-every 2 --quiet --threads 1 || { echo "FAIL first run"; exit 1; }
cp "$M" "$DIR/model.before"
cp "$M.state" "$DIR/state.before"
size=$(stat -c %s "$M.state")
# Blocks of 512 bytes: room for half of the state file.
limit=$((size / 1024))

for what in periodic final; do
    if [ $what = periodic ]; then extra=(--steps 8 --save-every 2); else extra=(--steps 6 --save-every 0); fi
    (trap '' XFSZ; ulimit -f "$limit"; exec "$RECUR" train --resume --out "$M" "${extra[@]}" --quiet) 2> "$DIR/err"
    rc=$?
    echo "   $what save: exit $rc: $(head -1 "$DIR/err")"
    check "$what save: non-zero exit" "[ $rc -ne 0 ]"
    check "$what save: the error names the file and the cause" \
        "grep -q 'saving the training state failed: .*m.safetensors.state: .*File too large' \"$DIR/err\""
    check "$what save: model file unchanged" "cmp -s \"$M\" \"$DIR/model.before\""
    check "$what save: state file unchanged" "cmp -s \"$M.state\" \"$DIR/state.before\""
    check "$what save: no temporary file left" "[ -z \"\$(find \"$DIR\" -name '*.tmp.*')\" ]"
done

# Without the limit the run resumes from the intact files.
"$RECUR" train --resume --out "$M" --steps 6 --quiet
check "resume without the limit exits 0" "[ $? -eq 0 ]"
check "the model loads" "\"$RECUR\" info --model \"$M\" > /dev/null"
[ $fail -eq 0 ]
