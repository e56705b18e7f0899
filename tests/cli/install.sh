#!/bin/bash
# `cmake --install` puts the libraries, the header and a pkg-config file in a
# prefix, and a program built against them with pkg-config (static and
# shared) loads a model and samples from it.
set -euo pipefail
RECUR=$1
command -v pkg-config >/dev/null || { echo "skip: no pkg-config"; exit 77; }
BUILD=$(dirname "$RECUR")
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cmake --install "$BUILD" --prefix "$DIR/prefix" >/dev/null
export PKG_CONFIG_PATH="$DIR/prefix/lib/pkgconfig:$DIR/prefix/lib64/pkgconfig:$DIR/prefix/lib/x86_64-linux-gnu/pkgconfig"
head -c 20000 "$RECUR_DATA/tinyshakespeare.txt" > "$DIR/t.txt"
"$RECUR" train --data "$DIR/t.txt" --out "$DIR/m.safetensors" --hidden 32 --batch 8 --seq 16 --steps 20 --quiet
# shellcheck disable=SC2046
cc -std=c11 "$RECUR_SRC/examples/generate.c" $(pkg-config --cflags recur) -o "$DIR/gen_shared" $(pkg-config --libs recur)
# shellcheck disable=SC2046
cc -std=c11 "$RECUR_SRC/examples/generate.c" $(pkg-config --cflags recur) -o "$DIR/gen_static" \
    "$(pkg-config --variable=libdir recur)/librecur.a" $(pkg-config --libs-only-other --static recur) \
    $(pkg-config --libs-only-l --static recur | sed 's/-lrecur//')
out=$(LD_LIBRARY_PATH="$(pkg-config --variable=libdir recur)" "$DIR/gen_shared" "$DIR/m.safetensors")
[ ${#out} -ge 150 ] || { echo "FAIL shared: short output '$out'"; exit 1; }
out=$("$DIR/gen_static" "$DIR/m.safetensors")
[ ${#out} -ge 150 ] || { echo "FAIL static: short output '$out'"; exit 1; }
echo "ok   installed library, header and pkg-config file build a working program (shared and static)"
