"""Who may sign up (MCUFORGE_SIGNUP): closed / invite / open x the first account, a later one
without an invitation, with a valid invitation, one used twice, expired or revoked; owners may
invite only under `invite`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select, update

from backend.db.models import Invitation, ProjectMember, User
from backend.db.models.common import utcnow
from backend.db.session import get_sessionmaker
from backend.settings import Settings, settings
from tests.utils.api import PASSWORD, create_project, sign_up

POLICIES = ["closed", "invite", "open"]


@pytest.fixture
def policy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    value: str = request.param
    monkeypatch.setattr(settings, "signup", value)
    return value


def user_count() -> int:
    with get_sessionmaker()() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


def invite(admin: TestClient, email: str, **fields: object) -> dict:
    response = admin.post("/api/admin/invitations", json={"email": email, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def sign_up_invited(client: TestClient, username: str, token: str, **fields: object):
    body = {"username": username, "password": PASSWORD, "invitation_token": token, **fields}
    return client.post("/api/auth/signup", json=body)


def test_the_default_policy_is_closed_and_the_setting_is_checked() -> None:
    assert Settings.model_validate({}).signup == "closed"
    assert Settings.model_validate({"MCUFORGE_SIGNUP": "invite"}).signup == "invite"
    with pytest.raises(ValidationError, match="closed"):
        Settings.model_validate({"MCUFORGE_SIGNUP": "sometimes"})
    assert Settings.model_validate({}).invitation_lifetime_hours == 24 * 7


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_the_first_account_signs_up_freely_and_becomes_admin(
    policy: str, anonymous_client: TestClient
) -> None:
    before = anonymous_client.get("/api/auth/signup-policy").json()
    assert before == {"policy": policy, "signup_without_invitation": True}
    assert sign_up(anonymous_client, "first")["user"]["is_admin"] is True
    after = anonymous_client.get("/api/auth/signup-policy").json()
    assert after == {"policy": policy, "signup_without_invitation": policy == "open"}


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_a_later_account_needs_an_invitation_unless_open(policy: str, client: TestClient) -> None:
    with TestClient(client.app) as browser:
        response = browser.post(
            "/api/auth/signup",
            json={"username": "bob", "email": "bob@example.org", "password": PASSWORD},
        )
    if policy == "open":
        assert response.status_code == 201, response.text
        assert user_count() == 2
    else:
        assert response.status_code == 403
        assert "invitation" in response.json()["detail"]
        assert ("project owner" in response.json()["detail"]) == (policy == "invite")
        assert user_count() == 1


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_a_valid_invitation_signs_up_once_with_the_invited_address_into_its_project(
    policy: str, client: TestClient
) -> None:
    project = create_project(client, "team")
    invitation = invite(client, "Bob@Example.org", project_id=project["id"], role="editor")
    assert invitation["token"].startswith("mfi_") and invitation["email"] == "bob@example.org"
    assert invitation["path"] == f"/signup?invitation={invitation['token']}"
    with get_sessionmaker()() as session:  # only the hash is kept
        assert invitation["token"] not in str(session.scalars(select(Invitation.token_hash)).all())
    listed = client.get("/api/admin/invitations").json()
    assert listed["count"] == 1 and "token" not in listed["data"][0]

    with TestClient(client.app) as browser:
        preview = browser.get("/api/auth/invitation", params={"token": invitation["token"]})
        assert preview.json()["email"] == "bob@example.org"
        assert preview.json()["project_name"] == "team"
        made = sign_up_invited(browser, "bob", invitation["token"])
        assert made.status_code == 201, made.text
        assert made.json()["user"]["email"] == "bob@example.org"
        assert made.json()["user"]["is_admin"] is False
        browser.headers["X-CSRF-Token"] = made.json()["csrf_token"]
        assert browser.get(f"/api/projects/{project['id']}").json()["role"] == "editor"
    with TestClient(client.app) as other:
        again = sign_up_invited(other, "mallory", invitation["token"], email="m@example.org")
        assert again.status_code == 410 and "already used" in again.json()["detail"]
        gone = other.get("/api/auth/invitation", params={"token": invitation["token"]})
        assert gone.status_code == 410
    assert user_count() == 2
    assert client.get("/api/admin/invitations").json()["count"] == 0


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_expired_revoked_unknown_and_mismatched_invitations_are_refused(
    policy: str, client: TestClient
) -> None:
    expired = invite(client, "old@example.org")
    with get_sessionmaker()() as session:
        session.execute(
            update(Invitation)
            .where(Invitation.id == expired["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    revoked = invite(client, "gone@example.org")
    assert client.delete(f"/api/admin/invitations/{revoked['id']}").status_code == 204
    fine = invite(client, "fine@example.org")
    with TestClient(client.app) as browser:
        late = sign_up_invited(browser, "old", expired["token"])
        assert late.status_code == 410 and "expired" in late.json()["detail"]
        withdrawn = sign_up_invited(browser, "gone", revoked["token"])
        assert withdrawn.status_code == 410 and "revoked" in withdrawn.json()["detail"]
        unknown = sign_up_invited(browser, "who", "mfi_not-a-real-token")
        assert unknown.status_code == 404 and "unknown" in unknown.json()["detail"]
        other_address = sign_up_invited(browser, "fine", fine["token"], email="else@example.org")
        assert other_address.status_code == 422 and "fine@example.org" in other_address.text
    assert user_count() == 1
    # The mismatch did not use the invitation up.
    assert [i["email"] for i in client.get("/api/admin/invitations").json()["data"]] == [
        "fine@example.org"
    ]


def test_invitations_for_an_existing_address_or_a_missing_project_are_refused(
    client: TestClient,
) -> None:
    taken = client.post("/api/admin/invitations", json={"email": "alice@example.org"})
    assert taken.status_code == 409 and "member" in taken.json()["detail"]
    missing = client.post(
        "/api/admin/invitations", json={"email": "x@example.org", "project_id": 999}
    )
    assert missing.status_code == 404
    role_alone = client.post("/api/admin/invitations", json={"email": "x@example.org", "role": "editor"})
    assert role_alone.status_code == 422
    assert client.get("/api/admin/invitations").json()["count"] == 0


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_owners_may_invite_only_under_invite(
    policy: str, client: TestClient, new_client: Callable[[str], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "signup", "open")
    olga = new_client("olga")  # not an administrator
    monkeypatch.setattr(settings, "signup", policy)
    project = create_project(olga, "olga's")
    url = f"/api/projects/{project['id']}/invitations"
    made = olga.post(url, json={"email": "pete@example.org", "role": "editor"})
    if policy != "invite":
        assert made.status_code == 403, made.text
        assert olga.get(url).json()["count"] == 0
    else:
        assert made.status_code == 201, made.text
        assert olga.get(url).json()["count"] == 1
        with TestClient(client.app) as browser:
            assert sign_up_invited(browser, "pete", made.json()["token"]).status_code == 201
        members = olga.get(f"/api/projects/{project['id']}/members").json()["data"]
        assert ("pete", "editor") in [(m["username"], m["role"]) for m in members]
        again = olga.post(url, json={"email": "quin@example.org"})
        assert olga.delete(f"{url}/{again.json()['id']}").status_code == 204
        assert olga.get(url).json()["count"] == 0
    owner = olga.post(url, json={"email": "z@example.org", "role": "owner"})
    assert owner.status_code in (403, 422)
    # An administrator invites into any project under every policy.
    by_admin = client.post(url, json={"email": "ann@example.org"})
    assert by_admin.status_code == 201, by_admin.text
    with get_sessionmaker()() as session:
        assert session.scalar(select(func.count()).select_from(ProjectMember)) == 1 + (
            policy == "invite"
        )
