"""Shortcuts for the API tests: sign up, create a project, upload files, count what is stored."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backend.db.models import Sample, SampleData
from backend.db.session import get_sessionmaker

Client = TestClient | httpx.Client


PASSWORD = "correct horse battery"


def sign_up(client: Client, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """Sign `client` up as `username`; it keeps the session cookie and sends the CSRF header."""
    response = client.post(
        "/api/auth/signup",
        json={"username": username, "email": f"{username}@example.org", "password": password},
    )
    assert response.status_code == 201, response.text
    session = response.json()
    client.headers["X-CSRF-Token"] = session["csrf_token"]
    return session


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


def raw_multipart(
    files: list[tuple[str, bytes]], fields: dict[str, str] | None = None, boundary: str = "b0undary"
) -> tuple[bytes, dict[str, str]]:
    """A multipart body written by hand, so names reach the server exactly as given (httpx escapes
    control characters). Returns (body, headers)."""
    parts = []
    for name, value in (fields or {}).items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for filename, data in files:
        header = f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n\r\n'
        parts.append(header.encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, {"content-type": f"multipart/form-data; boundary={boundary}"}
