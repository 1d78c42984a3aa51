"""Pipeline pages: the list (schedule, last run, filters, pages), a pipeline (config, runs,
records per run) with "Run now" and "Backfill", a run (counts, step metrics, rejects, logs,
live while running); roles, validation and other tenants' ids. Then the same in Chromium."""

import html as html_module
import json
import re
import time
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.conftest import TenantFixture
from tests.web.conftest import (
    LAPTOP,
    WebDemo,
    chart_points,
    csrf_of,
    logged_in,
    overflow,
    screenshot,
)
from urutiq_ai.web.templating import breakable

API = "/api/v1/companies"


# -- helpers ---------------------------------------------------------------------------


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _pipelines(api: TestClient, company: str) -> dict[str, dict[str, Any]]:
    rows = api.get(f"{API}/{company}/pipelines", params={"limit": 100}).json()["items"]
    return {row["pipelineName"]: row for row in rows}


def _pipeline(api: TestClient, company: str, kind: str) -> dict[str, Any]:
    """The first pipeline of the demo company of ``kind`` (data_collection, validation...)."""
    return next(p for p in _pipelines(api, company).values() if p["pipelineType"] == kind)


def _runs(api: TestClient, company: str, pipeline_id: str) -> list[dict[str, Any]]:
    page = api.get(
        f"{API}/{company}/pipeline-runs", params={"pipelineId": pipeline_id, "limit": 500}
    )
    items: list[dict[str, Any]] = page.json()["items"]
    return items


def _run_with_rejects(api: TestClient, company: str) -> dict[str, Any]:
    """A run of the demo's validation pipelines that rejected rows."""
    rows = api.get(f"{API}/{company}/pipeline-runs", params={"limit": 500}).json()["items"]
    return next(r for r in rows if r["recordsFailed"] and r["status"] == "completed")


def _post(client: TestClient, page_url: str, action: str, **data: str) -> Any:
    """Send the page's form for ``action`` with the CSRF token that form carries."""
    token = form_token(client.get(page_url).text, action)
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=False)


def form_token(html: str, action: str) -> str:
    form = re.search(f'<form[^>]*action="{re.escape(action)}".*?</form>', html, re.S)
    assert form, f"no form for {action}"
    return csrf_of(form.group(0))


def _wait_finished(client: TestClient, url: str) -> str:
    """The run page once its run has ended (polled, as the page's htmx does)."""
    for _ in range(150):
        html = client.get(url).text
        if 'hx-trigger="every 2s"' not in html:
            return html
        time.sleep(0.1)
    raise AssertionError(f"{url} still running")


def _status(html: str) -> str:
    found = re.search(r'Status: <span class="badge[^"]*">([^<]+)</span>', html)
    assert found, "no status on the run page"
    return found.group(1)


# -- the list --------------------------------------------------------------------------


