"""How long `make run` takes, as a new user runs it: on a fresh clone to a serving dashboard,
then a second time on the same checkout.

Clones this repository (its committed HEAD) into a temporary folder and runs ``make run``
there as a real process, with the environment of the caller (on this machine that includes
``PYTHONDONTWRITEBYTECODE=1``). Each line ``make`` prints is timestamped; the phases are
cut at the lines that end them:

* install: ``uv`` installs the locked packages into ``.venv`` (from uv's cache on this
  machine: a machine that has never downloaded them adds the download),
* compile: ``python -m urutiq_ai.warm`` (bytecode of what the package imports),
* migrate: ``urutiq-ai db upgrade``,
* demo: ``urutiq-ai demo load``,
* serve: until the dashboard's login page answers 200.

Then the server is stopped and ``make run`` is run again in the same checkout (target:
a serving dashboard within 15 s). The machine's load average is printed before each run.

    .venv/bin/python benchmarks/make_run.py [--runs 1] [--second-runs 3] [--ref COMMIT]
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
SECOND_RUN_TARGET = 15.0
DEADLINE = 900.0
MARKERS = (  # (phase that a line ends, text the line starts with)
    ("install", "warm:"),
    ("migrate", "Database "),
    ("demo", "Demo admin key"),
)


@dataclass
class Timeline:
    started: float
    marks: dict[str, float] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def phases(self, served: float) -> dict[str, float]:
        """Seconds per phase: each from the end of the previous one."""
        ends = [(name, self.marks[name]) for name, _ in MARKERS if name in self.marks]
        ends.append(("serve", served))
        result, previous = {}, self.started
        for name, end in ends:
            result[name] = end - previous
            previous = end
        return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _follow(process: subprocess.Popen[str], timeline: Timeline) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        now = time.perf_counter()
        timeline.lines.append(f"{now - timeline.started:7.1f}s {line.rstrip()}")
        for name, start in MARKERS:
            if line.startswith(start) and name not in timeline.marks:
                timeline.marks[name] = now


def _wait_for_dashboard(port: int, process: subprocess.Popen[str]) -> float:
    url = f"http://127.0.0.1:{port}/login"
    deadline = time.perf_counter() + DEADLINE
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"make run exited with {process.returncode} before serving")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return time.perf_counter()
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"no dashboard at {url} after {DEADLINE:.0f} s")


def make_run(checkout: Path) -> tuple[float, dict[str, float], list[str]]:
    """Run ``make run`` in ``checkout`` until the dashboard answers; then stop it."""
    port = free_port()
    env = {**os.environ, "URUTIQ_PORT": str(port)}
    for name in ("URUTIQ_DATABASE_URL", "URUTIQ_ARTIFACTS", "URUTIQ_SOURCES", "URUTIQ_URL"):
        env.pop(name, None)  # the checkout's own ./urutiq-data, as for a new user
    timeline = Timeline(started=time.perf_counter())
    process = subprocess.Popen(
        ["make", "run"],
        cwd=checkout,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    reader = threading.Thread(target=_follow, args=(process, timeline), daemon=True)
    reader.start()
    try:
        served = _wait_for_dashboard(port, process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        reader.join(timeout=5)
    return served - timeline.started, timeline.phases(served), timeline.lines


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min) / {five:.2f} (5 min)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="fresh clones to time")
    parser.add_argument("--second-runs", type=int, default=3, help="later runs per clone")
    parser.add_argument("--verbose", action="store_true", help="print make's timestamped output")
    parser.add_argument(
        "--ref", default="HEAD", help="the commit to clone (compare with an older one)"
    )
    args = parser.parse_args()
    rows: list[str] = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="urutiq-make-run-") as folder:
            checkout = Path(folder) / "urutiq-ai"
            subprocess.run(
                ["git", "clone", "-q", str(REPO), str(checkout)],
                check=True,
            )
            subprocess.run(
                ["git", "-C", str(checkout), "checkout", "-q", args.ref],
                check=True,
            )
            print(f"fresh clone {run}: {load()}", file=sys.stderr)
            total, phases, lines = make_run(checkout)
            if args.verbose:
                print("\n".join(lines), file=sys.stderr)
            shown = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items())
            rows.append(f"| first `make run` (fresh clone {run}) | {total:.1f} s | {shown} |")
            for again in range(1, args.second_runs + 1):
                print(f"second run {again}: {load()}", file=sys.stderr)
                total, phases, lines = make_run(checkout)
                if args.verbose:
                    print("\n".join(lines), file=sys.stderr)
                shown = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items())
                verdict = "meets" if total <= SECOND_RUN_TARGET else "misses"
                rows.append(
                    f"| `make run` again ({again}) | {total:.1f} s | {shown}; {verdict} "
                    f"<= {SECOND_RUN_TARGET:.0f} s |"
                )
    print(f"\n{load()} at the end\n")
    print("| run | to a serving dashboard | phases |")
    print("| --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
