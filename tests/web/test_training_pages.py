"""The training pages: the runs list, a run's page (curve, logs, hyperparameters; live while
it runs), cancel, and starting a training from a template (invalid values shown next to
their fields, nothing created); in a TestClient and in Chromium."""

import json
import re
import time
from html import unescape
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.conftest import TenantFixture
from tests.web.conftest import WebDemo, chart_points, csrf_of, logged_in, screenshot
from urutiq_ai.core.db import new_id
from urutiq_ai.web.pages.training import curve_points, parse_hyperparameters, parse_train_form

POLL_SECONDS = 120  # how long a test waits for a small training to end (not a timing check)


def api(web_demo: WebDemo, key: str) -> TestClient:
    return TestClient(
        web_demo.app, base_url="https://testserver", headers={"Authorization": f"Bearer {key}"}
    )


def demo_run(web_demo: WebDemo, model_name: str) -> dict[str, Any]:
    client = api(web_demo, web_demo.key)
    base = f"/api/v1/companies/{web_demo.company}"
    models = client.get(f"{base}/models", params={"modelName": model_name, "modelVersion": "1.0.0"})
    model = models.json()["items"][0]
    runs = client.get(f"{base}/training-runs", params={"modelId": model["id"]}).json()["items"]
    return dict(runs[0])


def running_run(web_demo: WebDemo, key: str, company: str) -> tuple[str, str]:
    """A model in training and its running run, written through the API (no job behind it)."""
    client = api(web_demo, key)
    base = f"/api/v1/companies/{company}"
    model = client.post(
        f"{base}/models",
        json={
            "modelName": f"live_{new_id()[:8]}",
            "modelVersion": "1.0.0",
            "modelType": "regression",
            "algorithm": "xgboost",
        },
    )
    assert model.status_code == 201, model.text
    run = client.post(
        f"{base}/training-runs",
        json={
            "modelId": model.json()["id"],
            "runName": "live run",
            "status": "running",
            "trainingMetrics": [{"epoch": 1, "loss": 3.0}, {"epoch": 2, "loss": 2.0}],
            "validationMetrics": [{"epoch": 1, "loss": 3.5}, {"epoch": 2, "loss": 2.8}],
            "logs": "10:00:00 fitting\n",
        },
    )
    assert run.status_code == 201, run.text
    return model.json()["id"], run.json()["id"]


