#!/bin/bash
# Vocabulary edges through the command line: --min-count and --max-vocab
# (the dropped words become <unk>, counted), unseen words at eval and tag
# time (counted on stderr and in eval --json), characters a model lacks
# (--unknown error|skip), a leading byte-order mark (never a token) and
# CRLF line ends (noted; --newlines lf reads them as LF).
set -euo pipefail
RECUR=$1
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"
fail() { echo "FAIL: $*"; exit 1; }
tiny=(--hidden 16 --layers 1 --batch 4 --seq 8 --steps 3 --threads 1 --val-fraction 0)

# ---- word level: --min-count, --max-vocab -----------------------------------
head -c 40000 "$RECUR_DATA/ptb/ptb.train.txt" | sed 's/<unk>/unknownword/g' > w.txt
"$RECUR" train --data w.txt --level word --out w.safetensors "${tiny[@]}" --min-count 3 2> w.err
# The words kept: those seen at least 3 times (lines end in <eos>), plus <unk>.
kept=$(awk '{for (i = 1; i <= NF; i++) c[$i]++} END {n = 0; for (w in c) if (c[w] >= 3) n++; print n + 2}' w.txt)
size=$("$RECUR" info --model w.safetensors --json | python3 -c "import json, sys; print(json.load(sys.stdin)['vocab_size'])")
[ "$size" = "$kept" ] || fail "--min-count 3: vocabulary $size, want $kept"
dropped=$(awk '{for (i = 1; i <= NF; i++) c[$i]++} END {n = 0; for (w in c) if (c[w] < 3) n += c[w]; print n}' w.txt)
grep -q "vocabulary: $kept words from .* tokens of w.txt; --min-count 3 left out .* words ($dropped tokens" w.err ||
    fail "no vocabulary summary with the dropped count $dropped: $(cat w.err)"
grep -q "<unk> added" w.err || fail "the summary does not say <unk> was added"

