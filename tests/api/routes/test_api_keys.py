"""Project API keys: shown once, stored hashed, listed with last use, revocable; scopes act."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.db.models import ApiKey
from backend.db.session import get_sessionmaker
from tests.utils.api import create_project, upload
from tests.utils.files import wav_bytes


def test_key_is_shown_once_stored_hashed_and_listed_with_last_use(
    client: TestClient, rng: np.random.Generator
) -> None:
    project = create_project(client)
    url = f"/api/projects/{project['id']}/api-keys"
    created = client.post(url, json={"name": "device", "scope": "ingestion"}).json()
    assert created["key"].startswith("mfk_") and created["scope"] == "ingestion"
    with get_sessionmaker()() as session:
        stored = session.scalars(select(ApiKey.key_hash)).one()
    assert created["key"] not in stored and len(stored) == 64
    listed = client.get(url).json()
    assert created["key"] not in client.get(url).text
    assert listed["data"][0]["last_used_at"] is None
    with TestClient(client.app) as device:
        device.headers["x-api-key"] = created["key"]
        stored_sample = upload(device, project["id"], [("yes.1.wav", wav_bytes(rng))])
        assert stored_sample.status_code == 201
    assert client.get(url).json()["data"][0]["last_used_at"] is not None


def test_ingestion_key_uploads_and_does_nothing_else(
    client: TestClient, rng: np.random.Generator
) -> None:
    project = create_project(client)
    other = create_project(client, "other")
    key = client.post(
        f"/api/projects/{project['id']}/api-keys", json={"name": "d", "scope": "ingestion"}
    ).json()["key"]
    with TestClient(client.app) as device:
        device.headers["x-api-key"] = key
        assert upload(device, project["id"], [("yes.1.wav", wav_bytes(rng))]).status_code == 201
        assert device.get(f"/api/projects/{project['id']}/samples").status_code == 403
        assert device.post(f"/api/projects/{project['id']}/impulses", json={}).status_code == 403
        # Its own project can be found by name (mcuforge upload --project NAME), no other.
        assert [p["name"] for p in device.get("/api/projects").json()["data"]] == ["keywords"]
        assert device.get(f"/api/projects/{project['id']}").status_code == 200
        assert upload(device, other["id"], [("yes.2.wav", wav_bytes(rng))]).status_code == 404
        assert device.post("/api/projects", json={"name": "x"}).status_code == 403


def test_read_only_key_reads_and_revoked_keys_stop_working(client: TestClient) -> None:
    project = create_project(client)
    url = f"/api/projects/{project['id']}/api-keys"
    created = client.post(url, json={"name": "dash", "scope": "read-only"}).json()
    with TestClient(client.app) as dashboard:
        dashboard.headers["x-api-key"] = created["key"]
        assert dashboard.get(f"/api/projects/{project['id']}/samples").status_code == 200
        assert dashboard.delete(f"/api/projects/{project['id']}").status_code == 403
        assert client.delete(f"{url}/{created['id']}").status_code == 204
        assert dashboard.get(f"/api/projects/{project['id']}/samples").status_code == 401
    assert client.get(url).json()["count"] == 0
    unknown_scope = client.post(url, json={"name": "x", "scope": "superuser"})
    assert unknown_scope.status_code == 422
