"""Configuration pages (types, version history, diff, activate, a new version) and the
audit log page (filters, pagination, roles); then the same in Chromium.

Action tests write ``prompts`` versions (the demo has none and nothing else reads them) or
act on versions they wrote, so their order does not matter."""

import json
import re
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.conftest import TenantFixture
from tests.web.conftest import WebDemo, csrf_of, logged_in, login, screenshot

API = "/api/v1/companies"


def prompt(text: str = "Summarise {vendor}") -> dict[str, Any]:
    return {"templates": {"vendor_summary": {"text": text, "variables": ["vendor"]}}}


def new_version(
    api: TestClient,
    company: str,
    data: dict[str, Any],
    *,
    active: bool = True,
    note: str | None = None,
) -> dict[str, Any]:
    body = {
        "configType": "prompts",
        "configData": data,
        "isActive": active,
        "note": note or f"test {uuid4().hex[:8]}",
    }
    response = api.post(f"{API}/{company}/configs", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _history(api: TestClient, company: str, kind: str = "prompts") -> list[dict[str, Any]]:
    rows = api.get(f"{API}/{company}/configs/history", params={"configType": kind}).json()
    return list(rows)


def _active(api: TestClient, company: str, kind: str = "prompts") -> dict[str, Any] | None:
    response = api.get(f"{API}/{company}/configs/active", params={"configType": kind})
    return dict(response.json()) if response.status_code == 200 else None


def _post(client: TestClient, page_url: str, action: str, **data: str) -> Any:
    token = csrf_of(client.get(page_url).text)
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=False)


# -- configuration ----------------------------------------------------------------------


class TestConfigTypes:
    def test_each_type_with_its_active_version(self, web: TestClient, web_demo: WebDemo) -> None:
        page = web.get(f"/companies/{web_demo.company}/config")
        assert page.status_code == 200
        assert "<h1>Configuration</h1>" in page.text
        for kind in ("prompts", "categories", "behavior", "industry"):
            assert f'/config/{kind}"' in page.text
        row = re.search(r'/config/categories">categories</a></th>(.*?)</tr>', page.text, re.S)
        assert row
        assert "version 1" in row.group(1) or "version" in row.group(1)
        assert "badge-active" in row.group(1)

    def test_an_unknown_type_is_404(self, web: TestClient, web_demo: WebDemo) -> None:
        assert web.get(f"/companies/{web_demo.company}/config/colours").status_code == 404


