"""Login, sessions and CSRF without a browser: what a forged, tampered or expired request
gets, and that nothing leaks across tenants."""

import re

from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.web.conftest import WebDemo, csrf_of, logged_in
from urutiq_ai.web import session as cookies


def test_pages_need_a_session(web_demo: WebDemo) -> None:
    client = TestClient(web_demo.app, base_url="https://testserver")
    response = client.get(f"/companies/{web_demo.company}?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/companies/")


def test_login_sets_a_secure_httponly_samesite_cookie(web_demo: WebDemo) -> None:
    client = TestClient(web_demo.app, base_url="https://testserver")
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"csrf_token": token, "api_key": web_demo.key}, follow_redirects=False
    )
    assert response.status_code == 303
    header = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("urutiq_session=")
    )
    assert "HttpOnly" in header
    assert "Secure" in header
    assert "SameSite=lax" in header
    assert web_demo.key.split("_")[-1] not in header  # the key's secret never goes in it
    home = client.get("/", follow_redirects=False)
    assert home.headers["location"] == f"/companies/{web_demo.companies[0]}"


def test_a_wrong_key_is_shown_next_to_the_field(web_demo: WebDemo) -> None:
    client = TestClient(web_demo.app, base_url="https://testserver")
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"csrf_token": token, "api_key": "uiq_nope_nope"})
    assert response.status_code == 401
    assert 'id="api_key-error"' in response.text
    assert "invalid API key" in response.text
    assert "urutiq_session" not in response.headers.get("set-cookie", "")


def test_a_form_without_its_csrf_token_is_refused(web_demo: WebDemo) -> None:
    client = TestClient(web_demo.app, base_url="https://testserver")
    client.get("/login")
    for token in ("", "forged"):
        response = client.post("/login", data={"csrf_token": token, "api_key": web_demo.key})
        assert response.status_code == 403
        assert "security token" in response.text
        assert "urutiq_session" not in response.headers.get("set-cookie", "")


def test_the_csrf_token_of_one_browser_does_not_work_in_another(web_demo: WebDemo) -> None:
    first = TestClient(web_demo.app, base_url="https://testserver")
    token = csrf_of(first.get("/login").text)
    second = TestClient(web_demo.app, base_url="https://testserver")
    second.get("/login")
    response = second.post("/login", data={"csrf_token": token, "api_key": web_demo.key})
    assert response.status_code == 403


