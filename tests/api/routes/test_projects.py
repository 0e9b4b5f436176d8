"""Projects over HTTP: create, list, read, update, delete, and the errors of each."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient

from tests.utils.api import create_project, stored_counts, upload
from tests.utils.files import wav_bytes


def test_create_then_read_and_list(client: TestClient) -> None:
    created = create_project(client, "keywords", description="yes / no")
    assert created["name"] == "keywords"
    assert created["description"] == "yes / no"
    assert created["sample_count"] == 0
    assert created["hmac_key_set"] is False and created["downmix_audio"] is True

    read = client.get(f"/api/projects/{created['id']}").json()
    assert read == created

    create_project(client, "gestures")
    listing = client.get("/api/projects").json()
    assert listing["count"] == 2
    assert [p["name"] for p in listing["data"]] == ["keywords", "gestures"]
    only = client.get("/api/projects", params={"name": "gestures"}).json()
    assert only["count"] == 1 and only["data"][0]["name"] == "gestures"
    page = client.get("/api/projects", params={"offset": 1, "limit": 1}).json()
    assert page["count"] == 2 and [p["name"] for p in page["data"]] == ["gestures"]


def test_names_are_trimmed_unique_and_required(client: TestClient) -> None:
    assert create_project(client, "  spaced  ")["name"] == "spaced"
    taken = client.post("/api/projects", json={"name": "spaced"})
    assert taken.status_code == 409
    assert "already exists" in taken.json()["detail"]
    for bad in ["", "   ", "a" * 101, "tab\there"]:
        response = client.post("/api/projects", json={"name": bad})
        assert response.status_code == 422, bad
    assert client.post("/api/projects", json={}).status_code == 422
    assert client.get("/api/projects").json()["count"] == 1


def test_update_changes_only_what_is_sent(client: TestClient) -> None:
    project = create_project(client, "p1", description="first")
    url = f"/api/projects/{project['id']}"
    renamed = client.patch(url, json={"name": "p2"}).json()
    assert renamed["name"] == "p2" and renamed["description"] == "first"
    updated = client.patch(url, json={"downmix_audio": False, "hmac_key": "secret"}).json()
    assert updated["downmix_audio"] is False and updated["hmac_key_set"] is True
    assert updated["name"] == "p2"
    assert "hmac_key" not in updated  # the key itself is never shown
    cleared = client.patch(url, json={"hmac_key": None}).json()
    assert cleared["hmac_key_set"] is False

    create_project(client, "other")
    clash = client.patch(url, json={"name": "other"})
    assert clash.status_code == 409
    assert client.patch(url, json={"name": ""}).status_code == 422
    assert client.get(url).json()["name"] == "p2"


def test_missing_project_is_404_with_a_sentence(client: TestClient) -> None:
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)("/api/projects/999", **({"json": {}} if method == "patch" else {}))
        assert response.status_code == 404
        assert response.json() == {"detail": "project 999 does not exist"}
    assert client.get("/api/projects/999/samples").status_code == 404
    assert client.get("/api/projects/not-a-number").status_code == 422


def test_delete_removes_the_project_and_its_samples(client: TestClient, rng: np.random.Generator) -> None:
    doomed = create_project(client, "doomed")
    kept = create_project(client, "kept")
    assert upload(client, doomed["id"], [("yes.1.wav", wav_bytes(rng)), ("no.1.wav", wav_bytes(rng))]).status_code == 201
    assert upload(client, kept["id"], [("yes.2.wav", wav_bytes(rng))]).status_code == 201
    assert client.get(f"/api/projects/{doomed['id']}").json()["sample_count"] == 2
    assert stored_counts() == (3, 3)

    assert client.delete(f"/api/projects/{doomed['id']}").status_code == 204
    assert client.get(f"/api/projects/{doomed['id']}").status_code == 404
    assert stored_counts() == (1, 1)
    assert client.get(f"/api/projects/{kept['id']}/samples").json()["count"] == 1
