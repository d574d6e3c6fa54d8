"""Sign-in, sessions, tokens, CSRF, lockout and the audit log, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.workbench import PASSWORD
from tests.web.conftest import Web
from tiexin.services.auth import add_user


def test_pages_redirect_to_login_and_the_api_answers_401(web: Web) -> None:
    client = web.client()
    page = client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    api = client.get("/api/v1/me")
    assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"


def test_login_sets_a_secure_http_only_cookie_and_lands_on_the_role_home(web: Web) -> None:
    client = web.client()
    response = client.post("/login", data={"username": "inspector", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    assert client.get("/api/v1/me").json()["role"] == "inspector"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_login_never_redirects_off_site(web: Web, target: str) -> None:
    response = web.client().post(
        "/login", data={"username": "agent", "password": PASSWORD, "next": target}
    )
    assert response.headers["location"] == "/calls"


def test_wrong_password_is_refused_with_a_message_in_chinese_by_default(web: Web) -> None:
    response = web.client().post("/login", data={"username": "inspector", "password": "nope"})
    assert response.status_code == 401 and "用户名或密码错误" in response.text
    english = web.client().post(
        "/login?lang=en", data={"username": "inspector", "password": "nope"}
    )
    assert "Wrong username or password" in english.text


def test_repeated_failures_lock_the_account_even_for_the_right_password(web: Web) -> None:
    add_user(web.uow_factory, "locky", role="inspector", password=PASSWORD)
    client = web.client()
    for _ in range(web.settings.login_max_failures):
        client.post("/api/v1/auth/login", json={"username": "locky", "password": "wrong-one"})
    locked = client.post("/api/v1/auth/login", json={"username": "locky", "password": PASSWORD})
    assert locked.status_code == 423
    with web.uow_factory() as uow:
        user = uow.users.by_username("locky")
        assert user is not None and user.locked_until is not None
        assert user.locked_until > datetime.now(UTC) + timedelta(minutes=10)
        uow.users.update(user.id, locked_until=datetime.now(UTC) - timedelta(seconds=1))
        uow.commit()
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": "locky", "password": PASSWORD}
        ).status_code
        == 200
    )


def test_state_changes_with_the_cookie_need_the_csrf_token(web: Web) -> None:
    client = web.client("inspector")
    refused = client.post("/logout", data={})
    assert refused.status_code == 403
    assert client.get("/api/v1/me").status_code == 200  # still signed in: nothing changed
    done = client.post("/logout", data={"csrf_token": web.csrf(client)})
    assert done.status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_api_tokens_work_without_csrf_and_logout_revokes_them(web: Web) -> None:
    headers = web.token("supervisor")
    client = web.client()
    assert client.get("/api/v1/me", headers=headers).json()["username"] == "supervisor"
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_tokens_are_stored_only_as_hashes(web: Web) -> None:
    headers = web.token("admin")
    token = headers["Authorization"].split()[1]
    with web.engine.connect() as connection:
        from sqlalchemy import text

        stored = connection.execute(text("SELECT token_hash FROM auth_sessions")).scalars().all()
    assert token not in stored and len(stored[0]) == 64


def test_logins_and_failures_are_in_the_audit_log_that_only_admins_browse(web: Web) -> None:
    web.client().post("/login", data={"username": "inspector", "password": "bad"})
    admin = web.client("admin")
    entries = admin.get("/api/v1/audit", params={"action": "login.failed"}).json()["entries"]
    assert any(entry["username"] == "inspector" for entry in entries)
    page = admin.get("/admin/audit", headers={"accept": "text/html"})
    assert page.status_code == 200 and "login.failed" in page.text
    for role_user in ("inspector", "agent", "supervisor", "manager"):
        assert web.client(role_user).get("/api/v1/audit").status_code == 403


def test_security_headers_are_set(web: Web) -> None:
    response = web.client().get("/login")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("inspector", "/queue"),
        ("agent", "/calls"),
        ("supervisor", "/appeals"),
        ("manager", "/care/customers"),
        ("admin", "/admin/audit"),
    ],
)
def test_each_role_starts_on_a_page_it_may_open(web: Web, username: str, home: str) -> None:
    client = web.client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.headers["location"] == home
    assert client.get(home, headers={"accept": "text/html"}).status_code == 200
