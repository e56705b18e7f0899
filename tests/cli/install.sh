#!/bin/bash
# `cmake --install` puts the libraries, the header, a pkg-config file and the
# shipped corpora in a prefix. From there:
#  - the installed recur finds the corpora from any directory (--preset
#    ptb-small, the w2v analogy and similarity defaults), also after the
#    whole prefix is moved elsewhere;
#  - a program built with pkg-config (shared, and static) runs without
#    LD_LIBRARY_PATH: README's C example, taken from README.md as it stands,
#    and examples/generate.c.
set -euo pipefail
RECUR=$1
command -v pkg-config >/dev/null || { echo "skip: no pkg-config"; exit 77; }
BUILD=$(dirname "$RECUR")
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cmake --install "$BUILD" --prefix "$DIR/prefix" >/dev/null
PREFIX=$DIR/prefix
pcpath() { echo "$1/lib/pkgconfig:$1/lib64/pkgconfig:$1/lib/x86_64-linux-gnu/pkgconfig"; }
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(pcpath "$PREFIX")
unset LD_LIBRARY_PATH RECUR_DATA_DIR
[ -f "$PREFIX/share/recur/data/ptb/ptb.train.txt" ] || fail "the corpora are not under share/recur/data"
[ -f "$PREFIX/share/recur/data/w2v/questions-words.txt" ] || fail "the w2v sets are not installed"

# ---- the installed command finds its data from anywhere -----------------------
mkdir "$DIR/elsewhere"
cd "$DIR/elsewhere"
check_data() {
    local bin=$1 where=$2
    "$bin" train --preset ptb-small --out p.safetensors --steps 1 --no-test --quiet --threads 1 ||
        fail "--preset ptb-small from $where"
    "$bin" w2v train --train "$RECUR_DATA/w2v/corpus_sample.txt" --output v.txt --size 10 --iter 1 --min-count 1 \
        --quiet > /dev/null || fail "w2v train"
    "$bin" w2v analogy --vectors v.txt > analogy.out || fail "w2v analogy with its default questions from $where"
    grep -q "questions seen" analogy.out || fail "analogy output: $(cat analogy.out)"
    "$bin" w2v similarity --vectors v.txt > similarity.out || fail "w2v similarity with its defaults from $where"
    grep -q "^wordsim353: spearman" similarity.out && grep -q "^simlex999: spearman" similarity.out ||
        fail "similarity output: $(cat similarity.out)"
    rm -f p.safetensors p.safetensors.state v.txt
}
check_data "$PREFIX/bin/recur" "the installed prefix"
# Moved as a whole, the tree still finds its data (relative to the executable).
mv "$PREFIX" "$DIR/moved"
check_data "$DIR/moved/bin/recur" "a moved prefix"
# RECUR_DATA_DIR points anywhere; without any data the error names the places looked in.
cp "$DIR/moved/bin/recur" "$DIR/lonely"
RECUR_DATA_DIR=$DIR/moved/share/recur/data "$DIR/lonely" w2v analogy --vectors /dev/null --help > /dev/null
if [ ! -e /usr/local/share/recur/data/ptb/ptb.train.txt ]; then
    set +e
    "$DIR/lonely" train --preset ptb-small --out p.safetensors --steps 1 2> lonely.err
    rc=$?
    set -e
    [ $rc -eq 2 ] && grep -q "cannot find the shipped data/ptb/ptb.train.txt (looked in ./data, \$RECUR_DATA_DIR" lonely.err ||
        fail "no data: exit $rc, $(cat lonely.err)"
    RECUR_DATA_DIR=$DIR/moved/share/recur/data "$DIR/lonely" train --preset ptb-small --out p.safetensors --steps 1 \
        --no-test --quiet --threads 1 || fail "RECUR_DATA_DIR"
fi
mv "$DIR/moved" "$PREFIX"

# ---- programs built against the installed library ---------------------------------
head -c 20000 "$RECUR_DATA/tinyshakespeare.txt" > t.txt
"$RECUR" train --data t.txt --out m.safetensors --hidden 32 --batch 8 --seq 16 --steps 20 --quiet
# README's example: the ```c block of its Library section.
awk '/^## Library/ {lib = 1} lib && /^```c$/ {code = 1; next} code && /^```$/ {exit} code' "$RECUR_SRC/README.md" > readme_example.c
[ -s readme_example.c ] || fail "README.md has no C example under ## Library"
for src in readme_example.c "$RECUR_SRC/examples/generate.c"; do
    name=$(basename "$src" .c)
    # shellcheck disable=SC2046
    cc -std=c11 -Wall -Wextra -Werror "$src" $(pkg-config --cflags recur) -o "$name.shared" $(pkg-config --libs recur) ||
        fail "$src does not build against the installed library"
    # shellcheck disable=SC2046
    cc -std=c11 "$src" $(pkg-config --cflags recur) -o "$name.static" \
        "$(pkg-config --variable=libdir recur)/librecur.a" $(pkg-config --libs-only-other --static recur) \
        $(pkg-config --libs-only-l --static recur | sed 's/-lrecur//')
    for kind in shared static; do
        out=$(env -u LD_LIBRARY_PATH "./$name.$kind" m.safetensors) || fail "$name ($kind) failed: $out"
        [ ${#out} -ge 150 ] || fail "$name ($kind): short output '$out'"
    done
done
# The shared build really uses the installed librecur.so, found through its RPATH.
found=$(ldd ./generate.shared | awk '/librecur\.so/ {print $3}')
[ -n "$found" ] && [ "$(realpath "$found")" = "$(realpath "$PREFIX"/lib*/librecur.so.0 2>/dev/null | head -1)" ] ||
    fail "generate.shared loads '$found', not the installed library"
echo "ok   installed: data found from anywhere (and after a move), README's example and examples/generate.c run without LD_LIBRARY_PATH"
