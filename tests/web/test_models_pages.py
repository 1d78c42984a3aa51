"""The models pages: the list with its filters and pages, the model page (metrics, versions
side by side, feature importance, performance with trend, drift heat map, predictions with
outcomes, deployments, experiments), promote / deprecate; in a TestClient and in Chromium."""

import json
import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.conftest import TenantFixture
from tests.web.conftest import WebDemo, chart_points, csrf_of, logged_in, screenshot
from urutiq_ai.core.db import new_id
from urutiq_ai.web.pages.models import drift_heatmap


def api(web_demo: WebDemo, key: str) -> TestClient:
    return TestClient(
        web_demo.app, base_url="https://testserver", headers={"Authorization": f"Bearer {key}"}
    )


def model_id(web_demo: WebDemo, name: str, version: str = "1.0.0") -> str:
    rows = (
        api(web_demo, web_demo.key)
        .get(
            f"/api/v1/companies/{web_demo.company}/models",
            params={"modelName": name, "modelVersion": version},
        )
        .json()["items"]
    )
    assert rows, f"the demo has no {name} {version}"
    return str(rows[0]["id"])


def create_models(
    web_demo: WebDemo, key: str, company: str, name: str, versions: list[str], status: str
) -> list[str]:
    client = api(web_demo, key)
    ids = []
    for version in versions:
        response = client.post(
            f"/api/v1/companies/{company}/models",
            json={
                "modelName": name,
                "modelVersion": version,
                "modelType": "classification",
                "algorithm": "random_forest",
                "status": status,
                "accuracy": 0.8,
            },
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def status_of(web_demo: WebDemo, key: str, company: str, model: str) -> str:
    response = api(web_demo, key).get(f"/api/v1/companies/{company}/models/{model}")
    return str(response.json()["status"])


def chart_config(html: str, canvas_id: str) -> dict[str, Any]:
    found = re.search(rf'<canvas id="{canvas_id}"[^>]*data-chart=\'([^\']+)\'', html)
    assert found, f"no chart #{canvas_id}"
    config: dict[str, Any] = json.loads(unescape(found.group(1)))
    return config


def model_links(html: str, company: str) -> list[str]:
    return re.findall(rf'href="/companies/{company}/models/([0-9a-f]+)"', html)


# -- the list --------------------------------------------------------------------------


def test_the_list_links_every_model_version(web: TestClient, web_demo: WebDemo) -> None:
    page = web.get(f"/companies/{web_demo.company}/models")
    assert page.status_code == 200
    assert "<h1>Models</h1>" in page.text
    for name in ("expense_classifier", "anomaly_detection", "cashflow_prediction"):
        assert name in page.text
    assert model_id(web_demo, "cashflow_prediction") in model_links(page.text, web_demo.company)


def test_the_list_filters_by_status_type_algorithm_and_name(
    web: TestClient, web_demo: WebDemo
) -> None:
    base = f"/companies/{web_demo.company}/models"
    regression = web.get(base, params={"modelType": "regression", "status": "active"}).text
    assert "cashflow_prediction" in regression
    assert "expense_classifier</a>" not in regression
    assert 'value="regression" selected' in regression
    by_algorithm = web.get(base, params={"algorithm": "isolation_forest"}).text
    assert "anomaly_detection" in by_algorithm
    assert "cashflow_prediction</a>" not in by_algorithm
    by_name = web.get(base, params={"modelName": "expense_classifier"}).text
    assert len(model_links(by_name, web_demo.company)) >= 3
    assert "anomaly_detection</a>" not in by_name
    nothing = web.get(base, params={"modelName": "no-such-model"}).text
    assert "No model version matches these filters." in nothing


def test_an_invalid_filter_is_shown_and_the_list_stays_whole(
    web: TestClient, web_demo: WebDemo
) -> None:
    page = web.get(f"/companies/{web_demo.company}/models", params={"status": "sleeping"})
    assert page.status_code == 200
    assert 'id="status-error"' in page.text
    assert "cashflow_prediction" in page.text


def test_the_list_is_paginated(web_demo: WebDemo, other_tenant: TenantFixture) -> None:
    company = other_tenant.company_id
    create_models(
        web_demo,
        other_tenant.keys["admin"],
        company,
        "many",
        [f"1.{i}.0" for i in range(27)],
        "training",
    )
    client = logged_in(web_demo.app, other_tenant.keys["viewer"])
    first = client.get(f"/companies/{company}/models")
    assert len(model_links(first.text, company)) == 25
    next_url = re.search(r'<a href="([^"]+)" rel="next"', first.text)
    assert next_url
    second = client.get(next_url.group(1).replace("&amp;", "&"))
    assert len(model_links(second.text, company)) == 2
    assert "« First page" in second.text
    assert not set(model_links(first.text, company)) & set(model_links(second.text, company))


def test_an_empty_company_says_what_to_do(web_demo: WebDemo, other_tenant: TenantFixture) -> None:
    viewer = logged_in(web_demo.app, other_tenant.keys["viewer"])
    page = viewer.get(f"/companies/{other_tenant.company_id}/models")
    assert "No model yet." in page.text
    assert "training-runs/new" not in page.text  # a viewer cannot start one
    editor = logged_in(web_demo.app, other_tenant.keys["editor"])
    assert "training-runs/new" in editor.get(f"/companies/{other_tenant.company_id}/models").text


# -- the model page --------------------------------------------------------------------


def test_the_model_page_shows_facts_metrics_and_versions(
    web: TestClient, web_demo: WebDemo
) -> None:
    mid = model_id(web_demo, "expense_classifier")
    page = web.get(f"/companies/{web_demo.company}/models/{mid}")
    assert page.status_code == 200
    html = page.text
    assert "<h1>expense_classifier" in html
    assert re.search(r'stat-value">\d+\.\d%</span><span class="stat-label">accuracy', html)
    assert re.search(r'stat-label">F1</span>', html)
    assert "(this one)" in html
    older = model_id(web_demo, "expense_classifier", "1.1.0")
    assert f'href="/companies/{web_demo.company}/models/{older}"' in html
    assert 'id="comparison"' in html
    assert re.search(r"[+-]\d+\.\d pts", html)


def test_versions_are_compared_side_by_side_with_the_chosen_one(
    web: TestClient, web_demo: WebDemo
) -> None:
    mid = model_id(web_demo, "expense_classifier")
    other = model_id(web_demo, "expense_classifier", "1.1.0")
    page = web.get(f"/companies/{web_demo.company}/models/{mid}", params={"compare": other})
    assert "Side by side: 1.1.0 → 1.0.0" in page.text
    assert f'<option value="{other}" selected>' in page.text


def test_the_model_page_charts_importance_and_performance(
    web: TestClient, web_demo: WebDemo
) -> None:
    mid = model_id(web_demo, "expense_classifier")
    html = web.get(f"/companies/{web_demo.company}/models/{mid}").text
    importance = chart_config(html, "fi-chart")
    assert importance["type"] == "bar"
    assert "description" in importance["data"]["labels"]
    assert len(importance["data"]["datasets"][0]["data"]) == len(importance["data"]["labels"])
    performance = chart_config(html, "perf-chart")
    labels = {d["label"] for d in performance["data"]["datasets"]}
    assert {"accuracy", "f1", "precision", "recall"} <= labels
    assert all(
        len(d["data"]) == len(performance["data"]["labels"]) > 1
        for d in performance["data"]["datasets"]
    )
    assert re.search(r"badge badge-(improving|declining|stable)", html)
    built_in = web.get(f"/companies/{web_demo.company}/models/{mid}", params={"fi": "built_in"})
    assert "importance (built_in)" in built_in.text


def test_the_regression_model_shows_its_validation_metrics(
    web: TestClient, web_demo: WebDemo
) -> None:
    mid = model_id(web_demo, "cashflow_prediction")
    html = web.get(f"/companies/{web_demo.company}/models/{mid}").text
    for metric in ("mae", "rmse", "r2"):
        assert f'<span class="stat-label">{metric}</span>' in html
    labels = {d["label"] for d in chart_config(html, "perf-chart")["data"]["datasets"]}
    assert {"mae", "rmse"} <= labels


def test_drift_is_a_heat_map_of_coloured_cells(web: TestClient, web_demo: WebDemo) -> None:
    mid = model_id(web_demo, "expense_classifier")
    html = web.get(f"/companies/{web_demo.company}/models/{mid}").text
    table = html[html.index('id="drift-heat"') :]
    table = table[: table.index("</table>")]
    assert '<th scope="row">vendorName</th>' in table
    cells = re.findall(
        r'<td class="cell drift-(\w+)" style="background-color: (#[0-9a-f]{6})"', table
    )
    assert len(cells) >= 6
    assert {status for status, _ in cells} >= {"normal", "detected"}
    assert len({colour for _, colour in cells}) >= 2


def test_the_heat_map_has_one_column_per_window() -> None:
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    start = datetime(2026, 1, 1, tzinfo=UTC)

    def row(feature: str | None, week: int, status: str, score: float) -> Any:
        return SimpleNamespace(
            drift_type=SimpleNamespace(value="data_drift"),
            feature_name=feature,
            status=status,
            drift_score=score,
            threshold=0.05,
            created_at=start + timedelta(days=7 * week, seconds=1),
            analysis={"window": {"to": (start + timedelta(days=7 * week)).isoformat()}},
        )

    rows = [row("b", w, "normal", 0.5) for w in range(3)] + [
        row("a", 2, "detected", 0.001),
        row(None, 2, "warning", 0.3),
    ]
    heat = drift_heatmap(rows, features=["a", "b"])
    assert len(heat["columns"]) == 3
    assert [label for label, _ in heat["rows"]] == ["all features (share drifted)", "a", "b"]
    a_cells = heat["rows"][1][1]
    assert a_cells[:2] == [None, None]
    assert a_cells[2]["status"] == "detected"


def test_drift_cells_name_their_statistic_and_rule(web: TestClient, web_demo: WebDemo) -> None:
    """Issue 18: a p-value is drift when low and a distance when high, so each cell shows the
    verdict first, then the statistic, its value and the rule that judges it."""
    mid = model_id(web_demo, "expense_classifier")
    html = web.get(f"/companies/{web_demo.company}/models/{mid}").text
    table = html[html.index('id="drift-heat"') :]
    table = table[: table.index("</table>")]
    assert '<th scope="row">description (text: word shares)</th>' in table
    cells = re.findall(
        r'<td class="cell drift-(\w+)"[^>]*><strong>(\w+)</strong><br>'
        r"<small>([^<]*)</small><br><small>detected ([^<]*)</small>",
        table,
    )
    assert len(cells) >= 6
    for status, shown, statistic, rule in cells:
        assert status == shown
        if "p-value" in statistic:
            assert rule.startswith("p &lt; ")
        else:
            assert rule.startswith("≥ ")
    assert any(statistic.startswith("χ² p-value") for _, _, statistic, _ in cells)


def test_a_cell_is_judged_by_its_own_statistic() -> None:
    from types import SimpleNamespace

    from urutiq_ai.monitoring.schemas import DriftStatus
    from urutiq_ai.web.pages.models import drift_cell

    def row(method: str, score: float, threshold: float) -> Any:
        return SimpleNamespace(drift_score=score, threshold=threshold, analysis={"method": method})

    ks = drift_cell(row("ks", 0.296, 0.05), DriftStatus.normal)
    js = drift_cell(row("jensenshannon", 0.211, 0.1), DriftStatus.detected)
    tiny = drift_cell(row("chisquare", 1.2e-173, 0.05), DriftStatus.detected)
    assert (ks["statistic"], ks["shown"], ks["rule"]) == ("KS p-value", "0.296", "p < 0.05")
    assert (js["statistic"], js["shown"], js["rule"]) == ("JS distance", "0.211", "≥ 0.1")
    assert tiny["shown"] == "< 0.0001"
    assert ks["colour"] != js["colour"]


def test_predictions_with_outcomes_are_paged_newest_first(
    web: TestClient, web_demo: WebDemo
) -> None:
    mid = model_id(web_demo, "expense_classifier")
    first = web.get(f"/companies/{web_demo.company}/models/{mid}").text
    table = first[
        first.index('id="predictions-table"') : first.index(
            "</table>", first.index('id="predictions-table"')
        )
    ]
    times = re.findall(r'<time datetime="([^"]+)"', table)
    assert len(times) == 25
    assert times == sorted(times, reverse=True)
    assert "correct</span>" in table
    next_url = re.search(r'<a href="([^"]+)" rel="next"', first)
    assert next_url
    assert "cursor=" in next_url.group(1)
    second = web.get(next_url.group(1).replace("&amp;", "&")).text
    later = re.findall(
        r'<time datetime="([^"]+)"', second[second.index('id="predictions-table"') :]
    )
    assert later
    assert later[0] <= times[-1]
    wrong = web.get(f"/companies/{web_demo.company}/models/{mid}", params={"isCorrect": "false"})
    rows = wrong.text[wrong.text.index('id="predictions-table"') :]
    assert "badge-fail" in rows
    assert "badge-pass" not in rows.split("</table>")[0]


def test_deployments_and_experiments_are_linked(web: TestClient, web_demo: WebDemo) -> None:
    """The model serving the demo's staging expense classifier now (other tests may have
    released another version) links to its deployment; an experiment's baseline to it."""
    client = api(web_demo, web_demo.key)
    base = f"/api/v1/companies/{web_demo.company}"
    (staging,) = client.get(
        f"{base}/deployments",
        params={"deploymentName": "expense-classifier", "environment": "staging"},
    ).json()["items"]
    html = web.get(f"/companies/{web_demo.company}/models/{staging['modelId']}").text
    assert (
        f'href="/companies/{web_demo.company}/deployments/expense-classifier?environment=staging"'
        in html
    )
    experiment = client.get(f"{base}/experiments").json()["items"][-1]
    html = web.get(f"/companies/{web_demo.company}/models/{experiment['baselineModel']}").text
    assert f'href="/companies/{web_demo.company}/experiments/{experiment["id"]}"' in html
    assert "baseline" in html


def test_a_model_without_history_has_empty_states(
    web_demo: WebDemo, other_tenant: TenantFixture
) -> None:
    company = other_tenant.company_id
    (mid,) = create_models(
        web_demo, other_tenant.keys["admin"], company, "lonely", ["1.0.0"], "training"
    )
    html = (
        logged_in(web_demo.app, other_tenant.keys["viewer"])
        .get(f"/companies/{company}/models/{mid}")
        .text
    )
    for message in (
        "No feature importance stored.",
        "No weekly performance computed yet.",
        "No drift check yet.",
        "No prediction yet.",
        "This version is not deployed.",
        "This version is in no experiment.",
        "This is the only version of lonely",
    ):
        assert message in html
    assert "Promote this version" not in html


# -- actions ---------------------------------------------------------------------------


def test_an_editor_promotes_and_deprecates_a_version(
    web_demo: WebDemo, other_tenant: TenantFixture
) -> None:
    company, key = other_tenant.company_id, other_tenant.keys["editor"]
    old, new = create_models(
        web_demo, other_tenant.keys["admin"], company, "promo", ["1.0.0", "1.1.0"], "active"
    )
    client = logged_in(web_demo.app, key)
    page = client.get(f"/companies/{company}/models/{new}")
    assert "Promote this version" in page.text
    response = client.post(
        f"/companies/{company}/models/{new}/promote",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/models/{new}?done=promoted")
    assert "Version promoted" in client.get(response.headers["location"]).text
    assert status_of(web_demo, key, company, old) == "deprecated"
    assert status_of(web_demo, key, company, new) == "active"
    response = client.post(
        f"/companies/{company}/models/{new}/deprecate",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert status_of(web_demo, key, company, new) == "deprecated"


def test_promoting_a_retired_version_is_refused_on_the_page(
    web_demo: WebDemo, other_tenant: TenantFixture
) -> None:
    company = other_tenant.company_id
    (mid,) = create_models(
        web_demo, other_tenant.keys["admin"], company, "retired", ["1.0.0"], "deprecated"
    )
    client = logged_in(web_demo.app, other_tenant.keys["editor"])
    token = csrf_of(client.get(f"/companies/{company}/models").text)
    response = client.post(f"/companies/{company}/models/{mid}/promote", data={"csrf_token": token})
    assert response.status_code == 409
    assert "only an active (trained) version can be promoted" in response.text
    assert "<h1>retired" in response.text
    assert status_of(web_demo, other_tenant.keys["admin"], company, mid) == "deprecated"


def test_a_viewer_may_not_promote(web_demo: WebDemo, other_tenant: TenantFixture) -> None:
    company = other_tenant.company_id
    old, new = create_models(
        web_demo, other_tenant.keys["admin"], company, "viewed", ["1.0.0", "1.1.0"], "active"
    )
    client = logged_in(web_demo.app, other_tenant.keys["viewer"])
    page = client.get(f"/companies/{company}/models/{new}")
    assert "Promote this version" not in page.text
    for verb in ("promote", "deprecate"):
        response = client.post(
            f"/companies/{company}/models/{new}/{verb}", data={"csrf_token": csrf_of(page.text)}
        )
        assert response.status_code == 403
        assert "may not" in response.text
    assert status_of(web_demo, other_tenant.keys["admin"], company, old) == "active"
    assert status_of(web_demo, other_tenant.keys["admin"], company, new) == "active"


def test_promote_without_the_csrf_token_is_refused(
    web_demo: WebDemo, other_tenant: TenantFixture
) -> None:
    company = other_tenant.company_id
    old, new = create_models(
        web_demo, other_tenant.keys["admin"], company, "forged", ["1.0.0", "1.1.0"], "active"
    )
    client = logged_in(web_demo.app, other_tenant.keys["admin"])
    response = client.post(f"/companies/{company}/models/{new}/promote", data={})
    assert response.status_code == 403
    assert status_of(web_demo, other_tenant.keys["admin"], company, old) == "active"


def test_another_tenants_model_answers_404_without_its_data(
    web: TestClient, web_demo: WebDemo, other_tenant: TenantFixture
) -> None:
    company = other_tenant.company_id
    (theirs,) = create_models(
        web_demo, other_tenant.keys["admin"], company, "secret_model", ["1.0.0"], "active"
    )
    page = web.get(f"/companies/{web_demo.company}/models/{theirs}")
    assert page.status_code == 404
    assert "secret_model" not in page.text
    token = csrf_of(web.get(f"/companies/{web_demo.company}/models").text)
    refused = web.post(
        f"/companies/{web_demo.company}/models/{theirs}/promote", data={"csrf_token": token}
    )
    assert refused.status_code == 404
    ours = model_id(web_demo, "cashflow_prediction")
    stranger = logged_in(web_demo.app, other_tenant.keys["admin"])
    page = stranger.get(f"/companies/{company}/models/{ours}")
    assert page.status_code == 404
    assert "cashflow_prediction" not in page.text
    assert web.get(f"/companies/{company}/models").status_code == 404


# -- in the browser --------------------------------------------------------------------


def test_the_model_page_in_the_browser(page: Any, web_demo: WebDemo) -> None:
    page.goto(f"/companies/{web_demo.company}/models?modelName=expense_classifier")
    page.get_by_role("link", name="expense_classifier").last.click()
    page.wait_for_url(re.compile(r".*/models/[0-9a-f]+$"))
    expect(page.get_by_role("heading", name="Feature importance")).to_be_visible()
    assert all(points > 0 for points in chart_points(page, "#fi-chart"))
    performance = chart_points(page, "#perf-chart")
    assert len(performance) >= 4
    assert all(points > 1 for points in performance)
    colours = page.eval_on_selector_all(
        "#drift-heat td.cell[style]", "cells => cells.map(c => getComputedStyle(c).backgroundColor)"
    )
    assert len(colours) >= 6
    assert all(colour not in ("rgba(0, 0, 0, 0)", "transparent") for colour in colours)
    assert len(set(colours)) >= 2
    assert page.locator("#predictions-table tbody tr").count() == 25
    screenshot(page, "model")


def test_promote_in_the_browser(page: Any, web_demo: WebDemo) -> None:
    name = f"ui_promote_{new_id()[:8]}"
    old, new = create_models(
        web_demo, web_demo.key, web_demo.company, name, ["1.0.0", "1.1.0"], "active"
    )
    page.goto(f"/companies/{web_demo.company}/models/{new}")
    page.get_by_role("button", name="Promote this version").click()
    page.wait_for_url(re.compile(r".*\?done=promoted$"))
    expect(page.get_by_text("Version promoted")).to_be_visible()
    old_row = page.locator("table tr", has=page.get_by_role("link", name="1.0.0"))
    expect(old_row.locator(".badge-deprecated")).to_be_visible()
    assert status_of(web_demo, web_demo.key, web_demo.company, old) == "deprecated"


def test_the_model_card_page(
    web: TestClient, web_demo: WebDemo, other_tenant: TenantFixture
) -> None:
    mid = model_id(web_demo, "expense_classifier")
    page = web.get(f"/companies/{web_demo.company}/models/{mid}").text
    assert f'href="/companies/{web_demo.company}/models/{mid}/card"' in page
    card = web.get(f"/companies/{web_demo.company}/models/{mid}/card")
    assert card.status_code == 200
    assert "Model card: expense_classifier 1.0.0" in card.text
    assert "Needs every one of its" in card.text
    theirs = logged_in(web_demo.app, other_tenant.keys["admin"])
    assert theirs.get(f"/companies/{web_demo.company}/models/{mid}/card").status_code == 404
