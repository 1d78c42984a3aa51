"""No row a user may write breaks a page (issue 17, finding 8).

Rows are written through the API as a user could: only the required fields (so every
optional reference is null: a drift result or a performance metric without a model,
feedback without a prediction, an experiment without models, a violation without a model),
and every JSON field, on create and on update, holding each JSON shape (a string, a number,
an array, an object whose keys hold the wrong types). Then every dashboard page reachable
from the company's overview, and the page of every row written, must render (200). Runs on
SQLite, and on PostgreSQL when ``URUTIQ_TEST_DATABASE_URL`` is set.
"""

import re
import traceback
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.api.payloads import CREATE, TEXT_FIELD, Factory
from tests.conftest import TenantFixture
from tests.core.schema_fields import json_fields
from tests.training.conftest import expense_table, seed_expenses
from tests.web.conftest import logged_in
from urutiq_ai.catalog import BY_PATH, RESOURCES
from urutiq_ai.core.naming import to_camel

__all__ = ["expense_table", "seed_expenses"]

LINK = re.compile(r'href="(/companies/[^"#]*|/audit[^"#]*)"')
MAX_PAGES = 400
# Every JSON shape, and objects whose well-known keys hold the wrong type.
ODD_JSON: list[Any] = [
    "text",
    7,
    -1.5,
    True,
    [],
    [1, "a", None, {"x": []}],
    {},
    {"": None, "a": {"b": [1, {"c": None}]}},
    {
        "metrics": "x",
        "offline": 3,
        "online": [1],
        "verdict": "passed",
        "promoted": "yes",
        "evaluatedAt": 5,
        "deploymentId": 12,
        "metric": None,
        "psi": "high",
        "rows": "many",
        "sensitiveColumn": 4,
        "severity": ["high"],
        "schedule": {},
        "environments": "production",
        "required": "no",
        "enabled": "sure",
        "status": 1,
        "evidence": "none",
        "features": "amount",
        "lastSeenAt": "not a time",
        "checkedAt": 5,
        "occurrences": "many",
        "summary": {"x": [1]},
        "sample": "none",
        "groups": "all",
        "problems": 3,
        "fairness": ["x"],
        "categories": "food",
        "templates": ["a"],
        "arms": "both",
        "requiredPerArm": "10",
    },
    [{"epoch": "one", "loss": "x"}, {"metric": 3, "minImprovement": "a"}, None],
]

# Names as users may type them: URL-special characters, markup, other scripts, spaces.
ODD_TEXT = ["a/b?c=d&e#f%20g", "<b>bold</b> {{ 7*7 }}", "naïve 名前 ✓", "..", "x" * 255]

# Detail pages per resource path (the dashboard's URL of a row), where one exists.
DETAIL: dict[str, str] = {
    "models": "models/{id}",
    "training-runs": "training-runs/{id}",
    "pipelines": "pipelines/{id}",
    "pipeline-runs": "pipeline-runs/{id}",
    "data-quality": "data-quality/{id}",
    "experiments": "experiments/{id}",
    "governance-policies": "governance/policies/{id}",
    "governance-violations": "governance/violations/{id}",
}


def required_only(factory: Factory, path: str) -> dict[str, Any]:
    """The create payload of ``path`` with its optional fields left out."""
    fields = BY_PATH[path].create_schema.model_fields
    required = {to_camel(name) for name, info in fields.items() if info.is_required()}
    return {key: value for key, value in factory.payload(path).items() if key in required}


class Written:
    """The rows written, by path (ids), and the pages to visit for them."""

    def __init__(self, company: str) -> None:
        self.company = company
        self.ids: dict[str, list[str]] = {}
        self.refused: list[tuple[str, int, str]] = []
        self.deleted: set[str] = set()

    def keep(self, path: str, response: Any, what: str) -> None:
        assert response.status_code < 500, (path, what, response.text)
        if response.status_code in (200, 201):
            self.ids.setdefault(path, []).append(str(response.json()["id"]))
        else:
            self.refused.append((path, response.status_code, what))

    def pages(self) -> Iterator[str]:
        base = f"/companies/{self.company}"
        for path, ids in self.ids.items():
            if path in DETAIL:
                for row_id in ids:
                    yield f"{base}/{DETAIL[path].format(id=row_id)}"


