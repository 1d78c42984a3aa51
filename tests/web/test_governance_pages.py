"""Governance pages: the policies and the violations board, a policy with its evaluations
and "Evaluate now", a violation and its workflow, the compliance report; roles, validation
and other tenants' ids. Then the same in Chromium."""

import re
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from playwright.sync_api import expect

from tests.conftest import TenantFixture
from tests.web.conftest import WebDemo, csrf_of, logged_in, screenshot

API = "/api/v1/companies"
CASHFLOW = "cashflow_prediction"
REALISTIC = (
    "cash-flow forecasts as good for every customer segment: error ratio (worst/best group "
    "MAE) 1.41 (95% CI 1.12-1.77) above 1.25 for segment mid"
)


# -- helpers ---------------------------------------------------------------------------


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _policies(api: TestClient, company: str) -> dict[str, dict[str, Any]]:
    rows = api.get(f"{API}/{company}/governance-policies", params={"limit": 100}).json()
    return {row["policyName"]: row for row in rows["items"]}


def _models(api: TestClient, company: str) -> dict[str, dict[str, Any]]:
    """The demo's models by name: the first version of each (later tests may train more)."""
    rows = api.get(f"{API}/{company}/models", params={"limit": 500}).json()["items"]
    newest_first = sorted(rows, key=lambda r: r["createdAt"], reverse=True)
    return {row["modelName"]: row for row in newest_first}


def new_violation(api: TestClient, company: str, **extra: Any) -> dict[str, Any]:
    """A violation of the demo's fairness policy by the cash-flow model, made for one test."""
    policy = _policies(api, company)["cash-flow forecasts as good for every customer segment"]
    body = {
        "policyId": policy["id"],
        "modelId": _models(api, company)[CASHFLOW]["id"],
        "violationType": "fairness",
        # not high / critical: an open one of those would block production releases of
        # the cash-flow model for the other tests sharing the demo
        "severity": "medium",
        "description": f"test violation {uuid4().hex[:10]}: mid-size customers worse",
        "details": {
            "summary": "error ratio 1.4 above 1.25",
            "evidence": {
                "fairness": {
                    "sensitiveColumn": "segment",
                    "task": "regression",
                    "n": 120,
                    "nJudged": 120,
                    "confidence": 0.95,
                    "nResamples": 300,
                    "metrics": {
                        "errorRatio": {
                            "name": "errorRatio",
                            "value": 1.41,
                            "ciLow": 1.12,
                            "ciHigh": 1.77,
                            "threshold": 1.25,
                            "status": "fail",
                            "worstGroups": ["mid", "small"],
                        }
                    },
                    "groups": [
                        {"group": "mid", "size": 60, "judged": True, "mae": 14.1},
                        {"group": "small", "size": 60, "judged": True, "mae": 10.0},
                    ],
                }
            },
        },
        **extra,
    }
    response = api.post(f"{API}/{company}/governance-violations", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _violation(api: TestClient, company: str, violation_id: str) -> dict[str, Any]:
    return dict(api.get(f"{API}/{company}/governance-violations/{violation_id}").json())


def _post(client: TestClient, page_url: str, action: str, **data: str) -> Any:
    token = csrf_of(client.get(page_url).text)
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=False)


def _evaluations(api: TestClient, company: str, policy_id: str) -> int:
    rows = api.get(
        f"{API}/{company}/policy-evaluations", params={"policyId": policy_id, "limit": 500}
    ).json()
    return len(rows["items"])


# -- the board --------------------------------------------------------------------------


