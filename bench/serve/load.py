"""Load benchmark of recur serve, on loopback only and bounded in time.

For each number of concurrent streaming clients (default 1, 4, 16, 64) the
clients loop for --seconds: each sends POST /v1/completions with
stream: true and reads the server-sent events to the end. Reported per level:
requests/s, total tokens/s, median and p99 time to first token, median and
p99 per-token latency (a request's time from its first token to its last,
over its tokens after the first), errors, and the server's resident memory
(VmRSS sampled every 0.5 s, and VmHWM, the peak). Then --flat requests
(default 10,000, short ones, 16 at a time) with VmRSS sampled every
1,000 requests, to show that memory stays flat.

    python3 bench/serve/load.py --recur build/recur --model M.safetensors [--out results.json]
        [--client build/bench/serve_load_client]

Without --model it trains a 2 x 512 char LSTM for a few steps first (speed
does not depend on how well a model is trained). The client is asyncio with
hand-written HTTP/1.1 (one connection per request), so that 64 streams cost
the client little CPU; the server is the thing measured."""
import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"


def percentile(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(p / 100.0 * (len(xs) - 1)))))
    return xs[k]


def rss_kb(pid, field="VmRSS"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


async def one_request(port, body, deadline):
    """Returns (ok, t_first, t_last, tokens, t_start)."""
    t0 = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), 10)
    except (OSError, asyncio.TimeoutError):
        return False, None, None, 0, t0
    payload = json.dumps(body).encode()
    writer.write(b"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
    ok, first, last, tokens = False, None, None, 0
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
        if not head.startswith(b"HTTP/1.1 200"):
            return False, None, None, 0, t0
        buf = b""
        while True:
            chunk = await asyncio.wait_for(reader.read(65536), 60)
            if not chunk:
                break
            buf += chunk
            # The body is chunked; the events are found in it directly (the
            # chunk sizes sit between events, on lines of their own).
            while True:
                i = buf.find(b"\n\n")
                if i < 0:
                    break
                event, buf = buf[:i], buf[i + 2:]
                j = event.find(b"data: ")
                if j < 0:
                    continue
                data = event[j + 6:]
                if data == b"[DONE]":
                    ok = True
                    continue
                msg = json.loads(data)
                if "error" in msg:
                    return False, first, last, tokens, t0
                text = msg["choices"][0]["text"]
                if text:
                    now = time.perf_counter()
                    if first is None:
                        first = now
                    last = now
                    tokens += len(text)  # a char model: one token a character
            if ok:
                break
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
        ok = False
    finally:
        writer.close()
    return ok, first, last, tokens, t0


async def level(port, pid, clients, seconds, max_tokens):
    deadline = time.perf_counter() + seconds
    results = []
    rss = []

    async def client(i):
        k = 0
        while time.perf_counter() < deadline:
            body = {"prompt": "ROMEO:", "max_tokens": max_tokens, "stream": True, "seed": 1000 * i + k,
                    "temperature": 0.9}
            results.append(await one_request(port, body, deadline))
            k += 1

    async def sampler():
        while time.perf_counter() < deadline:
            rss.append(rss_kb(pid))
            await asyncio.sleep(0.5)

    t0 = time.perf_counter()
    await asyncio.gather(sampler(), *[client(i) for i in range(clients)])
    wall = time.perf_counter() - t0
    good = [r for r in results if r[0]]
    ttft = [r[1] - r[4] for r in good if r[1] is not None]
    per_token = [(r[2] - r[1]) / (r[3] - 1) for r in good if r[3] > 1]
    tokens = sum(r[3] for r in good)
    return {
        "clients": clients, "seconds": round(wall, 2), "requests": len(good),
        "requests_per_s": round(len(good) / wall, 2), "tokens_per_s": round(tokens / wall, 1),
        "ttft_median_ms": round(1000 * statistics.median(ttft), 2) if ttft else None,
        "ttft_p99_ms": round(1000 * percentile(ttft, 99), 2) if ttft else None,
        "token_latency_median_ms": round(1000 * statistics.median(per_token), 3) if per_token else None,
        "token_latency_p99_ms": round(1000 * percentile(per_token, 99), 3) if per_token else None,
        "errors": len(results) - len(good),
        "rss_max_mb": round(max(rss) / 1024, 1) if rss else None,
        "hwm_mb": round(rss_kb(pid, "VmHWM") / 1024, 1),
    }


async def flat(port, pid, total, concurrency, max_seconds):
    """total short requests; VmRSS after every 1,000."""
    done = 0
    errors = 0
    samples = [(0, rss_kb(pid))]
    deadline = time.perf_counter() + max_seconds

    async def client(i):
        nonlocal done, errors
        k = 0
        while done < total and time.perf_counter() < deadline:
            done += 1
            ok = (await one_request(port, {"prompt": "ROMEO:", "max_tokens": 4, "stream": True, "seed": k},
                                    deadline))[0]
            errors += not ok
            k += 1
            if done % 1000 == 0:
                samples.append((done, rss_kb(pid)))

    await asyncio.gather(*[client(i) for i in range(concurrency)])
    return {"requests": done, "errors": errors, "rss_kb_every_1000": samples}


def level_c(client, port, pid, clients, seconds, max_tokens):
    """The same level with the C client (bench/serve/load_client.c), which
    costs the shared cores far less than asyncio at thousands of events a
    second; RSS sampled here meanwhile."""
    proc = subprocess.Popen([client, str(port), str(clients), str(seconds), str(max_tokens)],
                            stdout=subprocess.PIPE, text=True)
    rss = []
    while proc.poll() is None:
        rss.append(rss_kb(pid))
        time.sleep(0.5)
    r = json.loads(proc.stdout.read())
    r.pop("tokens", None)
    r["rss_max_mb"] = round(max(rss) / 1024, 1) if rss else None
    r["hwm_mb"] = round(rss_kb(pid, "VmHWM") / 1024, 1)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recur", default="build/recur")
    ap.add_argument("--model")
    ap.add_argument("--clients", default="1,4,16,64")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--max-tokens", type=int, default=200)
    ap.add_argument("--flat", type=int, default=10000, help="requests of the memory run (0: none)")
    ap.add_argument("--threads", type=int, default=0, help="server compute threads (0: its default)")
    ap.add_argument("--weights", default="f32")
    ap.add_argument("--client", help="the C client (build/bench/serve_load_client) for the timed levels; "
                    "without it, the asyncio client here")
    ap.add_argument("--out", help="write the results as JSON here")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="recur-serve-bench-")
    model = a.model
    if not model:
        model = os.path.join(tmp, "lstm-2x512.safetensors")
        data = os.path.join(os.path.dirname(__file__), "..", "..", "data", "tinyshakespeare.txt")
        subprocess.run([a.recur, "train", "--data", data, "--out", model, "--layers", "2", "--hidden", "512",
                        "--steps", "5", "--batch", "16", "--seq", "32", "--eval-every", "0", "--quiet"],
                       check=True, timeout=600)
    cmd = [a.recur, "serve", "--model", model, "--port", "0", "--slots", "64", "--weights", a.weights,
           "--max-tokens", str(max(a.max_tokens, 16))]
    if a.threads:
        cmd += ["--threads", str(a.threads)]
    server = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        line = server.stderr.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            sys.exit("the server did not start: " + line)
        port = int(m.group(1))
        load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        top = subprocess.run("ps -eo pcpu,comm --sort=-pcpu | head -6", shell=True, capture_output=True,
                             text=True).stdout
        out = {"model": os.path.basename(model), "max_tokens": a.max_tokens, "weights": a.weights,
               "client": "c" if a.client else "asyncio", "threads": a.threads or "default",
               "load_before": load, "top_before": top, "levels": []}
        print("machine load: " + load)
        print("%8s %8s %10s %11s %10s %10s %12s %12s %7s %8s" % (
            "clients", "req/s", "tokens/s", "ttft med", "ttft p99", "tok med", "tok p99", "errors", "rss MB", "x1"))
        base = None
        for c in [int(x) for x in a.clients.split(",")]:
            if a.client:
                r = level_c(a.client, port, server.pid, c, a.seconds, a.max_tokens)
            else:
                r = asyncio.run(level(port, server.pid, c, a.seconds, a.max_tokens))
            base = base or r["tokens_per_s"]
            r["speedup_vs_first"] = round(r["tokens_per_s"] / base, 2) if base else None
            out["levels"].append(r)
            print("%8d %8.2f %10.1f %9.1fms %8.1fms %8.3fms %10.3fms %7d %8.1f %7.2fx" % (
                c, r["requests_per_s"], r["tokens_per_s"], *[-1 if r[k] is None else r[k] for k in (
                    "ttft_median_ms", "ttft_p99_ms", "token_latency_median_ms", "token_latency_p99_ms")],
                r["errors"], r["rss_max_mb"] or -1, r["speedup_vs_first"] or 0), flush=True)
        if a.flat:
            f = asyncio.run(flat(port, server.pid, a.flat, 16, 600))
            out["flat"] = f
            kb = [s[1] for s in f["rss_kb_every_1000"]]
            print("memory over %d short requests (%d errors): VmRSS MB every 1,000: %s" % (
                f["requests"], f["errors"], " ".join("%.1f" % (x / 1024) for x in kb)))
        out["load_after"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        print("machine load after: " + out["load_after"])
        if a.out:
            with open(a.out, "w") as fh:
                json.dump(out, fh, indent=1)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