def test_a_logged_in_form_needs_the_session_bound_token(web_demo: WebDemo) -> None:
    client = TestClient(web_demo.app, base_url="https://testserver")
    anonymous_token = csrf_of(client.get("/login").text)
    client.post("/login", data={"csrf_token": anonymous_token, "api_key": web_demo.key})
    refused = client.post("/logout", data={"csrf_token": anonymous_token}, follow_redirects=False)
    assert refused.status_code == 403  # the pre-login token is not this session's
    page = client.get(f"/companies/{web_demo.company}")
    accepted = client.post(
        "/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert accepted.status_code == 303


def test_a_tampered_cookie_sends_the_browser_to_login(web_demo: WebDemo) -> None:
    client = logged_in(web_demo.app, web_demo.key)
    value = client.cookies.get(cookies.SESSION_COOKIE)
    assert value
    body, _, signature = value.partition(".")
    forged = cookies.encode_session("another-secret", "some-key", hours=1)
    for tampered in (body + "x." + signature, forged, "garbage"):
        client.cookies.delete(cookies.SESSION_COOKIE)
        client.cookies.set(cookies.SESSION_COOKIE, tampered)
        response = client.get(f"/companies/{web_demo.company}", follow_redirects=False)
        assert response.status_code == 303
        assert "/login" in response.headers["location"]
        assert "not valid" in response.headers["location"].replace("%20", " ")


def test_an_expired_cookie_says_so(web_demo: WebDemo) -> None:
    client = TestClient(web_demo.app, base_url="https://testserver")
    key_id = web_demo.key.split("_")[1]
    expired = cookies.encode_session("web-tests-secret", key_id, hours=1, now=0)
    client.cookies.set(cookies.SESSION_COOKIE, expired)
    response = client.get(f"/companies/{web_demo.company}", follow_redirects=False)
    assert response.status_code == 303
    assert "expired" in response.headers["location"]


def test_logout_ends_the_session(web_demo: WebDemo) -> None:
    client = logged_in(web_demo.app, web_demo.key)
    page = client.get(f"/companies/{web_demo.company}")
    response = client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert "logged out" in response.text
    again = client.get(f"/companies/{web_demo.company}", follow_redirects=False)
    assert again.status_code == 303


def test_a_revoked_key_ends_its_sessions(web_demo: WebDemo, other_tenant: TenantFixture) -> None:
    from urutiq_ai.core.db import unit_of_work
    from urutiq_ai.tenancy import admin

    client = logged_in(web_demo.app, other_tenant.keys["viewer"])
    assert client.get(f"/companies/{other_tenant.company_id}").status_code == 200
    with unit_of_work(web_demo.app.state.sessionmaker) as session:
        admin.revoke_key(session, key_id=other_tenant.key_ids["viewer"])
    response = client.get(f"/companies/{other_tenant.company_id}", follow_redirects=False)
    assert response.status_code == 303
    assert "revoked" in response.headers["location"]


def test_another_tenants_company_answers_404_without_its_data(
    web: TestClient, other_tenant: TenantFixture
) -> None:
    response = web.get(f"/companies/{other_tenant.company_id}")
    assert response.status_code == 404
    assert other_tenant.company_id in response.text  # named in the message...
    assert "Traceback" not in response.text
    own = logged_in(web.app, other_tenant.keys["admin"])  # ...and the owner sees it
    assert own.get(f"/companies/{other_tenant.company_id}").status_code == 200


def test_a_key_limited_to_one_company_sees_only_that_one(
    web_demo: WebDemo, other_tenant: TenantFixture
) -> None:
    client = logged_in(web_demo.app, other_tenant.keys["limited"])
    page = client.get(f"/companies/{other_tenant.company_b}")
    assert page.status_code == 200
    assert re.findall(r'<option value="([^"]+)"', page.text) == [other_tenant.company_b]
    assert client.get(f"/companies/{other_tenant.company_id}").status_code == 404


def test_login_never_redirects_off_site(web_demo: WebDemo) -> None:
    client = TestClient(web_demo.app, base_url="https://testserver")
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        token = csrf_of(client.get(f"/login?next={target}").text)
        response = client.post(
            "/login",
            data={"csrf_token": token, "api_key": web_demo.key, "next": target},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/"


def test_api_errors_keep_their_json_shape(web: TestClient) -> None:
    response = web.get("/api/v1/companies/x/models")
    assert response.status_code == 401
    assert response.json()["error"] == "InvalidApiKey"


def test_assets_ship_with_the_package(web: TestClient, web_demo: WebDemo) -> None:
    head = web.get(f"/companies/{web_demo.company}").text.split("<body")[0]
    sources = re.findall(r'(?:src|href)="([^"]+)"', head)
    assert sources
    for path in sources:
        assert path.startswith("/static/"), f"{path} is not served by the package"
        assert web.get(path).status_code == 200


def test_the_icon_is_served_without_a_session(web_demo: WebDemo) -> None:
    """Issue 18: browsers asked for /favicon.ico and got 404."""
    client = TestClient(web_demo.app, base_url="https://testserver")
    icon = client.get("/favicon.ico", follow_redirects=False)
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.content.startswith(b"<svg")
    login = client.get("/login").text.split("<body")[0]
    assert '<link rel="icon" href="/static/favicon.svg"' in login
    assert client.get("/static/favicon.svg").status_code == 200
