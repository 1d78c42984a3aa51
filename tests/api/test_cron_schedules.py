"""Issue 17, finding 10c: schedules are standard 5-field cron expressions (or an alias such
as ``@daily``). A sixth (seconds) or seventh (years) field, and croniter's own extensions
(random ``R``, hashed ``H``, ``W``, ``?``), answer 422 naming ``schedule`` and why; nothing
is stored. Monitors and governance policies here, pipelines in
tests/pipelines/test_schedules.py; SQLite and PostgreSQL."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.payloads import assert_error
from tests.conftest import TenantFixture
from urutiq_ai.core.cron import check_cron

QUALITY = {
    "source": {"file": "expenses.csv"},
    "checks": [{"check": "range", "column": "amount", "min": 0}],
}
REFUSED = [
    ("* * * * * *", "has 6 fields, not 5"),
    ("0 2 * * * 0", "has 6 fields, not 5"),
    ("0 2 * * * * 2030", "has 7 fields, not 5"),
    ("0 2 * *", "has 4 fields, not 5"),
    ("R 2 * * *", "the minute field 'R' holds 'R'"),
    ("H 2 * * *", "the minute field 'H' holds 'H'"),
    ("0 2 1W * *", "the day-of-month field '1W' holds 'W'"),
    ("0 2 ? * *", "the day-of-month field '?' holds '?'"),
    ("@reboot", "unknown alias '@reboot'"),
]
ACCEPTED = ["0 2 * * *", "*/15 9-17 * * mon-fri", "0 6 L * *", "0 8 * * mon#1", "@daily"]


def monitor_body(schedule: str, name: str = "nightly") -> dict[str, Any]:
    return {"name": name, "kind": "quality", "schedule": schedule, "params": QUALITY}


def assert_schedule_refused(response: Any, reason: str, field: str = "schedule") -> None:
    assert_error(response, 422, error="ValidationError", fields=(field,))
    (error,) = [f for f in response.json()["fields"] if f["field"] == field]
    assert error["reason"].startswith("not a valid cron expression")
    assert reason in error["reason"]


class TestMonitors:
    @pytest.mark.parametrize(("schedule", "reason"), REFUSED)
    def test_refused_naming_the_field(
        self, client: TestClient, tenant: TenantFixture, schedule: str, reason: str
    ) -> None:
        editor = tenant.headers("editor")
        response = client.post(tenant.url("monitors"), json=monitor_body(schedule), headers=editor)
        assert_schedule_refused(response, reason)
        listed = client.get(tenant.url("monitors"), headers=editor).json()["items"]
        assert listed == []

    def test_refused_on_update(self, client: TestClient, tenant: TenantFixture) -> None:
        editor = tenant.headers("editor")
        created = client.post(
            tenant.url("monitors"), json=monitor_body("0 2 * * *"), headers=editor
        )
        assert created.status_code == 201, created.text
        url = tenant.url(f"monitors/{created.json()['id']}")
        response = client.patch(url, json={"schedule": "0 2 * * * *"}, headers=editor)
        assert_schedule_refused(response, "has 6 fields")
        assert client.get(url, headers=editor).json()["schedule"] == "0 2 * * *"

    def test_standard_expressions_and_aliases_are_accepted(
        self, client: TestClient, tenant: TenantFixture
    ) -> None:
        editor = tenant.headers("editor")
        for number, schedule in enumerate(ACCEPTED):
            body = monitor_body(schedule, name=f"m{number}")
            response = client.post(tenant.url("monitors"), json=body, headers=editor)
            assert response.status_code == 201, response.text
            assert response.json()["schedule"] == schedule
            assert response.json()["nextRunAt"] is not None


class TestGovernancePolicies:
    def test_a_seven_field_schedule_is_refused(
        self, client: TestClient, tenant: TenantFixture
    ) -> None:
        body = {
            "policyName": "nightly",
            "policyType": "security",
            "monitoring": {"schedule": "0 2 * * * * 2030"},
        }
        response = client.post(
            tenant.url("governance-policies"), json=body, headers=tenant.headers("admin")
        )
        assert_error(response, 422)
        assert "has 7 fields" in response.text


class TestCheckCron:
    @pytest.mark.parametrize("schedule", ACCEPTED)
    def test_accepted(self, schedule: str) -> None:
        assert check_cron(schedule) == schedule

    @pytest.mark.parametrize(("schedule", "reason"), REFUSED)
    def test_refused(self, schedule: str, reason: str) -> None:
        with pytest.raises(ValueError, match="not a valid cron expression") as info:
            check_cron(schedule)
        assert reason in str(info.value)
