"""The in-process CLI's app mounts a domain's routes when a request first needs them
(``urutiq_ai.api.on_demand``): it must answer every request with the route the server's app
would pick, map every table, and run every extension point, whatever it loaded."""

import json
import random
import subprocess
import sys
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from urutiq_ai import catalog
from urutiq_ai.api.app import API_PREFIX, create_app
from urutiq_ai.api.on_demand import COMPANY_ROUTES, MODEL_MODULES, path_template
from urutiq_ai.core.db import Base
from urutiq_ai.core.references import import_reference
from urutiq_ai.core.settings import Settings
from urutiq_ai.crud.router import build_router


def _company_paths(router: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys("/".join(path_template(route.path)) for route in router.routes))


class TestTheListsAreTheCatalogs:
    def test_providers_are_the_catalogs_routers_then_resources_in_order(self) -> None:
        expected = [*catalog.DOMAIN_ROUTERS, *catalog.RESOURCES, *catalog.SUPPORT_RESOURCES]
        found = [import_reference(provider.reference) for provider in COMPANY_ROUTES]
        assert [id(item) for item in found] == [id(item) for item in expected], (
            "urutiq_ai.api.on_demand.COMPANY_ROUTES must list catalog.DOMAIN_ROUTERS, then "
            "RESOURCES and SUPPORT_RESOURCES, in their order"
        )

    def test_each_provider_names_the_paths_it_serves(self) -> None:
        for provider in COMPANY_ROUTES:
            target = import_reference(provider.reference)
            router = target if not hasattr(target, "read_schema") else build_router(target)
            assert provider.paths == _company_paths(router), provider.reference

    def test_the_model_modules_map_every_table_in_a_fresh_process(self) -> None:
        code = (
            "import json\n"
            "from urutiq_ai.api.on_demand import map_every_table\n"
            "from urutiq_ai.core.db import Base\n"
            "map_every_table()\n"
            "print(json.dumps(sorted(Base.metadata.tables)))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
        )
        assert json.loads(done.stdout) == sorted(Base.metadata.tables)
        assert len(MODEL_MODULES) == len(set(MODEL_MODULES))


def _concrete(path: str) -> str:
    return "/".join("x1" if part.startswith("{") else part for part in path.split("/"))


def _api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, concrete path) of every /api route of the full app."""
    found = []
    for route in iter_route_contexts(app.routes):
        path = route.path_format or ""
        if isinstance(route.original_route, APIRoute) and path.startswith(API_PREFIX):
            for method in sorted(route.methods or ()):
                found.append((method, _concrete(path)))
    return found


def _chosen(app: FastAPI, method: str, path: str) -> tuple[str, str, str]:
    """The route (path, name, module) ``app`` hands the request to: read off the scope
    after an unauthenticated request (the route is chosen before its key is checked)."""
    seen: dict[str, Any] = {}

    async def recording(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope, receive, send)
        seen["route"] = scope.get("route")

    TestClient(recording, raise_server_exceptions=False).request(method, path)
    route = seen["route"]
    assert route is not None, f"{method} {path}: no route"
    return route.path, route.name, route.endpoint.__module__


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> tuple[FastAPI, FastAPI]:
    data = tmp_path_factory.mktemp("on_demand")
    settings = Settings(
        database_url=f"sqlite:///{data / 'urutiq.db'}",
        artifacts=str(data / "artifacts"),
        sources=str(data / "sources"),
    )
    return create_app(settings, dashboard=False), create_app(settings, on_demand=True)


class TestRequestsPickTheSameRoute:
    def test_every_api_route_in_a_shuffled_order(self, apps: tuple[FastAPI, FastAPI]) -> None:
        full, on_demand = apps
        requests = _api_routes(full)
        assert len(requests) > 100
        random.Random(7).shuffle(requests)  # later providers mounted before earlier ones
        for method, path in requests:
            assert _chosen(on_demand, method, path) == _chosen(full, method, path), (method, path)

    def test_an_unknown_company_path_is_a_404_in_the_one_shape(
        self, apps: tuple[FastAPI, FastAPI]
    ) -> None:
        _, on_demand = apps
        answer = TestClient(on_demand).get("/api/v1/companies/c1/no-such-thing")
        assert answer.status_code == 404
        assert answer.json()["error"] == "NotFound"

    def test_the_api_description_lists_every_route(self, apps: tuple[FastAPI, FastAPI]) -> None:
        full, _ = apps
        settings: Settings = full.state.settings
        fresh = create_app(settings, on_demand=True)  # nothing mounted yet
        spec = TestClient(fresh).get("/openapi.json").json()
        assert sorted(spec["paths"]) == sorted(
            TestClient(full).get("/openapi.json").json()["paths"]
        )


class TestExtensionPoints:
    """Declared in ``core.extensions``: there in a process that imported none of the
    domains that provide them (before, governance's release gate existed only where the
    catalog had been imported)."""

    def test_each_point_has_its_functions_in_a_fresh_process(self) -> None:
        code = (
            "import sys\n"
            "from urutiq_ai.deployments.gates import RELEASE_GATES\n"
            "from urutiq_ai.predictions.masking import INPUT_MASKERS\n"
            "from urutiq_ai.training.hooks import AFTER_TRAINING\n"
            "from urutiq_ai.registry.hooks import SERVING_LOOKUPS\n"
            "assert 'urutiq_ai.governance.checks' not in sys.modules\n"
            "assert 'urutiq_ai.deployments.queries' not in sys.modules\n"
            "for hook in (*RELEASE_GATES, *INPUT_MASKERS, *AFTER_TRAINING, *SERVING_LOOKUPS):\n"
            "    print(hook.function.__module__ + ':' + hook.function.__name__)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
        )
        assert done.stdout.split() == [
            "urutiq_ai.governance.checks:governance_gate",
            "urutiq_ai.governance.checks:privacy_mask",
            "urutiq_ai.explainability.service:importances_after_training",
            "urutiq_ai.deployments.queries:deployments_serving",
        ]
