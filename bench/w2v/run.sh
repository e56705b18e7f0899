#!/bin/bash
# word2vec benchmark: trains recur w2v on the full English corpus with
# word2vec.c's default flags (skip-gram, size 100, window 5, negative 5,
# sample 1e-3, min-count 5, iter 5), then scores analogies (top 30000, as
# compute-accuracy) and WordSim-353 / SimLex-999, for each seed given.
# Writes one JSON line per run to bench/results/w2v-<variant>-seed<N>.json.
#
#   bench/w2v/run.sh path/to/recur [threads] [seeds...]    (PLAIN=1: --plain kernels)
set -eu
RECUR=${1:?usage: run.sh path/to/recur [threads] [seeds...]}
THREADS=${2:-2}
shift $(( $# >= 2 ? 2 : 1 ))
SEEDS=${*:-1}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/data/word2vec/corpus_en.txt}
DATA=$ROOT/data/w2v
VARIANT=$([ "${PLAIN:-0}" = 1 ] && echo plain || echo tuned)
EXTRA=$([ "${PLAIN:-0}" = 1 ] && echo --plain || true)
[ -f "$CORPUS" ] || { echo "no corpus at $CORPUS (set CORPUS=...)"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$ROOT/bench/results"
for SEED in $SEEDS; do
  "$RECUR" w2v train --train "$CORPUS" --output "$TMP/v.bin" --binary 1 --threads "$THREADS" --seed "$SEED" \
    --quiet $EXTRA > "$TMP/train.out"
  "$RECUR" w2v analogy --vectors "$TMP/v.bin" --questions "$DATA/questions-words.txt" --top 30000 > "$TMP/ana.out"
  "$RECUR" w2v similarity --vectors "$TMP/v.bin" --wordsim "$DATA/wordsim353.tsv" --simlex "$DATA/simlex999.txt" \
    > "$TMP/sim.out"
  wps=$(sed -n 's/.*s: \([0-9]*\) words\/s\/thread.*/\1/p' "$TMP/train.out")
  secs=$(sed -n 's/.*words in \([0-9.]*\) s:.*/\1/p' "$TMP/train.out")
  pick() { sed -n "s/^$1: \([0-9.]*\)%.*/\1/p" "$TMP/ana.out"; }
  seen=$(sed -n 's/^questions seen: \([0-9]*\) of.*/\1/p' "$TMP/ana.out")
  ws=$(sed -n 's/^wordsim353: spearman \([-0-9.]*\).*/\1/p' "$TMP/sim.out")
  sl=$(sed -n 's/^simlex999: spearman \([-0-9.]*\).*/\1/p' "$TMP/sim.out")
  line="{\"variant\":\"$VARIANT\",\"seed\":$SEED,\"threads\":$THREADS,\"train_seconds\":$secs,\"words_per_sec_per_thread\":$wps,\"analogy_total\":$(pick total),\"analogy_semantic\":$(pick semantic),\"analogy_syntactic\":$(pick syntactic),\"questions_seen\":$seen,\"wordsim353_spearman\":$ws,\"simlex999_spearman\":$sl}"
  echo "$line" | tee "$ROOT/bench/results/w2v-$VARIANT-seed$SEED.json"
done
