"""Accounts: sign-up (first is admin), sign-in, cookies, CSRF, sign-out, expiry, password
change, bearer tokens, login rate limiting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from backend.db.models import User, UserSession
from backend.db.models.common import utcnow
from backend.db.session import get_sessionmaker
from backend.settings import settings
from tests.utils.api import PASSWORD, sign_up


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> dict:
    response = client.post("/api/auth/signin", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return response.json()


def test_first_account_is_admin_and_passwords_are_stored_as_argon2(
    anonymous_client: TestClient, new_client: Callable[[str], TestClient]
) -> None:
    first = sign_up(anonymous_client, "first")
    assert first["user"]["is_admin"] is True
    assert new_client("second").get("/api/users/me").json()["is_admin"] is False
    with get_sessionmaker()() as session:
        hashes = list(session.scalars(select(User.password_hash)))
    assert len(hashes) == 2
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_session_cookie_is_http_only_samesite_lax_and_csrf_cookie_readable(
    anonymous_client: TestClient,
) -> None:
    response = anonymous_client.post(
        "/api/auth/signup",
        json={"username": "ann", "email": "ann@example.org", "password": PASSWORD},
    )
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("mcuforge_session="))
    csrf_cookie = next(c for c in cookies if c.startswith("mcuforge_csrf="))
    assert "HttpOnly" in session_cookie and "samesite=lax" in session_cookie.lower()
    assert "HttpOnly" not in csrf_cookie
    # Development over http://127.0.0.1 only: elsewhere the cookies are Secure.
    assert settings.environment == "development" and "Secure" not in session_cookie


def test_secure_cookies_outside_development() -> None:
    from backend.settings import Settings

    production = {"MCUFORGE_ENVIRONMENT": "production", "MCUFORGE_SECRET_KEY": "x" * 32}
    assert Settings.model_validate(production).cookies_are_secure
    assert not Settings.model_validate({"MCUFORGE_ENVIRONMENT": "development"}).cookies_are_secure
    forced = {"MCUFORGE_ENVIRONMENT": "development", "MCUFORGE_SECURE_COOKIES": True}
    assert Settings.model_validate(forced).cookies_are_secure


def test_duplicate_and_bad_sign_ups_are_refused(anonymous_client: TestClient) -> None:
    sign_up(anonymous_client, "dora")
    again = anonymous_client.post(
        "/api/auth/signup", json={"username": "DORA", "email": "x@example.org", "password": PASSWORD}
    )
    assert again.status_code == 409 and "username" in again.json()["detail"]
    short = anonymous_client.post(
        "/api/auth/signup", json={"username": "eve", "email": "e@example.org", "password": "short"}
    )
    assert short.status_code == 422
    bad_name = anonymous_client.post(
        "/api/auth/signup", json={"username": "a b", "email": "f@example.org", "password": PASSWORD}
    )
    assert bad_name.status_code == 422 and "3 to 40 characters" in bad_name.text


def test_csrf_is_required_on_unsafe_cookie_requests_only(client: TestClient) -> None:
    token = client.headers.pop("X-CSRF-Token")
    refused = client.post("/api/projects", json={"name": "p"})
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    wrong = client.post("/api/projects", json={"name": "p"}, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    assert client.get("/api/projects").status_code == 200  # safe methods need no token
    made = client.post("/api/projects", json={"name": "p"}, headers={"X-CSRF-Token": token})
    assert made.status_code == 201
    # A bearer token is not sent by browsers on their own: no CSRF token needed.
    bearer = client.post(
        "/api/users/me/tokens", json={"name": "script"}, headers={"X-CSRF-Token": token}
    ).json()["token"]
    with TestClient(client.app) as script:
        headers = {"Authorization": f"Bearer {bearer}"}
        assert script.post("/api/projects", json={"name": "q"}, headers=headers).status_code == 201
        key = client.post(
            f"/api/projects/{made.json()['id']}/api-keys",
            json={"name": "k", "scope": "admin"},
            headers={"X-CSRF-Token": token},
        ).json()["key"]
        patched = script.patch(
            f"/api/projects/{made.json()['id']}", json={"description": "d"}, headers={"x-api-key": key}
        )
        assert patched.status_code == 200


def test_sign_out_ends_the_session(client: TestClient) -> None:
    assert client.get("/api/users/me").status_code == 200
    assert client.post("/api/auth/signout").status_code == 204
    assert client.get("/api/users/me").status_code == 401


def test_sessions_expire(client: TestClient) -> None:
    with get_sessionmaker()() as session:
        session.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    response = client.get("/api/users/me")
    assert response.status_code == 401


def test_session_lifetime_comes_from_settings(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, anonymous_client: TestClient
) -> None:
    monkeypatch.setattr(settings, "session_lifetime_hours", 2.0)
    started = sign_in(anonymous_client, "alice")

    from backend.schemas.common import _as_utc

    expires_at = _as_utc(datetime.fromisoformat(started["expires_at"]))
    assert timedelta(hours=1.9) < expires_at - utcnow() <= timedelta(hours=2)


def test_password_change_ends_other_sessions_and_keeps_this_one(
    client: TestClient, app: object
) -> None:
    with TestClient(client.app) as laptop:
        sign_in(laptop, "alice")
        assert laptop.get("/api/users/me").status_code == 200
        wrong = client.post(
            "/api/users/me/password",
            json={"current_password": "not it", "new_password": "a new long password"},
        )
        assert wrong.status_code == 401
        changed = client.post(
            "/api/users/me/password",
            json={"current_password": PASSWORD, "new_password": "a new long password"},
        )
        assert changed.status_code == 204
        assert laptop.get("/api/users/me").status_code == 401
        assert client.get("/api/users/me").status_code == 200
        old = laptop.post("/api/auth/signin", json={"username": "alice", "password": PASSWORD})
        assert old.status_code == 401
        sign_in(laptop, "alice", "a new long password")


def test_bearer_tokens_are_shown_once_listed_and_revocable(client: TestClient) -> None:
    created = client.post("/api/users/me/tokens", json={"name": "ci"}).json()
    assert created["token"].startswith("mft_")
    listed = client.get("/api/users/me/tokens").json()
    assert listed["count"] == 1 and "token" not in listed["data"][0]
    assert created["token"] not in client.get("/api/users/me/tokens").text
    with TestClient(client.app) as script:
        headers = {"Authorization": f"Bearer {created['token']}"}
        assert script.get("/api/users/me", headers=headers).json()["username"] == "alice"
        assert client.get("/api/users/me/tokens").json()["data"][0]["last_used_at"] is not None
        assert client.delete(f"/api/users/me/tokens/{created['id']}").status_code == 204
        assert script.get("/api/users/me", headers=headers).status_code == 401
        garbage = script.get("/api/users/me", headers={"Authorization": "Bearer mft_garbage"})
        assert garbage.status_code == 401


def test_failed_sign_ins_are_rate_limited_per_username_and_address(
    client: TestClient, anonymous_client: TestClient
) -> None:
    for _ in range(settings.login_max_failures):
        wrong = anonymous_client.post("/api/auth/signin", json={"username": "alice", "password": "x"})
        assert wrong.status_code == 401
    limited = anonymous_client.post("/api/auth/signin", json={"username": "alice", "password": "x"})
    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= settings.login_failure_window_seconds
    # Even the right password waits: otherwise guessing would go on.
    right = anonymous_client.post("/api/auth/signin", json={"username": "alice", "password": PASSWORD})
    assert right.status_code == 429
    # Another username from the same address is not affected.
    sign_up(TestClient(client.app), "bob")
    assert anonymous_client.post(
        "/api/auth/signin", json={"username": "bob", "password": PASSWORD}
    ).status_code == 200


def test_rate_limiter_forgets_failures_after_the_window() -> None:
    from backend.services.login_limits import LoginRateLimiter

    limiter = LoginRateLimiter(max_failures=2, window_seconds=60)
    limiter.record_failure("a", "ip", now=0)
    limiter.record_failure("A", "ip", now=1)
    assert limiter.retry_after_seconds("a", "ip", now=2) == 58
    assert limiter.retry_after_seconds("a", "other-ip", now=2) == 0
    assert limiter.retry_after_seconds("a", "ip", now=61) == 0
