"""Hostile input: injection in filters and sort parameters, odd names in uploads, oversized
bodies. No 5xx, no data of another project, nothing stored from a refused request."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from backend.db.models import Project
from backend.db.session import get_sessionmaker
from backend.settings import settings
from tests.utils.api import raw_multipart, stored_counts
from tests.utils.files import wav_bytes
from tests.utils.world import LEAK_MARKER, World, add_sample, build_project

INJECTIONS = [
    "x' OR 1=1 --",
    "x\" OR \"1\"=\"1",
    "'; DROP TABLE samples; --",
    "' UNION SELECT filename FROM samples --",
    "%",
    "_",
    "\\",
    "\x00",
    "label\r\nSet-Cookie: x=1",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "a" * 5000,
]


@pytest.fixture
def target(world: World) -> tuple[int, dict[str, str]]:
    project_id, _keys = build_project(world)
    with get_sessionmaker()() as session:
        add_sample(session, project_id, label="yes", name="yes.1.wav")
        session.commit()
    return project_id, world.headers("owner", {})


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_in_filters_matches_nothing_and_reveals_nothing(
    http: TestClient, target: tuple[int, dict[str, str]], value: str
) -> None:
    project_id, headers = target
    base = f"/api/projects/{project_id}"
    for url, params in (
        (f"{base}/samples", {"label": value}),
        (f"{base}/samples", {"category": value}),
        (f"{base}/jobs", {"kind": value}),
        (f"{base}/jobs", {"state": value}),
        ("/api/projects", {"name": value}),
        ("/api/projects", {"name": value, "include_public": "true"}),
    ):
        response = http.get(url, params=params, headers=headers)
        assert response.status_code in (200, 422), f"{url} {params}: {response.text[:200]}"
        assert LEAK_MARKER not in response.text.lower()
        if response.status_code == 200:
            assert response.json()["count"] == 0, f"{url} {params} matched {response.text[:200]}"
    # The table is still there and the owner's own sample still listed.
    assert http.get(f"{base}/samples", headers=headers).json()["count"] == 1


@pytest.mark.parametrize(
    "sort", ["id;DROP TABLE samples", "created_at desc", "label,(select 1)", "-zebra", "1", ""]
)
def test_sort_accepts_only_the_listed_orders(
    http: TestClient, target: tuple[int, dict[str, str]], sort: str
) -> None:
    project_id, headers = target
    response = http.get(f"/api/projects/{project_id}/samples", params={"sort": sort}, headers=headers)
    assert response.status_code == 422 and "sort" in response.text
    assert http.get(f"/api/projects/{project_id}/samples", headers=headers).json()["count"] == 1


@pytest.mark.parametrize(
    "filename",
    ["../../etc/passwd.wav", "..\\..\\boot.ini.wav", "/abs/path.wav", "x\x00.wav", "~root/.ssh.wav"],
)
def test_path_like_upload_names_never_leave_the_project(
    http: TestClient, target: tuple[int, dict[str, str]], world: World, filename: str
) -> None:
    """Names are only labels in the database: whatever the name, the file lands in the project
    it was sent to or is refused, and nothing on disk is touched."""
    project_id, headers = target
    before = stored_counts()
    body, multipart = raw_multipart([(filename, wav_bytes(np.random.default_rng(1)))])
    response = http.post(
        f"/api/projects/{project_id}/samples", content=body, headers={**headers, **multipart}
    )
    assert response.status_code in (201, 422), response.text
    stored, _ = stored_counts()
    assert stored - before[0] == (1 if response.status_code == 201 else 0)
    other = http.get(
        f"/api/projects/{world.other_project_id}/samples", headers=world.headers("outsider", {})
    ).json()
    assert other["count"] == 1  # the other project got nothing


def test_oversized_json_bodies_are_413_before_any_handler(
    http: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id, _keys = build_project(world)
    headers = world.headers("owner", {})
    huge = "x" * (settings.max_json_body_bytes + 1)
    for method, url, body in (
        ("PATCH", f"/api/projects/{project_id}", {"description": huge}),
        ("POST", "/api/projects", {"name": "big", "description": huge}),
        ("POST", "/api/auth/signin", {"username": "owner", "password": huge}),
        ("POST", f"/api/projects/{project_id}/impulses", {"name": huge}),
    ):
        response = http.request(method, url, json=body, headers=headers)
        assert response.status_code == 413, f"{method} {url}: {response.status_code}"
    with get_sessionmaker()() as session:
        project = session.get(Project, project_id)
        assert project is not None and project.description == ""
