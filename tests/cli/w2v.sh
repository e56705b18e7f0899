#!/bin/bash
# recur w2v end to end: train on a small text, both formats, evaluation, map.
set -u
RECUR=${1:?usage: w2v.sh path/to/recur}
DATA=${RECUR_TEST_DATA:-$(dirname "$0")/../data}/w2v
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A small two-topic corpus.
for i in $(seq 1 400); do
  echo "the cat and the dog ran to the mouse and the horse"
  echo "red and blue make green while pink and gray stay"
done > "$TMP/corpus.txt"

"$RECUR" w2v train --train "$TMP/corpus.txt" --output "$TMP/v.txt" --size 20 --iter 2 --min-count 1 --quiet \
  > "$TMP/train.out" || fail "train (text)"
grep -q "words/s/thread" "$TMP/train.out" || fail "train prints its speed"
head -1 "$TMP/v.txt" | grep -qx "[0-9]* 20" || fail "text header"
# word2vec.c's single-dash flags, binary output
"$RECUR" w2v train -train "$TMP/corpus.txt" -output "$TMP/v.bin" -size 20 -iter 2 -min-count 1 -binary 1 \
  -cbow 1 -threads 2 --quiet > /dev/null || fail "train (word2vec.c flags, binary)"
"$RECUR" w2v train --train "$TMP/corpus.txt" --output "$TMP/n.bin" --size 20 --iter 1 --min-count 1 --nce 5 --binary 1 \
  --quiet > /dev/null || fail "train (nce)"
"$RECUR" w2v similar --vectors "$TMP/v.bin" --count 3 cat > "$TMP/sim.out" || fail "similar (binary)"
[ "$(wc -l < "$TMP/sim.out")" -eq 4 ] || fail "similar lists 3 neighbours"
"$RECUR" w2v similar --vectors "$TMP/v.txt" --analogy cat dog red > /dev/null || fail "similar --analogy"
"$RECUR" w2v similar --vectors "$TMP/v.txt" nosuchword 2> "$TMP/err" && fail "unknown word accepted"
grep -q "nosuchword" "$TMP/err" || fail "unknown word is named"

"$RECUR" w2v analogy --vectors "$DATA/tiny_vectors.txt" --questions "$DATA/tiny_questions.txt" > "$TMP/ana.out" \
  || fail "analogy"
grep -q "total: 75.00% (3 / 4)" "$TMP/ana.out" || fail "analogy total"
grep -q "questions seen: 4 of 5" "$TMP/ana.out" || fail "analogy seen"
"$RECUR" w2v similarity --vectors "$DATA/tiny_vectors.txt" --wordsim "$DATA/tiny_similarity.tsv" --simlex "" \
  > "$TMP/simil.out" || fail "similarity"
grep -q "spearman 0.9487 over 4 of 5 pairs" "$TMP/simil.out" || fail "similarity value"

"$RECUR" w2v map --vectors "$TMP/v.txt" --top 12 --pairs cat:dog,red:blue --iter 300 -o "$TMP/map.svg" > /dev/null \
  || fail "map"
grep -q "<svg" "$TMP/map.svg" && grep -q ">mouse<" "$TMP/map.svg" || fail "map has labels"
"$RECUR" w2v map --vectors "$TMP/v.txt" --words cat,nosuch -o "$TMP/m2.svg" 2> /dev/null && fail "map with unknown word"
[ ! -e "$TMP/m2.svg" ] || fail "no partial map file"

"$RECUR" w2v train --train "$TMP/missing.txt" --output "$TMP/x.txt" --quiet 2> "$TMP/err" && fail "missing corpus"
grep -q "missing.txt" "$TMP/err" || fail "missing corpus is named"
"$RECUR" w2v train --train "$TMP/corpus.txt" --output "$TMP/x.txt" --size 0 2> /dev/null && fail "size 0 accepted"
echo "ok"
