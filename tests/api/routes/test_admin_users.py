"""The administrator's Users page: list, create directly, make or unmake administrator (never
the last active one), disable (never oneself; a disabled user cannot sign in and their sessions
and bearer tokens die, the project API keys they made stay), enable, password reset links."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from backend.db.models import PasswordReset
from backend.db.models.common import utcnow
from backend.db.session import get_sessionmaker
from tests.utils.api import PASSWORD, create_project

NEW_PASSWORD = "a brand new password"


def user_id(client: TestClient, username: str) -> int:
    users = client.get("/api/admin/users").json()["data"]
    return next(u["id"] for u in users if u["username"] == username)


def bearer(client: TestClient) -> dict[str, str]:
    token = client.post("/api/users/me/tokens", json={"name": "script"}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def signs_in(app: object, username: str, password: str = PASSWORD) -> int:
    with TestClient(app) as browser:  # type: ignore[arg-type]
        response = browser.post("/api/auth/signin", json={"username": username, "password": password})
        return response.status_code


def test_admins_list_and_create_accounts_others_may_not(
    client: TestClient, new_client: Callable[[str], TestClient], anonymous_client: TestClient
) -> None:
    bob = new_client("bob")
    listed = client.get("/api/admin/users").json()
    assert [(u["username"], u["is_admin"], u["is_disabled"]) for u in listed["data"]] == [
        ("alice", True, False),
        ("bob", False, False),
    ]
    assert listed["data"][0]["last_sign_in_at"] is not None  # signing up signs in
    made = client.post(
        "/api/admin/users",
        json={"username": "Carol", "email": "carol@example.org", "password": PASSWORD},
    )
    assert made.status_code == 201 and made.json()["username"] == "carol"
    assert made.json()["last_sign_in_at"] is None
    assert signs_in(client.app, "carol") == 200
    taken = client.post(
        "/api/admin/users", json={"username": "bob", "email": "b2@example.org", "password": PASSWORD}
    )
    assert taken.status_code == 409
    assert bob.get("/api/admin/users").status_code == 403
    assert bob.post("/api/admin/invitations", json={"email": "x@example.org"}).status_code == 403
    assert anonymous_client.get("/api/admin/users").status_code == 401
    assert client.patch("/api/admin/users/9999", json={"is_admin": True}).status_code == 404


def test_the_last_active_admin_cannot_be_demoted_or_disabled_nor_anyone_themselves(
    client: TestClient, new_client: Callable[[str], TestClient]
) -> None:
    bob = new_client("bob")
    alice_id, bob_id = user_id(client, "alice"), user_id(client, "bob")
    demote = client.patch(f"/api/admin/users/{alice_id}", json={"is_admin": False})
    assert demote.status_code == 409 and "last active administrator" in demote.json()["detail"]
    self_disable = client.patch(f"/api/admin/users/{alice_id}", json={"is_disabled": True})
    assert self_disable.status_code == 409 and "your own" in self_disable.json()["detail"]
    assert client.patch(f"/api/admin/users/{bob_id}", json={"is_admin": True}).json()["is_admin"]
    # A disabled administrator does not count as one.
    assert bob.patch(f"/api/admin/users/{alice_id}", json={"is_disabled": True}).status_code == 200
    alone = bob.patch(f"/api/admin/users/{bob_id}", json={"is_admin": False})
    assert alone.status_code == 409
    assert bob.patch(f"/api/admin/users/{alice_id}", json={"is_disabled": False}).status_code == 200
    assert signs_in(client.app, "alice") == 200
    assert bob.patch(f"/api/admin/users/{bob_id}", json={"is_admin": False}).json()["is_admin"] is False
    assert bob.get("/api/admin/users").status_code == 403


def test_disabling_signs_out_everywhere_revokes_tokens_but_keeps_project_keys(
    client: TestClient, new_client: Callable[[str], TestClient]
) -> None:
    olga = new_client("olga")
    headers = bearer(olga)
    project = create_project(olga, "olga's")
    key = olga.post(
        f"/api/projects/{project['id']}/api-keys", json={"name": "device", "scope": "read-only"}
    ).json()["key"]
    olga_id = user_id(client, "olga")
    assert client.patch(f"/api/admin/users/{olga_id}", json={"is_disabled": True}).json()["is_disabled"]
    assert olga.get("/api/users/me").status_code == 401
    with TestClient(client.app) as script:
        assert script.get("/api/users/me", headers=headers).status_code == 401
        # The key belongs to the project, which still has its owner.
        assert script.get(f"/api/projects/{project['id']}", headers={"x-api-key": key}).status_code == 200
    with TestClient(client.app) as browser:
        refused = browser.post("/api/auth/signin", json={"username": "olga", "password": PASSWORD})
        assert refused.status_code == 403 and "disabled" in refused.json()["detail"]
        wrong = browser.post("/api/auth/signin", json={"username": "olga", "password": "nope"})
        assert wrong.status_code == 401  # a wrong password does not learn the account is disabled
    client.patch(f"/api/admin/users/{olga_id}", json={"is_disabled": False})
    assert signs_in(client.app, "olga") == 200
    with TestClient(client.app) as script:  # enabling does not bring revoked tokens back
        assert script.get("/api/users/me", headers=headers).status_code == 401


def test_a_password_reset_link_is_single_use_expires_and_revokes_every_credential(
    client: TestClient, new_client: Callable[[str], TestClient], anonymous_client: TestClient
) -> None:
    bob = new_client("bob")
    headers = bearer(bob)
    bob_id = user_id(client, "bob")
    first = client.post(f"/api/admin/users/{bob_id}/password-reset").json()
    link = client.post(f"/api/admin/users/{bob_id}/password-reset").json()
    assert link["token"].startswith("mfr_") and link["path"] == f"/reset-password?token={link['token']}"
    replaced = anonymous_client.post(
        "/api/auth/password-reset", json={"token": first["token"], "new_password": NEW_PASSWORD}
    )
    assert replaced.status_code == 410  # a newer link replaced it
    short = anonymous_client.post(
        "/api/auth/password-reset", json={"token": link["token"], "new_password": "short"}
    )
    assert short.status_code == 422
    done = anonymous_client.post(
        "/api/auth/password-reset", json={"token": link["token"], "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 204, done.text
    assert bob.get("/api/users/me").status_code == 401
    assert anonymous_client.get("/api/users/me", headers=headers).status_code == 401
    assert signs_in(client.app, "bob") == 401
    assert signs_in(client.app, "bob", NEW_PASSWORD) == 200
    again = anonymous_client.post(
        "/api/auth/password-reset", json={"token": link["token"], "new_password": "yet another one"}
    )
    assert again.status_code == 410
    unknown = anonymous_client.post(
        "/api/auth/password-reset", json={"token": "mfr_nothing", "new_password": NEW_PASSWORD}
    )
    assert unknown.status_code == 404

    late = client.post(f"/api/admin/users/{bob_id}/password-reset").json()
    with get_sessionmaker()() as session:
        session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    expired = anonymous_client.post(
        "/api/auth/password-reset", json={"token": late["token"], "new_password": "yet another one"}
    )
    assert expired.status_code == 410 and "expired" in expired.json()["detail"]
    assert signs_in(client.app, "bob", NEW_PASSWORD) == 200
