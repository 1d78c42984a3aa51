"""Data quality by dimension, and monitoring: the monitors with "Run check now", their
runs, drift detections and alerts with "Resolve"; roles, filters, pages and other tenants'
ids. Then the same in Chromium."""

import html as html_module
import json
import re
import time
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.conftest import TenantFixture
from tests.web.conftest import WebDemo, chart_points, csrf_of, logged_in, login, screenshot
from urutiq_ai.alerts.schemas import AlertSource
from urutiq_ai.alerts.service import Observation, observe
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.scoping import bind_scope
from urutiq_ai.tenancy.context import for_job

API = "/api/v1/companies"


# -- helpers ---------------------------------------------------------------------------


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _items(api: TestClient, company: str, path: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = api.get(
        f"{API}/{company}/{path}", params={"limit": 500, **params}
    ).json()["items"]
    return rows


def _monitor(api: TestClient, company: str, kind: str) -> dict[str, Any]:
    return next(m for m in _items(api, company, "monitors") if m["kind"] == kind)


def form_token(html: str, action: str) -> str:
    form = re.search(f'<form[^>]*action="{re.escape(action)}".*?</form>', html, re.S)
    assert form, f"no form for {action}"
    return csrf_of(form.group(0))


def _post(client: TestClient, page_url: str, action: str, **data: str) -> Any:
    """Send the page's form for ``action`` with the CSRF token that form carries."""
    token = form_token(client.get(page_url).text, action)
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=False)


def _wait_finished(client: TestClient, url: str) -> str:
    for _ in range(300):
        html = client.get(url).text
        if 'hx-trigger="every 2s"' not in html:
            return html
        time.sleep(0.1)
    raise AssertionError(f"{url} still queued or running")


def _status(html: str) -> str:
    found = re.search(r'Status: <span class="badge[^"]*">([^<]+)</span>', html)
    assert found, "no status on the run page"
    return found.group(1)


def _chart(html: str, chart_id: str) -> dict[str, Any]:
    found = re.search(f"id=\"{chart_id}\"[^>]*data-chart='([^']+)'", html)
    assert found, f"no chart {chart_id}"
    config: dict[str, Any] = json.loads(html_module.unescape(found.group(1)))
    return config


def _open_alert(web_demo: WebDemo, tenant: TenantFixture, title: str) -> str:
    """An open alert in the other tenant's first company, as a monitor would raise it."""
    ctx = for_job(tenant.id, [tenant.company_id])
    with unit_of_work(web_demo.app.state.sessionmaker) as session:
        bind_scope(session, ctx)
        ((_, alert),) = observe(
            session,
            ctx,
            tenant.company_id,
            [Observation(key=f"test:{title}", source=AlertSource.drift, active=True, title=title)],
        )
        return str(alert.id)


# -- data quality ----------------------------------------------------------------------