def write_odd_rows(factory: Factory) -> Written:
    written = Written(factory.tenant.company_id)
    for res in RESOURCES:
        path = res.path
        if path not in CREATE:
            continue
        written.keep(path, factory.post(path, required_only(factory, path)), "required only")
        refs = {to_camel(attr) for attr in res.refs}
        body = {k: v for k, v in factory.payload(path).items() if k not in refs}
        written.keep(path, factory.post(path, body), "no optional reference")
        for field in json_fields(res.create_schema):
            for value in ODD_JSON:
                body = factory.payload(path, **{field: value})
                written.keep(path, factory.post(path, body), f"{field}={value!r}")
        text = TEXT_FIELD.get(path, "")
        for name in ODD_TEXT if text and not text.endswith("Id") else ():
            written.keep(path, factory.post(path, factory.payload(path, **{text: name})), name)
        if res.update_schema is None:
            continue
        for field in json_fields(res.update_schema):
            for value in ODD_JSON:
                row = factory.post(path, factory.payload(path))
                if row.status_code != 201:
                    continue
                response = factory.client.patch(
                    factory.tenant.url(f"{path}/{row.json()['id']}"),
                    json={field: value},
                    headers=factory.tenant.headers(factory.role),
                )
                assert response.status_code < 500, (path, field, value, response.text)
                written.ids.setdefault(path, []).append(str(row.json()["id"]))
    written.keep("experiments", experiment_of_deleted_models(factory, written), "deleted models")
    return written


def experiment_of_deleted_models(factory: Factory, written: Written) -> Any:
    """An experiment whose models were deleted after it was written (experiments name their
    models without a foreign key)."""
    models = [factory.create("models")["id"] for _ in range(2)]
    experiment = factory.create("experiments", baselineModel=models[0], currentModel=models[1])
    for model_id in models:
        deleted = factory.client.delete(
            factory.tenant.url(f"models/{model_id}"), headers=factory.tenant.headers("admin")
        )
        assert deleted.status_code == 204, deleted.text
        written.deleted.add(model_id)
    return factory.client.get(
        factory.tenant.url(f"experiments/{experiment['id']}"),
        headers=factory.tenant.headers("admin"),
    )


def shape(url: str) -> str:
    """One URL per page and query: the query's values folded (filters, pages)."""
    parts = urlsplit(url)
    keys = sorted({k.split("=")[0] for k in parts.query.split("&") if k} - {"cursor"})
    return parts.path + "?" + "&".join(keys)


def _where(exc: BaseException) -> str:
    """The innermost frame of the project (a template or a page module) that raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "urutiq_ai" in f.filename] or frames
    return f"{ours[-1].filename.split('urutiq_ai/')[-1]}:{ours[-1].lineno}" if ours else "?"


def crawl(web: TestClient, start: list[str], gone: frozenset[str] = frozenset()) -> list[str]:
    """Every page reachable from ``start`` (each must answer 200, but the page of a row in
    ``gone``, deleted, which the audit log's older entries link to): the pages rendered."""
    queue = [(url, "start") for url in start]
    seen: set[str] = set()
    rendered: list[str] = []
    broken: list[str] = []
    while queue and len(rendered) + len(broken) < MAX_PAGES:
        url, referrer = queue.pop(0)
        url = url.replace("&amp;", "&")
        if shape(url) in seen:
            continue
        seen.add(shape(url))
        try:
            response = web.get(url)
        except Exception as exc:  # noqa: BLE001 - the TestClient re-raises a page's 500
            broken.append(f"{url} (from {referrer}): {type(exc).__name__}: {exc} at {_where(exc)}")
            continue
        if response.status_code == 404 and url.rsplit("/", 1)[-1] in gone:
            continue
        if response.status_code != 200:
            found = re.search(r"<main.*?</main>", response.text, re.S)
            text = re.sub(r"\s+", " ", found.group(0) if found else "")[-400:]
            broken.append(f"{url} (from {referrer}): {response.status_code} {text}")
            continue
        rendered.append(url)
        queue += [(link, url) for link in LINK.findall(response.text)]
    assert not broken, "\n".join(broken)
    return rendered


@pytest.fixture
def odd_factory(
    client: TestClient, tenant: TenantFixture, seed_expenses: Callable[..., None]
) -> Factory:
    return Factory(client, tenant, role="admin", seed=seed_expenses)


def test_every_page_renders_the_rows_users_may_write(
    odd_factory: Factory, tenant: TenantFixture, client: TestClient
) -> None:
    written = write_odd_rows(odd_factory)
    for path in ("drift-detections", "performance-metrics", "feedback", "experiments"):
        assert written.ids.get(path), (path, written.refused)
    web = logged_in(client.app, tenant.keys["admin"])  # type: ignore[arg-type]
    overview = f"/companies/{tenant.company_id}"
    rendered = crawl(web, [overview, "/audit", *written.pages()], frozenset(written.deleted))
    assert overview in rendered
    for section in ("monitoring", "monitoring/drift", "experiments", "governance", "deployments"):
        assert f"{overview}/{section}" in rendered, f"{section} not reached"


def test_drift_result_without_model_on_the_overview(
    odd_factory: Factory, tenant: TenantFixture, client: TestClient
) -> None:
    """The finding as reported: the overview, where login lands, shows the row."""
    odd_factory.create("drift-detections", featureName="no_model_here")
    web = logged_in(client.app, tenant.keys["viewer"])  # type: ignore[arg-type]
    response = web.get(f"/companies/{tenant.company_id}")
    assert response.status_code == 200, response.text[-2000:]
    assert "no_model_here" in response.text
