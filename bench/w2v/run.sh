#!/bin/bash
# word2vec benchmark: recur beside gensim and fastText (each where installed),
# alternating run by run, with word2vec.c's default flags (skip-gram, size 100,
# window 5, negative 5, sample 1e-3, min-count 5, iter 5) and 2 threads; each
# run is scored by recur's analogy (top 30000, as compute-accuracy) and
# similarity commands and carries the CPU load of other processes beside it.
# Writes bench/results/w2v-DATE.json (every run and the medians per side).
#
#   bench/w2v/run.sh path/to/recur [runs] [bench.py flags...]
#       e.g. run.sh build/recur 3 --iter 10 --sides recur --recur-args="--sample 1e-4"
#   PLAIN=1: recur with --plain kernels.  CORPUS=...: another corpus.
set -eu
RECUR=${1:?usage: run.sh path/to/recur [runs] [bench.py flags...]}
RUNS=${2:-3}
shift $(( $# >= 2 ? 2 : 1 ))
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/data/word2vec/corpus_en.txt}
[ -f "$CORPUS" ] || { echo "no corpus at $CORPUS (set CORPUS=...)"; exit 77; }
EXTRA=()
[ "${PLAIN:-0}" = 1 ] && EXTRA=(--recur-args=--plain --label plain)
exec /usr/bin/python3 "$ROOT/bench/w2v/bench.py" --recur "$RECUR" --corpus "$CORPUS" --runs "$RUNS" "${EXTRA[@]}" "$@"