class TestBoard:
    def test_lists_the_policies_with_their_facts(self, web: TestClient, web_demo: WebDemo) -> None:
        page = web.get(f"/companies/{web_demo.company}/governance")
        assert page.status_code == 200
        text = page.text
        assert "<h1>Governance</h1>" in text
        for name in (
            "cash-flow forecasts as good",
            "models explain themselves",
            "artifacts verify",
        ):
            assert name in text
        row = re.search(r"artifacts verify</a></td>(.*?)</tr>", text, re.S)
        assert row
        assert "critical" in row.group(1)  # severity from its rules
        assert "production" in row.group(1)  # required before production
        assert "30 5 * * *" in row.group(1)  # its schedule
        assert re.search(r"badge-(pass|fail|insufficient|error)", row.group(1))  # last verdict
        assert "/governance/report" in text

    def test_groups_violations_by_status(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        made = new_violation(api, web_demo.company)
        text = web.get(f"/companies/{web_demo.company}/governance").text
        for status in ("open", "investigating", "resolved", "false positive"):
            assert f">{status}</span>" in text
        column = text.split('id="col-open"')[1].split("</section>")[0]
        assert made["id"] in column

    def test_filters_by_severity_and_model(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        made = new_violation(api, web_demo.company, severity="medium")
        base = f"/companies/{web_demo.company}/governance"
        assert made["id"] in web.get(base, params={"severity": "medium"}).text
        assert made["id"] not in web.get(base, params={"severity": "low"}).text
        models = _models(api, web_demo.company)
        other = next(m for name, m in models.items() if name != CASHFLOW)
        assert made["id"] in web.get(base, params={"modelId": made["modelId"]}).text
        assert made["id"] not in web.get(base, params={"modelId": other["id"]}).text

    def test_a_bad_filter_value_is_shown_next_to_its_field(
        self, web: TestClient, web_demo: WebDemo
    ) -> None:
        page = web.get(f"/companies/{web_demo.company}/governance", params={"severity": "huge"})
        assert page.status_code == 200
        assert 'id="severity-error"' in page.text

    def test_one_status_is_a_paginated_list(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        made = [new_violation(api, web_demo.company, severity="low") for _ in range(27)]
        base = f"/companies/{web_demo.company}/governance"
        first = web.get(base, params={"status": "open", "severity": "low"})
        assert first.status_code == 200
        link = re.search(r'href="([^"]+)" rel="next"', first.text)
        assert link, "no next page"
        second = web.get(link.group(1).replace("&amp;", "&"))
        assert second.status_code == 200
        shown = set(re.findall(r"/governance/violations/(\w+)", first.text + second.text))
        assert {v["id"] for v in made[-25:]} <= shown  # newest first, over two pages
        assert "First page" in second.text


# -- a policy ---------------------------------------------------------------------------


class TestPolicy:
    def test_shows_rules_thresholds_and_evaluations(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        policy = _policies(api, web_demo.company)[
            "cash-flow forecasts as good for every customer segment"
        ]
        page = web.get(f"/companies/{web_demo.company}/governance/policies/{policy['id']}")
        assert page.status_code == 200
        assert "sensitiveColumn" in page.text
        assert "maxErrorRatio" in page.text
        assert "Evaluations" in page.text
        assert "Group metrics" in page.text  # the fairness evidence of its evaluations
        assert "errorRatio" in page.text

    def test_evaluate_now_records_an_evaluation_and_shows_it(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        company = web_demo.company
        policy = _policies(api, company)["models explain themselves"]
        model = _models(api, company)["expense_classifier"]
        before = _evaluations(api, company, policy["id"])
        url = f"/companies/{company}/governance/policies/{policy['id']}"
        response = _post(web, url, f"{url}/evaluate", modelId=model["id"])
        assert response.status_code == 303
        assert "?evaluated=" in response.headers["location"]
        assert _evaluations(api, company, policy["id"]) == before + 1
        evaluation_id = response.headers["location"].split("evaluated=")[1].split("#")[0]
        row = api.get(f"{API}/{company}/policy-evaluations/{evaluation_id}").json()
        assert row["modelId"] == model["id"]
        assert row["trigger"] == "manual"
        shown = web.get(response.headers["location"])
        result = shown.text.split('id="result"')[1].split("</section>")[0]
        assert f"badge-{row['status']}" in result
        assert escape(row["summary"]) in result

    def test_without_a_model_nothing_runs(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        policy = _policies(api, web_demo.company)["models explain themselves"]
        before = _evaluations(api, web_demo.company, policy["id"])
        url = f"/companies/{web_demo.company}/governance/policies/{policy['id']}"
        response = _post(web, url, f"{url}/evaluate", modelId="")
        assert response.status_code == 422
        assert 'id="modelId-error"' in response.text
        assert 'aria-invalid="true"' in response.text
        assert _evaluations(api, web_demo.company, policy["id"]) == before

    def test_a_model_the_policy_does_not_cover_is_refused(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        company = web_demo.company
        policy = _policies(api, company)["cash-flow forecasts as good for every customer segment"]
        model = _models(api, company)["expense_classifier"]
        before = _evaluations(api, company, policy["id"])
        url = f"/companies/{company}/governance/policies/{policy['id']}"
        response = _post(web, url, f"{url}/evaluate", modelId=model["id"])
        assert response.status_code == 422
        assert "not among the policy" in response.text
        assert _evaluations(api, company, policy["id"]) == before

    @pytest.mark.parametrize("role", ["viewer", "auditor"])
    def test_a_reader_may_not_evaluate(
        self, web_demo: WebDemo, api: TestClient, role_keys: dict[str, str], role: str
    ) -> None:
        company = web_demo.company
        client = logged_in(web_demo.app, role_keys[role])
        policy = _policies(api, company)["models explain themselves"]
        url = f"/companies/{company}/governance/policies/{policy['id']}"
        page = client.get(url)
        assert page.status_code == 200
        assert "/evaluate" not in page.text  # no form to act with
        before = _evaluations(api, company, policy["id"])
        model = _models(api, company)["expense_classifier"]
        response = _post(client, url, f"{url}/evaluate", modelId=model["id"])
        assert response.status_code == 403
        assert "Not allowed" in response.text
        assert _evaluations(api, company, policy["id"]) == before


# -- a violation ------------------------------------------------------------------------


class TestViolation:
    def test_shows_its_evidence(self, web: TestClient, web_demo: WebDemo, api: TestClient) -> None:
        made = new_violation(api, web_demo.company)
        page = web.get(f"/companies/{web_demo.company}/governance/violations/{made['id']}")
        assert page.status_code == 200
        assert made["description"] in page.text
        assert "Group metrics" in page.text
        assert "1.12 – 1.77" in page.text  # the confidence interval
        assert "error ratio 1.4 above 1.25" in page.text
        assert "Start investigating" in page.text

    def test_the_workflow_to_resolved(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        company = web_demo.company
        made = new_violation(api, company)
        url = f"/companies/{company}/governance/violations/{made['id']}"
        response = _post(web, url, f"{url}/status", status="investigating")
        assert response.status_code == 303
        assert _violation(api, company, made["id"])["status"] == "investigating"

        refused = _post(web, url, f"{url}/status", status="resolved", resolution="  ")
        assert refused.status_code == 422
        assert 'id="resolution-error"' in refused.text
        assert "required when status is" in refused.text
        unchanged = _violation(api, company, made["id"])
        assert unchanged["status"] == "investigating"
        assert unchanged["resolvedAt"] is None

        done = _post(web, url, f"{url}/status", status="resolved", resolution="Known gap.")
        assert done.status_code == 303
        resolved = _violation(api, company, made["id"])
        assert resolved["status"] == "resolved"
        assert resolved["resolution"] == "Known gap."
        who = api.get("/api/v1/whoami").json()
        assert resolved["resolvedBy"] == who["keyId"]  # the logged-in key
        assert resolved["resolvedAt"]
        page = web.get(done.headers["location"])
        assert "Violation moved to resolved" in page.text
        assert "Reopen" in page.text

        audit = api.get("/api/v1/audit-log", params={"rowId": made["id"]}).json()["items"]
        assert [row["action"] for row in audit] == ["update", "update", "create"]
        assert audit[0]["after"]["status"] == "resolved"
        assert "History (audit log)" in page.text

    def test_false_positive_then_reopened(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        company = web_demo.company
        made = new_violation(api, company)
        url = f"/companies/{company}/governance/violations/{made['id']}"
        closed = _post(web, url, f"{url}/status", status="false_positive", resolution="Noise.")
        assert closed.status_code == 303
        assert _violation(api, company, made["id"])["status"] == "false_positive"
        reopened = _post(web, url, f"{url}/status", status="open")
        assert reopened.status_code == 303
        again = _violation(api, company, made["id"])
        assert again["status"] == "open"
        assert again["resolvedAt"] is None

    def test_an_unknown_or_forbidden_step_is_refused(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        company = web_demo.company
        made = new_violation(api, company, status="investigating")
        url = f"/companies/{company}/governance/violations/{made['id']}"
        unknown = _post(web, url, f"{url}/status", status="archived")
        assert unknown.status_code == 422
        assert 'id="status-error"' in unknown.text
        backwards = _post(web, url, f"{url}/status", status="open")
        assert backwards.status_code == 409  # a refused transition, as in the API
        assert "cannot move from" in backwards.text
        assert _violation(api, company, made["id"])["status"] == "investigating"

    def test_a_viewer_reads_but_may_not_act(
        self, web_demo: WebDemo, api: TestClient, role_keys: dict[str, str]
    ) -> None:
        company = web_demo.company
        made = new_violation(api, company)
        viewer = logged_in(web_demo.app, role_keys["viewer"])
        url = f"/companies/{company}/governance/violations/{made['id']}"
        page = viewer.get(url)
        assert page.status_code == 200
        assert "Start investigating" not in page.text
        response = _post(viewer, url, f"{url}/status", status="investigating")
        assert response.status_code == 403
        assert _violation(api, company, made["id"])["status"] == "open"

    def test_an_editor_works_it(
        self, web_demo: WebDemo, api: TestClient, role_keys: dict[str, str]
    ) -> None:
        made = new_violation(api, web_demo.company)
        editor = logged_in(web_demo.app, role_keys["editor"])
        url = f"/companies/{web_demo.company}/governance/violations/{made['id']}"
        response = _post(editor, url, f"{url}/status", status="investigating")
        assert response.status_code == 303
        assert "History (audit log)" not in editor.get(url).text  # audit: admin, auditor


# -- the compliance report ----------------------------------------------------------------


class TestReport:
    def test_choose_a_model_then_read_its_report(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        base = f"/companies/{web_demo.company}/governance/report"
        chooser = web.get(base)
        assert chooser.status_code == 200
        model = _models(api, web_demo.company)[CASHFLOW]
        assert model["id"] in chooser.text
        report = web.get(base, params={"model": model["id"]})
        assert report.status_code == 200
        assert report.headers["content-type"].startswith("text/html")
        assert CASHFLOW in report.text
        assert "models explain themselves" in report.text  # its policy results
        as_json = api.get(
            f"{API}/{web_demo.company}/models/{model['id']}/compliance-report",
            params={"format": "json"},
        )
        assert as_json.json()["model"]["modelName"] == CASHFLOW

    def test_is_for_admin_and_auditor_keys(
        self, web_demo: WebDemo, api: TestClient, role_keys: dict[str, str]
    ) -> None:
        base = f"/companies/{web_demo.company}/governance/report"
        model = _models(api, web_demo.company)[CASHFLOW]
        for role, status in (("viewer", 403), ("editor", 403), ("auditor", 200)):
            client = logged_in(web_demo.app, role_keys[role])
            assert client.get(base, params={"model": model["id"]}).status_code == status, role


# -- other tenants ----------------------------------------------------------------------


class TestOtherTenants:
    def _theirs(self, other: TenantFixture, web_demo: WebDemo) -> tuple[str, str, str]:
        client = TestClient(web_demo.app, base_url="https://testserver")
        policy = client.post(
            other.url("governance-policies"),
            headers=other.headers(),
            json={"policyName": "their secret policy", "policyType": "transparency"},
        ).json()
        violation = client.post(
            other.url("governance-violations"),
            headers=other.headers(),
            json={
                "policyId": policy["id"],
                "violationType": "transparency",
                "severity": "low",
                "description": "their secret violation",
            },
        ).json()
        return policy["id"], violation["id"], "their secret"

    def test_their_ids_answer_404_without_data(
        self, web: TestClient, web_demo: WebDemo, other_tenant: TenantFixture
    ) -> None:
        policy_id, violation_id, secret = self._theirs(other_tenant, web_demo)
        base = f"/companies/{web_demo.company}/governance"
        for url in (f"{base}/policies/{policy_id}", f"{base}/violations/{violation_id}"):
            page = web.get(url)
            assert page.status_code == 404, url
            assert secret not in page.text
        board = web.get(base)
        token = csrf_of(board.text)
        for action, data in (
            (f"{base}/violations/{violation_id}/status", {"status": "investigating"}),
            (f"{base}/policies/{policy_id}/evaluate", {"modelId": "x"}),
        ):
            response = web.post(action, data={"csrf_token": token, **data})
            assert response.status_code == 404, action
        assert web.get(f"{base}/report", params={"model": "nope"}).status_code == 404

    def test_their_keys_do_not_see_our_company(
        self, web_demo: WebDemo, other_tenant: TenantFixture
    ) -> None:
        client = logged_in(web_demo.app, other_tenant.keys["admin"])
        page = client.get(f"/companies/{web_demo.company}/governance")
        assert page.status_code == 404
        assert "cash-flow forecasts" not in page.text
        theirs = client.get(f"/companies/{other_tenant.company_id}/governance")
        assert theirs.status_code == 200
        assert "No policy yet" in theirs.text


# -- in Chromium --------------------------------------------------------------------------


def test_browser_board_policy_and_evaluate_now(
    page: Any, web_demo: WebDemo, api: TestClient
) -> None:
    new_violation(api, web_demo.company, description=REALISTIC)
    new_violation(api, web_demo.company, status="investigating", description=REALISTIC)
    new_violation(
        api,
        web_demo.company,
        status="resolved",
        description=REALISTIC,
        resolution="Known gap, accepted until the Q1 retrain.",
        resolvedBy="controller",
    )
    page.get_by_role("link", name="Governance").click()
    page.wait_for_url(re.compile(r".*/governance$"))
    expect(page.get_by_role("heading", name="Policies")).to_be_visible()
    expect(page.get_by_role("heading", name="Violations")).to_be_visible()
    screenshot(page, "governance")
    page.get_by_role("link", name="models explain themselves").click()
    page.wait_for_url(re.compile(r".*/governance/policies/\w+$"))
    page.get_by_label("Model").select_option(
        _models(api, web_demo.company)["expense_classifier"]["id"]
    )
    page.get_by_role("button", name="Evaluate now").click()
    page.wait_for_url(re.compile(r".*\?evaluated=\w+#result$"))
    evaluation_id = re.search(r"evaluated=(\w+)", page.url).group(1)  # type: ignore[union-attr]
    row = api.get(f"{API}/{web_demo.company}/policy-evaluations/{evaluation_id}").json()
    expect(page.locator(f"#result .badge-{row['status']}")).to_be_visible()
    expect(page.locator("#result").get_by_text(row["summary"])).to_be_visible()
    expect(page.locator("#evals-h")).to_be_visible()


def test_browser_resolve_a_violation(page: Any, web_demo: WebDemo, api: TestClient) -> None:
    made = new_violation(api, web_demo.company, description=REALISTIC)
    page.goto(f"/companies/{web_demo.company}/governance")
    page.locator(f"#col-open ~ ul a[href$='/violations/{made['id']}']").click()
    page.wait_for_url(re.compile(f".*/violations/{made['id']}$"))
    expect(page.get_by_role("heading", name="Evidence")).to_be_visible()
    expect(page.get_by_role("cell", name="1.12 – 1.77")).to_be_visible()
    page.get_by_role("button", name="Start investigating").click()
    page.wait_for_url(re.compile(r".*\?done=investigating$"))
    screenshot(page, "violation")
    page.get_by_role("button", name="Resolve").click()  # without a resolution first
    expect(page.locator("#resolution-error")).to_be_visible()
    assert (
        page.get_by_label("Resolution (what was found and done)").get_attribute("aria-invalid")
        == "true"
    )
    page.get_by_label("Resolution (what was found and done)").fill(
        "Mid-size customers pay late at quarter end; accepted until the Q1 retrain."
    )
    page.get_by_role("button", name="Resolve").click()
    page.wait_for_url(re.compile(r".*\?done=resolved$"))
    expect(page.get_by_text("Violation moved to resolved.")).to_be_visible()
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    assert _violation(api, web_demo.company, made["id"])["status"] == "resolved"
    page.goto(f"/audit?rowId={made['id']}")
    rows = page.locator("#audit-entries > tbody > tr")
    assert rows.count() == 3  # created, investigating, resolved
    expect(page.locator("td.diff-add code", has_text='"resolved"').first).to_be_visible()
    expect(page.locator("td.diff-del code", has_text='"investigating"').first).to_be_visible()