class TestConfigHistory:
    def test_versions_newest_first_with_the_active_one(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        company = web_demo.company
        first = new_version(api, company, prompt())
        second = new_version(api, company, prompt("Summarise {vendor} briefly"))
        page = web.get(f"/companies/{company}/config/prompts")
        assert page.status_code == 200
        assert page.text.index(f'id="v{second["version"]}"') < page.text.index(
            f'id="v{first["version"]}"'
        )
        row = page.text.split(f'id="v{second["version"]}"')[1].split("</tr>")[0]
        assert "badge-active" in row
        assert second["note"] in row

    def test_the_diff_of_two_versions(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        company = web_demo.company
        old = new_version(api, company, prompt(), active=False)
        data = prompt("Summarise {vendor} for {month}")
        data["templates"]["vendor_summary"]["variables"].append("month")
        data["templates"]["late_payers"] = {"text": "Who pays late?"}
        new = new_version(api, company, data, active=False)
        page = web.get(
            f"/companies/{company}/config/prompts", params={"from": old["id"], "to": new["id"]}
        )
        assert page.status_code == 200
        table = page.text.split('<table class="diff">')[1].split("</table>")[0]
        assert re.search(
            r'<tr class="diff-add">\s*<th scope="row"><code>templates.late_payers', table
        )
        assert "templates.vendor_summary.text" in table
        assert "templates.vendor_summary.variables.1" in table
        assert 'class="diff-del"' in table  # the old text
        backwards = web.get(
            f"/companies/{company}/config/prompts", params={"from": new["id"], "to": old["id"]}
        )
        assert re.search(
            r'<tr class="diff-del">\s*<th scope="row"><code>templates.late_payers', backwards.text
        )

    def test_versions_of_two_types_cannot_be_compared(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        company = web_demo.company
        mine = new_version(api, company, prompt(), active=False)
        categories = _history(api, company, "categories")[0]
        page = web.get(
            f"/companies/{company}/config/prompts",
            params={"from": categories["id"], "to": mine["id"]},
        )
        assert page.status_code == 422
        assert 'id="to-error"' in page.text or 'id="from-error"' in page.text

    def test_a_wrong_version_is_named_even_with_one_version_to_choose(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        """The demo has a single ``behavior`` version, so the compare form is not shown;
        the error still is."""
        company = web_demo.company
        behaviour = _history(api, company, "behavior")
        assert len(behaviour) == 1
        mine = new_version(api, company, prompt(), active=False)
        page = web.get(
            f"/companies/{company}/config/behavior",
            params={"from": mine["id"], "to": behaviour[0]["id"]},
        )
        assert page.status_code == 422
        assert 'id="to-error"' in page.text
        assert "nothing to compare" in page.text

    def test_activate_an_earlier_version(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        company = web_demo.company
        earlier = new_version(api, company, prompt("Earlier {vendor}"))
        new_version(api, company, prompt("Later {vendor}"))
        url = f"/companies/{company}/config/prompts"
        response = _post(web, url, f"{url}/versions/{earlier['id']}/activate")
        assert response.status_code == 303
        active = _active(api, company)
        assert active is not None
        assert active["id"] == earlier["id"]
        page = web.get(response.headers["location"])
        assert f"Version {earlier['version']} is now active" in page.text
        row = page.text.split(f'id="v{earlier["version"]}"')[1].split("</tr>")[0]
        assert "badge-active" in row
        audit = api.get("/api/v1/audit-log", params={"rowId": earlier["id"]}).json()["items"]
        assert audit[0]["action"] == "activate"

    def test_save_a_new_version(self, web: TestClient, web_demo: WebDemo, api: TestClient) -> None:
        company = web_demo.company
        before = len(_history(api, company))
        url = f"/companies/{company}/config/prompts"
        note = f"from the page {uuid4().hex[:6]}"
        data = '{"templates": {"greeting": {"text": "Hello {name}", "variables": ["name"]}}}'
        response = _post(web, url, f"{url}/versions", configData=data, note=note, isActive="1")
        assert response.status_code == 303
        history = _history(api, company)
        assert len(history) == before + 1
        assert history[0]["note"] == note
        assert history[0]["isActive"]
        assert history[0]["createdBy"] == api.get("/api/v1/whoami").json()["keyId"]

    def test_a_draft_stays_inactive(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        company = web_demo.company
        active_before = _active(api, company)
        url = f"/companies/{company}/config/prompts"
        response = _post(web, url, f"{url}/versions", configData=json.dumps(prompt()))
        assert response.status_code == 303
        assert "draft" in response.headers["location"]
        assert _active(api, company) == active_before

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ('{"templates": {', "not valid JSON"),
            ('{"templates": {"x": {"text": "Hi {name}"}}}', "configData.templates.x.text"),
            ('{"colour": "blue"}', "unknown field"),
        ],
    )
    def test_invalid_data_is_shown_next_to_the_field(
        self, web: TestClient, web_demo: WebDemo, api: TestClient, data: str, message: str
    ) -> None:
        company = web_demo.company
        before = _history(api, company)
        url = f"/companies/{company}/config/prompts"
        response = _post(web, url, f"{url}/versions", configData=data, isActive="1")
        assert response.status_code == 422
        error = re.search(r'id="configData-error"[^>]*>([^<]*)<', response.text)
        assert error, "no error next to the field"
        assert message in error.group(1).replace("&#39;", "'")
        assert 'aria-invalid="true" aria-describedby="configData-error"' in response.text
        assert data.replace('"', "&#34;") in response.text  # what was typed stays
        assert _history(api, company) == before

    def test_invalid_categories_save_nothing(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        company = web_demo.company
        before = _history(api, company, "categories")
        url = f"/companies/{company}/config/categories"
        data = '{"categories": [{"name": "travel"}, {"name": "Travel"}]}'
        response = _post(web, url, f"{url}/versions", configData=data, isActive="1")
        assert response.status_code == 422
        assert "configData.categories.1.name" in response.text
        assert "duplicate name" in response.text
        assert _history(api, company, "categories") == before

    @pytest.mark.parametrize("role", ["viewer", "auditor"])
    def test_a_reader_may_not_change_it(
        self, web_demo: WebDemo, api: TestClient, role_keys: dict[str, str], role: str
    ) -> None:
        company = web_demo.company
        mine = new_version(api, company, prompt(), active=False)
        client = logged_in(web_demo.app, role_keys[role])
        url = f"/companies/{company}/config/prompts"
        page = client.get(url)
        assert page.status_code == 200
        assert "Activate this version" not in page.text
        assert "Save version" not in page.text
        before = _history(api, company)
        activate = _post(client, url, f"{url}/versions/{mine['id']}/activate")
        assert activate.status_code == 403
        save = _post(client, url, f"{url}/versions", configData=json.dumps(prompt()))
        assert save.status_code == 403
        assert _history(api, company) == before

    def test_another_tenants_version_is_404(
        self, web: TestClient, web_demo: WebDemo, other_tenant: TenantFixture
    ) -> None:
        client = TestClient(web_demo.app, base_url="https://testserver")
        theirs = client.post(
            other_tenant.url("configs"),
            headers=other_tenant.headers(),
            json={"configType": "prompts", "configData": prompt("Their secret {vendor}")},
        ).json()
        url = f"/companies/{web_demo.company}/config/prompts"
        page = web.get(url, params={"from": theirs["id"], "to": theirs["id"]})
        assert page.status_code == 404
        assert "Their secret" not in page.text
        activate = _post(web, url, f"{url}/versions/{theirs['id']}/activate")
        assert activate.status_code == 404
        mine = logged_in(web_demo.app, other_tenant.keys["admin"])
        assert mine.get(f"/companies/{web_demo.company}/config").status_code == 404


# -- the audit log ----------------------------------------------------------------------


class TestAuditLog:
    def test_entries_newest_first_with_who_what_when(self, web: TestClient) -> None:
        page = web.get("/audit")
        assert page.status_code == 200
        assert "<h1>Audit log</h1>" in page.text
        assert page.text.count("<time ") >= 20
        assert 'rel="next"' in page.text  # the demo wrote more than a page

    def test_pages_follow_each_other(self, web: TestClient) -> None:
        first = web.get("/audit")
        link = re.search(r'href="([^"]+)" rel="next"', first.text)
        assert link
        second = web.get(link.group(1).replace("&amp;", "&"))
        assert second.status_code == 200
        ids = re.compile(r"\(its history\)")
        assert ids.findall(second.text)
        assert "First page" in second.text
        stamps = re.findall(r'<time datetime="([^"]+)"', first.text + second.text)
        assert stamps == sorted(stamps, reverse=True)

    def test_filters_by_table_action_and_company(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        mine = new_version(api, web_demo.company, prompt(), active=False)
        page = web.get(
            "/audit",
            params={"table": "AIConfig", "action": "create", "company": web_demo.company},
        )
        assert page.status_code == 200
        assert mine["id"] in page.text
        whats = re.findall(r"<strong>(\w+)</strong> (\w+)", page.text)
        assert whats
        assert set(whats) == {("create", "AIConfig")}
        other = web_demo.companies[1]
        assert (
            mine["id"] not in web.get("/audit", params={"table": "AIConfig", "company": other}).text
        )

    def test_values_show_as_written(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        """Issue 18: the diff showed ``ledger\\u0027s`` (JSON escaped for scripts)."""
        mine = new_version(api, web_demo.company, prompt("Sum up the ledger's café {vendor}"))
        page = web.get(
            "/audit",
            params={"table": "AIConfig", "action": "create", "company": web_demo.company},
        ).text
        entry = page[page.index(mine["id"]) :]
        assert "ledger&#39;s café" in entry
        assert "\\u0027" not in page
        assert "\\u00e9" not in page

    def test_filters_by_time_range(self, web: TestClient) -> None:
        future = web.get("/audit", params={"from": "2999-01-01T00:00"})
        assert "No audit entry matches these filters" in future.text
        past = web.get("/audit", params={"to": "2000-01-01T00:00"})
        assert "No audit entry matches these filters" in past.text
        wide = web.get("/audit", params={"from": "2000-01-01T00:00", "to": "2999-01-01T00:00"})
        assert "<time " in wide.text

    def test_a_bad_filter_is_shown_next_to_its_field(self, web: TestClient) -> None:
        page = web.get("/audit", params={"from": "yesterday", "company": "not-ours"})
        assert page.status_code == 200
        assert 'id="from-error"' in page.text
        assert 'id="company-error"' in page.text
        bad_cursor = web.get("/audit", params={"cursor": "garbage"})
        assert bad_cursor.status_code == 200
        assert 'id="cursor-error"' in bad_cursor.text

    def test_an_update_shows_its_before_and_after(
        self, web: TestClient, web_demo: WebDemo, api: TestClient
    ) -> None:
        mine = new_version(api, web_demo.company, prompt(), active=False)
        url = f"/companies/{web_demo.company}/config/prompts"
        _post(web, url, f"{url}/versions/{mine['id']}/activate")
        page = web.get("/audit", params={"rowId": mine["id"]})
        row = page.text.split("<strong>activate</strong>")[1].split("<strong>create</strong>")[0]
        assert re.search(r'<td class="diff-del"><code>false</code>', row)
        assert re.search(r'<td class="diff-add"><code>true</code>', row)
        assert "isActive" in row

    @pytest.mark.parametrize(
        ("role", "status"), [("viewer", 403), ("editor", 403), ("auditor", 200)]
    )
    def test_is_for_admin_and_auditor_keys(
        self, web_demo: WebDemo, role_keys: dict[str, str], role: str, status: int
    ) -> None:
        client = logged_in(web_demo.app, role_keys[role])
        page = client.get("/audit")
        assert page.status_code == status
        if status == 403:
            assert "Not allowed" in page.text
            assert "<strong>create</strong>" not in page.text

    def test_another_tenant_sees_only_its_own(
        self, web_demo: WebDemo, api: TestClient, other_tenant: TenantFixture
    ) -> None:
        mine = new_version(api, web_demo.company, prompt(), active=False)
        theirs = logged_in(web_demo.app, other_tenant.keys["auditor"])
        page = theirs.get("/audit", params={"rowId": mine["id"]})
        assert page.status_code == 200
        assert "No audit entry matches these filters" in page.text
        assert theirs.get("/audit", params={"company": web_demo.company}).status_code == 200
        assert mine["id"] not in theirs.get("/audit").text


# -- in Chromium --------------------------------------------------------------------------


def test_browser_config_history_diff_and_activate(
    page: Any, web_demo: WebDemo, api: TestClient
) -> None:
    company = web_demo.company
    earlier = new_version(
        api, company, prompt("Summarise the invoices of {vendor}"), note="first vendor summary"
    )
    data = prompt("Summarise the open invoices of {vendor}")
    data["templates"]["late_payers"] = {"text": "Which customers paid late this month?"}
    new_version(api, company, data, note="open invoices only; a prompt for late payers")
    page.get_by_role("link", name="Configuration").click()
    page.wait_for_url(re.compile(r".*/config$"))
    page.get_by_role("link", name="prompts", exact=True).click()
    page.wait_for_url(re.compile(r".*/config/prompts$"))
    expect(page.locator("table.diff tr.diff-add").first).to_be_visible()  # newest two compared
    expect(page.locator("table.diff td.diff-del").first).to_be_visible()
    screenshot(page, "config-history")
    page.get_by_role("button", name=f"Activate version {earlier['version']}").click()
    page.wait_for_url(re.compile(r".*\?done=.*"))
    expect(page.get_by_text(f"Version {earlier['version']} is now active.")).to_be_visible()
    expect(page.locator(f"#v{earlier['version']} .badge-active")).to_be_visible()
    page.get_by_label("Configuration data (JSON)").fill('{"templates": {"x": {"text": "{a}"}}}')
    page.get_by_role("button", name="Save version").click()
    expect(page.locator("#configData-error")).to_be_visible()
    assert _active(api, company)["id"] == earlier["id"]  # type: ignore[index]


def test_browser_audit_log_filters(page: Any) -> None:
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url(re.compile(r".*/audit$"))
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    page.get_by_label("Table").fill("AIConfig")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*/audit\?.*table=AIConfig.*"))
    assert page.locator("#audit-entries > tbody > tr").count() > 0
    screenshot(page, "audit-log")


def test_browser_an_auditor_reads_the_audit_log(page: Any, role_keys: dict[str, str]) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/login.*"))
    login(page, role_keys["auditor"])
    expect(page.get_by_role("link", name="Audit log")).to_be_visible()
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url(re.compile(r".*/audit$"))
    assert page.locator("#audit-entries > tbody > tr").count() > 0
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/login.*"))
    login(page, role_keys["viewer"])
    assert page.get_by_role("link", name="Audit log").count() == 0
    response = page.goto("/audit")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
