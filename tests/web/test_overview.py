"""The overview of a company: its figures agree with the API's, drift alerts name their
model, and a company with nothing yet says what to do next."""

import re

from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.web.conftest import WebDemo, logged_in


def api_items(web_demo: WebDemo, path: str, **params: str) -> list[dict[str, object]]:
    response = TestClient(web_demo.app).get(
        f"/api/v1/companies/{web_demo.company}/{path}",
        params={"limit": "500", **params},
        headers={"Authorization": f"Bearer {web_demo.key}"},
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def card(html: str, heading_id: str) -> str:
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_models_by_status_match_the_api(web: TestClient, web_demo: WebDemo) -> None:
    html = web.get(f"/companies/{web_demo.company}").text
    shown = {
        status: int(count)
        for count, status in re.findall(
            r'<span class="stat-value">(\d+)</span><span class="stat-label">(\w+)</span>',
            card(html, "models-h"),
        )
    }
    counted: dict[str, int] = {}
    for model in api_items(web_demo, "models"):
        counted[str(model["status"])] = counted.get(str(model["status"]), 0) + 1
    assert shown == counted


def test_drift_alerts_name_their_model(web: TestClient, web_demo: WebDemo) -> None:
    drifted = api_items(web_demo, "drift-detections", status="detected")
    assert drifted, "the demo has drift"
    html = card(web.get(f"/companies/{web_demo.company}").text, "drift-h")
    model = api_items(web_demo, "models")
    names = {m["id"]: f"{m['modelName']} {m['modelVersion']}" for m in model}
    linked = re.findall(r'/models/([0-9a-f]+)">([^<]+)</a>', html)
    assert linked
    for model_id, label in linked:
        assert label == names[model_id]
    assert '<th scope="col">Detected when</th>' in html  # issue 18: no bare score
    assert re.search(
        r"<td>[^<]*p-value</td><td class=\"num\">[^<]+</td><td>p &lt; 0\.05</td>", html
    )


def test_an_empty_company_says_what_to_do(web_demo: WebDemo, other_tenant: TenantFixture) -> None:
    client = logged_in(web_demo.app, other_tenant.keys["viewer"])
    html = client.get(f"/companies/{other_tenant.company_id}").text
    assert "No model yet." in html
    assert "No pipeline yet." in html
    assert "No drift detected." in html
