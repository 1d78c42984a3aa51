"""A checkout-like folder with the demo loaded and ``urutiq-ai serve`` running on it, where
the documents' examples run as written (see ``examples.py``).

The folder holds what a checkout after ``make run`` holds for the examples: ``.venv`` (this
interpreter's environment), ``examples/`` (the repository's), and ``urutiq-data/`` with the
database, artifacts and ``demo-key`` at their default paths, so the server and the examples
use the defaults and no ``URUTIQ_DATABASE_URL``. Every test of this folder runs on one xdist
worker (group ``docs``): the documents run in order against one copy of the demo (loaded once
per run, ``demo_template``).
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.demo.conftest import copy_demo, demo_template
from tests.docs.examples import ROOT

__all__ = ["demo_template"]  # a fixture: imported to be found here

SERVER_START_SECONDS = 60.0
DOCUMENT_TIMEOUT = 900
"""pytest-timeout's limit for a test here, above the run's default: test_examples.py allows
a document 600 s of its own, and the first test also waits for the demo and the server."""


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.xdist_group("docs"))
            item.add_marker(pytest.mark.timeout(DOCUMENT_TIMEOUT))


@dataclass(frozen=True)
class DocsDemo:
    """Where the examples run, the server's URL, and the environment they run with."""

    checkout: Path
    url: str
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def user_env() -> dict[str, str]:
    """A user's shell: no URUTIQ_* settings, and the virtual environment not on PATH (the
    examples say ``.venv/bin/...`` or ``source .venv/bin/activate`` themselves)."""
    venv_bin = str(Path(sys.prefix) / "bin")
    env = {k: v for k, v in os.environ.items() if not k.startswith("URUTIQ_")}
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env["COLUMNS"] = "120"  # the width of a terminal, for the tables
    return env


def _load_demo(template: Path, checkout: Path) -> None:
    data = checkout / "urutiq-data"
    copy_demo(template, data)
    assert (data / "demo-key").is_file()


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"urutiq-ai serve exited with {server.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"urutiq-ai serve did not answer on {url} in {SERVER_START_SECONDS} s")


@pytest.fixture(scope="session")
def docs_demo(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DocsDemo]:
    checkout: Path = tmp_path_factory.mktemp("checkout")
    (checkout / ".venv").symlink_to(Path(sys.prefix))
    (checkout / "examples").symlink_to(ROOT / "examples")
    _load_demo(demo_template, checkout)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = user_env()
    log = (checkout / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(Path(sys.prefix) / "bin" / "urutiq-ai"), "serve", "--port", str(port)],
        cwd=checkout,
        env={**env, "URUTIQ_SCHEDULER": "off"},  # no cron run moves the demo under the test
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(url, server)
        # The CLI and SDK find a local server by the record serve writes in urutiq-data/;
        # naming it as well keeps the examples off the in-process path if that record is
        # not read (a different data directory resolution, an older checkout).
        yield DocsDemo(checkout=checkout, url=url, env={**env, "URUTIQ_URL": url})
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
