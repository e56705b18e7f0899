#!/bin/bash
# The command line's bad-input table: every row runs recur on one bad input
# and checks the exit status (2: a wrong flag or usage, 1: a file or data
# that cannot be used) and the first line of the error. No row may crash, hang,
# or print a sanitizer report. docs/robustness.md holds the same table;
#   bash tests/cli/bad_input.sh path/to/recur --markdown
# prints it from the actual messages.
set -uo pipefail
RECUR=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
markdown=0
[ "${2:-}" = --markdown ] && markdown=1
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"
fail=0
rows=0

# ---- fixtures ---------------------------------------------------------------
for i in $(seq 40); do echo "hello world, this is a small text for training"; done > text.txt
for i in $(seq 40); do echo "this is a small text for training, hello world"; done > other.txt
: > empty.txt
printf 'ab\xffcd\n' > bad_utf8.txt
printf 'ab\xed\xa0\x80cd\n' > surrogate.txt
printf 'zzz\n' > unknown_chars.txt
printf '  \t \r ' > blank.txt
mkdir adir
"$RECUR" train --data text.txt --out m.safetensors --hidden 8 --layers 1 --batch 2 --seq 8 --steps 2 --quiet \
    --threads 1 || { echo "FAIL cannot make the fixture model"; exit 1; }
head -c 300 m.safetensors > truncated.safetensors
python3 - <<'PY'
import json, struct
def write(path, header, data=b""):
    h = json.dumps(header).encode() if not isinstance(header, bytes) else header
    open(path, "wb").write(struct.pack("<Q", len(h)) + h + data)
def config(**kw):
    c = {"level": "char", "cell": "lstm", "layers": 1, "hidden": 4, "embed": 4, "vocab_size": 2, "tied": False}
    c.update(kw)
    return json.dumps(c)
vocab = json.dumps(["a", "b"])
t = {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}
# A config that needs 8.6e9 parameters in a 16-byte file.
write("huge_config.safetensors", {"__metadata__": {"recur.config": config(layers=4, hidden=16384, embed=16384),
      "recur.vocab": vocab}, "encoder.weight": t}, bytes(16))
# vocab_size disagrees with the token list.
write("vocab_count.safetensors", {"__metadata__": {"recur.config": config(hidden=1, embed=1, vocab_size=3),
      "recur.vocab": vocab}, "pad": {"dtype": "F32", "shape": [25], "data_offsets": [0, 100]}}, bytes(100))
# A shape whose element count overflows 64 bits.
write("shape_overflow.safetensors", {"t": {"dtype": "F32", "shape": [4294967296, 4294967296, 2],
      "data_offsets": [0, 8]}}, bytes(8))
# Offsets past the end of the data.
write("offsets.safetensors", {"t": {"dtype": "F32", "shape": [1000000], "data_offsets": [0, 4000000]}}, bytes(8))
# A header length of 2^64 - 1.
open("header_len.safetensors", "wb").write(b"\xff" * 8 + b"{}")
# A parameter set to NaN in an otherwise good model.
b = bytearray(open("m.safetensors", "rb").read())
n = struct.unpack("<Q", b[:8])[0]
b[8 + n:8 + n + 4] = struct.pack("<f", float("nan"))
open("nan.safetensors", "wb").write(bytes(b))
# word2vec vectors whose header promises far more than the file holds.
open("big_header.vec", "w").write("2147483647 300\nw 1 2 3\n")
open("short_row.vec", "w").write("2 3\na 1 2 3\nb 1 x 3\n")
PY
cp m.safetensors.state resume_other.safetensors.state

# ---- the table ----------------------------------------------------------------
# row DESCRIPTION STATUS MESSAGE ARGS...: `recur ARGS` exits with STATUS and
# the first line on stderr contains MESSAGE.
row() {
    local desc=$1 want_rc=$2 want=$3
    shift 3
    timeout 60 "$RECUR" "$@" > out.txt 2> err.txt
    local rc=$?
    local msg
    msg=$(head -1 err.txt)
    rows=$((rows + 1))
    if [ $markdown -eq 1 ]; then
        printf '| %s | `recur %s` | `%s` | %d |\n' "$desc" "$*" "${msg//|/\\|}" "$rc"
        return
    fi
    local ok=1
    [ "$rc" -eq "$want_rc" ] || ok=0
    grep -qF -- "$want" <<< "$msg" || ok=0
    grep -qE 'Sanitizer|runtime error|Segmentation' err.txt && ok=0
    if [ $ok -eq 1 ]; then
        echo "ok   $desc"
    else
        echo "FAIL $desc: recur $* -> exit $rc (want $want_rc): $msg (want '$want')"
        fail=$((fail + 1))
    fi
}

