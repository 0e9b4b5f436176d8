"""The jobs API: self-check jobs, list, read, logs, cancel and the Server-Sent Events stream.

Jobs are enqueued on a real embedded (filesystem) broker in a temporary folder and run by the
job runtime in a thread, as a worker would; tests/worker runs them in real worker processes.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

import worker.celery_app
from backend.db.models import Job, JobState
from backend.db.session import get_sessionmaker
from backend.settings import settings
from tests.utils.api import create_project
from tests.worker.jobs_helpers import read_job
from worker.celery_app import embedded_broker_folders, make_celery_app
from worker.job_runtime import run_job
from worker.self_check import run_self_check

Event = dict[str, Any]


@pytest.fixture(autouse=True)
def embedded_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Enqueue on an embedded broker of our own, not the one in the repository's data folder."""
    app = make_celery_app(redis_url=None, data_dir=tmp_path)
    monkeypatch.setattr(worker.celery_app, "celery_app", app)
    return embedded_broker_folders(tmp_path)["data_folder_out"]


def start_check(client: TestClient, project_id: int, **params: Any) -> dict[str, Any]:
    response = client.post(f"/api/projects/{project_id}/jobs/check", json=params)
    assert response.status_code == 202, response.text
    return response.json()


def run_in_thread(job_id: int) -> threading.Thread:
    runner = threading.Thread(target=run_job, args=(job_id, run_self_check))
    runner.start()
    return runner


def read_events(client: TestClient, url: str, **kwargs: Any) -> Iterator[Event]:
    """Parse a text/event-stream response into {"event", "data", "id"} dicts."""
    with client.stream("GET", url, **kwargs) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        event: Event = {}
        for line in response.iter_lines():
            if not line:
                if event:
                    yield event
                event = {}
            elif line.startswith(":"):
                continue  # keep-alive comment
            else:
                field, _, value = line.partition(": ")
                event[field] = json.loads(value) if field == "data" else value


def test_check_job_is_written_queued_then_enqueued(
    client: TestClient, embedded_broker: Path
) -> None:
    project = create_project(client)

    job = start_check(client, project["id"], seconds=0.1, steps=2)

    assert (job["kind"], job["state"], job["progress"]) == ("worker.check", "queued", 0)
    assert job["params"] == {"seconds": 0.1, "steps": 2, "fail": False}
    messages = list(embedded_broker.glob("*.msg"))
    assert len(messages) == 1
    message = json.loads(messages[0].read_text())
    assert message["headers"]["task"] == "mcuforge.worker.check"
    assert json.loads(base64.b64decode(message["body"]))[0] == [job["id"]]


def test_read_job_shows_the_outcome_and_the_log(client: TestClient) -> None:
    project = create_project(client)
    job = start_check(client, project["id"], seconds=0, steps=3)
    run_in_thread(job["id"]).join(timeout=30)

    response = client.get(f"/api/projects/{project['id']}/jobs/{job['id']}")

    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["progress"], body["attempts"]) == ("succeeded", 100, 1)
    assert body["result"]["steps"] == 3
    lines = [log["line"] for log in body["logs"]]
    assert lines[0] == "queued worker.check" and lines[-1] == "succeeded"
    assert sum(line.startswith("step ") for line in lines) == 3
    assert body["finished_at"].endswith("Z") or body["finished_at"].endswith("+00:00")


def test_log_lines_can_be_followed_with_since_id(client: TestClient) -> None:
    project = create_project(client)
    job = start_check(client, project["id"], seconds=0, steps=2)
    url = f"/api/projects/{project['id']}/jobs/{job['id']}/logs"
    first = client.get(url).json()["data"]
    run_in_thread(job["id"]).join(timeout=30)

    later = client.get(url, params={"since_id": first[-1]["id"]}).json()["data"]

    assert [line["line"] for line in first] == ["queued worker.check"]
    assert later[-1]["line"] == "succeeded"
    assert all(line["id"] > first[-1]["id"] for line in later)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"seconds": -1}, "Input should be greater than or equal to 0"),
        ({"steps": 0}, "Input should be greater than or equal to 1"),
        ({"seconds": 1, "sleep": True}, "Extra inputs are not permitted"),
    ],
)
def test_bad_check_parameters_are_refused_and_nothing_is_stored(
    client: TestClient, body: dict[str, Any], message: str
) -> None:
    project = create_project(client)

    response = client.post(f"/api/projects/{project['id']}/jobs/check", json=body)

    assert response.status_code == 422
    assert message in json.dumps(response.json()["detail"])
    assert client.get(f"/api/projects/{project['id']}/jobs").json()["count"] == 0


