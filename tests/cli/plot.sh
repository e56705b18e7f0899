#!/bin/bash
# recur plot draws fixture metrics logs of two runs as a well-formed SVG with
# the title and legend labels in it, and refuses malformed logs and flags
# with messages that name the fault. Skips (exit 77) without python3, which
# checks the XML.
set -euo pipefail
RECUR=$1
DATA=${RECUR_TEST_DATA:-$(cd "$(dirname "$0")/../data" && pwd)}/plot
command -v python3 >/dev/null || { echo "skip: no python3 to check the XML"; exit 77; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# check_svg FILE TEXT...: FILE parses as XML with an <svg> root, every TEXT is
# the content of a <text> element, and no number is NaN.
check_svg() {
    python3 - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
path, wanted = sys.argv[1], sys.argv[2:]
root = ET.parse(path).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
texts = [t.text for t in root.iter(ns + "text")]
missing = [w for w in wanted if w not in texts]
assert not missing, "missing text: %r (have %r)" % (missing, texts)
for el in root.iter():
    for name, value in el.attrib.items():
        if name != "font-family":
            assert "nan" not in value.lower() and "inf" not in value.lower(), (el.tag, name, value)
assert len(list(root.iter(ns + "polyline"))) > 0, "no lines drawn"
PY
}

A=$DATA/lstm-h256.jsonl
B=$DATA/gru-h512-cosine.jsonl

if "$RECUR" plot "$A" "$B" -o "$DIR/curves.svg" && check_svg "$DIR/curves.svg" "Training curves" lstm-h256 gru-h512-cosine train validation step "loss (nats/token)" "learning rate" "gradient norm"; then
    ok "two runs, default panels, labels from file names"
else bad "two runs, default panels"; fi

if "$RECUR" plot "$A" "$B" -o "$DIR/bpc.svg" --x time --y bpc --panels loss,speed --title "LSTM vs GRU <char>" --labels "LSTM 256,GRU 512 & cosine" &&
   check_svg "$DIR/bpc.svg" "LSTM vs GRU <char>" "LSTM 256" "GRU 512 & cosine" "bits per token" "time (min)" "tokens per second"; then
    ok "--x time --y bpc --panels --title --labels"
else bad "options"; fi

if "$RECUR" plot "$A" --out "$DIR/ppl.svg" --x epoch --y ppl --labels "한국어 실험" && check_svg "$DIR/ppl.svg" "perplexity" "epoch" "한국어 실험"; then
    ok "--y ppl, --x epoch, a Korean label"
else bad "ppl/epoch/Korean"; fi

# Failures: the message names the file and line, or the flag.
expect_fail() {  # expect_fail WANTED-SUBSTRING ARGS...
    local want=$1; shift
    local rc=0
    "$RECUR" plot "$@" 2> "$DIR/err" || rc=$?
    if [ $rc -ne 0 ] && grep -qF -- "$want" "$DIR/err"; then ok "refused: $(head -c 100 "$DIR/err")"
    else bad "expected failure with '$want', rc=$rc: $(cat "$DIR/err")"; fi
}
head -5 "$A" > "$DIR/broken.jsonl"
echo '{"step": 125, "train_loss": 3.1' >> "$DIR/broken.jsonl"
expect_fail "broken.jsonl:6:" "$DIR/broken.jsonl" -o "$DIR/x.svg"
printf '{"step":1,"train_loss":"low"}\n' > "$DIR/type.jsonl"
expect_fail 'type.jsonl:1: "train_loss" is a string' "$DIR/type.jsonl" -o "$DIR/x.svg"
expect_fail "no/such.jsonl" no/such.jsonl -o "$DIR/x.svg"
expect_fail "-o FILE.svg is required" "$A"
expect_fail "--x must be" "$A" -o "$DIR/x.svg" --x wallclock
expect_fail "unknown panel 'memory'" "$A" -o "$DIR/x.svg" --panels loss,memory
expect_fail "--labels has 1 name for 2 logs" "$A" "$B" -o "$DIR/x.svg" --labels one
[ ! -e "$DIR/x.svg" ] && ok "no output file after a failure" || bad "output written after a failure"

exit $fail
