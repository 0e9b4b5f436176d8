"""Shortcuts for the API tests: create a project, upload files, count what is stored."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backend.db.models import Sample, SampleData
from backend.db.session import get_sessionmaker

Client = TestClient | httpx.Client


def create_project(client: Client, name: str = "keywords", **fields: Any) -> dict[str, Any]:
    response = client.post("/api/projects", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def upload(
    client: Client, project_id: int, files: list[tuple[str, bytes]], **form: Any
) -> httpx.Response:
    return client.post(
        f"/api/projects/{project_id}/samples",
        files=[("files", (name, data)) for name, data in files],
        data={key: str(value).lower() if isinstance(value, bool) else value for key, value in form.items()},
    )


def stored_counts() -> tuple[int, int]:
    """(samples, sample_data rows) in the whole database, read past the API."""
    with get_sessionmaker()() as session:
        samples = session.scalar(select(func.count()).select_from(Sample)) or 0
        data = session.scalar(select(func.count()).select_from(SampleData)) or 0
    return samples, data