def get_json(web_demo: WebDemo, key: str, company: str, path: str) -> dict[str, Any]:
    response = api(web_demo, key).get(f"/api/v1/companies/{company}/{path}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def loss_chart(html: str) -> dict[str, Any]:
    found = re.search(r'<canvas id="loss-chart"[^>]*data-chart=\'([^\']+)\'', html)
    assert found, "no loss chart"
    config: dict[str, Any] = json.loads(unescape(found.group(1)))
    return config


def run_links(html: str, company: str) -> list[str]:
    return re.findall(rf'href="/companies/{company}/training-runs/([0-9a-f]+)"', html)


def form_values(**overrides: str) -> dict[str, str]:
    values = dict.fromkeys(
        (
            "template",
            "modelName",
            "runName",
            "hyperparameters",
            "validationSplit",
            "randomState",
            "description",
        ),
        "",
    )
    values["template"] = "cashflow_prediction"
    values.update(overrides)
    return values


# -- the list --------------------------------------------------------------------------


def test_the_runs_list_links_each_run(web: TestClient, web_demo: WebDemo) -> None:
    page = web.get(f"/companies/{web_demo.company}/training-runs")
    assert page.status_code == 200
    assert "<h1>Training runs</h1>" in page.text
    assert demo_run(web_demo, "cashflow_prediction")["id"] in run_links(page.text, web_demo.company)
    assert "Start a training from a template" in page.text


def test_the_runs_list_filters_by_status(web: TestClient, web_demo: WebDemo) -> None:
    base = f"/companies/{web_demo.company}/training-runs"
    completed = web.get(base, params={"status": "completed"}).text
    assert run_links(completed, web_demo.company)
    assert 'value="completed" selected' in completed
    assert "badge-failed" not in completed.split("<tbody>")[1]
    invalid = web.get(base, params={"status": "sleeping"})
    assert 'id="status-error"' in invalid.text
    assert run_links(invalid.text, web_demo.company)


def test_the_runs_list_is_paginated_and_has_an_empty_state(
    web_demo: WebDemo, other_tenant: TenantFixture
) -> None:
    company = other_tenant.company_id
    viewer = logged_in(web_demo.app, other_tenant.keys["viewer"])
    empty = viewer.get(f"/companies/{company}/training-runs").text
    assert "No training run yet." in empty
    assert "training-runs/new" not in empty  # viewers cannot start one
    client = api(web_demo, other_tenant.keys["admin"])
    model_id, _ = running_run(web_demo, other_tenant.keys["admin"], company)
    for i in range(26):
        client.post(
            f"/api/v1/companies/{company}/training-runs",
            json={"modelId": model_id, "runName": f"r{i}", "status": "running"},
        ).raise_for_status()
    first = viewer.get(f"/companies/{company}/training-runs").text
    assert len(run_links(first, company)) == 25
    next_url = re.search(r'<a href="([^"]+)" rel="next"', first)
    assert next_url
    second = viewer.get(unescape(next_url.group(1))).text
    assert len(run_links(second, company)) == 2


# -- a run's page ----------------------------------------------------------------------


def test_a_finished_run_shows_its_curve_logs_and_hyperparameters(
    web: TestClient, web_demo: WebDemo
) -> None:
    run = demo_run(web_demo, "cashflow_prediction")
    page = web.get(f"/companies/{web_demo.company}/training-runs/{run['id']}")
    assert page.status_code == 200
    html = page.text
    chart = loss_chart(html)
    assert [d["label"] for d in chart["data"]["datasets"]] == ["training loss", "validation loss"]
    assert all(len(d["data"]) == len(run["trainingMetrics"]) for d in chart["data"]["datasets"])
    assert chart["data"]["datasets"][0]["data"][0] == {
        "x": run["trainingMetrics"][0]["epoch"],
        "y": run["trainingMetrics"][0]["loss"],
    }
    assert '<th scope="row">n_estimators</th>' in html
    assert '<pre id="run-logs">' in html
    assert "completed: mae=" in html
    assert 'hx-trigger="every 2s"' not in html  # finished: nothing to poll
    assert "Cancel this run" not in html
    assert 'data-live="false"' in html


def test_a_running_run_polls_its_live_part(web_demo: WebDemo, other_tenant: TenantFixture) -> None:
    company = other_tenant.company_id
    _, run_id = running_run(web_demo, other_tenant.keys["admin"], company)
    editor = logged_in(web_demo.app, other_tenant.keys["editor"])
    html = editor.get(f"/companies/{company}/training-runs/{run_id}").text
    assert f'hx-get="/companies/{company}/training-runs/{run_id}/live"' in html
    assert 'hx-trigger="every 2s"' in html
    assert "Cancel this run" in html
    live = editor.get(f"/companies/{company}/training-runs/{run_id}/live")
    assert live.status_code == 200
    assert live.text.lstrip().startswith('<div id="run-live"')
    assert "<html" not in live.text
    assert [len(d["data"]) for d in loss_chart(live.text)["data"]["datasets"]] == [2, 2]
    viewer = logged_in(web_demo.app, other_tenant.keys["viewer"])
    assert "Cancel this run" not in viewer.get(f"/companies/{company}/training-runs/{run_id}").text


MODEL_BADGE = '<span id="model-status" hx-swap-oob="true"><span class="badge badge-{0}">{0}</span>'


def test_the_live_part_carries_the_models_badge_as_the_run_ends(
    web_demo: WebDemo, other_tenant: TenantFixture
) -> None:
    """The job turns the model active as its run completes: the last refresh of the live
    part says so in the model's card (out of band), with no reload of the page."""
    company, admin = other_tenant.company_id, other_tenant.keys["admin"]
    model_id, run_id = running_run(web_demo, admin, company)
    viewer = logged_in(web_demo.app, other_tenant.keys["viewer"])
    page = viewer.get(f"/companies/{company}/training-runs/{run_id}").text
    assert '<span id="model-status"><span class="badge badge-training">training</span>' in page
    assert "hx-swap-oob" not in page  # the full page holds the badge once, in place
    live_url = f"/companies/{company}/training-runs/{run_id}/live"
    assert MODEL_BADGE.format("training") in viewer.get(live_url).text
    client, base = api(web_demo, admin), f"/api/v1/companies/{company}"
    client.patch(f"{base}/models/{model_id}", json={"status": "active"}).raise_for_status()
    client.patch(f"{base}/training-runs/{run_id}", json={"status": "completed"}).raise_for_status()
    live = viewer.get(live_url).text
    assert 'data-live="false"' in live  # the last refresh: nothing polls after it
    assert MODEL_BADGE.format("active") in live
    assert "badge-training" not in live


def test_an_editor_cancels_a_running_run(web_demo: WebDemo, other_tenant: TenantFixture) -> None:
    company, key = other_tenant.company_id, other_tenant.keys["editor"]
    model_id, run_id = running_run(web_demo, other_tenant.keys["admin"], company)
    client = logged_in(web_demo.app, key)
    page = client.get(f"/companies/{company}/training-runs/{run_id}")
    response = client.post(
        f"/companies/{company}/training-runs/{run_id}/cancel",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("?done=cancelled")
    after = client.get(response.headers["location"]).text
    assert "Cancel requested" in after
    assert 'badge-cancelled">cancelled' in after
    assert 'hx-trigger="every 2s"' not in after
    assert get_json(web_demo, key, company, f"training-runs/{run_id}")["status"] == "cancelled"
    assert get_json(web_demo, key, company, f"models/{model_id}")["status"] == "failed"
    again = client.post(
        f"/companies/{company}/training-runs/{run_id}/cancel",
        data={"csrf_token": csrf_of(page.text)},
    )
    assert again.status_code == 409
    assert "not running" in again.text


def test_a_viewer_may_not_cancel(web_demo: WebDemo, other_tenant: TenantFixture) -> None:
    company = other_tenant.company_id
    _, run_id = running_run(web_demo, other_tenant.keys["admin"], company)
    viewer = logged_in(web_demo.app, other_tenant.keys["viewer"])
    page = viewer.get(f"/companies/{company}/training-runs/{run_id}")
    response = viewer.post(
        f"/companies/{company}/training-runs/{run_id}/cancel",
        data={"csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 403
    status = get_json(web_demo, other_tenant.keys["admin"], company, f"training-runs/{run_id}")
    assert status["status"] == "running"
    forged = logged_in(web_demo.app, other_tenant.keys["editor"]).post(
        f"/companies/{company}/training-runs/{run_id}/cancel", data={"csrf_token": "forged"}
    )
    assert forged.status_code == 403


def test_another_tenants_run_answers_404_without_its_data(
    web: TestClient, web_demo: WebDemo, other_tenant: TenantFixture
) -> None:
    company = other_tenant.company_id
    _, theirs = running_run(web_demo, other_tenant.keys["admin"], company)
    for path in ("", "/live"):
        page = web.get(f"/companies/{web_demo.company}/training-runs/{theirs}{path}")
        assert page.status_code == 404
        assert "live run" not in page.text
    token = csrf_of(web.get(f"/companies/{web_demo.company}/training-runs").text)
    refused = web.post(
        f"/companies/{web_demo.company}/training-runs/{theirs}/cancel", data={"csrf_token": token}
    )
    assert refused.status_code == 404
    ours = demo_run(web_demo, "cashflow_prediction")["id"]
    stranger = logged_in(web_demo.app, other_tenant.keys["admin"])
    page = stranger.get(f"/companies/{company}/training-runs/{ours}")
    assert page.status_code == 404
    assert "cashflow" not in page.text


# -- starting a training ---------------------------------------------------------------


def test_the_form_offers_the_templates(web: TestClient, web_demo: WebDemo) -> None:
    page = web.get(f"/companies/{web_demo.company}/training-runs/new")
    assert page.status_code == 200
    for name in ("expense_classifier", "anomaly_detection", "cashflow_prediction"):
        assert f'<option value="{name}"' in page.text
    assert '<label for="hyperparameters">' in page.text
    chosen = web.get(
        f"/companies/{web_demo.company}/training-runs/new", params={"template": "anomaly_detection"}
    )
    assert '<option value="anomaly_detection" selected>' in chosen.text
    # What an override replaces: the chosen template's values, beside the field.
    defaults = re.search(r'<p id="hyperparameters-defaults"[^>]*>(.*?)</p>', chosen.text, re.S)
    assert defaults is not None
    assert "<code>contamination=0.035</code>" in defaults.group(1)
    assert "<code>n_estimators=200</code>" in defaults.group(1)
    assert "the others are kept" in chosen.text


def test_a_viewer_may_not_start_a_training(web_demo: WebDemo, other_tenant: TenantFixture) -> None:
    company = other_tenant.company_id
    viewer = logged_in(web_demo.app, other_tenant.keys["viewer"])
    assert viewer.get(f"/companies/{company}/training-runs/new").status_code == 403
    token = csrf_of(viewer.get(f"/companies/{company}/training-runs").text)
    response = viewer.post(
        f"/companies/{company}/training-runs/new", data={"csrf_token": token, **form_values()}
    )
    assert response.status_code == 403


def test_invalid_values_are_shown_next_to_their_fields_and_nothing_is_created(
    web: TestClient, web_demo: WebDemo
) -> None:
    url = f"/companies/{web_demo.company}/training-runs/new"
    token = csrf_of(web.get(url).text)
    name = f"never_{new_id()[:8]}"
    cases = [
        ({"hyperparameters": "n_estimators=20\nbogus=1"}, "hyperparameters", "bogus: unknown"),
        ({"hyperparameters": "max_depth=-3"}, "hyperparameters", "max_depth"),
        ({"hyperparameters": "just words"}, "hyperparameters", "expected name=value"),
        ({"validationSplit": "0.95"}, "validationSplit", "less than 0.9"),
        ({"validationSplit": "lots"}, "validationSplit", "expected a number"),
        ({"randomState": "1.5"}, "randomState", "whole number"),
        ({"template": "no_such_template"}, "template", "choose one of"),
    ]
    for overrides, field, message in cases:
        response = web.post(
            url, data={"csrf_token": token, **form_values(modelName=name, **overrides)}
        )
        assert response.status_code == 422, (overrides, response.text[-500:])
        error = re.search(
            rf'<p class="field-error" id="{field}-error" role="alert">([^<]+)</p>', response.text
        )
        assert error, (field, overrides)
        assert message in unescape(error.group(1)), (message, error.group(1))
        assert f'aria-describedby="{field}-error"' in response.text
        assert f'value="{name}"' in response.text  # what was typed is kept
    models = api(web_demo, web_demo.key).get(
        f"/api/v1/companies/{web_demo.company}/models", params={"modelName": name}
    )
    assert models.json()["items"] == []


def test_starting_a_training_from_a_template_shows_its_run(
    web: TestClient, web_demo: WebDemo
) -> None:
    url = f"/companies/{web_demo.company}/training-runs/new"
    name = f"web_cashflow_{new_id()[:8]}"
    response = web.post(
        url,
        data={
            "csrf_token": csrf_of(web.get(url).text),
            **form_values(
                modelName=name, hyperparameters="n_estimators=30", runName="from the form"
            ),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[-800:]
    run_url = response.headers["location"]
    run_id = run_url.rsplit("/", 1)[-1]
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        run = get_json(web_demo, web_demo.key, web_demo.company, f"training-runs/{run_id}")
        if run["status"] != "running" or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert run["status"] == "completed", run["logs"]
    html = web.get(run_url).text
    assert "from the form" in html
    assert [len(d["data"]) for d in loss_chart(html)["data"]["datasets"]] == [30, 30]
    model = get_json(web_demo, web_demo.key, web_demo.company, f"models/{run['modelId']}")
    assert model["modelName"] == name
    assert model["status"] == "active"
    assert model["hyperparameters"]["n_estimators"] == 30
    assert model["hyperparameters"]["max_depth"] == 4  # the template's, kept beside the override
    assert '<th scope="row">max_depth</th><td><code>4</code>' in html


def train_and_wait(web_demo: WebDemo, body: dict[str, Any]) -> dict[str, Any]:
    client = api(web_demo, web_demo.key)
    started = client.post(f"/api/v1/companies/{web_demo.company}/train", json=body)
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        path = f"training-runs/{started.json()['runId']}"
        run = get_json(web_demo, web_demo.key, web_demo.company, path)
        if run["status"] != "running" or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert run["status"] == "completed", run["logs"]
    return run


def test_a_worse_version_is_said_on_its_run_page(web: TestClient, web_demo: WebDemo) -> None:
    name = f"web_worse_{new_id()[:8]}"
    spec = {"template": "cashflow_prediction", "modelName": name}
    first = train_and_wait(web_demo, {**spec, "hyperparameters": {"n_estimators": 30}})
    weak = {"n_estimators": 1, "max_depth": 1}
    second = train_and_wait(web_demo, {**spec, "hyperparameters": weak})
    assert second["comparedTo"]["worse"] is True
    page = web.get(f"/companies/{web_demo.company}/training-runs/{second['id']}")
    found = re.search(r'<p id="compared-to"[^>]*>(.*?)</p>', page.text, re.S)
    assert found is not None, page.text[-2000:]
    said = " ".join(unescape(found.group(1)).split())
    assert "Scores worse than the version serving." in said
    assert "worse than 1.0.0 latest active version: rmse" in said
    assert "lower is better" in said
    assert f'href="/companies/{web_demo.company}/models/{first["modelId"]}"' in found.group(1)
    assert "Effective hyperparameters" in page.text
    first_page = web.get(f"/companies/{web_demo.company}/training-runs/{first['id']}").text
    assert 'id="compared-to"' not in first_page  # the name's first version


# -- pure helpers ----------------------------------------------------------------------


def test_long_curves_are_thinned_and_keep_their_last_point() -> None:
    points = curve_points([{"epoch": i, "loss": 1 / i} for i in range(1, 5001)])
    assert len(points) <= 1001
    assert points[0] == {"x": 1, "y": 1.0}
    assert points[-1]["x"] == 5000
    assert curve_points([0.5, 0.25]) == [{"x": 1, "y": 0.5}, {"x": 2, "y": 0.25}]
    assert curve_points(None) == []


def test_hyperparameters_are_read_as_lines_or_json() -> None:
    assert parse_hyperparameters("n_estimators=50\nmax_features=sqrt\n\n") == {
        "n_estimators": 50,
        "max_features": "sqrt",
    }
    assert parse_hyperparameters('{"max_depth": 3}') == {"max_depth": 3}
    data, errors = parse_train_form(form_values(hyperparameters="[1]"))
    assert data is None
    assert "hyperparameters" in errors


# -- in the browser --------------------------------------------------------------------


def test_a_runs_curve_in_the_browser(page: Any, web_demo: WebDemo) -> None:
    page.goto(f"/companies/{web_demo.company}/training-runs?status=completed")
    page.get_by_role("link", name="cashflow_prediction-1.0.0").click()
    page.wait_for_url(re.compile(r".*/training-runs/[0-9a-f]+$"))
    assert chart_points(page, "#loss-chart") == [200, 200]
    assert (
        page.locator("#run-logs").inner_text().strip().endswith("r2=0.5668")
        or "completed" in page.locator("#run-logs").inner_text()
    )
    screenshot(page, "training-run")


def test_start_a_training_in_the_browser_and_watch_it_finish(page: Any, web_demo: WebDemo) -> None:
    name = f"ui_cashflow_{new_id()[:8]}"
    page.goto(f"/companies/{web_demo.company}/training-runs")
    page.get_by_role("link", name="Start a training from a template").click()
    page.get_by_label("Template", exact=True).select_option("cashflow_prediction")
    page.get_by_label("Model name").fill(name)
    page.get_by_label("Hyperparameters").fill("n_estimators=25")
    screenshot(page, "training-new")
    page.get_by_role("button", name="Start training").click()
    page.wait_for_url(re.compile(r".*/training-runs/[0-9a-f]+$"))
    page.wait_for_selector('#run-live[data-live="false"]', timeout=POLL_SECONDS * 1000)
    assert page.locator("#run-status").inner_text().strip() == "completed"
    assert chart_points(page, "#loss-chart") == [25, 25]
    assert name in page.get_by_role("link", name=re.compile(name)).inner_text()


def test_invalid_values_in_the_browser(page: Any, web_demo: WebDemo) -> None:
    page.goto(f"/companies/{web_demo.company}/training-runs/new")
    page.get_by_label("Validation split").fill("2")
    page.get_by_role("button", name="Start training").click()
    error = page.locator("#validationSplit-error")
    expect(error).to_be_visible()
    assert "0.9" in error.inner_text()
    assert page.get_by_label("Validation split").get_attribute("aria-invalid") == "true"


def test_cancel_in_the_browser(page: Any, web_demo: WebDemo) -> None:
    model_id, run_id = running_run(web_demo, web_demo.key, web_demo.company)
    page.goto(f"/companies/{web_demo.company}/training-runs/{run_id}")
    assert page.locator('#run-live[data-live="true"]').count() == 1
    assert chart_points(page, "#loss-chart") == [2, 2]
    page.get_by_role("button", name="Cancel this run").click()
    page.wait_for_url(re.compile(r".*\?done=cancelled$"))
    assert page.locator("#run-status").inner_text().strip() == "cancelled"
    assert page.locator('#run-live[data-live="false"]').count() == 1
    model = get_json(web_demo, web_demo.key, web_demo.company, f"models/{model_id}")
    assert model["status"] == "failed"


def test_a_running_runs_page_follows_it_live(page: Any, web_demo: WebDemo) -> None:
    model_id, run_id = running_run(web_demo, web_demo.key, web_demo.company)
    page.goto(f"/companies/{web_demo.company}/training-runs/{run_id}")
    assert chart_points(page, "#loss-chart") == [2, 2]
    client = api(web_demo, web_demo.key)
    url = f"/api/v1/companies/{web_demo.company}/training-runs/{run_id}"
    curve = [{"epoch": i, "loss": 3.0 / i} for i in range(1, 4)]
    client.patch(url, json={"trainingMetrics": curve, "logs": "epoch 3\n"}).raise_for_status()
    page.wait_for_function(
        "() => { const c = Chart.getChart(document.querySelector('#loss-chart'));"
        " return c && c.data.datasets[0].data.length === 3; }"
    )
    assert "epoch 3" in page.locator("#run-logs").inner_text()
    assert page.locator("#model-status").inner_text().strip() == "training"
    models = f"/api/v1/companies/{web_demo.company}/models/{model_id}"
    client.patch(models, json={"status": "active"}).raise_for_status()
    client.patch(url, json={"status": "completed"}).raise_for_status()
    page.wait_for_selector('#run-live[data-live="false"]')
    assert page.locator("#run-status").inner_text().strip() == "completed"
    assert page.locator("#model-status").inner_text().strip() == "active"
    assert page.locator("#model-status").count() == 1
    assert page.get_by_role("button", name="Cancel this run").count() == 0
