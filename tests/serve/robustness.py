"""recur serve against malformed and hostile requests: each is answered with
the status in the table (or the connection is closed, where that is the
right answer), and after each one the server still serves /health and a
real completion. Every request is bounded in size and time.

    python3 robustness.py path/to/recur"""
import json
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from serverlib import Server, check, fail, make_model, make_vectors  # noqa: E402

recur = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="recur-serve-robust-")
model = make_model(recur, tmp, steps=60)
vectors = make_vectors(recur, tmp)
srv = Server(recur, ["--model", model, "--vectors", vectors, "--slots", "4", "--idle-timeout", "2",
                     "--max-body-kb", "1024"])


def status_of(reply):
    """The status code of a raw reply, or 'closed' when none came."""
    if not reply.startswith(b"HTTP/1."):
        return "closed"
    return int(reply.split(b" ", 2)[1])


def post(path, body, headers=b"", **kw):
    if isinstance(body, str):
        body = body.encode("utf-8")
    req = (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
           b"Content-Length: %d\r\n%s\r\n" % (path.encode(), len(body), headers)) + body
    return status_of(srv.raw(req, **kw))


def completion(obj):
    return post("/v1/completions", json.dumps(obj))


def raw(data, **kw):
    return status_of(srv.raw(data, **kw))


def big_announced():
    """10 MB announced, the client waits for 100 Continue as curl does."""
    return raw(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\nExpect: 100-continue\r\n\r\n")


def big_chunked():
    """10 MB sent chunked, with no length to refuse it by: counted as it comes."""
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(160)) + b"0\r\n\r\n"
    return raw(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               + body, timeout=30)


def big_unannounced():
    """10 MB sent with its length and no wait: refused from the headers; the
    client may see the answer or a reset, and the server goes on."""
    s = raw(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n" + b"x" * 10485760,
            timeout=30)
    return 413 if s in (413, "closed") else s


def slow_headers():
    """A client that sends its headers a byte at a time, slower than the idle
    limit allows in total but each byte within it: served (each byte resets
    the idle clock)."""
    body = b'{"prompt":"a","max_tokens":3}'
    req = (b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n"
           % len(body)) + body
    return raw(req, pause=0.005, timeout=20)


def stalled():
    """Half a request, then silence: the server closes it after the idle limit."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Len")
    t0 = time.time()
    got = s.recv(4096)  # blocks until the server gives up on us
    s.close()
    return "closed" if got == b"" and time.time() - t0 < 8 else "still open"


def silent_many():
    """30 connections that send nothing at all, held while /health is asked."""
    socks = [socket.create_connection(("127.0.0.1", srv.port), timeout=10) for _ in range(30)]
    ok = srv.healthy()
    for s in socks:
        s.close()
    return 200 if ok else "no answer"


def half_closed():
    """The request, then the client shuts its sending side: a client that
    leaves. The server ends the request (with no one to read an answer)."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    body = b'{"prompt":"a","max_tokens":2000,"stream":true}'
    s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    s.shutdown(socket.SHUT_WR)
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return status_of(got)


