"""Bounded load test of `seqarena serve` on loopback: starts the server on a free port, sends a fixed
number of POST /predict requests (one text each) at each concurrency level, stops the server, and
prints requests/s, p50 and p99 latency and the error count per level. Stops by itself.

    python benchmarks/bench_serve.py MODEL.pt [MODEL2.pt ...] [--requests 400] [--concurrency 1,8,32]
        [--threads 1]

Texts are sentences of 5-40 words drawn from the checkpoint's vocabulary (seeded)."""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from seqarena.deploy.predictor import load_predictor


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(ckpt: Path, port: int, threads: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "seqarena", "serve", str(ckpt), "--port", str(port),
                             "--threads", str(threads)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode()}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start in 120 s")


def level(port: int, bodies: list[bytes], concurrency: int) -> dict:
    """Send every body once, from `concurrency` threads with one keep-alive connection each."""
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    parts = [bodies[i::concurrency] for i in range(concurrency)]

    def worker(mine: list[bytes]) -> None:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for b in mine:
            t0 = time.perf_counter()
            try:
                c.request("POST", "/predict", body=b, headers={"Content-Type": "application/json"})
                r = c.getresponse()
                ok = r.status == 200 and "predictions" in json.loads(r.read())
            except (OSError, http.client.HTTPException, ValueError):
                ok = False
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            dt = time.perf_counter() - t0
            with lock:
                lat.append(dt)
                errors[0] += not ok
        c.close()

    threads = [threading.Thread(target=worker, args=(p,)) for p in parts]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    q = statistics.quantiles(lat, n=100)
    return {"concurrency": concurrency, "requests": len(bodies), "errors": errors[0], "rps": len(bodies) / wall,
            "p50_ms": 1000 * statistics.median(lat), "p99_ms": 1000 * q[98]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoints", type=Path, nargs="+")
    ap.add_argument("--requests", type=int, default=400, help="requests per concurrency level")
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--threads", type=int, default=1, help="the server's torch threads")
    args = ap.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    print("| model | concurrency | requests | errors | requests/s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for ckpt in args.checkpoints:
        pred = load_predictor(ckpt)
        rng = np.random.default_rng(0)
        words = [w for w in (pred.vocab.itos[2:] if pred.vocab else pred.ckpt["sparse_state"]["terms"]) if " " not in w]
        bodies = [json.dumps({"text": " ".join(rng.choice(words, size=int(rng.integers(5, 41))))}).encode()
                  for _ in range(args.requests)]
        port = free_port()
        proc = start(ckpt, port, args.threads)
        try:
            level(port, bodies[:20], 1)  # warm-up
            for c in levels:
                r = level(port, bodies, c)
                print(f"| {pred.name} | {c} | {r['requests']} | {r['errors']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | "
                      f"{r['p99_ms']:.1f} |", flush=True)
            alive = proc.poll() is None
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        if not alive:
            raise SystemExit(f"{ckpt}: the server died during the load test")


if __name__ == "__main__":
    main()
