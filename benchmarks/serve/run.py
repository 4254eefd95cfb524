"""Load test of ``envtag serve`` on loopback, beside the CLI's throughput on the same paragraphs.

    .venv/bin/python benchmarks/serve/run.py [--model models/default] [--clients 8] [--requests 200] [--size 10]

Starts ``envtag serve`` on a free local port, sends ``--clients`` concurrent
clients × ``--requests`` requests of ``--size`` paragraphs each (drawn with a
fixed seed from ``../shared/corpus/policy_corpus.jsonl``) to ``POST /v1/tag``,
and records errors, p50/p99 latency and paragraphs/s; then times ``envtag tag``
on the same paragraphs (one file, with evidence). Writes ``results.md`` and
``results.json`` beside this file.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "policy_corpus.jsonl"


def paragraphs(n: int, seed: int = 0) -> list[str]:
    lines = []
    with open(CORPUS, encoding="utf-8") as fh:
        for line in fh:
            lines.extend(p for p in json.loads(line)["text"].split("\n") if len(p.strip()) >= 10)
    random.Random(seed).shuffle(lines)
    return lines[:n]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model: str, port: int) -> subprocess.Popen:
    cmd = [str(Path(sys.executable).with_name("envtag")), "serve", "--model", model, "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the server did not come up")


def load(port: int, batches: list[list[str]], clients: int) -> dict:
    latencies, errors, lock = [], [], threading.Lock()
    queue = list(enumerate(batches))

    def client() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
            while True:
                with lock:
                    if not queue:
                        return
                    _, texts = queue.pop()
                t0 = time.perf_counter()
                res = http.post("/v1/tag", json={"texts": texts})
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    if res.status_code != 200 or len(res.json()["records"]) != len(texts):
                        errors.append(res.status_code)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    n = sum(len(b) for b in batches)
    return {
        "requests": len(batches),
        "paragraphs": n,
        "errors": len(errors),
        "wall_s": round(wall, 2),
        "par_s": round(n / wall, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
    }


def cli_throughput(model: str, texts: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.txt"
        src.write_text("\n".join(t.replace("\n", " ") for t in texts) + "\n", encoding="utf-8")
        cmd = [
            str(Path(sys.executable).with_name("envtag")),
            "tag",
            str(src),
            "-m",
            model,
            "-o",
            str(Path(tmp) / "o.jsonl"),
        ]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        wall = time.perf_counter() - t0
    return {"paragraphs": len(texts), "wall_s": round(wall, 2), "par_s": round(len(texts) / wall, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="models/default")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=200, help="requests per client")
    ap.add_argument("--size", type=int, default=10, help="paragraphs per request")
    args = ap.parse_args()
    texts = paragraphs(args.clients * args.requests * args.size)
    batches = [texts[i : i + args.size] for i in range(0, len(texts), args.size)]
    port = free_port()
    server = start_server(args.model, port)
    try:
        served = load(port, batches, args.clients)
        served["server_alive_after"] = httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    cli = cli_throughput(args.model, texts)
    command = "python benchmarks/serve/run.py " + " ".join(sys.argv[1:])
    result = {"command": command.strip(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "clients": args.clients, "size": args.size, "serve": served, "cli": cli,
              "cores": __import__("os").cpu_count()}  # fmt: skip
    (HERE / "results.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    md = [
        "# envtag serve under load",
        "",
        f"`{result['command']}` on {result['date']}, {result['cores']} CPU cores, loopback, with evidence.",
        "",
        "| route | paragraphs | requests | errors | wall s | paragraphs/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| `POST /v1/tag`, {args.clients} clients × {args.requests} requests × {args.size} paragraphs | "
        f"{served['paragraphs']} | {served['requests']} | {served['errors']} | {served['wall_s']} | "
        f"**{served['par_s']}** | {served['p50_ms']} | {served['p99_ms']} |",
        f"| `envtag tag` on the same paragraphs (one file, start-up included) | {cli['paragraphs']} | – | 0 | "
        f"{cli['wall_s']} | **{cli['par_s']}** | – | – |",
        "",
        f"The server answered `/health` after the run: {served['server_alive_after']}.",
    ]
    (HERE / "results.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
