#!/usr/bin/env bash
# Renders an SVG to PNG with a headless Chromium, to look at a chart the way a
# reader will (not run by ctest: it needs a browser).
#
#   bash tests/render_svg.sh chart.svg [out.png] [WIDTHxHEIGHT]
#
# On Debian: apt-get install -y chromium (and fonts-noto-cjk for Korean labels).
set -euo pipefail
svg=${1:?usage: render_svg.sh FILE.svg [OUT.png] [WIDTHxHEIGHT]}
png=${2:-${svg%.svg}.png}
size=${3:-1000x800}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "render_svg.sh: no chromium found (apt-get install -y chromium)" >&2
    exit 77
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
abs_svg=$(cd "$(dirname "$svg")" && pwd)/$(basename "$svg")
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --screenshot="$png" \
    --window-size="${size/x/,}" "file://$abs_svg" >/dev/null 2>&1
test -s "$png"
echo "$png"
