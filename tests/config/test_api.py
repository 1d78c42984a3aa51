"""The configuration routes over HTTP: versions, activation and roll back, history, the
active version, the diff; bad input answers in the error shape and writes nothing."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.api.payloads import assert_error
from tests.config.conftest import BEHAVIOR, CATEGORIES, PROMPTS, VALID, Api
from tests.conftest import TenantFixture
from urutiq_ai.config.models import AIConfig
from urutiq_ai.config.schemas import ConfigType
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.scoping import bind_system

RENT = {"categories": [{"name": "software"}, {"name": "rent"}]}


@contextmanager
def writes_nothing(api: Api) -> Iterator[None]:
    rows = api.versions()
    audit = api.audit()
    yield
    assert api.versions() == rows
    assert api.audit() == audit


def _active_ids(api: Api, config_type: str) -> list[str]:
    return [
        row["id"] for row in api.versions() if row["isActive"] and row["configType"] == config_type
    ]


class TestCreate:
    @pytest.mark.parametrize("config_type", [t.value for t in ConfigType])
    def test_first_version(self, api: Api, tenant: TenantFixture, config_type: str) -> None:
        created = api.create(config_type, VALID[ConfigType(config_type)], note="first")
        assert created["configType"] == config_type
        assert created["configData"] == VALID[ConfigType(config_type)]
        assert created["version"] == 1
        assert created["isActive"] is True
        assert created["note"] == "first"
        assert created["createdBy"] == tenant.key_ids["editor"]
        assert created["companyId"] == tenant.company_id

    def test_each_change_is_a_new_active_version(self, api: Api) -> None:
        first = api.create("categories", CATEGORIES)
        second = api.create("categories", RENT)
        assert second["version"] == 2
        assert _active_ids(api, "categories") == [second["id"]]
        old = api.get(f"/{first['id']}").json()
        assert old["isActive"] is False
        assert old["configData"] == CATEGORIES  # history is kept as it was
        actions = [(row["action"], row["rowId"]) for row in api.audit()]
        assert set(actions) == {
            ("create", first["id"]),
            ("deactivate", first["id"]),
            ("create", second["id"]),
        }

    def test_a_draft(self, api: Api) -> None:
        active = api.create("behavior", BEHAVIOR)
        draft = api.create("behavior", {"autoRetrain": False}, isActive=False)
        assert (draft["version"], draft["isActive"]) == (2, False)
        assert _active_ids(api, "behavior") == [active["id"]]

    def test_json_text_is_parsed(self, api: Api) -> None:
        created = api.create("behavior", json.dumps(BEHAVIOR))
        assert created["configData"] == BEHAVIOR

    def test_types_count_apart(self, api: Api) -> None:
        api.create("categories", CATEGORIES)
        assert api.create("prompts", PROMPTS)["version"] == 1

    def test_companies_count_apart(self, api: Api, tenant: TenantFixture) -> None:
        api.create("behavior", BEHAVIOR)
        response = api.client.post(
            tenant.url("configs", tenant.company_b),
            json={"configType": "behavior", "configData": BEHAVIOR},
            headers=tenant.headers("editor"),
        )
        assert response.status_code == 201, response.text
        assert response.json()["version"] == 1
        assert response.json()["companyId"] == tenant.company_b


class TestBadInput:
    def test_schema_failure_names_the_path(self, api: Api) -> None:
        api.create("categories", CATEGORIES)
        body = {
            "configType": "categories",
            "configData": {"categories": [{"name": "software"}, {"name": "SOFTWARE"}]},
        }
        with writes_nothing(api):
            error = assert_error(
                api.post("", body),
                422,
                error="ValidationError",
                fields=("configData.categories.1.name",),
            )
        assert "configData.categories.1.name" in error["detail"]

    @pytest.mark.parametrize(
        ("config_type", "data", "field"),
        [
            ("behavior", {"confidenceFloor": 2}, "configData.confidenceFloor"),
            ("behavior", {"autoRetrain": "yes"}, "configData.autoRetrain"),
            ("behavior", {"colour": "blue"}, "configData.colour"),
            (
                "industry",
                {"industry": "retail", "fiscalYearStart": "02-30"},
                "configData.fiscalYearStart",
            ),
            (
                "prompts",
                {"templates": {"t": {"text": "Hi {vendor}", "variables": []}}},
                "configData.templates.t.text",
            ),
            (
                "prompts",
                {"templates": {"t": {"text": "Hi", "variables": ["vendor"]}}},
                "configData.templates.t.variables.0",
            ),
            ("prompts", {"greeting": "hi"}, "configData.greeting"),
            ("categories", [], "configData"),
            ("categories", None, "configData"),
        ],
    )
    def test_refused(self, api: Api, config_type: str, data: Any, field: str) -> None:
        with writes_nothing(api):
            assert_error(
                api.post("", {"configType": config_type, "configData": data}),
                422,
                error="ValidationError",
                fields=(field,),
            )

    def test_malformed_json_text(self, api: Api) -> None:
        with writes_nothing(api):
            error = assert_error(
                api.post("", {"configType": "behavior", "configData": "{bad"}),
                422,
                fields=("configData",),
            )
        assert any("malformed JSON" in f["reason"] for f in error["fields"])

    def test_unknown_type(self, api: Api) -> None:
        with writes_nothing(api):
            assert_error(
                api.post("", {"configType": "colours", "configData": {}}),
                422,
                fields=("configType",),
            )

    def test_version_and_author_are_not_given(self, api: Api) -> None:
        body = {"configType": "behavior", "configData": BEHAVIOR, "version": 7, "createdBy": "x"}
        with writes_nothing(api):
            assert_error(api.post("", body), 422, fields=("version", "createdBy"))


class TestUpdate:
    def test_only_the_note_changes(self, api: Api) -> None:
        created = api.create("behavior", BEHAVIOR)
        response = api.patch(f"/{created['id']}", {"note": "reviewed by finance"})
        assert response.status_code == 200, response.text
        assert response.json() == {
            **created,
            "note": "reviewed by finance",
            "updatedAt": response.json()["updatedAt"],
        }

    @pytest.mark.parametrize(
        "body", [{"configData": {"autoRetrain": False}}, {"isActive": False}, {"version": 3}]
    )
    def test_history_is_not_edited(self, api: Api, body: dict[str, Any]) -> None:
        created = api.create("behavior", BEHAVIOR)
        with writes_nothing(api):
            assert_error(api.patch(f"/{created['id']}", body), 422, fields=tuple(body))

    def test_no_delete(self, api: Api) -> None:
        created = api.create("behavior", BEHAVIOR)
        response = api.client.delete(
            api.url(f"/{created['id']}"), headers=api.tenant.headers("admin")
        )
        assert_error(response, 405)


class TestActivate:
    def test_roll_back(self, api: Api) -> None:
        first = api.create("categories", CATEGORIES)
        second = api.create("categories", RENT)
        response = api.post(f"/{first['id']}/activate")
        assert response.status_code == 200, response.text
        assert response.json()["id"] == first["id"]
        assert response.json()["isActive"] is True
        assert _active_ids(api, "categories") == [first["id"]]
        audit = [(row["action"], row["rowId"]) for row in api.audit(action="activate")]
        assert audit == [("activate", first["id"])]
        deactivated = api.audit(action="deactivate", rowId=second["id"])
        assert [row["after"]["isActive"] for row in deactivated] == [False]
        # and forward again
        assert api.post(f"/{second['id']}/activate").json()["isActive"] is True
        assert _active_ids(api, "categories") == [second["id"]]

    def test_active_version_again_is_a_no_op(self, api: Api) -> None:
        created = api.create("behavior", BEHAVIOR)
        with writes_nothing(api):
            response = api.post(f"/{created['id']}/activate")
            assert response.status_code == 200, response.text
            assert response.json() == created

    def test_unknown_version(self, api: Api) -> None:
        api.create("behavior", BEHAVIOR)
        with writes_nothing(api):
            error = assert_error(api.post("/no-such-version/activate"), 404, fields=("id",))
        assert "no-such-version" in error["detail"]

    def test_other_tenants_version(
        self, api: Api, config_client: TestClient, tenant_second: TenantFixture
    ) -> None:
        theirs = Api(config_client, tenant_second).create("behavior", BEHAVIOR)
        api.create("behavior", BEHAVIOR)
        with writes_nothing(api):
            assert_error(api.post(f"/{theirs['id']}/activate"), 404)

    def test_viewer_may_not(self, api: Api) -> None:
        api.create("behavior", BEHAVIOR)
        draft = api.create("behavior", BEHAVIOR, isActive=False)
        with writes_nothing(api):
            assert_error(
                api.post(f"/{draft['id']}/activate", role="viewer"), 403, error="Forbidden"
            )

    def test_data_from_before_the_schemas_is_refused(
        self,
        api: Api,
        session_factory: sessionmaker[Session],
        tenant: TenantFixture,
    ) -> None:
        current = api.create("prompts", PROMPTS)
        with unit_of_work(session_factory) as session:
            bind_system(session)
            legacy = AIConfig(
                tenant_id=tenant.id,
                company_id=tenant.company_id,
                config_type=ConfigType.prompts,
                config_data={"greeting": "hi"},
                version=2,
                is_active=False,
            )
            session.add(legacy)
            session.flush()
            legacy_id = legacy.id
        with writes_nothing(api):
            assert_error(api.post(f"/{legacy_id}/activate"), 422, fields=("configData.greeting",))
        assert _active_ids(api, "prompts") == [current["id"]]


class TestHistory:
    def test_newest_first(self, api: Api) -> None:
        ids = [api.create("behavior", {"correctionThreshold": n})["id"] for n in (1, 2, 3)]
        api.create("categories", CATEGORIES)
        response = api.get("/history", configType="behavior")
        assert response.status_code == 200, response.text
        assert [row["id"] for row in response.json()] == ids[::-1]
        assert [row["version"] for row in response.json()] == [3, 2, 1]
        assert [row["isActive"] for row in response.json()] == [True, False, False]
        limited = api.get("/history", configType="behavior", limit=1, role="viewer").json()
        assert [row["id"] for row in limited] == [ids[-1]]

    def test_empty(self, api: Api) -> None:
        response = api.get("/history", configType="industry")
        assert response.status_code == 200, response.text
        assert response.json() == []

    def test_type_is_required_and_checked(self, api: Api) -> None:
        assert_error(api.get("/history"), 422, fields=("configType",))
        assert_error(api.get("/history", configType="colours"), 422, fields=("configType",))


class TestActive:
    def test_the_active_version(self, api: Api) -> None:
        api.create("categories", CATEGORIES)
        second = api.create("categories", RENT)
        api.create("categories", CATEGORIES, isActive=False)
        response = api.get("/active", configType="categories", role="viewer")
        assert response.status_code == 200, response.text
        assert response.json() == api.get(f"/{second['id']}").json()

    def test_none_active(self, api: Api) -> None:
        api.create("prompts", PROMPTS, isActive=False)
        error = assert_error(api.get("/active", configType="prompts"), 404, error="NoActiveConfig")
        assert "no active prompts configuration" in error["detail"]


class TestDiff:
    def test_changes(self, api: Api) -> None:
        first = api.create("categories", CATEGORIES)
        second = api.create(
            "categories",
            {
                "categories": [
                    {"name": "software", "description": "SaaS"},
                    {"name": "travel"},
                    {"name": "meals"},
                    {"name": "office"},
                ]
            },
        )
        response = api.get("/diff", role="viewer", **{"from": first["id"], "to": second["id"]})
        assert response.status_code == 200, response.text
        assert response.json() == {
            "configType": "categories",
            "fromId": first["id"],
            "toId": second["id"],
            "fromVersion": 1,
            "toVersion": 2,
            "changes": [
                {
                    "path": "categories.0.description",
                    "kind": "changed",
                    "old": "Licences and subscriptions",
                    "new": "SaaS",
                },
                {"path": "categories.2", "kind": "added", "old": None, "new": {"name": "meals"}},
            ],
        }

    def test_no_changes(self, api: Api) -> None:
        first = api.create("behavior", BEHAVIOR)
        second = api.create("behavior", dict(reversed(list(BEHAVIOR.items()))))
        response = api.get("/diff", **{"from": first["id"], "to": second["id"]})
        assert response.json()["changes"] == []

    def test_unknown_version_is_named(self, api: Api) -> None:
        first = api.create("behavior", BEHAVIOR)
        assert_error(api.get("/diff", **{"from": first["id"], "to": "nope"}), 404, fields=("to",))
        assert_error(api.get("/diff", **{"from": "nope", "to": first["id"]}), 404, fields=("from",))

    def test_types_must_match(self, api: Api) -> None:
        behavior = api.create("behavior", BEHAVIOR)
        prompts = api.create("prompts", PROMPTS)
        response = api.get("/diff", **{"from": behavior["id"], "to": prompts["id"]})
        assert_error(response, 422, fields=("to",))

    def test_both_ids_required(self, api: Api) -> None:
        first = api.create("behavior", BEHAVIOR)
        assert_error(api.get("/diff", **{"from": first["id"]}), 422, fields=("to",))


class TestScope:
    def test_auditor_reads_nothing(self, api: Api) -> None:
        api.create("behavior", BEHAVIOR)
        for path, params in (
            ("/history", {"configType": "behavior"}),
            ("/active", {"configType": "behavior"}),
        ):
            assert_error(api.get(path, role="auditor", **params), 403, error="Forbidden")

    def test_viewer_may_not_write(self, api: Api) -> None:
        with writes_nothing(api):
            response = api.post(
                "", {"configType": "behavior", "configData": BEHAVIOR}, role="viewer"
            )
            assert_error(response, 403, error="Forbidden")

    def test_other_tenant(
        self, api: Api, config_client: TestClient, tenant_second: TenantFixture
    ) -> None:
        created = api.create("behavior", BEHAVIOR)
        theirs = Api(config_client, tenant_second)
        assert theirs.get("/history", configType="behavior").json() == []
        assert_error(theirs.get("/active", configType="behavior"), 404)
        assert_error(
            theirs.get("/diff", **{"from": created["id"], "to": created["id"]}),
            404,
            fields=("from",),
        )
        their_key_on_our_company = config_client.get(
            api.url("/history"),
            params={"configType": "behavior"},
            headers=tenant_second.headers("admin"),
        )
        assert_error(their_key_on_our_company, 404)

    def test_company_limited_key(self, api: Api, tenant: TenantFixture) -> None:
        api.create("behavior", BEHAVIOR)
        limited = tenant.headers("limited")
        response = api.client.get(
            api.url("/active"), params={"configType": "behavior"}, headers=limited
        )
        assert_error(response, 404)


class TestGenericList:
    def test_filters_and_sort(self, api: Api) -> None:
        first = api.create("behavior", BEHAVIOR)
        second = api.create("behavior", BEHAVIOR)
        api.create("prompts", PROMPTS)
        by_version = api.get("", configType="behavior", sort="-version").json()["items"]
        assert [row["id"] for row in by_version] == [second["id"], first["id"]]
        inactive = api.get("", isActive="false").json()["items"]
        assert [row["id"] for row in inactive] == [first["id"]]
        v2 = api.get("", version=2).json()["items"]
        assert [row["id"] for row in v2] == [second["id"]]
