"""The deployments pages: the list with health and live figures, one deployment with its
health, config, revision history and served history; promote, roll back and check health
from the page (TestClient and Chromium).

Action tests act on deployments they create themselves (a new name each time), so their
order does not matter on the shared demo database.
"""

import re
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.conftest import TenantFixture
from tests.web.conftest import WebDemo, chart_points, csrf_of, logged_in, screenshot
from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.db import new_id
from urutiq_ai.core.errors import Forbidden
from urutiq_ai.deployments import gates
from urutiq_ai.governance.errors import GovernanceBlocked
from urutiq_ai.web.listing import list_page
from urutiq_ai.web.pages import deployments as deployment_pages

# -- helpers ---------------------------------------------------------------------------


def _api_url(company: str, path: str) -> str:
    return f"/api/v1/companies/{company}/{path}"


def _classifiers(api: TestClient, company: str) -> list[dict[str, Any]]:
    """The company's active expense classifiers, oldest version first."""
    response = api.get(
        _api_url(company, "models"),
        params={"modelName": "expense_classifier", "status": "active", "limit": 20},
    )
    assert response.status_code == 200, response.text
    models = sorted(response.json()["items"], key=lambda m: m["createdAt"])
    assert len(models) >= 2, "the demo has several active expense classifier versions"
    return models


