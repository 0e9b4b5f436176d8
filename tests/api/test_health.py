"""The health route reports the configured database and broker and whether the database answers."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_reports_a_reachable_database(client: TestClient, database_url: str) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database_reachable"] is True
    assert body["database"] == database_url.split(":", 1)[0].split("+", 1)[0]
    assert body["broker"] in {"embedded", "redis"}


def test_project_ids_past_the_database_range_are_rejected(client: TestClient) -> None:
    response = client.get(f"/api/projects/{2**40}")
    assert response.status_code == 422
    assert client.get("/api/projects/0").status_code == 422
