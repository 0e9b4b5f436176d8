"""Public projects: listed for everyone, read-only for non-members, cloned by a job with progress
into the caller's own project (samples with values, impulses, settings; no members or keys)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import worker.celery_app
from backend.db.models import SampleData
from backend.db.session import get_sessionmaker
from tests.utils.api import create_project, upload
from tests.utils.files import wav_bytes
from worker.celery_app import make_celery_app
from worker.job_runtime import run_job
from worker.projects.clone import run_clone_project


@pytest.fixture(autouse=True)
def embedded_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        worker.celery_app, "celery_app", make_celery_app(redis_url=None, data_dir=tmp_path)
    )


def _public_project(client: TestClient, rng: np.random.Generator) -> dict:
    project = create_project(client, "open data", description="shared", downmix_audio=True)
    files = [(f"yes.{k}.wav", wav_bytes(rng)) for k in range(3)]
    assert upload(client, project["id"], files).status_code == 201
    impulse = client.post(f"/api/projects/{project['id']}/impulses", json={"name": "kws"})
    assert impulse.status_code == 201, impulse.text
    client.post(f"/api/projects/{project['id']}/members", json={"user": "bob"})
    client.post(f"/api/projects/{project['id']}/api-keys", json={"name": "k"})
    made_public = client.patch(f"/api/projects/{project['id']}", json={"is_public": True})
    assert made_public.json()["is_public"] is True
    return project


def test_public_projects_are_listed_and_readable_by_anyone_but_not_writable(
    client: TestClient,
    new_client: Callable[[str], TestClient],
    anonymous_client: TestClient,
    rng: np.random.Generator,
) -> None:
    new_client("bob")
    private = create_project(client, "private")
    project = _public_project(client, rng)
    listed = anonymous_client.get("/api/public/projects").json()
    assert [p["name"] for p in listed["data"]] == ["open data"]
    base = f"/api/projects/{project['id']}"
    assert anonymous_client.get(f"{base}/samples").json()["count"] == 3
    assert anonymous_client.get(f"/api/projects/{private['id']}").status_code == 401
    assert anonymous_client.delete(base).status_code == 401
    stranger = new_client("stranger")
    assert stranger.get(f"{base}/impulses").status_code == 200
    assert stranger.post(f"{base}/samples/rebalance").status_code == 403
    assert stranger.get(f"{base}/members").status_code == 403
    assert anonymous_client.post(f"/api/public/projects/{project['id']}/clone").status_code == 401


def test_clone_copies_data_impulses_and_settings_as_a_job_not_members_or_keys(
    client: TestClient, new_client: Callable[[str], TestClient], rng: np.random.Generator
) -> None:
    new_client("bob")
    project = _public_project(client, rng)
    carol = new_client("carol")
    job = carol.post(f"/api/public/projects/{project['id']}/clone")
    assert job.status_code == 202, job.text
    job_body = job.json()
    copy_id = job_body["project_id"]
    assert job_body["kind"] == "projects.clone" and copy_id != project["id"]
    assert run_job(job_body["id"], run_clone_project) == "succeeded"
    finished = carol.get(f"/api/projects/{copy_id}/jobs/{job_body['id']}").json()
    assert finished["progress"] == 100 and finished["result"]["samples"] == 3
    copy = carol.get(f"/api/projects/{copy_id}").json()
    assert (copy["name"], copy["role"], copy["is_public"]) == ("open data", "owner", False)
    assert (copy["description"], copy["downmix_audio"]) == ("shared", True)
    source_samples = client.get(f"/api/projects/{project['id']}/samples").json()["data"]
    copied = carol.get(f"/api/projects/{copy_id}/samples").json()["data"]
    assert sorted(s["filename"] for s in copied) == sorted(s["filename"] for s in source_samples)
    with get_sessionmaker()() as session:
        def values(ids: list[int]) -> list[bytes]:
            rows = session.scalars(select(SampleData.values).where(SampleData.sample_id.in_(ids)))
            return sorted(rows)

        assert values([s["id"] for s in copied]) == values([s["id"] for s in source_samples])
    assert [i["name"] for i in carol.get(f"/api/projects/{copy_id}/impulses").json()["data"]] == [
        "kws"
    ]
    members = carol.get(f"/api/projects/{copy_id}/members").json()["data"]
    assert [m["username"] for m in members] == ["carol"]
    assert carol.get(f"/api/projects/{copy_id}/api-keys").json()["count"] == 0


def test_a_project_made_private_before_the_clone_runs_is_not_copied(
    client: TestClient, new_client: Callable[[str], TestClient], rng: np.random.Generator
) -> None:
    new_client("bob")
    project = _public_project(client, rng)
    carol = new_client("carol")
    job = carol.post(f"/api/public/projects/{project['id']}/clone").json()
    client.patch(f"/api/projects/{project['id']}", json={"is_public": False})
    assert run_job(job["id"], run_clone_project) == "failed"
    assert carol.get(f"/api/projects/{job['project_id']}/samples").json()["count"] == 0
    assert carol.post(f"/api/public/projects/{project['id']}/clone").status_code == 404