def _deploy(api: TestClient, company: str, model_id: str, environment: str = "staging") -> str:
    """A new deployment of ``model_id`` under a fresh name; returns the name."""
    name = f"web-test {new_id()[:8]}"
    response = api.post(
        _api_url(company, "deployments"),
        json={"deploymentName": name, "modelId": model_id, "environment": environment},
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "active"
    return name


def _deployment(api: TestClient, company: str, name: str, environment: str) -> dict[str, Any]:
    response = api.get(
        _api_url(company, "deployments"),
        params={"deploymentName": name, "environment": environment},
    )
    items: list[dict[str, Any]] = response.json()["items"]
    assert len(items) == 1, items
    return items[0]


def _absent(api: TestClient, company: str, name: str, environment: str) -> bool:
    response = api.get(
        _api_url(company, "deployments"),
        params={"deploymentName": name, "environment": environment},
    )
    return response.json()["items"] == []


def _revisions(api: TestClient, company: str, deployment_id: str) -> list[dict[str, Any]]:
    response = api.get(_api_url(company, f"deployments/{deployment_id}/revisions"))
    assert response.status_code == 200, response.text
    revisions: list[dict[str, Any]] = response.json()
    return revisions


def _page(company: str, name: str, environment: str | None = None) -> str:
    url = f"/companies/{company}/deployments/{quote(name, safe='')}"
    return f"{url}?environment={environment}" if environment else url


def form_token(html: str, action: str) -> str:
    """The CSRF token inside the page's form posting to ``action`` (else any on the page,
    for a role that sees no form)."""
    forms = re.findall(r'<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>', html, flags=re.S)
    for target, body in forms:
        if target.replace("&amp;", "&") == action:
            found = re.search(r'name="csrf_token" value="([^"]+)"', body)
            assert found, f"the form {action} has no CSRF token"
            return found.group(1)
    return csrf_of(html)


def _post(
    client: TestClient, company: str, name: str, environment: str, verb: str, **form: str
) -> Any:
    action = f"/companies/{company}/deployments/{quote(name, safe='')}/{verb}"
    action += f"?environment={environment}"
    token = form_token(client.get(_page(company, name, environment)).text, action)
    return client.post(action, data={"csrf_token": token, **form}, follow_redirects=False)


@pytest.fixture
def refusing_gate(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A release gate that refuses every production release as governance would (an
    override lets an admin through); it stands for an open critical violation without
    touching the shared demo's governance data."""
    overridden: list[str] = []

    def gate(
        _session: Any, ctx: TenantContext, _ids: Any, environment: Any, override: str | None
    ) -> Any:
        if environment.value != "production":
            return None
        if override is None:
            raise GovernanceBlocked(
                "governance refuses this release: open critical violation v-test: "
                "the model leaks customer names"
            )
        if ctx.role != Role.admin:
            raise Forbidden("only an admin may override governance (governanceOverride)")
        overridden.append(override)
        return {"reasons": ["open critical violation v-test"]}

    monkeypatch.setattr(gates, "RELEASE_GATES", [*gates.RELEASE_GATES, gate])
    return overridden


# -- the list --------------------------------------------------------------------------


def test_the_list_shows_every_deployment_with_health(web: TestClient, web_demo: WebDemo) -> None:
    response = web.get(f"/companies/{web_demo.company}/deployments")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Deployments</h1>" in html
    for name in ("expense-classifier", "cashflow-prediction", "anomaly-detection"):
        assert f'?environment=production">{name}</a>' in html
        assert f'?environment=staging">{name}</a>' in html
    assert "expense_classifier 1.0.0" in html  # the serving model, by name and version
    assert 'class="badge badge-pass"' in html  # the health check's result
    assert "<time datetime=" in html  # when it was checked


def test_the_list_filters_by_environment_and_status(web: TestClient, web_demo: WebDemo) -> None:
    base = f"/companies/{web_demo.company}/deployments"
    staging = web.get(base, params={"environment": "staging"}).text
    assert "?environment=staging" in staging
    assert "?environment=production" not in staging
    serving = web.get(base, params={"status": "active", "environment": "production"}).text
    assert 'production">expense-classifier</a>' in serving  # rolled back in the demo: it serves
    assert ">rolled back</span>" not in serving
    rolled = web.get(base, params={"status": "rolled_back", "environment": "production"}).text
    assert "No deployment matches these filters." in rolled
    none = web.get(base, params={"environment": "development", "status": "failed"}).text
    assert "No deployment matches these filters." in none


def test_an_invalid_filter_is_shown_next_to_it(web: TestClient, web_demo: WebDemo) -> None:
    response = web.get(f"/companies/{web_demo.company}/deployments", params={"status": "sleepy"})
    assert response.status_code == 200
    assert 'id="status-error"' in response.text
    assert 'aria-invalid="true" aria-describedby="status-error"' in response.text


def test_the_list_is_paginated(
    web: TestClient, web_demo: WebDemo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deployment_pages, "list_page", partial(list_page, limit=2))
    first = web.get(f"/companies/{web_demo.company}/deployments").text
    found = re.search(r'href="([^"]+cursor=[^"]+)" rel="next"', first)
    assert found, "a next page link"
    second = web.get(found.group(1).replace("&amp;", "&")).text
    shown = lambda html: set(re.findall(r'<th scope="row"><a href="([^"]+)"', html))  # noqa: E731
    assert len(shown(first)) == 2
    assert shown(second)
    assert not shown(first) & shown(second)
    assert "« First page" in second


def test_no_deployment_says_what_to_do(web_demo: WebDemo, other_tenant: TenantFixture) -> None:
    client = logged_in(web_demo.app, other_tenant.keys["viewer"])
    response = client.get(f"/companies/{other_tenant.company_id}/deployments")
    assert response.status_code == 200
    assert "Nothing is deployed yet." in response.text
    assert "urutiq-ai deploy" in response.text


# -- one deployment --------------------------------------------------------------------


def test_a_deployment_page_shows_health_config_and_history(
    web: TestClient, web_demo: WebDemo
) -> None:
    response = web.get(_page(web_demo.company, "expense-classifier", "production"))
    assert response.status_code == 200
    html = response.text
    assert "expense-classifier" in html
    assert "in production" in html
    for heading in (
        "Serving now",
        "Health check",
        "Live figures",
        "Configuration",
        "Revision history",
        "What served production when",
    ):
        assert f">{heading}</h2>" in html
    assert "released without an A/B test: back until it passes one" in html  # a rollback's
    assert "A/B test of the retrained version" in html  # the release of the split
    assert 'id="deployment-latency-chart"' in html
    assert "No traffic in the current window." in html
    assert 'id="timeline"' in html
    assert ">staging</a>" in html  # the same name in the other environment


def test_without_an_environment_the_production_deployment_is_shown(
    web: TestClient, web_demo: WebDemo
) -> None:
    html = web.get(_page(web_demo.company, "expense-classifier")).text
    assert "in production" in html


def test_which_model_served_at_a_moment(web: TestClient, web_demo: WebDemo) -> None:
    page = _page(web_demo.company, "cashflow-prediction", "production")
    now = web.get(page, params={"at": "2999-01-01T00:00"}).text
    assert 'id="served-answer"' in now
    assert re.search(r"<th scope=\"row\">cashflow-prediction</th>", now)
    before = web.get(page, params={"at": "2001-01-01"}).text
    assert "Nothing served production at 2001-01-01." in before


def test_an_unreadable_moment_is_shown_next_to_its_field(
    web: TestClient, web_demo: WebDemo
) -> None:
    page = _page(web_demo.company, "cashflow-prediction", "production")
    response = web.get(page, params={"at": "last tuesday"})
    assert response.status_code == 422
    assert 'id="at-error"' in response.text
    assert 'aria-invalid="true" aria-describedby="at-error"' in response.text


def test_an_unknown_deployment_is_404(web: TestClient, web_demo: WebDemo) -> None:
    response = web.get(_page(web_demo.company, "no-such-thing", "staging"))
    assert response.status_code == 404
    assert "no deployment" in response.text


def test_another_tenants_deployment_is_404(
    web: TestClient, web_demo: WebDemo, other_tenant: TenantFixture
) -> None:
    stranger = logged_in(web_demo.app, other_tenant.keys["admin"])
    for url in (
        _page(web_demo.company, "expense-classifier", "production"),
        _page(other_tenant.company_id, "expense-classifier", "production"),
    ):
        response = stranger.get(url)
        assert response.status_code == 404
        assert "expense_classifier" not in response.text
    assert web.get(f"/companies/{other_tenant.company_id}/deployments").status_code == 404


# -- actions ---------------------------------------------------------------------------


def test_promote_releases_the_model_into_production(
    web: TestClient, web_demo: WebDemo, api: TestClient
) -> None:
    company = web_demo.company
    model = _classifiers(api, company)[0]
    name = _deploy(api, company, model["id"])
    response = _post(web, company, name, "staging", "promote", to="production", reason="Q4 go")
    assert response.status_code == 303
    assert response.headers["location"] == _page(company, name, "production") + "&done=promoted"
    page = web.get(response.headers["location"]).text
    assert "Promoted: the new revision passed its health check" in page
    assert "Q4 go" in page
    production = _deployment(api, company, name, "production")
    assert production["modelId"] == model["id"]
    assert production["status"] == "active"
    (revision,) = _revisions(api, company, production["id"])
    assert revision["action"] == "promote"
    assert revision["reason"] == "Q4 go"


def test_promote_with_an_invalid_environment_saves_nothing(
    web: TestClient, web_demo: WebDemo, api: TestClient
) -> None:
    company = web_demo.company
    name = _deploy(api, company, _classifiers(api, company)[0]["id"])
    response = _post(web, company, name, "staging", "promote", to="moon", reason="x")
    assert response.status_code == 422
    assert 'id="to-error"' in response.text
    assert 'aria-invalid="true" aria-describedby="to-error"' in response.text
    for environment in ("production", "development"):
        assert _absent(api, company, name, environment)


def test_a_governance_refusal_is_readable_and_saves_nothing(
    web: TestClient, web_demo: WebDemo, api: TestClient, refusing_gate: list[str]
) -> None:
    company = web_demo.company
    name = _deploy(api, company, _classifiers(api, company)[0]["id"])
    response = _post(web, company, name, "staging", "promote", to="production")
    assert response.status_code == 409
    assert 'id="action-error"' in response.text
    assert "governance refuses this release: open critical violation v-test" in response.text
    assert 'name="governanceOverride"' in response.text  # an admin may override
    assert _absent(api, company, name, "production")
    assert refusing_gate == []


@pytest.mark.usefixtures("refusing_gate")
def test_an_editor_may_not_override_governance(
    web_demo: WebDemo, api: TestClient, role_keys: dict[str, str]
) -> None:
    company = web_demo.company
    editor = logged_in(web_demo.app, role_keys["editor"])
    name = _deploy(api, company, _classifiers(api, company)[0]["id"])
    form_page = editor.get(_page(company, name, "staging")).text
    assert 'name="governanceOverride"' not in form_page  # only admins see the field
    response = _post(editor, company, name, "staging", "promote", governanceOverride="trust me")
    assert response.status_code == 403
    assert "only an admin may override governance" in response.text
    assert _absent(api, company, name, "production")


def test_an_admin_overrides_governance_with_a_reason(
    web: TestClient, web_demo: WebDemo, api: TestClient, refusing_gate: list[str]
) -> None:
    company = web_demo.company
    name = _deploy(api, company, _classifiers(api, company)[0]["id"])
    response = _post(
        web, company, name, "staging", "promote", governanceOverride="CFO approved for close"
    )
    assert response.status_code == 303
    assert refusing_gate == ["CFO approved for close"]
    production = _deployment(api, company, name, "production")
    (revision,) = _revisions(api, company, production["id"])
    assert "governance overridden: CFO approved for close" in revision["reason"]


def test_rollback_serves_the_previous_model_again(
    web: TestClient, web_demo: WebDemo, api: TestClient
) -> None:
    company = web_demo.company
    first, second = _classifiers(api, company)[:2]
    name = _deploy(api, company, first["id"])
    deployment = _deployment(api, company, name, "staging")
    released = api.post(
        _api_url(company, f"deployments/{deployment['id']}/release"),
        json={"modelId": second["id"], "reason": "try the next version"},
    )
    assert released.status_code == 200, released.text
    response = _post(web, company, name, "staging", "rollback", reason="worse on invoices")
    assert response.status_code == 303
    page = web.get(response.headers["location"]).text
    assert "Rolled back: the previous model serves again." in page
    assert "worse on invoices" in page
    after = _deployment(api, company, name, "staging")
    assert after["modelId"] == first["id"]
    assert after["status"] == "active"  # it serves: the rollback is an event of its history
    status = page[page.index('id="deployment-status"') :]
    status = status[: status.index("</dd>")]
    assert ">serving</span>" in status
    assert "rolled back" not in status
    assert first["modelName"] in status
    last = page[page.index('id="last-change"') :]
    assert last[: last.index("</dd>")].startswith('id="last-change">rollback (v3')
    newest = _revisions(api, company, deployment["id"])[0]
    assert (newest["version"], newest["action"], newest["reason"]) == (
        3,
        "rollback",
        "worse on invoices",
    )


def test_nothing_to_roll_back_is_said_on_the_page(
    web: TestClient, web_demo: WebDemo, api: TestClient
) -> None:
    company = web_demo.company
    name = _deploy(api, company, _classifiers(api, company)[0]["id"])
    response = _post(web, company, name, "staging", "rollback", reason="just because")
    assert response.status_code == 409
    assert "nothing to roll back to" in response.text
    deployment = _deployment(api, company, name, "staging")
    assert deployment["version"] == 1
    assert len(_revisions(api, company, deployment["id"])) == 1


def test_check_now_records_a_new_health_check(
    web: TestClient, web_demo: WebDemo, api: TestClient
) -> None:
    company = web_demo.company
    name = _deploy(api, company, _classifiers(api, company)[0]["id"])
    before = _deployment(api, company, name, "staging")["healthCheck"]
    response = _post(web, company, name, "staging", "health-check")
    assert response.status_code == 303
    assert "Health checked now." in web.get(response.headers["location"]).text
    after = _deployment(api, company, name, "staging")["healthCheck"]
    assert after["checkedAt"] > before["checkedAt"]
    assert after["trigger"] == "manual"
    assert after["status"] == "pass"


@pytest.mark.parametrize("verb", ["promote", "rollback", "health-check"])
def test_a_viewer_may_not_act(
    web_demo: WebDemo, api: TestClient, role_keys: dict[str, str], verb: str
) -> None:
    company = web_demo.company
    viewer = logged_in(web_demo.app, role_keys["viewer"])
    name = _deploy(api, company, _classifiers(api, company)[0]["id"])
    page = viewer.get(_page(company, name, "staging")).text
    assert ">Actions</h2>" not in page  # no forms for a viewer
    before = _deployment(api, company, name, "staging")
    response = _post(viewer, company, name, "staging", verb, reason="no")
    assert response.status_code == 403
    assert "may not" in response.text
    assert _deployment(api, company, name, "staging")["healthCheck"] == before["healthCheck"]
    assert _absent(api, company, name, "production")


def test_an_action_without_its_csrf_token_is_refused(
    web: TestClient, web_demo: WebDemo, api: TestClient
) -> None:
    company = web_demo.company
    name = _deploy(api, company, _classifiers(api, company)[0]["id"])
    response = web.post(
        f"/companies/{company}/deployments/{quote(name, safe='')}/promote?environment=staging",
        data={"to": "production"},
    )
    assert response.status_code == 403
    assert _absent(api, company, name, "production")


# -- in the browser --------------------------------------------------------------------


def _open(page: Any, company: str, name: str, environment: str) -> None:
    page.goto(_page(company, name, environment))
    page.get_by_role("heading", name=re.compile(re.escape(name))).wait_for()


def test_browse_the_deployments_and_their_charts(page: Any) -> None:
    page.get_by_role("link", name="Deployments").click()
    page.get_by_role("heading", name="Deployments", exact=True).wait_for()
    screenshot(page, "deployments")
    page.locator("#f-environment").select_option("production")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*environment=production.*"))
    page.locator('a[href$="/deployments/expense-classifier?environment=production"]').click()
    page.get_by_role("heading", name=re.compile("expense-classifier")).wait_for()
    assert sum(chart_points(page, "#deployment-latency-chart")) >= 2
    assert page.locator("#revisions tbody tr").count() >= 2
    screenshot(page, "deployment")
    page.get_by_label(re.compile("At \\(UTC")).fill("2999-01-01")
    page.get_by_role("button", name="Ask").click()
    expect(page.locator("#served-answer").get_by_text("expense-classifier")).to_be_visible()


def test_promote_in_the_browser(page: Any, web_demo: WebDemo, api: TestClient) -> None:
    company = web_demo.company
    model = _classifiers(api, company)[0]
    name = _deploy(api, company, model["id"])
    _open(page, company, name, "staging")
    page.get_by_label("Note").fill("ready for the month-end close")
    page.get_by_role("button", name="Promote", exact=True).click()
    page.wait_for_url(re.compile(r".*environment=production&done=promoted$"))
    expect(page.get_by_text("Promoted: the new revision passed")).to_be_visible()
    row = page.locator("#revisions tbody tr").first
    assert "promote" in row.inner_text()
    assert "ready for the month-end close" in row.inner_text()
    assert _deployment(api, company, name, "production")["modelId"] == model["id"]


def test_roll_back_in_the_browser(page: Any, web_demo: WebDemo, api: TestClient) -> None:
    company = web_demo.company
    first, second = _classifiers(api, company)[:2]
    name = _deploy(api, company, first["id"])
    deployment = _deployment(api, company, name, "staging")
    api.post(
        _api_url(company, f"deployments/{deployment['id']}/release"),
        json={"modelId": second["id"]},
    ).raise_for_status()
    _open(page, company, name, "staging")
    assert f"{second['modelVersion']}" in page.locator("#revisions tbody tr").first.inner_text()
    page.get_by_label("Reason").fill("accuracy dropped on invoices")
    page.get_by_role("button", name="Roll back").click()
    page.wait_for_url(re.compile(r".*done=rolled_back$"))
    newest = page.locator("#revisions tbody tr").first.inner_text()
    assert "v3" in newest
    assert "rollback" in newest
    assert "accuracy dropped on invoices" in newest
    assert first["modelVersion"] in newest
    assert _deployment(api, company, name, "staging")["modelId"] == first["id"]


def test_check_now_in_the_browser(page: Any, web_demo: WebDemo, api: TestClient) -> None:
    company = web_demo.company
    name = _deploy(api, company, _classifiers(api, company)[0]["id"])
    _open(page, company, name, "staging")
    stamp: Callable[[], str] = lambda: page.locator("#health-checked time").get_attribute(  # noqa: E731
        "datetime"
    )
    before = stamp()
    page.get_by_role("button", name="Check now").click()
    page.wait_for_url(re.compile(r".*done=checked$"))
    expect(page.get_by_text("Health checked now.")).to_be_visible()
    assert stamp() > before
    assert _deployment(api, company, name, "staging")["healthCheck"]["trigger"] == "manual"


def test_governance_refusal_and_override_in_the_browser(
    page: Any, web_demo: WebDemo, api: TestClient, refusing_gate: list[str]
) -> None:
    company = web_demo.company
    name = _deploy(api, company, _classifiers(api, company)[0]["id"])
    _open(page, company, name, "staging")
    page.get_by_role("button", name="Promote", exact=True).click()
    alert = page.locator("#action-error")
    alert.wait_for()
    assert "governance refuses this release" in alert.inner_text()
    assert _absent(api, company, name, "production")
    page.get_by_label("Governance override (admins only)").fill("approved by the CFO")
    page.get_by_role("button", name="Promote", exact=True).click()
    page.wait_for_url(re.compile(r".*environment=production&done=promoted$"))
    assert (
        "governance overridden: approved by the CFO"
        in page.locator("#revisions tbody tr").first.inner_text()
    )
    assert refusing_gate == ["approved by the CFO"]
