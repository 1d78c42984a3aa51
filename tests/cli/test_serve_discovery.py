"""`urutiq-ai serve` records where it listens beside its SQLite database, a CLI command with
no URL finds it and asks it (saying so on stderr) instead of opening the database, and the
record goes when the server stops (issue 18, item 3)."""

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from tests.cli.test_serve_sigterm import free_port
from tests.conftest import make_tenant_fixture
from urutiq_ai.api.app import create_app
from urutiq_ai.core.migrations import upgrade
from urutiq_ai.core.settings import Settings

CLI = str(Path(sys.executable).parent / "urutiq-ai")


def test_cli_finds_the_local_server(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'urutiq.db'}"
    upgrade(url)
    app = create_app(Settings(database_url=url, artifacts=str(tmp_path / "a")))
    tenant = make_tenant_fixture(app.state.sessionmaker)
    app.state.executor.shutdown(wait=True)
    app.state.engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("URUTIQ_")}
    env.update(URUTIQ_DATABASE_URL=url, URUTIQ_ARTIFACTS=str(tmp_path / "a"))
    port = free_port()
    log = tmp_path / "serve.log"
    server = subprocess.Popen(
        [CLI, "serve", "--host", "0.0.0.0", "--port", str(port)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    record = tmp_path / "server.json"
    try:
        for _ in range(600):
            if record.exists() or server.poll() is not None:
                break
            time.sleep(0.1)
        assert record.exists(), log.read_text()
        assert stat.S_IMODE(record.stat().st_mode) == 0o600
        written = json.loads(record.read_text())
        assert written == {
            "url": f"http://127.0.0.1:{port}",
            "pid": server.pid,
            "database": str(tmp_path / "urutiq.db"),
        }

        command = [CLI, "companies", "list", "--json"]
        env.update(URUTIQ_API_KEY=tenant.keys["admin"])
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert f"using the server at http://127.0.0.1:{port}" in result.stderr
        assert tenant.company_id in result.stdout
        assert "GET /api/v1/companies" in log.read_text()  # the server answered it

        in_process = subprocess.run(
            command, env={**env, "URUTIQ_URL": "local"}, capture_output=True, text=True, timeout=120
        )
        assert in_process.returncode == 0, in_process.stderr
        assert "using the server" not in in_process.stderr
        assert log.read_text().count("GET /api/v1/companies") == 1  # not asked this time
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    assert not record.exists()
