"""How fast the `urutiq-ai` command answers, as the process a user runs.

Targets (issue 18, item 3): `--help` and any subcommand's `--help` <= 0.3 s; a read
against a running server <= 0.5 s; an in-process read (no server) <= 1.5 s.

Each case runs the real console script in a fresh process, once to warm up (bytecode,
file cache) and then RUNS times; the wall time of each run is shown, the best and the
median, the process's CPU time (user + system: what the command costs, whatever else
the machine is doing) and the load average before and after. The reads use a copy of a
demo database (made with SQLite's backup API: the original is only read; the copy is
migrated to this checkout's schema): against a
`urutiq-ai serve` started on the copy with URUTIQ_URL set, through that server found by
discovery (URUTIQ_URL unset, the server recorded for the data folder), then in-process
after the server has stopped (no record left, so the CLI opens the database itself).

    .venv/bin/python benchmarks/cli_speed.py [--runs 5] [--data urutiq-data] [--port 8102]

The demo database comes from `urutiq-ai demo load` (`make run` loads it).
Exit status 0 when every median meets its target.
"""

import argparse
import os
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

HELP_TARGET = 0.3
SERVER_READ_TARGET = 0.5
LOCAL_READ_TARGET = 1.5
COMPANY = "demo-services"


@dataclass(frozen=True)
class Case:
    label: str
    args: tuple[str, ...]
    target: float
    mode: str  # "help", "server", "discovered" or "in-process"


@dataclass(frozen=True)
class Figures:
    case: Case
    walls: list[float]
    cpus: list[float]

    @property
    def best(self) -> float:
        return min(self.walls)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)


HELP_CASES = [
    Case("urutiq-ai --help", ("--help",), HELP_TARGET, "help"),
    Case("urutiq-ai deployments --help", ("deployments", "--help"), HELP_TARGET, "help"),
    Case(
        "urutiq-ai deployments status --help",
        ("deployments", "status", "--help"),
        HELP_TARGET,
        "help",
    ),
    Case(
        "urutiq-ai pipelines runs list --help",
        ("pipelines", "runs", "list", "--help"),
        HELP_TARGET,
        "help",
    ),
]
READS = [
    ("models list --status active", ("models", "list", "--status", "active")),
    ("deployments status", ("deployments", "status")),
]


def run_once(cli: str, args: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of the console script; exits on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([cli, *args], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"urutiq-ai {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(cli: str, case: Case, env: dict[str, str], runs: int) -> Figures:
    run_once(cli, case.args, env)  # warm up: bytecode written, files cached
    results = [run_once(cli, case.args, env) for _ in range(runs)]
    return Figures(case, [r[0] for r in results], [r[1] for r in results])


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a (possibly live, WAL-mode) SQLite database; reads ``source``."""
    src = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@contextmanager
def server(cli: str, env: dict[str, str], port: int) -> Iterator[str]:
    """A `urutiq-ai serve` on ``port``; yields its URL once /healthz answers."""
    if not free(port):
        raise SystemExit(f"port {port} is in use: pass --port")
    process = subprocess.Popen(
        [cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise SystemExit("urutiq-ai serve exited before it answered")
            time.sleep(0.1)
        else:
            raise SystemExit("urutiq-ai serve did not answer /healthz within 60 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def base_env(folder: Path, key: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("URUTIQ_") and name != "PYTHONDONTWRITEBYTECODE"
    }
    # A user's Python writes bytecode on the first run; PYTHONDONTWRITEBYTECODE (set on
    # some build machines) would make every run compile the package again.
    env.update(
        URUTIQ_DATABASE_URL=f"sqlite:///{folder / 'urutiq.db'}",
        URUTIQ_ARTIFACTS=str(folder / "artifacts"),
        URUTIQ_SOURCES=str(folder / "sources"),
        URUTIQ_API_KEY=key,
        URUTIQ_COMPANY=COMPANY,
        COLUMNS="120",
    )
    return env


def table(figures: list[Figures]) -> str:
    lines = [
        "| command | mode | target | best | median | CPU (best) | runs (s) | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        runs = " ".join(f"{w:.2f}" for w in f.walls)
        verdict = "meets" if f.median <= f.case.target else "MISSES"
        lines.append(
            f"| `{f.case.label}` | {f.case.mode} | <= {f.case.target:.1f} s | {f.best:.2f} s "
            f"| {f.median:.2f} s | {min(f.cpus):.2f} s | {runs} | {verdict} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", type=Path, default=Path("urutiq-data"), help="demo data folder")
    parser.add_argument("--port", type=int, default=8102)
    args = parser.parse_args()
    database, key_file = args.data / "urutiq.db", args.data / "demo-key"
    if not database.is_file() or not key_file.is_file():
        raise SystemExit(f"no demo in {args.data}: run `urutiq-ai demo load` (or make run)")
    key = key_file.read_text().strip()
    cli = str(Path(sys.executable).with_name("urutiq-ai"))
    load_before = os.getloadavg()
    figures: list[Figures] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        copy_database(database, folder / "urutiq.db")
        env = base_env(folder, key)
        run_once(cli, ["db", "upgrade"], env)  # the copy, to this checkout's schema
        figures += [measure(cli, case, env, args.runs) for case in HELP_CASES]
        with server(cli, env, args.port) as url:
            for label, command in READS:
                case = Case(f"urutiq-ai {label}", command, SERVER_READ_TARGET, "server")
                figures.append(measure(cli, case, {**env, "URUTIQ_URL": url}, args.runs))
            if (folder / "server.json").is_file():  # serve recorded itself for discovery
                for label, command in READS:
                    case = Case(f"urutiq-ai {label}", command, SERVER_READ_TARGET, "discovered")
                    figures.append(measure(cli, case, env, args.runs))
        if (folder / "server.json").exists():
            raise SystemExit("the server's record outlived it: an in-process run would use it")
        for label, command in READS:
            case = Case(f"urutiq-ai {label}", command, LOCAL_READ_TARGET, "in-process")
            figures.append(measure(cli, case, env, args.runs))
    load_after = os.getloadavg()
    print(f"urutiq-ai CLI, {args.runs} runs per command after one warm-up, {os.cpu_count()} CPUs")
    print(
        "load average (1, 5, 15 min): before "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + "; after "
        + ", ".join(f"{x:.2f}" for x in load_after)
    )
    print()
    print(table(figures))
    sys.exit(0 if all(f.median <= f.case.target for f in figures) else 1)


if __name__ == "__main__":
    main()
