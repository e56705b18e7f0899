#!/bin/bash
# The page in headless chromium (tests/serve/browser.mjs), against a server
# started here on a free loopback port. Screenshots go to OUTDIR.
#   browser.sh path/to/recur OUTDIR
# Skips (77) when chromium or playwright-core is missing; .ci/run installs both.
set -euo pipefail
RECUR=$1
OUT=${2:-$PWD/serve-screenshots}
HERE=$(cd "$(dirname "$0")" && pwd)
if [ ! -x /usr/bin/chromium ] || [ ! -d "$HERE/node_modules/playwright-core" ]; then
    echo "skip: needs /usr/bin/chromium and 'npm ci' in tests/serve"
    exit 77
fi
mkdir -p "$OUT"
DIR=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT
HERE=$HERE python3 - "$RECUR" "$DIR" <<'PY'
import sys
sys.path.insert(0, sys.argv[0] if False else __import__("os").environ["HERE"])
from serverlib import make_model, make_vectors
make_model(sys.argv[1], sys.argv[2])
make_vectors(sys.argv[1], sys.argv[2])
PY
"$RECUR" serve --model "$DIR/tiny.safetensors" --vectors "$DIR/mix.bin" --max-tokens 1000000 --port 0 2> "$DIR/serve.log" &
PID=$!
for _ in $(seq 100); do
    grep -q "http://127.0.0.1:" "$DIR/serve.log" && break
    sleep 0.1
done
URL=$(grep -o "http://127.0.0.1:[0-9]*/" "$DIR/serve.log" | head -1)
[ -n "$URL" ] || { echo "FAIL the server did not start: $(cat "$DIR/serve.log")"; exit 1; }
timeout 240 node "$HERE/browser.mjs" "$URL" "$OUT"
kill -TERM "$PID"
wait "$PID" || { echo "FAIL the server exited $?"; exit 1; }
PID=
echo "ok   screenshots: $(ls "$OUT"/*.png | tr '\n' ' ')"
