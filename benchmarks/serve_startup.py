"""How fast `urutiq-ai serve` answers /healthz after start, and how much memory it idles at.

Targets (issue "Foundation"): /healthz within 2 s of start, idle RSS under 250 MB.
Runs the real console script against a fresh, migrated SQLite database in a
temporary folder, RUNS times, and prints the figures.

    .venv/bin/python benchmarks/serve_startup.py [--runs 5]
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from urutiq_ai.core.migrations import upgrade

TARGET_SECONDS = 2.0
TARGET_RSS_MB = 250.0
IDLE_SECONDS = 3.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tree_rss_mb(pid: int) -> float:
    process = psutil.Process(pid)
    processes = [process, *process.children(recursive=True)]
    return sum(p.memory_info().rss for p in processes) / 1024 / 1024


def one_run(database_url: str, cli: str) -> tuple[float, float]:
    port = free_port()
    env = {**os.environ, "URUTIQ_DATABASE_URL": database_url}
    started = time.perf_counter()
    server = subprocess.Popen(
        [cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ready = wait_for_health(port, started, deadline=30.0)
        time.sleep(IDLE_SECONDS)
        return ready, tree_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)


def wait_for_health(port: int, started: float, *, deadline: float) -> float:
    url = f"http://127.0.0.1:{port}/healthz"
    while time.perf_counter() - started < deadline:
        try:
            if httpx.get(url, timeout=0.5).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"/healthz did not answer within {deadline} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cli = str(Path(sys.executable).with_name("urutiq-ai"))
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{folder}/bench.db"
        upgrade(database_url)
        results = [one_run(database_url, cli) for _ in range(args.runs)]
    times = [r[0] for r in results]
    rss = [r[1] for r in results]
    print(f"urutiq-ai serve, {args.runs} cold starts on SQLite")
    print(
        f"  time to first /healthz 200: median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s (target <= {TARGET_SECONDS:.1f} s)"
    )
    print(
        f"  idle RSS after {IDLE_SECONDS:.0f} s: median {statistics.median(rss):.0f} MB, "
        f"max {max(rss):.0f} MB (target < {TARGET_RSS_MB:.0f} MB)"
    )
    ok = max(times) <= TARGET_SECONDS and max(rss) < TARGET_RSS_MB
    print("  verdict:", "meets both targets" if ok else "MISSES a target")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