def test_jobs_are_listed_newest_first_with_state_filter_and_limit(client: TestClient) -> None:
    project = create_project(client)
    ids = [start_check(client, project["id"], seconds=0, steps=1)["id"] for _ in range(3)]
    run_in_thread(ids[0]).join(timeout=30)
    url = f"/api/projects/{project['id']}/jobs"

    everything = client.get(url).json()
    queued = client.get(url, params={"state": "queued"}).json()
    newest = client.get(url, params={"limit": 1}).json()

    assert [job["id"] for job in everything["data"]] == ids[::-1]
    assert [job["id"] for job in queued["data"]] == ids[:0:-1] and queued["count"] == 2
    assert [job["id"] for job in newest["data"]] == [ids[2]] and newest["count"] == 3
    assert client.get(url, params={"state": "sleeping"}).status_code == 422


def test_a_job_of_another_project_is_not_found(client: TestClient) -> None:
    mine, other = create_project(client, "mine"), create_project(client, "other")
    job = start_check(client, other["id"], seconds=0, steps=1)
    base = f"/api/projects/{mine['id']}/jobs/{job['id']}"

    for response in [
        client.get(base),
        client.get(f"{base}/logs"),
        client.get(f"{base}/stream"),
        client.post(f"{base}/cancel"),
    ]:
        assert response.status_code == 404
        assert response.json()["detail"] == (
            f"job {job['id']} does not exist in project {mine['id']}"
        )
    assert client.get("/api/projects/999/jobs").status_code == 404
    assert read_job(job["id"]).state == JobState.queued


def test_cancel_a_queued_job_then_409_once_it_has_ended(client: TestClient) -> None:
    project = create_project(client)
    job = start_check(client, project["id"], seconds=0, steps=1)
    url = f"/api/projects/{project['id']}/jobs/{job['id']}/cancel"

    cancelled = client.post(url)
    again = client.post(url)

    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"job {job['id']} is already cancelled; only queued or running jobs can be cancelled"
    )
    assert run_job(job["id"], run_self_check) is None  # the task, when it comes, does nothing
    assert read_job(job["id"]).started_at is None


@pytest.mark.timeout(60)
def test_stream_sends_progress_log_and_state_until_the_job_ends(client: TestClient) -> None:
    project = create_project(client)
    job = start_check(client, project["id"], seconds=1.5, steps=5)
    runner = run_in_thread(job["id"])

    events = list(read_events(client, f"/api/projects/{project['id']}/jobs/{job['id']}/stream"))
    runner.join(timeout=30)

    states = [event["data"]["state"] for event in events if event["event"] == "state"]
    progress = [event["data"]["progress"] for event in events if event["event"] == "progress"]
    logs = [event["data"]["line"] for event in events if event["event"] == "log"]
    assert states[-1] == "succeeded" and "running" in states
    assert events[-1]["event"] == "state"
    assert progress == sorted(progress) and progress[-1] == 100 and len(progress) >= 3
    assert sum(line.startswith("step ") for line in logs) == 5
    assert [int(e["id"]) for e in events if e["event"] == "log"] == sorted(
        int(e["id"]) for e in events if e["event"] == "log"
    )


@pytest.mark.timeout(60)
def test_stream_resumes_after_the_last_event_id(client: TestClient) -> None:
    project = create_project(client)
    job = start_check(client, project["id"], seconds=0, steps=2)
    run_in_thread(job["id"]).join(timeout=30)
    url = f"/api/projects/{project['id']}/jobs/{job['id']}/stream"
    all_logs = [e for e in read_events(client, url) if e["event"] == "log"]

    resumed = [
        e
        for e in read_events(client, url, headers={"Last-Event-ID": all_logs[1]["id"]})
        if e["event"] == "log"
    ]

    assert [e["id"] for e in resumed] == [e["id"] for e in all_logs[2:]]


