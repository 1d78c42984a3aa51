"""The experiments pages: the list with verdicts, one experiment with its criteria, per-metric
results with confidence intervals (table and chart), the verdict; evaluate now and promote
the challenger once it passed (TestClient and Chromium).

Action tests act on experiments (and deployments) they create themselves, under new names,
so their order does not matter on the shared demo database.
"""

import re
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.conftest import TenantFixture
from tests.web.conftest import WebDemo, chart_points, logged_in, screenshot
from tests.web.test_deployments_pages import (
    _api_url,
    _classifiers,
    _deploy,
    _deployment,
    _revisions,
    form_token,
)
from urutiq_ai.core.db import new_id
from urutiq_ai.web.listing import list_page
from urutiq_ai.web.pages import experiments as experiment_pages

DEMO_EXPERIMENT = "expense classifier retrained on the shift"


def _experiment(api: TestClient, company: str, **fields: Any) -> dict[str, Any]:
    response = api.post(
        _api_url(company, "experiments"),
        json={"experimentName": f"web-test {new_id()[:8]}", **fields},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _ab_experiment(api: TestClient, company: str) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """A deployment serving the older classifier and an experiment that lets the newer one
    pass (a guard no model fails): (experiment, deployment name, challenger)."""
    baseline, challenger = _classifiers(api, company)[:2]
    name = _deploy(api, company, baseline["id"])
    deployment = _deployment(api, company, name, "staging")
    experiment = _experiment(
        api,
        company,
        baselineModel=baseline["id"],
        currentModel=challenger["id"],
        objective="file expenses right",
        successMetrics=[{"metric": "accuracy", "maxDegradation": 0.5}],
        methodology={"deploymentId": deployment["id"], "nResamples": 200},
    )
    return experiment, name, challenger


def _read(api: TestClient, company: str, experiment_id: str) -> dict[str, Any]:
    response = api.get(_api_url(company, f"experiments/{experiment_id}"))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def _demo_experiment(api: TestClient, company: str) -> dict[str, Any]:
    response = api.get(_api_url(company, "experiments"), params={"experimentName": DEMO_EXPERIMENT})
    (found,) = response.json()["items"]
    return dict(found)


def _page(company: str, experiment_id: str) -> str:
    return f"/companies/{company}/experiments/{experiment_id}"


def _post(client: TestClient, company: str, experiment_id: str, verb: str, **form: str) -> Any:
    action = f"{_page(company, experiment_id)}/{verb}"
    token = form_token(client.get(_page(company, experiment_id)).text, action)
    return client.post(action, data={"csrf_token": token, **form}, follow_redirects=False)


# -- the list --------------------------------------------------------------------------


def test_the_list_shows_experiments_with_verdicts(
    web: TestClient, web_demo: WebDemo, api: TestClient
) -> None:
    response = web.get(f"/companies/{web_demo.company}/experiments")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Experiments</h1>" in html
    assert f">{DEMO_EXPERIMENT}</a>" in html
    # the feedback loop's experiment: the version serving against the one feedback retrained
    names = [
        e["experimentName"]
        for e in api.get(_api_url(web_demo.company, "experiments")).json()["items"]
    ]
    (feedback,) = [name for name in names if name.startswith("feedback: expense_classifier")]
    assert f">{feedback}</a>" in html
    # the demo A/B test's verdict (passed or inconclusive, as the demo's data decide)
    verdict = _demo_experiment(api, web_demo.company)["results"]["verdict"]["status"]
    assert f'class="badge badge-{verdict}"' in html
    assert "expense_classifier 1.1.0" in html  # its challenger, by name and version


def test_the_list_filters_by_status(web: TestClient, web_demo: WebDemo, api: TestClient) -> None:
    base = f"/companies/{web_demo.company}/experiments"
    archived = _experiment(api, web_demo.company)
    api.patch(
        _api_url(web_demo.company, f"experiments/{archived['id']}"), json={"status": "archived"}
    ).raise_for_status()
    shown = web.get(base, params={"status": "archived"}).text
    assert f">{archived['experimentName']}</a>" in shown
    assert DEMO_EXPERIMENT not in shown
    active = web.get(base, params={"status": "active"}).text
    assert archived["experimentName"] not in active
    wrong = web.get(base, params={"status": "sleepy"})
    assert 'id="status-error"' in wrong.text


def test_the_list_is_paginated(
    web: TestClient, web_demo: WebDemo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(experiment_pages, "list_page", partial(list_page, limit=1))
    first = web.get(f"/companies/{web_demo.company}/experiments").text
    found = re.search(r'href="([^"]+cursor=[^"]+)" rel="next"', first)
    assert found, "a next page link"
    second = web.get(found.group(1).replace("&amp;", "&")).text
    rows = lambda html: re.findall(r'<th scope="row"><a href="([^"]+)"', html)  # noqa: E731
    assert len(rows(first)) == 1
    assert len(rows(second)) == 1
    assert rows(first) != rows(second)


def test_no_experiment_says_what_to_do(web_demo: WebDemo, other_tenant: TenantFixture) -> None:
    client = logged_in(web_demo.app, other_tenant.keys["viewer"])
    response = client.get(f"/companies/{other_tenant.company_id}/experiments")
    assert response.status_code == 200
    assert "No experiment yet." in response.text


# -- one experiment --------------------------------------------------------------------


def test_an_experiment_page_shows_results_with_intervals(
    web: TestClient, web_demo: WebDemo, api: TestClient
) -> None:
    experiment = _demo_experiment(api, web_demo.company)
    response = web.get(_page(web_demo.company, experiment["id"]))
    assert response.status_code == 200
    html = response.text
    for heading in (
        "Verdict",
        "Baseline and challenger",
        "Success criteria",
        "Results with confidence intervals",
    ):
        assert f">{heading}</h2>" in html
    assert 'id="experiment-ci-chart"' in html
    assert 'id="offline-metrics"' in html
    assert 'id="online-metrics"' in html
    offline = experiment["results"]["offline"]["metrics"]["accuracy"]
    for value in (offline["ciLow"], offline["ciHigh"], offline["difference"]):
        assert f"{value:.4f}".rstrip("0") in html
    assert "improves by at least +0.005" in html  # a target
    assert "degrades by no more than 0.05" in html  # a guard
    assert "Recommendation" in html
    assert experiment["results"]["verdict"]["recommendation"] in html
    assert "needed per arm" in html  # sample sizes
    assert "expense-classifier (production)" in html  # its deployment, linked


def test_an_unevaluated_experiment_says_what_to_do(
    web: TestClient, web_demo: WebDemo, api: TestClient
) -> None:
    experiment = _experiment(api, web_demo.company)
    html = web.get(_page(web_demo.company, experiment["id"])).text
    assert "Not evaluated yet." in html
    assert "No success criterion declared." in html
    assert "Promote challenger" not in html


def test_another_tenants_experiment_is_404(
    web: TestClient, web_demo: WebDemo, api: TestClient, other_tenant: TenantFixture
) -> None:
    theirs = TestClient(
        web_demo.app,
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {other_tenant.keys['admin']}"},
    ).post(
        f"/api/v1/companies/{other_tenant.company_id}/experiments",
        json={"experimentName": "secret plan", "objective": "top secret objective"},
    )
    assert theirs.status_code == 201, theirs.text
    response = web.get(_page(web_demo.company, theirs.json()["id"]))
    assert response.status_code == 404
    assert "top secret objective" not in response.text
    ours = _demo_experiment(api, web_demo.company)
    stranger = logged_in(web_demo.app, other_tenant.keys["admin"])
    for url in (
        _page(web_demo.company, ours["id"]),
        _page(other_tenant.company_id, ours["id"]),
    ):
        response = stranger.get(url)
        assert response.status_code == 404
        assert DEMO_EXPERIMENT not in response.text


# -- actions ---------------------------------------------------------------------------


def test_evaluate_then_promote_the_challenger(
    web: TestClient, web_demo: WebDemo, api: TestClient
) -> None:
    company = web_demo.company
    experiment, name, challenger = _ab_experiment(api, company)
    response = _post(web, company, experiment["id"], "evaluate", mode="offline")
    assert response.status_code == 303
    page = web.get(response.headers["location"]).text
    assert "Evaluated now" in page
    assert 'id="verdict-status"><span class="badge badge-passed">passed' in page
    assert "Promote challenger" in page
    assert _read(api, company, experiment["id"])["results"]["verdict"]["status"] == "passed"

    response = _post(web, company, experiment["id"], "promote", reason="it held up")
    assert response.status_code == 303
    page = web.get(response.headers["location"]).text
    assert "The challenger was released into the deployment" in page
    after = _deployment(api, company, name, "staging")
    assert after["modelId"] == challenger["id"]
    newest = _revisions(api, company, after["id"])[0]
    assert (newest["action"], newest["reason"]) == ("promote", "it held up")
    assert _read(api, company, experiment["id"])["status"] == "completed"


def test_promote_before_a_pass_is_refused_on_the_page(
    web: TestClient, web_demo: WebDemo, api: TestClient
) -> None:
    company = web_demo.company
    experiment, name, _ = _ab_experiment(api, company)
    before = _deployment(api, company, name, "staging")
    response = _post(web, company, experiment["id"], "promote", reason="eager")
    assert response.status_code == 409
    assert 'id="action-error"' in response.text
    assert "only an experiment whose verdict is &#39;passed&#39;" in response.text
    assert _deployment(api, company, name, "staging") == before
    assert _read(api, company, experiment["id"])["status"] == "active"


def test_evaluate_without_models_is_refused_and_saves_nothing(
    web: TestClient, web_demo: WebDemo, api: TestClient
) -> None:
    company = web_demo.company
    experiment = _experiment(api, company)
    response = _post(web, company, experiment["id"], "evaluate", mode="both")
    assert response.status_code == 422
    assert "needs a baseline and a current model" in response.text
    assert _read(api, company, experiment["id"])["results"] is None


def test_an_invalid_mode_is_shown_next_to_its_field(
    web: TestClient, web_demo: WebDemo, api: TestClient
) -> None:
    company = web_demo.company
    experiment, _, _ = _ab_experiment(api, company)
    response = _post(web, company, experiment["id"], "evaluate", mode="sideways")
    assert response.status_code == 422
    assert 'id="mode-error"' in response.text
    assert 'aria-invalid="true" aria-describedby="mode-error"' in response.text
    assert _read(api, company, experiment["id"])["results"] is None


@pytest.mark.parametrize("verb", ["evaluate", "promote"])
def test_a_viewer_may_not_act(
    web_demo: WebDemo, api: TestClient, role_keys: dict[str, str], verb: str
) -> None:
    company = web_demo.company
    experiment, _, _ = _ab_experiment(api, company)
    viewer = logged_in(web_demo.app, role_keys["viewer"])
    assert ">Actions</h2>" not in viewer.get(_page(company, experiment["id"])).text
    response = _post(viewer, company, experiment["id"], verb, mode="offline")
    assert response.status_code == 403
    assert _read(api, company, experiment["id"])["results"] is None


# -- in the browser --------------------------------------------------------------------


def test_browse_the_experiments_and_the_interval_chart(page: Any) -> None:
    page.get_by_role("link", name="Experiments").click()
    page.get_by_role("heading", name="Experiments", exact=True).wait_for()
    screenshot(page, "experiments")
    page.get_by_role("link", name=DEMO_EXPERIMENT).click()
    page.get_by_role("heading", name=DEMO_EXPERIMENT).wait_for()
    points = chart_points(page, "#experiment-ci-chart")
    assert len(points) == 2  # the improvement and its interval
    assert min(points) >= 4  # for each of the 4 classification metrics
    assert page.locator("#offline-metrics tbody tr").count() == 4
    screenshot(page, "experiment")


def test_evaluate_and_promote_in_the_browser(page: Any, web_demo: WebDemo, api: TestClient) -> None:
    company = web_demo.company
    experiment, name, challenger = _ab_experiment(api, company)
    page.goto(_page(company, experiment["id"]))
    expect(page.get_by_text("Not evaluated yet.")).to_be_visible()
    page.get_by_label("Comparison").select_option("both")
    page.get_by_role("button", name="Evaluate now").click()
    page.wait_for_url(re.compile(r".*done=evaluated$"))
    assert page.locator("#verdict-status").inner_text().startswith("passed")
    assert sum(chart_points(page, "#experiment-ci-chart")) > 0
    page.get_by_label("Reason").fill("guard held offline")
    page.get_by_role("button", name="Promote challenger").click()
    page.wait_for_url(re.compile(r".*done=promoted$"))
    expect(page.get_by_text("The challenger was released into the deployment")).to_be_visible()
    page.get_by_role("link", name=re.compile(re.escape(name))).first.click()
    newest = page.locator("#revisions tbody tr").first.inner_text()
    assert "promote" in newest
    assert "guard held offline" in newest
    assert challenger["modelVersion"] in newest
    assert _deployment(api, company, name, "staging")["modelId"] == challenger["id"]