# An unrelated text: every word the vocabulary lacks is counted, on stderr and in --json.
head -c 20000 "$RECUR_DATA/tinyshakespeare.txt" > book.txt
"$RECUR" eval --model w.safetensors --json book.txt > eval.json 2> eval.err
want=$(awk 'NR == FNR {for (i = 1; i <= NF; i++) c[$i]++; next}
            {for (i = 1; i <= NF; i++) if (c[$i] < 3) u++} END {print u}' w.txt book.txt)
python3 - "$want" <<'PY' || fail "eval --json: $(cat eval.json)"
import json, sys
r = json.load(open("eval.json"))
want = int(sys.argv[1])
assert r["unk_mapped"] == want and r["unk_total"] == want and r["skipped"] == 0, (r, want)
assert r["text_tokens"] == r["tokens"] + 1 and r["unknown_distinct"] > 100, r
PY
grep -q "book.txt: $want of [0-9]* words (.*%) are not in the model's vocabulary and became <unk>" eval.err ||
    fail "eval does not say how many words became <unk>: $(cat eval.err)"

# A prime with unseen words: sampled from, and counted.
"$RECUR" sample --model w.safetensors --prime "the zebraq okapiq" --length 5 --threads 1 > /dev/null 2> prime.err ||
    fail "sample with unseen prime words: $(cat prime.err)"
grep -q -- "--prime: 2 of [0-9]* words (.*%) are not in the model's vocabulary and became <unk>, 2 distinct: \"zebraq\" x 1, \"okapiq\" x 1" prime.err ||
    fail "sample does not count the prime's <unk>: $(cat prime.err)"

# --max-vocab N: exactly N tokens, <eos> and <unk> included.
"$RECUR" train --data w.txt --level word --out m.safetensors "${tiny[@]}" --max-vocab 50 --quiet
size=$("$RECUR" info --model m.safetensors --json | python3 -c "import json, sys; print(json.load(sys.stdin)['vocab_size'])")
[ "$size" = 50 ] || fail "--max-vocab 50 gave $size tokens"
# Without a limit, a word text still gets <unk>, so unseen words never stop eval.
"$RECUR" train --data w.txt --level word --out all.safetensors "${tiny[@]}" --quiet
"$RECUR" eval --model all.safetensors book.txt > /dev/null 2> all.err || fail "eval with unseen words failed"
grep -q "became <unk>" all.err || fail "no <unk> note: $(cat all.err)"

# ---- char level: --unknown error|skip --------------------------------------
printf 'the cat sat on the mat.\nthe dog sat on the log.\n%.0s' $(seq 30) > c.txt
"$RECUR" train --data c.txt --out c.safetensors "${tiny[@]}" --quiet
printf 'the "cat" sat on the mat!\nthe dog sat.\n' > q.txt
tr -d '"!' < q.txt > q_clean.txt
set +e
"$RECUR" eval --model c.safetensors q.txt > /dev/null 2> q.err
rc=$?
set -e
[ $rc -eq 1 ] || fail "eval of unknown characters exited $rc"
grep -q "q.txt: character '\"' (U+0022) at byte offset 4 is not in the vocabulary (3 characters of the text, 2 distinct, are not); --unknown skip leaves them out" q.err ||
    fail "unknown characters: $(cat q.err)"
# skip: the same figures as the text without those characters, and the count.
"$RECUR" eval --model c.safetensors --unknown skip --json q.txt > skip.json 2> skip.err
"$RECUR" eval --model c.safetensors --json q_clean.txt > clean.json
python3 - <<'PY' || fail "skip: $(cat skip.json) vs $(cat clean.json)"
import json
s, c = json.load(open("skip.json")), json.load(open("clean.json"))
assert s["loss"] == c["loss"] and s["tokens"] == c["tokens"], (s, c)
assert s["skipped"] == 3 and s["unknown_distinct"] == 2 and s["unk_mapped"] == 0, s
PY
grep -q "3 of 39 characters (7.69%) are not in the model's vocabulary and were skipped, 2 distinct: '\"' U+0022 x 2, '!' U+0021 x 1" skip.err ||
    fail "skip note: $(cat skip.err)"

# The same model: every byte of the two files but the record of the run that
# trained each (recur.run: its command and the name of its text differ).
same_model() {
    python3 - "$1" "$2" <<'PY'
import json, struct, sys
def parts(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    h["__metadata__"].pop("recur.run", None)
    return h, b[8 + n:]
sys.exit(0 if parts(sys.argv[1]) == parts(sys.argv[2]) else 1)
PY
}

# ---- byte-order mark ----------------------------------------------------------
printf '\xef\xbb\xbf' | cat - c.txt > bom.txt
"$RECUR" train --data bom.txt --out bom.safetensors "${tiny[@]}" --quiet
same_model bom.safetensors c.safetensors || fail "a leading byte-order mark changed the model"
printf '\xef\xbb\xbfthe cat\n' > bom_eval.txt
"$RECUR" eval --model c.safetensors bom_eval.txt > /dev/null || fail "eval of a text with a byte-order mark"

# ---- CRLF line ends --------------------------------------------------------------
sed 's/$/\r/' c.txt > crlf.txt
"$RECUR" train --data crlf.txt --out crlf.safetensors "${tiny[@]}" 2> crlf.err
grep -q "crlf.txt has Windows line ends (60 CRLF)" crlf.err || fail "no CRLF note: $(cat crlf.err)"
grep -q "vocabulary: 16 characters" crlf.err || fail "'\\r' is not in the vocabulary: $(cat crlf.err)"
"$RECUR" train --data crlf.txt --out lf.safetensors "${tiny[@]}" --newlines lf 2> lf.err
grep -q "60 CRLF line ends read as LF" lf.err || fail "--newlines lf note: $(cat lf.err)"
same_model lf.safetensors c.safetensors || fail "--newlines lf did not give the model of the LF text"
set +e
"$RECUR" eval --model c.safetensors crlf.txt > /dev/null 2> e.err
set -e
grep -q "character '\\\\r' (U+000D) .*--newlines lf reads CRLF line ends as LF" e.err || fail "CRLF eval hint: $(cat e.err)"
"$RECUR" eval --model c.safetensors --newlines lf crlf.txt > /dev/null || fail "eval --newlines lf"

# ---- tagging: a byte-order mark, unknown words counted ---------------------------
B=$RECUR_DATA/brown
"$RECUR" tag train --out t.safetensors --hidden 8 --embed 8 --epochs 1 --holdout-every 0 --threads 1 "$B/ca01" 2> /dev/null
# A byte-order mark before a word/TAG training file changes nothing: the same model.
printf '\xef\xbb\xbf' | cat - "$B/ca01" > ca01_bom
"$RECUR" tag train --out t_bom.safetensors --hidden 8 --embed 8 --epochs 1 --holdout-every 0 --threads 1 ca01_bom 2> /dev/null
cmp -s t.safetensors t_bom.safetensors || fail "a byte-order mark in a tagged file changed the tagger"
printf '\xef\xbb\xbfThe jury said\nZyxquux blorfed\n' > plain.txt
"$RECUR" tag --model t.safetensors plain.txt > tagged.txt 2> tag.err
head -1 tagged.txt | grep -q '^The/' || fail "the byte-order mark stuck to the first word: $(head -1 tagged.txt | od -c | head -2)"
grep -q "2 of 5 words (40.00%) are not in the tagger's vocabulary and were read as <unk>" tag.err ||
    fail "tag does not count unknown words: $(cat tag.err)"
echo "ok   vocabulary edges: --min-count, --max-vocab, <unk> counts, --unknown, byte-order mark, CRLF"
