"""recur serve's API against a running server: every endpoint, the SSE
framing, stop strings, seeded completions equal to `recur sample`, many
streams at once, a client that leaves, every error status, the key, and a
clean exit on SIGTERM.

    python3 api.py path/to/recur"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from serverlib import Server, check, fail, make_model, make_vectors, sse_texts  # noqa: E402

recur = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="recur-serve-api-")
model = make_model(recur, tmp)
vectors = make_vectors(recur, tmp)


def sample(prime, length, seed, extra=()):
    """What `recur sample` writes after the prime (its trailing newline dropped)."""
    out = subprocess.run([recur, "sample", "--model", model, "--prime", prime, "--length", str(length),
                          "--seed", str(seed)] + list(extra), check=True, capture_output=True, timeout=120).stdout
    text = out.decode("utf-8")
    assert text.startswith(prime) and text.endswith("\n"), text[:40]
    return text[len(prime):-1]


srv = Server(recur, ["--model", model, "--vectors", vectors, "--slots", "8"])

# ---- the read-only endpoints ----
status, hdrs, h = srv.json("GET", "/health")
check(status == 200 and h["status"] == "ok" and h["vectors"] is True and h["slots"] == 8, "GET /health: %s" % h)
status, _, m = srv.json("GET", "/v1/models")
lm = m["data"][0]
check(status == 200 and m["object"] == "list" and lm["id"] == "tiny" and lm["object"] == "model" and
      lm["recur"]["cell"] == "lstm" and lm["recur"]["hidden"] == 64 and lm["recur"]["vocab_size"] > 40,
      "GET /v1/models: the model with its config and vocabulary size")
check(m["data"][1]["recur"]["kind"] == "word_vectors" and m["data"][1]["recur"]["dim"] == 50,
      "GET /v1/models: the word vectors too")
status, hdrs, page = srv.request("GET", "/")
check(status == 200 and hdrs["content-type"].startswith("text/html") and b"Playground" in page and
      b"<script" in page and b"http://" not in page.replace(b"http://www.w3.org/2000/svg", b""),
      "GET /: the page, with nothing fetched from elsewhere (%d bytes)" % len(page))
check("default-src 'none'" in hdrs.get("content-security-policy", ""), "the page's CSP allows only itself")

# ---- completions equal recur sample for the same settings ----
for prime, n, seed, temp, topk in [("ROMEO:", 120, 7, 1.0, 0), ("First Citizen", 80, 3, 0.7, 5),
                                   ("K", 60, 11, 1.3, 0)]:
    body = {"prompt": prime, "max_tokens": n, "seed": seed, "temperature": temp, "top_k": topk}
    status, _, r = srv.json("POST", "/v1/completions", body)
    want = sample(prime, n, seed, ["--temperature", str(temp), "--top-k", str(topk)])
    got = r["choices"][0]["text"]
    check(status == 200 and got == want, "seed %d T %.1f top-k %d: the server's %d tokens equal recur sample's"
          % (seed, temp, topk, n))
    check(r["usage"] == {"prompt_tokens": len(prime), "completion_tokens": n, "total_tokens": len(prime) + n} and
          r["choices"][0]["finish_reason"] == "length" and r["object"] == "text_completion" and
          r["id"].startswith("cmpl-"), "usage counts the prompt's and the completion's tokens")
body = {"prompt": "ROMEO:", "max_tokens": 150, "seed": 9, "temperature": 0.9, "top_p": 0.9, "min_p": 0.05,
        "repeat_penalty": 1.3, "repeat_last_n": 32, "presence_penalty": 0.5, "frequency_penalty": 0.2}
status, _, r = srv.json("POST", "/v1/completions", body)
check(status == 200 and r["choices"][0]["text"] == sample("ROMEO:", 150, 9, [
    "--temperature", "0.9", "--top-p", "0.9", "--min-p", "0.05", "--repeat-penalty", "1.3", "--repeat-last-n", "32",
    "--presence-penalty", "0.5", "--frequency-penalty", "0.2"]),
    "top_p, min_p and the three penalties: the same text as recur sample with the same flags")
status, _, r = srv.json("POST", "/v1/completions", {"prompt": "ROMEO:", "max_tokens": 50, "temperature": 0})
check(r["choices"][0]["text"] == sample("ROMEO:", 50, 1, ["--mode", "argmax"]),
      "temperature 0 is the most likely token every step (recur sample --mode argmax)")

# n completions: completion i samples with seed + i
status, _, r = srv.json("POST", "/v1/completions", {"prompt": "ROMEO:", "max_tokens": 40, "seed": 20, "n": 3})
texts = [c["text"] for c in sorted(r["choices"], key=lambda c: c["index"])]
check(texts == [sample("ROMEO:", 40, 20 + i) for i in range(3)], "n 3: completion i equals recur sample --seed 20+i")

# ---- streaming ----
status, ctype, raw = srv.stream({"prompt": "ROMEO:", "max_tokens": 3000, "seed": 7})
texts, finish, events = sse_texts(raw)
check(status == 200 and ctype.startswith("text/event-stream"), "stream: 200 text/event-stream")
check(texts[0] == sample("ROMEO:", 3000, 7) and finish[0] == "length" and events >= 1,
      "stream: %d events, 'data: {...}' each, [DONE] last, the same text as recur sample" % events)

# ---- --flush-ms: how often a stream's readers are woken for more text ----
expected = sample("ROMEO:", 3000, 7)
every = Server(recur, ["--model", model, "--flush-ms", "0"])
status, _, raw = every.stream({"prompt": "ROMEO:", "max_tokens": 3000, "seed": 7})
texts, _, events_every = sse_texts(raw)
# How many events a reader gets at --flush-ms 0 is up to the scheduler: the
# 3000 tokens take well under a second here, and runs beside two busy
# processes gave anything from 4 events to over 100 (the HTTP thread waits
# for a core while the generator runs on). The upper bound of an interval
# holds whatever the load, over a stream long enough to span several.
check(texts[0] == expected and events_every >= 2,
      "--flush-ms 0: %d events for 3000 tokens, the same text" % events_every)
every.stop()
slow = Server(recur, ["--model", model, "--flush-ms", "100", "--max-tokens", "100000"])
t0 = time.time()
status, _, raw = slow.stream({"prompt": "ROMEO:", "max_tokens": 60000, "seed": 7})
elapsed = time.time() - t0
texts, _, events_slow = sse_texts(raw)
# the first text at once, then one event per 100 ms at most, then the end
bound = 2 + int(elapsed / 0.1) + 1
check(len(texts[0]) >= 60000 and texts[0].startswith(expected) and 2 <= events_slow <= bound,
      "--flush-ms 100: %d events for 60000 tokens in %.2f s (at most %d)" % (events_slow, elapsed, bound))
slow.stop()

# ---- stop strings ----
full = sample("ROMEO:", 200, 5)
stop = full[40:43]
first = full.find(stop)
status, _, r = srv.json("POST", "/v1/completions", {"prompt": "ROMEO:", "max_tokens": 200, "seed": 5, "stop": stop})
check(r["choices"][0]["text"] == full[:first] and r["choices"][0]["finish_reason"] == "stop",
      "stop %r: the text ends before its first occurrence, finish_reason stop" % stop)
check(r["choices"][0]["text"] == sample("ROMEO:", 200, 5, ["--stop", stop]), "and equals recur sample --stop")
status, _, raw = srv.stream({"prompt": "ROMEO:", "max_tokens": 200, "seed": 5, "stop": ["zzzz", stop]})
texts, finish, _ = sse_texts(raw)
check(texts[0] == full[:first] and finish[0] == "stop", "stop in a stream: never sent, across token boundaries")

# ---- many streams at once: each has its own state over the shared weights ----
results = {}


def client(i):
    st, _, raw = srv.stream({"prompt": "ROMEO:", "max_tokens": 100, "seed": 100 + i % 3})
    results[i] = sse_texts(raw)[0][0]


threads = [threading.Thread(target=client, args=(i,)) for i in range(12)]
for t in threads:
    t.start()
for t in threads:
    t.join(120)
expect = {s: sample("ROMEO:", 100, s) for s in (100, 101, 102)}
check(len(results) == 12 and all(results[i] == expect[100 + i % 3] for i in results),
      "12 concurrent streams (more than the 8 slots: some queue) each equal recur sample for its seed")

# ---- a client that disconnects stops its generation ----
s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
body = json.dumps({"prompt": "ROMEO:", "max_tokens": 4000, "stream": True, "seed": 1}).encode()
s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
          % len(body) + body)
got = b""
while b"data: " not in got:  # the first piece has come: the job is running
    got += s.recv(4096)
s.close()
deadline = time.time() + 10
while time.time() < deadline:
    _, _, h = srv.json("GET", "/health")
    if h["active"] == 0 and h["queued"] == 0:
        break
    time.sleep(0.1)
tokens_then = h["tokens_generated"]
time.sleep(0.5)
_, _, h2 = srv.json("GET", "/health")
check(b"200 OK" in got and h["active"] == 0 and h2["tokens_generated"] == tokens_then,
      "a client that disconnects mid-stream frees its slot and no more tokens are made (%r, %s, %s)"
      % (got[:15], h, h2["tokens_generated"]))

# ---- word vectors ----
def similar(args):
    """(word, cosine) pairs from recur w2v similar."""
    out = subprocess.run([recur, "w2v", "similar", "--vectors", vectors, "--count", "5"] + args, check=True,
                         capture_output=True, text=True, timeout=60).stdout
    return [(line.split()[0], float(line.split()[1])) for line in out.splitlines()[1:]]


def same_neighbours(data, ref):
    return len(data) == len(ref) and all(d["word"] == w and abs(d["cosine"] - c) < 2e-4
                                         for d, (w, c) in zip(data, ref))


status, _, r = srv.json("POST", "/v1/vectors/nearest", {"word": "president", "k": 5})
check(status == 200 and same_neighbours(r["data"], similar(["president"])),
      "nearest: the same 5 words and cosines as recur w2v similar: %s" % [d["word"] for d in r["data"]])
status, _, r = srv.json("POST", "/v1/vectors/nearest", {"word": "그는", "k": 5})
check(status == 200 and same_neighbours(r["data"], similar(["그는"])), "nearest of a Korean word: %s" %
      [d["word"] for d in r["data"]])
status, _, r = srv.json("POST", "/v1/vectors/analogy", {"positive": ["king", "she"], "negative": ["he"], "k": 5})
check(status == 200 and same_neighbours(r["data"], similar(["--analogy", "king", "he", "she"])),
      "analogy king - he + she: as recur w2v similar --analogy: %s" % [d["word"] for d in r["data"]])
status, _, r = srv.json("POST", "/v1/embeddings", {"input": ["the", "그는"], "model": "mix"})
check(status == 200 and r["object"] == "list" and len(r["data"]) == 2 and len(r["data"][1]["embedding"]) == 50 and
      r["data"][1]["index"] == 1 and r["usage"]["prompt_tokens"] == 2, "embeddings: OpenAI's shape, one vector a word")
with open(vectors, "rb") as f:  # the binary file's row for "the", read directly
    count, dim = map(int, f.readline().split())
    row = None
    for _ in range(count):
        word = b""
        while not word.endswith(b" "):
            word += f.read(1)
        import struct
        vec = struct.unpack("<%df" % dim, f.read(4 * dim))
        f.read(1)
        if word == b"the ":
            row = vec
            break
check(row is not None and all(abs(a - b) < 1e-6 for a, b in zip(r["data"][0]["embedding"], row)),
      "embeddings: the vector is the file's row")
status, _, r = srv.json("GET", "/v1/vectors/map?top=50")
check(status == 200 and len(r["words"]) == 50 and len(r["points"]) == 50 and r["words"][0] != "</s>",
      "map: 50 words with 2-D points")

# ---- errors, in OpenAI's shape ----
def error_is(status, body, code, param=None):
    e = body.get("error", {})
    return status == code and isinstance(e.get("message"), str) and e.get("param") == param and "type" in e


for body, param in [({"prompt": "x", "temperature": "hot"}, "temperature"), ({"prompt": "x", "max_tokens": -1}, "max_tokens"),
                    ({"prompt": "x", "top_p": 2}, "top_p"), ({"prompt": "x", "n": 0}, "n"),
                    ({"prompt": "x", "stop": 5}, "stop"), ({"prompt": 7}, "prompt"),
                    ({"prompt": "\u00c6\u00d8"}, "prompt"), ({"prompt": "x", "temprature": 1}, "temprature"),
                    ({"prompt": "x", "max_tokens": 10 ** 9}, "max_tokens")]:
    status, _, r = srv.json("POST", "/v1/completions", body)
    check(error_is(status, r, 400, param), "400 names the field %s: %s" % (param, r["error"]["message"]))
status, _, r = srv.json("POST", "/v1/completions", "{not json")
check(error_is(status, r, 400), "400 for a body that is not JSON: " + r["error"]["message"])
status, _, r = srv.json("GET", "/v1/nothing")
check(error_is(status, r, 404), "404 for an unknown path")
status, _, r = srv.json("GET", "/v1/completions")
check(error_is(status, r, 405), "405 for a known path with the wrong method")
# A client that announces a large body and waits for 100 Continue (as curl does) gets the 413 first.
got = srv.raw(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n"
              % (2 << 20))
check(got.startswith(b"HTTP/1.1 413") and b'"error"' in got, "413 for a body over the limit: %s" % got.split(b"\r\n")[0])
rc, rest = srv.stop()
check(rc == 0, "SIGTERM with nothing running: exit 0")

# 401 with a key; 503 with Retry-After when the one slot is busy and the queue is empty
srv = Server(recur, ["--model", model, "--slots", "1", "--queue", "0", "--api-key", "s3cret", "--max-tokens", "1000000"])
status, _, r = srv.json("POST", "/v1/completions", {"prompt": "x"})
check(error_is(status, r, 401), "401 without the key")
status, _, r = srv.json("POST", "/v1/completions", {"prompt": "x"}, {"Authorization": "Bearer wrong"})
check(error_is(status, r, 401), "401 with a wrong key")
status, _, r = srv.json("GET", "/health")
check(status == 200 and r["key_required"] is True, "/health needs no key (and says a key is needed)")
key = {"Authorization": "Bearer s3cret"}
status, _, r = srv.json("POST", "/v1/completions", {"prompt": "x", "max_tokens": 5}, key)
check(status == 200 and r["usage"]["completion_tokens"] == 5, "200 with the key")
busy = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
body = json.dumps({"prompt": "ROMEO:", "max_tokens": 1000000, "stream": True}).encode()  # seconds of work
busy.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\nContent-Length: %d\r\n\r\n"
             % len(body) + body)
got = b""
while b"data: " not in got:  # the stream has begun: the slot is taken
    got += busy.recv(4096)
status, hdrs, r = srv.json("POST", "/v1/completions", {"prompt": "x"}, key)
check(error_is(status, r, 503) and hdrs.get("retry-after") == "1", "503 with Retry-After when the queue is full: %s %s" % (status, r))

# SIGTERM while a stream runs: it ends with [DONE] and the server exits 0
buf = b""
rc_holder = {}
stopper = threading.Thread(target=lambda: rc_holder.update(r=srv.stop()))
stopper.start()
busy.settimeout(20)
try:
    while not buf.endswith(b"0\r\n\r\n"):
        chunk = busy.recv(65536)
        if not chunk:
            break
        buf += chunk
except socket.timeout:
    fail("the running stream did not end after SIGTERM")
stopper.join(30)
check(b"data: [DONE]" in buf and b'"finish_reason":"shutdown"' in buf,
      "SIGTERM ends a running stream with finish_reason shutdown and [DONE]")
check(rc_holder["r"][0] == 0, "and the server exits 0: %s" % rc_holder["r"][1].strip().splitlines()[-1])
busy.close()
print("all API checks passed")