[ $markdown -eq 1 ] && printf '| Bad input | Command | Message (first line on stderr) | Exit |\n|---|---|---|---|\n'
row "no command" 2 "recurrent neural networks over text"
row "unknown command" 2 "unknown command 'frobnicate'" frobnicate
row "unknown flag" 2 "unknown option '--bogus'" train --bogus
row "flag without its value" 2 "--hidden needs a value" train --data text.txt --hidden
row "value for a switch" 2 "--quiet takes no value" train --quiet=1
row "integer out of range" 2 "--hidden must be between 1 and 65536, got 0" train --hidden 0
row "integer beyond 64 bits" 2 "--hidden expects an integer, got '99999999999999999999'" train --hidden 99999999999999999999
row "not a number" 2 "--lr expects a number, got 'nan'" train --lr nan
row "negative step count" 2 "--steps must be between 1 and" train --data text.txt --out x.safetensors --steps=-1
row "unknown cell name" 2 "--cell: unknown cell 'lstmx'" train --data text.txt --out x.safetensors --cell lstmx
row "tied sizes differ" 2 "--tied needs --embed equal to --hidden" train --data text.txt --out x.safetensors --tied --embed 8 --hidden 16
row "batch x seq too large" 2 "--batch x --seq = 10000000000 is too large" train --data text.txt --out x.safetensors --batch 100000 --seq 100000
row "model too large" 2 "parameters (limit 17179869184)" train --data text.txt --out x.safetensors --hidden 65536 --layers 64
row "missing --out" 2 "--out MODEL is required" train --data text.txt
row "missing --model" 2 "--model MODEL is required" info
row "temperature out of range" 2 "--temperature must be between 0.001 and 100, got 0" sample --model m.safetensors --temperature 0
row "unknown weight format" 2 "--weights must be f32, f16 or i8, got 'f8'" sample --model m.safetensors --weights f8
row "prime outside the vocabulary" 2 "--prime: character 'X' (U+0058) at byte offset 0 is not in the vocabulary" sample --model m.safetensors --prime X
row "top-p of 0" 2 "--top-p must be above 0 and at most 1 (1: off)" sample --model m.safetensors --top-p 0
row "top-p above 1" 2 "--top-p must be between 0 and 1, got 1.5" sample --model m.safetensors --top-p 1.5
row "min-p of 1" 2 "--min-p must be at least 0 and below 1 (0: off)" sample --model m.safetensors --min-p 1
row "repetition penalty of 0" 2 "--repeat-penalty must be above 0 (1: off)" sample --model m.safetensors --repeat-penalty 0
row "negative penalty window" 2 "--repeat-last-n must be between 0 and 1048576, got -1" sample --model m.safetensors --repeat-last-n=-1
row "presence penalty not a number" 2 "--presence-penalty expects a number, got 'much'" sample --model m.safetensors --presence-penalty much
row "unknown sampling mode" 2 "--mode must be argmax, weighted, space or beam, got 'greedy'" sample --model m.safetensors --mode greedy
row "beam width 0" 2 "--beam must be between 1 and 1000, got 0" sample --model m.safetensors --beam 0
row "several beam-search samples" 2 "--count must be 1 with --mode beam" sample --model m.safetensors --mode beam --count 2
row "no samples" 2 "--count must be between 1 and 100000, got 0" sample --model m.safetensors --count 0
row "empty stop string" 2 "--stop needs a non-empty TEXT" sample --model m.safetensors --stop ""
row "missing text" 1 "missing.txt: no such file" train --data missing.txt --out x.safetensors
row "text is a directory" 1 "adir is a directory, not a file" train --data adir --out x.safetensors
row "empty text" 1 "empty.txt is empty" train --data empty.txt --out x.safetensors
row "invalid UTF-8" 1 "bad_utf8.txt: invalid UTF-8 at byte offset 2 (byte 0xFF)" train --data bad_utf8.txt --out x.safetensors
row "UTF-16 surrogate in UTF-8" 1 "surrogate.txt: invalid UTF-8 at byte offset 2" train --data surrogate.txt --out x.safetensors
row "text too short for batch x seq" 1 "lower --batch or --seq" train --data text.txt --out x.safetensors --batch 50 --seq 100
row "output folder missing" 1 "directory nowhere does not exist" train --data text.txt --out nowhere/x.safetensors
row "output is a directory" 1 "--out adir is a directory" train --data text.txt --out adir
row "--out holds another run's model" 1 "--out m.safetensors: m.safetensors already exists (another run's); continue that run with --resume, or replace it with --force" train --data text.txt --out m.safetensors --hidden 8
row "--task without its value" 2 "--task needs a value" train --task
row "--data-dir without train.txt" 1 "--data-dir adir has no train.txt" train --data-dir adir --out x.safetensors
row "unknown learning-rate schedule" 2 "--lr-schedule must be constant, step, exp, plateau, cosine or linear, got 'onecycle'" train --data text.txt --out x.safetensors --lr-schedule onecycle
row "resume without a state" 1 "cannot resume: nothing.safetensors.state: cannot open" train --resume --out nothing.safetensors
row "resume on other data" 1 "the training data differ from the run that wrote this state" train --resume --out resume_other.safetensors --data other.txt
row "model is a text file" 1 "text.txt is not a recur model: it starts with text (\"hello wo\")" info --model text.txt
row "model is a directory" 1 "adir: not a regular file" info --model adir
row "truncated model" 1 "truncated.safetensors: header length" sample --model truncated.safetensors
row "header length 2^64-1" 1 "header length 18446744073709551615 exceeds the limit" info --model header_len.safetensors
row "shape overflows 64 bits" 1 "shape has too many elements (the size overflows 64 bits)" info --model shape_overflow.safetensors
row "offsets past the data" 1 "run past the end of the data" info --model offsets.safetensors
row "config larger than the file" 1 "parameters, more than the 16 bytes of tensor data can hold" info --model huge_config.safetensors
row "vocabulary count mismatch" 1 "recur.vocab has 2 tokens but recur.config says vocab_size 3" info --model vocab_count.safetensors
row "NaN parameter" 1 "parameter 0 is not finite" sample --model nan.safetensors
row "text outside the vocabulary" 1 "unknown_chars.txt: character 'z' (U+007A) at byte offset 0 is not in the vocabulary" eval --model m.safetensors unknown_chars.txt
row "--min-count at character level" 2 "--min-count applies to --level word" train --data text.txt --out x.safetensors --min-count 2
row "--max-vocab below 3" 2 "--max-vocab must be between 3 and 16777216, got 2" train --data text.txt --out x.safetensors --level word --max-vocab 2
row "unknown --newlines value" 2 "--newlines must be keep or lf, got 'crlf'" train --data text.txt --out x.safetensors --newlines crlf
row "unknown --unknown policy" 2 "--unknown must be error or skip, got 'drop'" eval --model m.safetensors --unknown drop text.txt
row "--init-from with an architecture flag" 2 "--hidden cannot be combined with --init-from m.safetensors: fine-tuning keeps the model's architecture" train --init-from m.safetensors --data text.txt --out x.safetensors --hidden 64
row "--init-from with --resume" 2 "--init-from starts a new run from a model and --resume continues a saved one" train --init-from m.safetensors --resume --out m.safetensors
row "--init-from not a model" 1 "--init-from: text.txt is not a recur model: it starts with text" train --init-from text.txt --data text.txt --out x.safetensors
row "word2vec text of only blanks" 1 "blank.txt: the text has no words" w2v train --train blank.txt --output v.vec
row "word2vec header beyond the file" 1 "header says 2147483647 words of 300 dimensions, more than" w2v analogy --vectors big_header.vec --questions text.txt
row "word2vec value not a number" 1 "value 2 is not a number" w2v analogy --vectors short_row.vec --questions text.txt
[ $markdown -eq 1 ] && exit 0
echo "$rows rows, $fail failed"
[ $fail -eq 0 ]
