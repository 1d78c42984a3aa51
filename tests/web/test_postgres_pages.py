"""Every page of the demo on PostgreSQL, as the app's ordinary role (row-level security
binding): the browser tests run on SQLite; this crawl makes sure the pages' queries (window
functions, dates, the rejects reader) work on the production database too. Skipped unless
URUTIQ_TEST_DATABASE_URL is set (CI sets it)."""

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.conftest import (
    APP_ROLE,
    PG_ENV,
    create_postgres_database,
    drop_postgres_database,
    grant_app_role,
)
from tests.web.conftest import logged_in
from urutiq_ai.api.app import create_app
from urutiq_ai.core.migrations import upgrade
from urutiq_ai.core.settings import Settings
from urutiq_ai.demo.loader import load_demo

pytestmark = pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} not set")

LINK = re.compile(r'href="(/companies/[^"#]*|/audit[^"#]*)"')
MAX_PAGES = 150


@pytest.fixture(scope="module")
def pg_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = create_postgres_database(os.environ[PG_ENV], "web")
    upgrade(url)
    grant_app_role(url)
    folder: Path = tmp_path_factory.mktemp("web_pg")
    settings = Settings(
        database_url=url,
        artifacts=str(folder / "artifacts"),
        sources=str(folder / "sources"),
        scheduler="off",
    )
    _, key = load_demo(settings, scale=0.1, report=lambda _: None)
    assert key
    app = create_app(settings.model_copy(update={"database_role": APP_ROLE}))
    yield logged_in(app, key)
    app.state.executor.shutdown(wait=True)
    app.state.engine.dispose()
    drop_postgres_database(url)


def shape(url: str) -> str:
    """One URL per page kind: ids folded, query keys kept."""
    parts = urlsplit(url)
    path = "/".join("*" if len(s) >= 20 else s for s in parts.path.split("/"))
    keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return path + "?" + "&".join(keys)


def test_every_page_of_the_demo_renders(pg_client: TestClient) -> None:
    start = pg_client.get("/", follow_redirects=False).headers["location"]
    queue, seen, rendered = [start], set(), []
    while queue and len(rendered) < MAX_PAGES:
        url = queue.pop(0).replace("&amp;", "&")
        if shape(url) in seen:
            continue
        seen.add(shape(url))
        response = pg_client.get(url)
        assert response.status_code == 200, (url, response.text[-2000:])
        rendered.append(url)
        queue += LINK.findall(response.text)
    kinds = {shape(url).split("?")[0] for url in rendered}
    for section in (
        "models/*",
        "training-runs/*",
        "pipelines/*",
        "pipeline-runs/*",
        "data-quality",
        "monitoring",
        "deployments",
        "experiments/*",
        "governance",
        "config",
    ):
        assert any(kind.endswith(section) for kind in kinds), f"no {section} page reached"
    assert any(kind.startswith("/audit") for kind in kinds)
