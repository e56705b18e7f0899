"""Helpers for the recur serve tests: small fixtures, a server on a free
loopback port, and plain HTTP/1.1 requests. Only 127.0.0.1 is ever spoken to;
every wait is bounded."""
import atexit
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

HOST = "127.0.0.1"
_running = []


@atexit.register
def _kill_servers():
    """A failed test must not leave its server behind."""
    for p in _running:
        if p.poll() is None:
            p.kill()
            p.wait(10)


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok   " + msg)


def data_dir():
    return os.environ.get("RECUR_DATA") or os.path.join(os.path.dirname(__file__), "..", "..", "data")


def make_model(recur, tmp, hidden=64, steps=150):
    """A small char LSTM trained for a few seconds on tiny Shakespeare."""
    text = os.path.join(tmp, "shk.txt")
    with open(os.path.join(data_dir(), "tinyshakespeare.txt"), "rb") as f:
        open(text, "wb").write(f.read(200000))
    model = os.path.join(tmp, "tiny.safetensors")
    subprocess.run([recur, "train", "--data", text, "--out", model, "--hidden", str(hidden), "--batch", "16",
                    "--seq", "32", "--steps", str(steps), "--lr", "0.005", "--eval-every", "0", "--quiet"],
                   check=True, timeout=300)
    return model


def make_vectors(recur, tmp):
    """Word vectors of English and Korean words (a slice of each corpus)."""
    mix = os.path.join(tmp, "mix.txt")
    with open(mix, "w", encoding="utf-8") as out:
        out.write(open(os.path.join(data_dir(), "w2v", "corpus_sample.txt"), encoding="utf-8").read())
        out.write("\n")
        out.write(open(os.path.join(data_dir(), "korean.txt"), encoding="utf-8").read()[:150000])
    vec = os.path.join(tmp, "mix.bin")
    subprocess.run([recur, "w2v", "train", "--train", mix, "--output", vec, "--binary", "1", "--size", "50",
                    "--iter", "3", "--min-count", "3", "--threads", "2", "--quiet"],
                   check=True, timeout=300, stdout=subprocess.DEVNULL)
    return vec


class Server:
    """recur serve on a free port (--port 0; the port is read from its first line)."""

    def __init__(self, recur, args, env=None):
        self.proc = subprocess.Popen([recur, "serve", "--port", "0"] + args, stderr=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, env=env, text=True)
        _running.append(self.proc)
        line = self.proc.stderr.readline()  # bounded: the server prints it or exits
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.proc.kill()
            fail("the server did not start: %r %s" % (line, self.proc.stderr.read()))
        self.port = int(m.group(1))
        self.first_line = line

    def conn(self, timeout=60):
        return http.client.HTTPConnection(HOST, self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=60):
        """(status, headers dict, body bytes)."""
        c = self.conn(timeout)
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        return r.status, hdrs, data

    def json(self, method, path, body=None, headers=None, timeout=60):
        status, hdrs, data = self.request(method, path, body, headers, timeout)
        return status, hdrs, json.loads(data)

    def stream(self, body, headers=None, timeout=60):
        """A streamed completion: (status, list of raw SSE events)."""
        c = self.conn(timeout)
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        c.request("POST", "/v1/completions", body=json.dumps(dict(body, stream=True)), headers=h)
        r = c.getresponse()
        raw = r.read().decode("utf-8")
        c.close()
        return r.status, r.getheader("Content-Type"), raw

    def raw(self, data, timeout=10, pause=None):
        """Sends bytes as they are (pause: seconds between them, for a slow
        client) and returns what comes back until the server closes or the
        timeout; a server that closes early is not an error."""
        s = socket.create_connection((HOST, self.port), timeout=timeout)
        got = b""
        try:
            if pause is None:
                s.sendall(data)
            else:
                for i in range(len(data)):
                    s.sendall(data[i:i + 1])
                    time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        s.close()
        return got

    def healthy(self):
        status, _, h = self.json("GET", "/health", timeout=10)
        return status == 200 and h["status"] == "ok"

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Sends the signal; returns the exit status and the rest of stderr."""
        self.proc.send_signal(sig)
        try:
            rest = self.proc.stderr.read()
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("the server did not stop within %d s of the signal" % timeout)
        return rc, rest


def sse_texts(raw):
    """The texts of each choice and its finish reasons from a raw SSE body,
    checking the framing: every event is 'data: ...' and a blank line, and
    the last is [DONE]."""
    assert raw.endswith("\n\n"), "events end with a blank line"
    events = raw[:-2].split("\n\n")
    assert events[-1] == "data: [DONE]", "the stream ends with data: [DONE], got %r" % events[-1:]
    texts, finish = {}, {}
    for e in events[:-1]:
        assert e.startswith("data: ") and "\n" not in e, "one data line per event: %r" % e
        msg = json.loads(e[6:])
        assert msg["object"] == "text_completion", msg
        for ch in msg["choices"]:
            texts[ch["index"]] = texts.get(ch["index"], "") + ch["text"]
            if ch["finish_reason"]:
                finish[ch["index"]] = ch["finish_reason"]
    return texts, finish, len(events) - 1
