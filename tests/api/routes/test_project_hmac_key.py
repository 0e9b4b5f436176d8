"""A project's HMAC key is stored encrypted: the database never holds it in clear, signed
uploads still verify, and a key sealed under another MCUFORGE_SECRET_KEY is a clear 409."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

import worker.celery_app
from backend.db.session import get_engine
from backend.services import secret_box
from backend.settings import settings
from tests.utils.api import create_project, stored_counts, upload
from tests.utils.files import acquisition_json, wav_bytes
from worker.celery_app import make_celery_app
from worker.job_runtime import run_job
from worker.projects.clone import run_clone_project

KEY = "hmac-key-that-must-never-be-stored-in-clear"


def _project_row(project_id: int) -> dict[str, object]:
    with get_engine().connect() as connection:
        row = connection.execute(
            text("SELECT * FROM projects WHERE id = :id"), {"id": project_id}
        ).mappings().one()
    return dict(row)


def _assert_stored_encrypted(project_id: int, key: str) -> None:
    row = _project_row(project_id)
    assert "hmac_key" not in row  # the clear-text column is gone
    assert all(key not in str(value) for value in row.values())
    assert secret_box.decrypt(str(row["hmac_key_encrypted"])) == key


def test_the_key_is_stored_encrypted_on_create_and_update(client: TestClient) -> None:
    project = create_project(client, "signed", hmac_key=KEY)
    assert project["hmac_key_set"] is True and "hmac_key" not in project
    _assert_stored_encrypted(project["id"], KEY)
    other = KEY + "-rotated"
    response = client.patch(f"/api/projects/{project['id']}", json={"hmac_key": other})
    assert response.status_code == 200, response.text
    _assert_stored_encrypted(project["id"], other)
    response = client.patch(f"/api/projects/{project['id']}", json={"hmac_key": None})
    assert response.json()["hmac_key_set"] is False
    assert _project_row(project["id"])["hmac_key_encrypted"] is None


def test_signed_uploads_verify_against_the_stored_key(
    client: TestClient, rng: np.random.Generator
) -> None:
    project = create_project(client, "signed", hmac_key=KEY)
    response = upload(
        client,
        project["id"],
        [
            ("good.1.json", acquisition_json(rng, hmac_key=KEY)),
            ("bad.1.json", acquisition_json(rng, hmac_key="another key")),
        ],
    )
    assert response.status_code == 207, response.text
    assert [s["filename"] for s in response.json()["accepted"]] == ["good.1.json"]
    assert "signature does not match" in response.json()["rejected"][0]["error"]


def test_a_key_stored_under_another_secret_key_is_a_clear_409_until_set_again(
    client: TestClient, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = create_project(client, "signed", hmac_key=KEY)
    monkeypatch.setattr(settings, "secret_key", "the server's secret key was changed")
    signed = acquisition_json(rng, hmac_key=KEY)
    for files in ([("a.1.json", signed)], [("a.1.wav", wav_bytes(rng, seconds=0.01))]):
        response = upload(client, project["id"], files)
        assert response.status_code == 409, response.text
        detail = response.json()["detail"]
        assert "another MCUFORGE_SECRET_KEY" in detail and "set the HMAC key again" in detail
        assert f"PATCH /api/projects/{project['id']}" in detail
        assert KEY not in response.text
    assert stored_counts() == (0, 0)
    # The project itself still reads, and setting the key again is the fix.
    assert client.get(f"/api/projects/{project['id']}").json()["hmac_key_set"] is True
    response = client.patch(f"/api/projects/{project['id']}", json={"hmac_key": KEY})
    assert response.status_code == 200, response.text
    assert upload(client, project["id"], [("a.1.json", signed)]).status_code == 201


def test_a_signed_project_clones_even_with_an_unreadable_key_and_the_copy_has_none(
    client: TestClient,
    new_client: Callable[[str], TestClient],
    rng: np.random.Generator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        worker.celery_app, "celery_app", make_celery_app(redis_url=None, data_dir=tmp_path)
    )
    project = create_project(client, "open", hmac_key=KEY)
    assert upload(client, project["id"], [("a.1.json", acquisition_json(rng, hmac_key=KEY))]).status_code == 201
    client.patch(f"/api/projects/{project['id']}", json={"is_public": True})
    monkeypatch.setattr(settings, "secret_key", "the server's secret key was changed")
    carol = new_client("carol")
    job = carol.post(f"/api/public/projects/{project['id']}/clone").json()
    assert run_job(job["id"], run_clone_project) == "succeeded"
    copy = carol.get(f"/api/projects/{job['project_id']}").json()
    assert copy["hmac_key_set"] is False and copy["sample_count"] == 1
    assert _project_row(copy["id"])["hmac_key_encrypted"] is None