class TestQualityPage:
    def test_shows_every_dimension_the_data_has(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        results = _items(api, web_demo.company, "data-quality")
        dimensions = {r["qualityMetric"] for r in results}
        assert {"completeness", "validity", "consistency"} <= dimensions
        html = web.get(f"/companies/{web_demo.company}/data-quality").text
        assert set(re.findall(r'data-dimension="(\w+)"', html)) == dimensions
        for table in {r["tableName"] for r in results}:
            link = f'href="/companies/{web_demo.company}/data-quality?tableName={table}"'
            assert f'<th scope="row"><a {link}>' in html
        latest = _chart(html, "quality-latest-chart")
        assert set(latest["data"]["labels"]) == dimensions
        assert sum(sum(d["data"]) for d in latest["data"]["datasets"]) > 0
        trend = _chart(html, "quality-trend-chart")
        assert {d["label"] for d in trend["data"]["datasets"]} == dimensions

    def test_failing_checks_are_highlighted(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        failing = _items(api, web_demo.company, "data-quality", status="fail")
        assert failing
        html = web.get(f"/companies/{web_demo.company}/data-quality").text
        board = html.split('id="failing-h"')[1].split("</section>")[0]
        for result in failing:
            name = result["issues"]["name"]
            assert name in board
        assert board.count('class="diff-del" data-failing') >= 1

    def test_filters_and_pages_the_results(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        url = f"/companies/{web_demo.company}/data-quality"
        validity = web.get(url, params={"qualityMetric": "validity", "status": "fail"}).text
        listed = validity.split('id="results-h"')[1]
        expected = _items(
            api, web_demo.company, "data-quality", qualityMetric="validity", status="fail"
        )
        assert len(re.findall(r"<tr class=\"diff-del\">", listed)) == len(expected)
        assert "<td>completeness</td>" not in listed
        everything = web.get(url).text.split('id="results-h"')[1]
        total = len(_items(api, web_demo.company, "data-quality"))
        assert everything.count('href="/companies/') >= min(total, 25)
        if total > 25:
            assert 'rel="next"' in everything
        bad = web.get(url, params={"status": "meh"}).text
        assert 'id="status-error"' in bad

    def test_one_result_with_its_issues(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        result = _items(api, web_demo.company, "data-quality", status="fail")[0]
        html = web.get(f"/companies/{web_demo.company}/data-quality/{result['id']}").text
        assert f"<h1>{html_module.escape(result['issues']['name'])}</h1>" in html
        for recommendation in result["recommendations"]:
            assert html_module.escape(recommendation) in html

    def test_an_empty_company_says_what_to_do(
        self, web_demo: WebDemo, other_tenant: TenantFixture
    ) -> None:
        client = logged_in(web_demo.app, other_tenant.keys["viewer"])
        html = client.get(f"/companies/{other_tenant.company_id}/data-quality").text
        assert "No data-quality result yet." in html
        assert "quality-checks" in html


# -- monitoring ------------------------------------------------------------------------


class TestMonitorsPage:
    def test_lists_monitors_with_schedule_and_runs(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        html = web.get(f"/companies/{web_demo.company}/monitoring").text
        monitors = _items(api, web_demo.company, "monitors")
        assert monitors
        for monitor in monitors:
            assert f'data-monitor="{html_module.escape(monitor["name"])}"' in html
            assert f"<code>{monitor['schedule']}</code>" in html
            assert f"/monitors/{monitor['id']}/run" in html
        assert "Latest monitor runs" in html

    def test_filters_by_kind(self, web: TestClient, web_demo: WebDemo, api: TestClient) -> None:
        html = web.get(f"/companies/{web_demo.company}/monitoring", params={"kind": "drift"}).text
        for monitor in _items(api, web_demo.company, "monitors"):
            shown = f'data-monitor="{html_module.escape(monitor["name"])}"' in html
            assert shown == (monitor["kind"] == "drift")
        bad = web.get(f"/companies/{web_demo.company}/monitoring", params={"kind": "x"}).text
        assert 'id="kind-error"' in bad

    def test_run_check_now_creates_a_monitor_run(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        monitor = _monitor(api, web_demo.company, "performance")
        before = {r["id"] for r in _items(api, web_demo.company, "monitor-runs")}
        url = f"/companies/{web_demo.company}/monitoring"
        response = _post(web, url, f"/companies/{web_demo.company}/monitors/{monitor['id']}/run")
        assert response.status_code == 303
        found = re.search(r"/monitor-runs/(\w+)\?done=queued$", response.headers["location"])
        assert found, response.headers["location"]
        run_id = found.group(1)
        assert run_id not in before
        html = _wait_finished(web, response.headers["location"])
        assert _status(html) == "completed", html
        assert f"Run of {html_module.escape(monitor['name'])}" in html
        assert "<dt>windows</dt>" in html  # the summary
        run = api.get(f"{API}/{web_demo.company}/monitor-runs/{run_id}").json()
        assert run["trigger"] == "manual"
        assert run["status"] == "completed"
        assert f"/monitor-runs/{run_id}" in web.get(url).text

    def test_the_runs_poll_while_one_is_unfinished(
        self, web: TestClient, web_demo: WebDemo
    ) -> None:
        part = web.get(
            f"/companies/{web_demo.company}/monitoring", headers={"HX-Request": "true"}
        ).text
        assert part.lstrip().startswith("<section")
        assert 'id="monitor-runs"' in part
        assert "<h1>" not in part

    def test_a_viewer_reads_but_may_not_run_a_check(
        self, web_demo: WebDemo, api: TestClient, role_keys: dict[str, str]
    ) -> None:
        monitor = _monitor(api, web_demo.company, "performance")
        viewer = logged_in(web_demo.app, role_keys["viewer"])
        url = f"/companies/{web_demo.company}/monitoring"
        page = viewer.get(url)
        assert page.status_code == 200
        assert "Run check now" not in page.text  # no button, and no hint to press one
        before = len(_items(api, web_demo.company, "monitor-runs"))
        response = viewer.post(
            f"/companies/{web_demo.company}/monitors/{monitor['id']}/run",
            data={"csrf_token": csrf_of(page.text)},
        )
        assert response.status_code == 403
        assert "may not run monitors" in response.text
        assert len(_items(api, web_demo.company, "monitor-runs")) == before


class TestDriftPage:
    def test_lists_filters_and_charts_detections(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        url = f"/companies/{web_demo.company}/monitoring/drift"
        html = web.get(url).text
        chart = _chart(html, "drift-chart")
        total = len(_items(api, web_demo.company, "drift-detections"))
        assert sum(sum(d["data"]) for d in chart["data"]["datasets"]) == total
        detection = _items(api, web_demo.company, "drift-detections")[0]
        params = {
            "driftType": detection["driftType"],
            "status": detection["status"],
            "modelId": detection["modelId"],
        }
        filtered = web.get(url, params=params).text.split('id="dlist-h"')[1]
        expected = _items(api, web_demo.company, "drift-detections", **params)
        assert filtered.count("<tr") - 1 == min(len(expected), 25)
        bad = web.get(url, params={"driftType": "sideways"}).text
        assert 'id="driftType-error"' in bad

    def test_each_score_names_its_statistic_and_rule(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        """Issue 18: p-values and distances in one "Score" column misled; each row names
        the statistic and the rule its status comes from, and the API says the same."""
        url = f"/companies/{web_demo.company}/monitoring/drift"
        html = web.get(url, params={"driftType": "data_drift"}).text.split('id="dlist-h"')[1]
        statistics = re.findall(r'<td class="drift-statistic">([^<]*)', html)
        rules = re.findall(r'<td class="drift-rule">([^<]*)</td>', html)
        assert statistics
        assert len(statistics) == len(rules)
        for statistic, rule in zip(statistics, rules, strict=True):
            if "p-value" in statistic:
                assert rule.startswith("p &lt; ")
            else:
                assert rule.startswith("≥ ")
        assert "text: word shares" in html
        assert "share of features drifted" in statistics
        detections = _items(api, web_demo.company, "drift-detections", driftType="data_drift")
        named = {(d["scoreName"], d["detectedWhen"]) for d in detections}
        assert ("chi-square test p-value", "p < 0.05") in named


class TestAlertsPage:
    def test_lists_and_filters_alerts(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        url = f"/companies/{web_demo.company}/monitoring/alerts"
        html = web.get(url, params={"status": "open", "source": "quality"}).text
        expected = _items(api, web_demo.company, "alerts", status="open", source="quality")
        assert html.count("data-alert=") == min(len(expected), 25)
        for alert in expected[:25]:
            assert html_module.escape(alert["title"]) in html
        assert "Resolve" in html
        empty = web.get(url, params={"source": "governance", "status": "resolved"}).text
        if not _items(api, web_demo.company, "alerts", source="governance", status="resolved"):
            assert "No alert matches these filters." in empty

    def test_resolve_an_alert(self, web_demo: WebDemo, other_tenant: TenantFixture) -> None:
        alert_id = _open_alert(web_demo, other_tenant, "a drift the test raised")
        client = logged_in(web_demo.app, other_tenant.keys["editor"])
        url = f"/companies/{other_tenant.company_id}/monitoring/alerts?status=open"
        action = f"/companies/{other_tenant.company_id}/alerts/{alert_id}/resolve"
        response = _post(client, url, action, filters="status=open")
        assert response.status_code == 303
        assert response.headers["location"].endswith("/monitoring/alerts?status=open&done=resolved")
        after = client.get(response.headers["location"]).text
        assert "Alert resolved." in after
        assert "a drift the test raised" not in after  # no longer open
        api = TestClient(web_demo.app, base_url="https://testserver")
        row = api.get(other_tenant.url(f"alerts/{alert_id}"), headers=other_tenant.headers()).json()
        assert row["status"] == "resolved"
        assert row["resolvedAt"]

    def test_a_viewer_may_not_resolve(self, web_demo: WebDemo, other_tenant: TenantFixture) -> None:
        alert_id = _open_alert(web_demo, other_tenant, "stays open")
        client = logged_in(web_demo.app, other_tenant.keys["viewer"])
        page = client.get(f"/companies/{other_tenant.company_id}/monitoring/alerts")
        assert "stays open" in page.text
        assert "Resolve" not in page.text
        response = client.post(
            f"/companies/{other_tenant.company_id}/alerts/{alert_id}/resolve",
            data={"csrf_token": csrf_of(page.text)},
        )
        assert response.status_code == 403
        api = TestClient(web_demo.app, base_url="https://testserver")
        row = api.get(other_tenant.url(f"alerts/{alert_id}"), headers=other_tenant.headers()).json()
        assert row["status"] == "open"


class TestOtherTenants:
    def test_their_ids_answer_404_without_data(
        self, web_demo: WebDemo, api: TestClient, other_tenant: TenantFixture
    ) -> None:
        monitor = _monitor(api, web_demo.company, "drift")
        result = _items(api, web_demo.company, "data-quality")[0]
        alert = _items(api, web_demo.company, "alerts", status="open")[0]
        client = logged_in(web_demo.app, other_tenant.keys["admin"])
        theirs = f"/companies/{other_tenant.company_id}"
        response = client.get(f"{theirs}/data-quality/{result['id']}")
        assert response.status_code == 404
        assert result["tableName"] not in response.text
        runs = _items(api, web_demo.company, "monitor-runs")
        if runs:
            assert client.get(f"{theirs}/monitor-runs/{runs[0]['id']}").status_code == 404
        token = csrf_of(client.get(f"{theirs}/monitoring").text)
        before = len(_items(api, web_demo.company, "monitor-runs"))
        ran = client.post(f"{theirs}/monitors/{monitor['id']}/run", data={"csrf_token": token})
        assert ran.status_code == 404
        assert len(_items(api, web_demo.company, "monitor-runs")) == before
        resolved = client.post(f"{theirs}/alerts/{alert['id']}/resolve", data={"csrf_token": token})
        assert resolved.status_code == 404
        assert api.get(f"{API}/{web_demo.company}/alerts/{alert['id']}").json()["status"] == "open"
        for page in ("data-quality", "monitoring", "monitoring/drift", "monitoring/alerts"):
            assert client.get(f"/companies/{web_demo.company}/{page}").status_code == 404


# -- in Chromium -----------------------------------------------------------------------


def test_browser_quality_by_dimension(page: Any, web_demo: WebDemo) -> None:
    page.goto(f"/companies/{web_demo.company}/data-quality")
    expect(page.get_by_role("heading", name="Latest results by dimension")).to_be_visible()
    for dimension in ("completeness", "validity", "consistency"):
        expect(page.locator(f'[data-dimension="{dimension}"]')).to_be_visible()
    assert sum(chart_points(page, "#quality-latest-chart")) > 0
    assert sum(chart_points(page, "#quality-trend-chart")) > 0
    assert page.locator("tr[data-failing]").count() > 0
    screenshot(page, "data-quality")
    page.get_by_label("Status").select_option("fail")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*status=fail.*"))
    results = page.locator("section", has=page.get_by_role("heading", name="All results"))
    assert results.locator("tbody tr").count() > 0
    assert results.locator("tbody .badge-pass").count() == 0


def test_browser_run_check_now(page: Any, web_demo: WebDemo, api: TestClient) -> None:
    monitor = _monitor(api, web_demo.company, "performance")
    page.goto(f"/companies/{web_demo.company}/monitoring")
    screenshot(page, "monitoring")
    row = page.locator(f'tr[data-monitor="{monitor["name"]}"]')
    row.get_by_role("button", name=re.compile("Run check now")).click()
    page.wait_for_url(re.compile(r".*/monitor-runs/\w+\?done=queued$"))
    run_id = re.search(r"/monitor-runs/(\w+)", page.url).group(1)  # type: ignore[union-attr]
    page.locator("#monitor-run-live .badge", has_text="completed").wait_for(timeout=60_000)
    expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    page.get_by_role("link", name="« Monitoring").click()
    page.wait_for_url(re.compile(r".*/monitoring$"))
    runs = page.locator("#monitor-runs")
    expect(runs.locator(f'a[href$="/monitor-runs/{run_id}"]')).to_be_visible()
    run = api.get(f"{API}/{web_demo.company}/monitor-runs/{run_id}").json()
    assert (run["trigger"], run["status"]) == ("manual", "completed")


def test_browser_drift_detections(page: Any, web_demo: WebDemo) -> None:
    page.goto(f"/companies/{web_demo.company}/monitoring/drift")
    assert sum(chart_points(page, "#drift-chart")) > 0
    screenshot(page, "drift-detections")


def test_browser_resolve_an_alert(
    page: Any, web_demo: WebDemo, other_tenant: TenantFixture
) -> None:
    alert_id = _open_alert(web_demo, other_tenant, "resolved in the browser")
    page.context.clear_cookies()
    login(page, other_tenant.keys["editor"])
    page.goto(f"/companies/{other_tenant.company_id}/monitoring/alerts?status=open")
    page.get_by_role("button", name="Resolve: resolved in the browser").click()
    page.wait_for_url(re.compile(r".*done=resolved$"))
    expect(page.get_by_text("Alert resolved.")).to_be_visible()
    assert page.locator(f'tr[data-alert="{alert_id}"]').count() == 0
    page.get_by_label("Status").select_option("resolved")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*status=resolved.*"))
    expect(
        page.locator(f'tr[data-alert="{alert_id}"]').get_by_text("resolved").first
    ).to_be_visible()