class TestPipelineList:
    def test_lists_pipelines_with_schedule_and_last_run(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        html = web.get(f"/companies/{web_demo.company}/pipelines").text
        assert "<h1>Pipelines</h1>" in html
        pipelines = _pipelines(api, web_demo.company)
        for pipeline in pipelines.values():
            assert f"/pipelines/{pipeline['id']}" in html
            if pipeline["schedule"]:
                assert f"<code>{pipeline['schedule']}</code>" in html
        for pipeline in pipelines.values():  # each with its newest run
            runs = _runs(api, web_demo.company, pipeline["id"])
            if runs:
                newest = max(runs, key=lambda run: (run["createdAt"], run["id"]))
                assert f'/pipeline-runs/{newest["id"]}"' in html
            else:
                assert "never run" in html

    def test_filters_by_type_and_status(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        url = f"/companies/{web_demo.company}/pipelines"
        html = web.get(url, params={"pipelineType": "validation"}).text
        pipelines = _pipelines(api, web_demo.company).values()
        for pipeline in pipelines:
            shown = f'/pipelines/{pipeline["id"]}"' in html
            assert shown == (pipeline["pipelineType"] == "validation"), pipeline["pipelineName"]
        paused = web.get(url, params={"status": "paused"}).text
        assert "No pipeline matches these filters." in paused

    def test_a_bad_filter_value_is_shown_next_to_its_field(
        self, web: TestClient, web_demo: WebDemo
    ) -> None:
        response = web.get(f"/companies/{web_demo.company}/pipelines?status=sideways")
        assert response.status_code == 200
        assert 'id="status-error"' in response.text
        assert 'aria-invalid="true" aria-describedby="status-error"' in response.text

    def test_a_long_list_is_paginated_and_an_empty_one_says_what_to_do(
        self, web_demo: WebDemo, other_tenant: TenantFixture
    ) -> None:
        api = TestClient(web_demo.app, base_url="https://testserver")
        for index in range(30):
            created = api.post(
                other_tenant.url("pipelines"),
                json={"pipelineName": f"p{index:02d}", "pipelineType": "preprocessing"},
                headers=other_tenant.headers(),
            )
            assert created.status_code == 201, created.text
        client = logged_in(web_demo.app, other_tenant.keys["viewer"])
        first = client.get(f"/companies/{other_tenant.company_id}/pipelines").text
        assert len(re.findall(r'href="/companies/[^/]+/pipelines/\w+"', first)) == 25
        after = re.search(r'href="([^"]+)" rel="next"', first)
        assert after, "no next page"
        second = client.get(after.group(1).replace("&amp;", "&")).text
        assert len(re.findall(r'href="/companies/[^/]+/pipelines/\w+"', second)) == 5
        assert "never run" in second
        empty = client.get(f"/companies/{other_tenant.company_b}/pipelines").text
        assert "No pipeline yet." in empty
        assert "urutiq-ai pipelines create" in empty


# -- a pipeline and its runs -----------------------------------------------------------


class TestPipelinePage:
    def test_shows_config_runs_and_records_chart(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        pipeline = _pipeline(api, web_demo.company, "feature_engineering")
        html = web.get(f"/companies/{web_demo.company}/pipelines/{pipeline['id']}").text
        assert f"<h1>{pipeline['pipelineName']}</h1>" in html
        assert pipeline["sourceTables"][0] in html
        assert pipeline["targetTables"][0] in html
        for step in pipeline["transformations"]:
            assert f"<td>{step['step']}</td>" in html
        for run in _runs(api, web_demo.company, pipeline["id"]):
            assert f"/pipeline-runs/{run['id']}" in html
        chart = re.search(r"id=\"records-chart\"[^>]*data-chart='([^']+)'", html)
        assert chart, "no records chart"
        config = json.loads(html_module.unescape(chart.group(1)))
        assert [d["label"] for d in config["data"]["datasets"]] == [
            "Records processed",
            "Records failed",
        ]
        assert len(config["data"]["labels"]) == len(_runs(api, web_demo.company, pipeline["id"]))
        assert "Run now" in html  # the demo key is an admin

    def test_validation_rules_are_listed(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        pipeline = _pipeline(api, web_demo.company, "validation")
        html = web.get(f"/companies/{web_demo.company}/pipelines/{pipeline['id']}").text
        for rule in pipeline["validationRules"]:
            assert f"<td>{rule['name']}</td>" in html

    def test_runs_filter_by_status(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        pipeline = _pipeline(api, web_demo.company, "validation")
        url = f"/companies/{web_demo.company}/pipelines/{pipeline['id']}"
        assert "No run matches this filter." in web.get(url, params={"status": "cancelled"}).text
        bad = web.get(url, params={"status": "later"}).text
        assert 'id="status-error"' in bad

    def test_run_now_queues_a_run_that_shows_and_finishes(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        pipeline = _pipeline(api, web_demo.company, "data_collection")
        url = f"/companies/{web_demo.company}/pipelines/{pipeline['id']}"
        before = {run["id"] for run in _runs(api, web_demo.company, pipeline["id"])}
        response = _post(web, url, f"{url}/run")
        assert response.status_code == 303
        location = response.headers["location"]
        run_id = re.search(r"/pipeline-runs/(\w+)\?done=queued$", location)
        assert run_id, location
        assert run_id.group(1) not in before
        html = _wait_finished(web, location)
        assert "Run queued" in html
        assert _status(html) == "completed"
        assert "records processed" in html
        assert "Rows into and out of each step" in html  # the steps chart
        assert re.search(r"<pre>[^<]*wrote \d+ rows", html)  # the logs
        assert f"/pipeline-runs/{run_id.group(1)}" in web.get(url).text
        after = {run["id"]: run for run in _runs(api, web_demo.company, pipeline["id"])}
        assert after[run_id.group(1)]["status"] == "completed"

    def test_a_viewer_reads_but_may_not_run(
        self, web_demo: WebDemo, api: TestClient, role_keys: dict[str, str]
    ) -> None:
        pipeline = _pipeline(api, web_demo.company, "data_collection")
        viewer = logged_in(web_demo.app, role_keys["viewer"])
        url = f"/companies/{web_demo.company}/pipelines/{pipeline['id']}"
        page = viewer.get(url)
        assert page.status_code == 200
        assert "Run now" not in page.text
        assert "Backfill" not in page.text
        before = len(_runs(api, web_demo.company, pipeline["id"]))
        response = viewer.post(f"{url}/run", data={"csrf_token": csrf_of(page.text)})
        assert response.status_code == 403
        assert "may not run pipelines" in response.text
        assert len(_runs(api, web_demo.company, pipeline["id"])) == before

    def test_run_now_without_csrf_token_is_refused(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        pipeline = _pipeline(api, web_demo.company, "data_collection")
        before = len(_runs(api, web_demo.company, pipeline["id"]))
        url = f"/companies/{web_demo.company}/pipelines/{pipeline['id']}/run"
        assert web.post(url, data={"csrf_token": "forged"}).status_code == 403
        assert len(_runs(api, web_demo.company, pipeline["id"])) == before

    def test_a_pipeline_without_a_source_is_not_run_and_says_why(
        self, web_demo: WebDemo, other_tenant: TenantFixture
    ) -> None:
        api = TestClient(web_demo.app, base_url="https://testserver")
        created = api.post(
            other_tenant.url("pipelines"),
            json={"pipelineName": "no source", "pipelineType": "preprocessing"},
            headers=other_tenant.headers(),
        ).json()
        client = logged_in(web_demo.app, other_tenant.keys["editor"])
        url = f"/companies/{other_tenant.company_id}/pipelines/{created['id']}"
        response = _post(client, url, f"{url}/run")
        assert response.status_code == 422
        assert "The run was not started" in response.text
        assert "needs a source and a target table" in response.text
        runs = api.get(
            other_tenant.url("pipeline-runs"),
            params={"pipelineId": created["id"]},
            headers=other_tenant.headers(),
        ).json()["items"]
        assert runs == []

    def test_a_backfill_with_bad_values_shows_them_next_to_the_fields(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        pipeline = _pipeline(api, web_demo.company, "data_collection")
        url = f"/companies/{web_demo.company}/pipelines/{pipeline['id']}"
        before = len(_runs(api, web_demo.company, pipeline["id"]))
        reversed_range = _post(
            web, url, f"{url}/backfill", **{"from": "2026-02-01T00:00", "to": "2026-01-01T00:00"}
        )
        assert reversed_range.status_code == 422
        assert re.search(r'id="to-error"[^>]*>[^<]*must be after from', reversed_range.text)
        assert 'id="to" name="to" type="datetime-local" value="2026-01-01T00:00"' in (
            reversed_range.text
        )
        garbage = _post(web, url, f"{url}/backfill", **{"from": "soon", "to": ""})
        assert garbage.status_code == 422
        assert 'id="from-error"' in garbage.text
        assert 'id="to-error"' in garbage.text
        no_watermark = _post(
            web, url, f"{url}/backfill", **{"from": "2025-01-01T00:00", "to": "2026-01-01T00:00"}
        )
        assert no_watermark.status_code == 422
        assert "needs the pipeline" in no_watermark.text
        assert len(_runs(api, web_demo.company, pipeline["id"])) == before


class TestRunPage:
    def test_shows_counts_checks_rejects_and_logs(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        run = _run_with_rejects(api, web_demo.company)
        html = web.get(f"/companies/{web_demo.company}/pipeline-runs/{run['id']}").text
        assert f"<h1>Run {run['runId']}</h1>" in html
        assert _status(html) == run["status"]
        assert f"{run['recordsFailed']} rows rejected to" in html
        assert html.count("failed range") == min(run["recordsFailed"], 50)
        for check in run["metrics"]["checks"]:
            assert f"<td>{check['name']}</td>" in html
        counted = html[html.index('id="checks-counted"') :]
        counted = counted[: counted.index("</p>")]
        kept, rejected = run["recordsProcessed"], run["recordsFailed"]
        assert f"{kept} kept in" in counted
        assert f"{rejected} rejected to" in counted
        assert "Rejects</td></tr>" in html  # the blocking check's failing rows went there
        check = run["metrics"]["checks"][0]
        result = web.get(f"/companies/{web_demo.company}/data-quality/{check['dataQualityId']}")
        assert 'id="rows-counted"' in result.text
        assert f"{rejected} rejected to" in result.text
        assert "<pre>" in html
        assert 'hx-trigger="every 2s"' not in html  # ended: no polling

    def test_a_running_run_refreshes_itself(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        """A run recorded as running (as a worker sees it) polls every 2 s, and its poll
        answers the live part alone."""
        pipeline = _pipeline(api, web_demo.company, "feature_engineering")
        created = api.post(
            f"{API}/{web_demo.company}/pipeline-runs",
            json={"pipelineId": pipeline["id"], "status": "running"},
        )
        assert created.status_code == 201, created.text
        url = f"/companies/{web_demo.company}/pipeline-runs/{created.json()['id']}"
        try:
            html = web.get(url).text
            assert f'hx-get="{url}" hx-trigger="every 2s"' in html
            assert "Cancel run" in html
            part = web.get(url, headers={"HX-Request": "true"}).text
            assert part.lstrip().startswith('<div id="run-live"')
            assert "<h1>" not in part
        finally:
            response = _post(web, url, f"{url}/cancel")
        assert response.status_code == 303
        ended = web.get(response.headers["location"]).text
        assert _status(ended) == "cancelled"
        assert "Cancel run" not in ended
        again = web.post(
            f"{url}/cancel", data={"csrf_token": csrf_of(ended)}, follow_redirects=False
        )
        assert "already ended" in web.get(again.headers["location"]).text


class TestOtherTenants:
    def test_their_ids_answer_404_without_data(
        self, web_demo: WebDemo, api: TestClient, other_tenant: TenantFixture
    ) -> None:
        pipeline = _pipeline(api, web_demo.company, "validation")
        run = _runs(api, web_demo.company, pipeline["id"])[0]
        client = logged_in(web_demo.app, other_tenant.keys["admin"])
        theirs = f"/companies/{other_tenant.company_id}"
        for url in (f"{theirs}/pipelines/{pipeline['id']}", f"{theirs}/pipeline-runs/{run['id']}"):
            response = client.get(url)
            assert response.status_code == 404
            assert pipeline["pipelineName"] not in response.text
            assert run["runId"] not in response.text
        page = client.get(f"{theirs}/pipelines")
        before = len(_runs(api, web_demo.company, pipeline["id"]))
        posted = client.post(
            f"{theirs}/pipelines/{pipeline['id']}/run",
            data={"csrf_token": csrf_of(page.text)},
        )
        assert posted.status_code == 404
        assert len(_runs(api, web_demo.company, pipeline["id"])) == before
        assert client.get(f"/companies/{web_demo.company}/pipelines").status_code == 404


def test_identifiers_break_at_their_parts() -> None:
    assert breakable("CashflowPredictionFeaturesRejects") == (
        "Cashflow<wbr>Prediction<wbr>Features<wbr>Rejects"
    )
    assert breakable("allowed_values") == "allowed_<wbr>values"
    assert breakable("expense_classifier 1.0.0") == "expense_<wbr>classifier 1.<wbr>0.<wbr>0"
    assert breakable("<b>x_y</b>") == "&lt;b&gt;x_<wbr>y&lt;/<wbr>b&gt;"  # escaped, then broken
    assert breakable(None) == ""
    assert breakable("segment") == "segment"


# -- in Chromium -----------------------------------------------------------------------


def test_browser_run_now_and_watch_the_run(page: Any, web_demo: WebDemo, api: TestClient) -> None:
    pipeline = _pipeline(api, web_demo.company, "data_collection")
    page.goto(f"/companies/{web_demo.company}/pipelines")
    expect(page.get_by_role("heading", name="Pipelines", exact=True)).to_be_visible()
    screenshot(page, "pipelines")
    page.get_by_role("link", name=pipeline["pipelineName"], exact=True).click()
    page.wait_for_url(re.compile(f".*/pipelines/{pipeline['id']}$"))
    assert sum(chart_points(page, "#records-chart")) > 0
    screenshot(page, "pipeline")
    page.get_by_role("button", name="Run now").click()
    page.wait_for_url(re.compile(r".*/pipeline-runs/\w+\?done=queued$"))
    run_id = re.search(r"/pipeline-runs/(\w+)", page.url).group(1)  # type: ignore[union-attr]
    page.locator("#run-live .badge", has_text="completed").wait_for(timeout=30_000)
    assert sum(chart_points(page, "#steps-chart")) > 0
    expect(page.get_by_role("heading", name="Logs")).to_be_visible()
    page.get_by_role("link", name=f"« {pipeline['pipelineName']}").click()
    page.wait_for_url(re.compile(f".*/pipelines/{pipeline['id']}$"))
    row = page.locator("tr", has=page.locator(f'a[href$="/pipeline-runs/{run_id}"]'))
    expect(row.get_by_text("completed")).to_be_visible()


def test_browser_a_run_with_rejects(page: Any, web_demo: WebDemo, api: TestClient) -> None:
    run = _run_with_rejects(api, web_demo.company)
    page.goto(f"/companies/{web_demo.company}/pipeline-runs/{run['id']}")
    expect(page.get_by_role("heading", name="Rejected rows")).to_be_visible()
    rejects = page.locator("section", has=page.get_by_role("heading", name="Rejected rows"))
    expect(rejects.get_by_text(f"{run['recordsFailed']} rows rejected to")).to_be_visible()
    assert rejects.locator("tbody tr").count() == min(run["recordsFailed"], 50)
    screenshot(page, "pipeline-run")


def test_browser_validation_tables_fit_their_cards_on_a_laptop(
    page: Any, web_demo: WebDemo, api: TestClient
) -> None:
    """At 1366x768 the validation rules (beside the steps), a run's checks and its rejected
    rows wrap in their cards: long identifiers break at their parts, not past the card."""
    page.set_viewport_size(LAPTOP)
    c = f"/companies/{web_demo.company}"
    checked = [p for p in _pipelines(api, web_demo.company).values() if p["validationRules"]]
    assert checked
    tables = ""
    for pipeline in checked:
        page.goto(f"{c}/pipelines/{pipeline['id']}")
        rules = page.locator(
            "section.card", has=page.get_by_role("heading", name="Validation rules")
        )
        assert rules.locator("tbody tr").count() == len(pipeline["validationRules"])
        tables += rules.inner_html()
        assert overflow(page) == [], pipeline["pipelineName"]
        page.goto(f"{c}/pipeline-runs/{_runs(api, web_demo.company, pipeline['id'])[0]['id']}")
        expect(page.get_by_role("heading", name="Validation checks")).to_be_visible()
        assert overflow(page) == [], pipeline["pipelineName"]
    assert "<wbr>" in tables  # allowed_<wbr>values, payment<wbr>Terms<wbr>Days
    page.goto(f"{c}/pipeline-runs/{_run_with_rejects(api, web_demo.company)['id']}")
    expect(page.get_by_role("heading", name="Rejected rows")).to_be_visible()
    assert overflow(page) == []