@pytest.mark.timeout(60)
def test_a_job_whose_worker_died_is_failed_when_read_and_its_stream_ends(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "job_stale_after_seconds", 30)
    project = create_project(client)
    job = start_check(client, project["id"], seconds=60)
    with get_sessionmaker()() as session:
        session.execute(
            update(Job)
            .where(Job.id == job["id"])
            .values(state=JobState.running, worker="gone-host:1", heartbeat_at=None)
        )
        session.commit()
    url = f"/api/projects/{project['id']}/jobs/{job['id']}"
    assert client.get(url).json()["state"] == "running"  # started_at unset: not yet stale

    with get_sessionmaker()() as session:
        session.execute(
            update(Job).where(Job.id == job["id"]).values(heartbeat_at=datetime(2020, 1, 1))
        )
        session.commit()
    events = list(read_events(client, f"{url}/stream"))

    assert events[-1]["event"] == "state" and events[-1]["data"]["state"] == "failed"
    assert events[-1]["data"]["error"].startswith(
        "the worker running this job stopped (last heartbeat at 2020-01-01T00:00:00"
    )
    assert client.get(f"/api/projects/{project['id']}/jobs").json()["data"][0]["state"] == "failed"


def test_an_unreachable_broker_answers_503_and_fails_the_job(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed_port_app = make_celery_app(redis_url="redis://127.0.0.1:1/0", data_dir=tmp_path)
    monkeypatch.setattr(worker.celery_app, "celery_app", closed_port_app)
    project = create_project(client)

    response = client.post(f"/api/projects/{project['id']}/jobs/check", json={})

    assert response.status_code == 503
    assert response.json()["detail"].startswith(
        "the job queue could not be reached, so the job was not started: "
    )
    (job,) = client.get(f"/api/projects/{project['id']}/jobs").json()["data"]
    assert job["state"] == "failed" and job["error"] == response.json()["detail"]


def test_visitors_of_a_public_project_see_no_failures_errors_or_logs(
    client: TestClient, anonymous_client: TestClient, new_client: Any
) -> None:
    project = create_project(client)
    base = f"/api/projects/{project['id']}/jobs"
    failed = start_check(client, project["id"], seconds=0, steps=1, fail=True)
    run_in_thread(failed["id"]).join(timeout=30)
    succeeded = start_check(client, project["id"], seconds=0, steps=2)
    run_in_thread(succeeded["id"]).join(timeout=30)
    made_public = client.patch(f"/api/projects/{project['id']}", json={"is_public": True})
    assert made_public.status_code == 200, made_public.text
    owner_view = client.get(base).json()
    assert {job["state"] for job in owner_view["data"]} == {"failed", "succeeded"}
    assert any(job["error"] for job in owner_view["data"])
    stranger = new_client("stranger")

    for visitor in (anonymous_client, stranger):
        listed = visitor.get(base)
        assert listed.status_code == 200, listed.text
        assert [job["id"] for job in listed.json()["data"]] == [succeeded["id"]]
        assert listed.json()["count"] == 1
        assert all(job["error"] is None for job in listed.json()["data"])
        assert visitor.get(base, params={"state": "failed"}).json()["data"] == []
        assert visitor.get(f"{base}/{failed['id']}").status_code == 404
        assert visitor.get(f"{base}/{failed['id']}/logs").status_code == 404
        detail = visitor.get(f"{base}/{succeeded['id']}").json()
        assert detail["state"] == "succeeded" and detail["logs"] == []
        assert visitor.get(f"{base}/{succeeded['id']}/logs").json()["data"] == []
        events = list(read_events(visitor, f"{base}/{succeeded['id']}/stream"))
        assert [e["event"] for e in events if e["event"] == "log"] == []
        assert events[-1]["data"]["state"] == "succeeded"
    # Members still read everything.
    assert client.get(f"{base}/{failed['id']}").json()["error"]
    assert client.get(f"{base}/{succeeded['id']}/logs").json()["data"]
