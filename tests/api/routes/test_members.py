"""Project members: the creator owns, add by username or email, roles, remove, transfer; the
project list shows only one's own projects; projects from before accounts go to the first admin."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from backend.db.models import Project
from backend.db.session import get_sessionmaker
from tests.utils.api import create_project, sign_up


def test_creator_owns_and_adds_members_by_username_or_email(
    client: TestClient, new_client: Callable[[str], TestClient]
) -> None:
    bob, carol = new_client("bob"), new_client("carol")
    project = create_project(client, "team")
    assert project["role"] == "owner"
    url = f"/api/projects/{project['id']}/members"
    assert bob.get(f"/api/projects/{project['id']}").status_code == 404
    assert client.post(url, json={"user": "bob", "role": "editor"}).status_code == 201
    assert client.post(url, json={"user": "carol@example.org"}).json()["role"] == "viewer"
    assert client.post(url, json={"user": "bob"}).status_code == 409
    missing = client.post(url, json={"user": "nobody"})
    assert missing.status_code == 404 and "nobody" in missing.json()["detail"]
    as_owner = client.post(url, json={"user": "carol", "role": "owner"})
    assert as_owner.status_code == 422 and "transfer" in as_owner.json()["detail"]
    members = client.get(url).json()
    assert [(m["username"], m["role"]) for m in members["data"]] == [
        ("alice", "owner"),
        ("bob", "editor"),
        ("carol", "viewer"),
    ]
    # Roles act: the viewer reads but may not change, the editor changes but may not manage.
    assert carol.get(f"/api/projects/{project['id']}").json()["role"] == "viewer"
    assert carol.post(f"/api/projects/{project['id']}/samples/rebalance").status_code == 403
    assert bob.post(f"/api/projects/{project['id']}/samples/rebalance").status_code == 200
    assert bob.get(url).status_code == 403
    assert bob.delete(f"/api/projects/{project['id']}").status_code == 403


def test_roles_change_members_leave_and_ownership_moves_whole(
    client: TestClient, new_client: Callable[[str], TestClient]
) -> None:
    # `client` is the administrator, who reaches every project; the roles here are non-admins.
    client, bob = new_client("olga"), new_client("bob")
    project = create_project(client, "team")
    url = f"/api/projects/{project['id']}/members"
    bob_id = client.post(url, json={"user": "bob"}).json()["user_id"]
    assert client.patch(f"{url}/{bob_id}", json={"role": "editor"}).json()["role"] == "editor"
    olga_id = client.get("/api/users/me").json()["id"]
    assert client.delete(f"{url}/{olga_id}").status_code == 422  # the owner stays
    assert client.patch(f"{url}/{olga_id}", json={"role": "viewer"}).status_code == 422
    moved = client.post(f"/api/projects/{project['id']}/transfer", json={"user_id": bob_id}).json()
    assert {(m["username"], m["role"]) for m in moved["data"]} == {
        ("olga", "editor"),
        ("bob", "owner"),
    }
    assert client.get(url).status_code == 403  # olga is an editor now
    assert bob.delete(f"{url}/{olga_id}").status_code == 204
    assert client.get(f"/api/projects/{project['id']}").status_code == 404


def test_project_list_shows_only_ones_own_and_names_are_unique_per_owner(
    client: TestClient, new_client: Callable[[str], TestClient]
) -> None:
    bob = new_client("bob")
    create_project(client, "mine")
    theirs = create_project(bob, "mine")  # another owner may use the same name
    assert [p["name"] for p in client.get("/api/projects").json()["data"]] == ["mine"]
    assert bob.get("/api/projects").json()["data"][0]["id"] == theirs["id"]
    bob.patch(f"/api/projects/{theirs['id']}", json={"is_public": True})
    listed = client.get("/api/projects", params={"include_public": True}).json()
    assert listed["count"] == 2 and {p["role"] for p in listed["data"]} == {"owner", None}


def test_projects_from_before_accounts_belong_to_the_first_admin(
    anonymous_client: TestClient, new_client: Callable[[str], TestClient]
) -> None:
    with get_sessionmaker()() as session:
        session.add(Project(name="from before accounts"))
        session.commit()
    admin = sign_up(anonymous_client, "root")
    assert admin["user"]["is_admin"]
    listed = anonymous_client.get("/api/projects").json()["data"]
    assert [(p["name"], p["role"]) for p in listed] == [("from before accounts", "owner")]
    later = new_client("later")
    assert later.get("/api/projects").json()["count"] == 0
    assert later.get(f"/api/projects/{listed[0]['id']}").status_code == 404


def test_removing_a_member_revokes_the_keys_they_made_in_that_project_only(
    client: TestClient, new_client: Callable[[str], TestClient]
) -> None:
    olga, bob = new_client("olga"), new_client("bob")
    team, bobs = create_project(olga, "team"), create_project(bob, "bob's own")
    url = f"/api/projects/{team['id']}"
    bob_id = olga.post(f"{url}/members", json={"user": "bob", "role": "editor"}).json()["user_id"]
    olga_id = olga.get("/api/users/me").json()["id"]

    def new_key(owner: TestClient, project_url: str, name: str) -> str:
        made = owner.post(f"{project_url}/api-keys", json={"name": name, "scope": "read-only"})
        assert made.status_code == 201, made.text
        return made.json()["key"]

    olgas_key = new_key(olga, url, "olga's")
    olga.post(f"{url}/transfer", json={"user_id": bob_id})  # bob owns the project for a while
    bobs_key = new_key(bob, url, "bob's")
    bobs_elsewhere = new_key(bob, f"/api/projects/{bobs['id']}", "elsewhere")
    bob.post(f"{url}/transfer", json={"user_id": olga_id})
    listed = olga.get(f"{url}/api-keys").json()["data"]
    assert {(k["name"], k["created_by_username"]) for k in listed} == {
        ("olga's", "olga"),
        ("bob's", "bob"),
    }

    assert olga.delete(f"{url}/members/{bob_id}").status_code == 204
    assert [k["name"] for k in olga.get(f"{url}/api-keys").json()["data"]] == ["olga's"]
    with TestClient(client.app) as script:
        assert script.get(url, headers={"x-api-key": bobs_key}).status_code == 401
        assert script.get(url, headers={"x-api-key": olgas_key}).status_code == 200
        elsewhere = script.get(f"/api/projects/{bobs['id']}", headers={"x-api-key": bobs_elsewhere})
        assert elsewhere.status_code == 200
