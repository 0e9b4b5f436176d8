"""The health route says whether jobs can run: the database and the broker answer and a worker
was seen within the heartbeat window; otherwise 503 with the reason. Liveness always answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from backend.api.deps import get_db
from backend.db.models.common import utcnow
from backend.db.session import get_sessionmaker
from backend.settings import settings
from worker.worker_heartbeats import record_heartbeat


def beat(name: str = "mcuforge-41@box", *, seconds_ago: float = 0.0) -> None:
    with get_sessionmaker()() as session:
        record_heartbeat(
            session,
            name=name,
            host="box",
            pid=41,
            queues=["mcuforge"],
            active_jobs=1,
            now=utcnow() - timedelta(seconds=seconds_ago),
        )


@pytest.fixture
def embedded_broker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(settings, "redis_url", None)
    monkeypatch.setattr(settings, "data_dir", tmp_path)
    return tmp_path


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the probe is closed


def test_health_is_ok_with_a_live_worker_and_lists_it(
    client: TestClient, database_url: str, embedded_broker: Path
) -> None:
    beat()

    response = client.get("/api/health")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok" and body["problems"] == []
    assert body["database_reachable"] is True and body["broker_reachable"] is True
    assert body["database"] == database_url.split(":", 1)[0].split("+", 1)[0]
    assert body["broker"] == "embedded"
    (worker,) = body["workers"]
    assert worker["name"] == "mcuforge-41@box" and worker["host"] == "box"
    assert worker["queues"] == ["mcuforge"] and worker["active_jobs"] == 1
    assert set(worker) == {"name", "host", "queues", "active_jobs", "started_at", "last_seen_at"}


def test_health_is_503_when_no_worker_was_seen_within_the_window(
    client: TestClient, embedded_broker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "worker_seen_within_seconds", 20.0)
    beat("mcuforge-1@gone", seconds_ago=21)

    response = client.get("/api/health")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["workers"] == []
    assert body["problems"] == ["no worker has been seen in the last 20 s: jobs cannot run"]
    assert body["database_reachable"] is True and body["broker_reachable"] is True


def test_health_is_503_naming_the_broker_when_redis_cannot_be_reached(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    beat()
    monkeypatch.setattr(settings, "redis_url", f"redis://:hunter2@127.0.0.1:{closed_port()}/0")

    response = client.get("/api/health")

    assert response.status_code == 503
    body = response.json()
    assert body["broker"] == "redis" and body["broker_reachable"] is False
    assert body["problems"] == [
        "the broker (Redis) did not answer a PING within 1 s (ConnectionError)"
    ]
    assert "hunter2" not in response.text and "127.0.0.1" not in response.text


@pytest.mark.redis
def test_health_is_ok_on_a_reachable_redis(
    client: TestClient, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    beat()
    monkeypatch.setattr(settings, "redis_url", redis_url)

    response = client.get("/api/health")

    assert response.status_code == 200, response.text
    assert response.json()["broker_reachable"] is True


def test_health_is_503_when_the_embedded_brokers_folder_is_unusable(
    client: TestClient, embedded_broker: Path
) -> None:
    beat()
    (embedded_broker / "broker").write_text("a file where the broker's folder should be")

    response = client.get("/api/health")

    assert response.status_code == 503
    body = response.json()
    assert body["broker_reachable"] is False
    assert body["problems"][0].startswith("the embedded broker's folder in the data directory")


def test_health_is_503_naming_the_database_when_it_cannot_be_reached(
    app: FastAPI, anonymous_client: TestClient, embedded_broker: Path
) -> None:
    unreachable = create_engine(f"sqlite:///{embedded_broker / 'no-such-folder' / 'x.db'}")

    def unreachable_session() -> Iterator[Session]:
        with Session(unreachable) as session:
            yield session

    app.dependency_overrides[get_db] = unreachable_session
    try:
        response = anonymous_client.get("/api/health")
    finally:
        app.dependency_overrides.clear()
        unreachable.dispose()

    assert response.status_code == 503
    body = response.json()
    assert body["database_reachable"] is False and body["workers"] == []
    assert body["problems"] == ["the database cannot be reached (OperationalError)"]


def test_liveness_answers_without_any_worker(client: TestClient) -> None:
    response = client.get("/api/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_project_ids_past_the_database_range_are_rejected(client: TestClient) -> None:
    response = client.get(f"/api/projects/{2**40}")
    assert response.status_code == 422
    assert client.get("/api/projects/0").status_code == 422