def short_body():
    """A body shorter than its Content-Length, then the client leaves."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"prompt\"")
    s.close()
    return "closed"


deep = "[" * 100000 + "]" * 100000
cases = [
    ("truncated JSON", lambda: post("/v1/completions", '{"prompt": "a",'), {400}),
    ("empty body", lambda: post("/v1/completions", ""), {400}),
    ("a JSON array, not an object", lambda: post("/v1/completions", "[1, 2]"), {400}),
    ("a JSON string body", lambda: post("/v1/completions", '"prompt"'), {400}),
    ("NaN literal", lambda: post("/v1/completions", '{"prompt":"a","temperature":NaN}'), {400}),
    ("max_tokens as a string", lambda: completion({"prompt": "a", "max_tokens": "10"}), {400}),
    ("stream as a string", lambda: completion({"prompt": "a", "stream": "yes"}), {400}),
    ("max_tokens 1e308", lambda: post("/v1/completions", '{"prompt":"a","max_tokens":1e308}'), {400}),
    ("a number beyond a double", lambda: post("/v1/completions", '{"prompt":"a","max_tokens":1e999}'), {400}),
    ("negative max_tokens", lambda: completion({"prompt": "a", "max_tokens": -5}), {400}),
    ("fractional n", lambda: completion({"prompt": "a", "n": 1.5}), {400}),
    ("n beyond the slots", lambda: completion({"prompt": "a", "n": 1000}), {400}),
    ("negative temperature", lambda: completion({"prompt": "a", "temperature": -1}), {400}),
    ("negative top_k", lambda: completion({"prompt": "a", "top_k": -3}), {400}),
    ("negative seed", lambda: completion({"prompt": "a", "seed": -1}), {400}),
    ("seed beyond 2^53", lambda: post("/v1/completions", '{"prompt":"a","seed":18446744073709551615}'), {400}),
    ("prompt outside the vocabulary (Korean)", lambda: completion({"prompt": "안녕하세요"}), {400}),
    ("invalid UTF-8 in the prompt", lambda: post("/v1/completions", b'{"prompt":"\xff\xfe"}'), {400}),
    ("a lone surrogate escape", lambda: post("/v1/completions", '{"prompt":"\\ud800"}'), {400}),
    ("a NUL in the prompt", lambda: post("/v1/completions", '{"prompt":"a\\u0000b"}'), {400}),
    ("nesting 100,000 deep", lambda: post("/v1/completions", deep), {400}),
    ("a duplicate key", lambda: post("/v1/completions", '{"prompt":"a","prompt":"b"}'), {400}),
    ("five stop strings", lambda: completion({"prompt": "a", "stop": ["a", "b", "c", "d", "e"]}), {400}),
    ("an empty stop string", lambda: completion({"prompt": "a", "stop": ""}), {400}),
    ("a 10 MB prompt, announced", big_announced, {413}),
    ("a 10 MB body, sent chunked", big_chunked, {413}),
    ("a 10 MB body, sent at once", big_unannounced, {413}),
    ("a 100 KB header", lambda: raw(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n"),
     {413, 431, "closed"}),
    ("garbage instead of a request line", lambda: raw(b"\x00\x01HELLO THERE\r\n\r\n"), {400, "closed"}),
    ("an unknown method", lambda: raw(b"BREW /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), {405}),
    ("a path outside the API", lambda: raw(b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
     {404, 400}),
    ("a map of a million words", lambda: raw(b"GET /v1/vectors/map?top=1000000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
     {400}),
    ("a map of 'abc' words", lambda: raw(b"GET /v1/vectors/map?top=abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
     {400}),
    ("3,000 words to embed", lambda: post("/v1/embeddings", json.dumps({"input": ["the"] * 3000})), {400}),
    ("an analogy with an unknown word", lambda: post("/v1/vectors/analogy", json.dumps({"positive": ["zzqx"]})), {400}),
    ("nearest with k a million", lambda: post("/v1/vectors/nearest", json.dumps({"word": "the", "k": 10 ** 6})), {400}),
    ("a slow client (5 ms a byte)", slow_headers, {200}),
    ("a stalled half request", stalled, {"closed"}),
    ("30 silent connections", silent_many, {200}),
    ("a half-closed connection", half_closed, {200, "closed"}),
    ("a body shorter than its length", short_body, {"closed"}),
]
check(len(cases) >= 20, "%d hostile requests" % len(cases))
ref = json.dumps({"prompt": "a", "max_tokens": 8, "seed": 3})
_, _, want = srv.json("POST", "/v1/completions", ref)
print("%-40s %-10s %s" % ("request", "answer", "server after it"))
for name, run, expected in cases:
    got = run()
    _, _, after = srv.json("POST", "/v1/completions", ref, timeout=30)
    fine = srv.healthy() and after["choices"] == want["choices"]
    print("%-40s %-10s %s" % (name, got, "serving" if fine else "BROKEN"))
    if got not in expected:
        fail("%s: answered %s, expected one of %s" % (name, got, sorted(map(str, expected))))
    if not fine:
        fail("%s: the server no longer serves" % name)
rc, rest = srv.stop()
check(rc == 0, "the server exits 0 after all of them")
print("all %d hostile requests answered" % len(cases))
