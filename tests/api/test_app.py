"""The application shell: OpenAPI document, operation ids, and the frontend served at /."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.settings import settings


def _client_with_dist(monkeypatch: pytest.MonkeyPatch, dist: Path) -> TestClient:
    monkeypatch.setattr(settings, "frontend_dist", dist)
    return TestClient(create_app())


def test_openapi_names_operations_tag_dash_name(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["info"]["title"] == "mcuforge"
    operation_ids = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert {"projects-read_projects", "projects-create_project", "samples-upload_samples",
            "samples-read_samples", "samples-split_sample"} <= operation_ids
    upload_body = document["paths"]["/api/projects/{project_id}/samples"]["post"]["requestBody"]
    properties = upload_body["content"]["multipart/form-data"]["schema"]["properties"]
    assert set(properties) == {"files", "label", "value", "category", "allow_duplicates"}
    assert client.get("/docs").status_code == 200


def test_built_frontend_is_served_with_spa_fallback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_database_url: str
) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html>the app</html>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside dist")
    client = _client_with_dist(monkeypatch, dist)
    assert client.get("/").text == "<html>the app</html>"
    assert client.get("/assets/app.js").text == "console.log(1)"
    # Client-side routes get the app; nothing outside dist is ever read.
    assert client.get("/projects/3/data").text == "<html>the app</html>"
    assert client.get("/..%2fsecret.txt").text == "<html>the app</html>"
    assert client.get("/assets/..%2f..%2fsecret.txt").text == "<html>the app</html>"
    missing_api = client.get("/api/nothing-here")
    assert missing_api.status_code == 404 and missing_api.json()["detail"].startswith("there is no API route")
    assert client.get("/api/health/live").status_code == 200


def test_without_a_built_frontend_root_says_how_to_build_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    client = _client_with_dist(monkeypatch, tmp_path / "absent")
    response = client.get("/")
    assert response.status_code == 200 and "make run" in response.text and "/docs" in response.text


def test_ids_out_of_the_database_range_are_422_not_500(client: TestClient) -> None:
    for url in ["/api/projects/99999999999999999999", "/api/projects/3000000000"]:
        response = client.get(url)
        assert response.status_code in (404, 422), url
        assert "detail" in response.json()
    project = client.post("/api/projects", json={"name": "p"}).json()
    response = client.get(f"/api/projects/{project['id']}/samples/99999999999999999999")
    assert response.status_code == 422
