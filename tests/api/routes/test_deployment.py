"""Deployment routes that need no trained model, on SQLite and PostgreSQL: targets and their
availability, and what is refused before any job is written (with what is missing).
(Estimates, builds and downloads of a trained impulse: tests/deploy/test_deployment_job.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import worker.celery_app
from backend.db.models import Job
from backend.db.session import get_sessionmaker
from tests.utils.api import create_project
from worker.celery_app import make_celery_app

INPUT_BLOCK = {
    "axes": ["audio"],
    "frequency_hz": 16000,
    "window_size_ms": 1000,
    "window_increase_ms": 500,
    "zero_pad": True,
}
MFCC_BLOCK = {"id": 1, "type": "mfcc", "name": "MFCC", "params": {}}
CLASSIFIER = {"id": 1, "type": "classifier", "dsp_blocks": [1]}


@pytest.fixture(autouse=True)
def embedded_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        worker.celery_app, "celery_app", make_celery_app(redis_url=None, data_dir=tmp_path)
    )


def deployment_url(client: TestClient, learning_blocks: list[dict[str, object]]) -> str:
    project = create_project(client, "deployment routes")
    created = client.post(
        f"/api/projects/{project['id']}/impulses",
        json={
            "input_block": INPUT_BLOCK,
            "dsp_blocks": [MFCC_BLOCK],
            "learning_blocks": learning_blocks,
        },
    )
    assert created.status_code == 201, created.text
    return f"/api/projects/{project['id']}/impulses/{created.json()['id']}/deployment"


def job_count() -> int:
    with get_sessionmaker()() as session:
        return int(session.scalar(select(func.count()).select_from(Job)) or 0)


def test_targets_list_every_download_with_precisions_and_availability(
    client: TestClient,
) -> None:
    body = client.get(f"{deployment_url(client, [CLASSIFIER])}/targets").json()
    targets = {target["name"]: target for target in body["data"]}
    assert set(targets) == {
        "cpp-sdk", "arduino", "wasm", "tflite-int8", "tflite-float32", "savedmodel"
    }
    for library in ("cpp-sdk", "arduino", "wasm"):
        assert targets[library]["precisions"] == ["int8", "float32"]
    assert targets["tflite-float32"]["precisions"] == ["float32"]
    assert targets["cpp-sdk"]["available"] is True and targets["cpp-sdk"]["reason"] is None
    wasm = targets["wasm"]
    assert wasm["available"] is (wasm["reason"] is None)
    if not wasm["available"]:
        assert "emscripten" in wasm["reason"]


def test_no_trained_model_is_a_409_naming_what_to_do(client: TestClient) -> None:
    url = deployment_url(client, [CLASSIFIER])
    before = job_count()
    for response in (
        client.post(f"{url}/build", json={"target": "cpp-sdk"}),
        client.get(f"{url}/estimates", params={"board": "nano33ble"}),
    ):
        assert response.status_code == 409, response.text
        assert "no trained model; train it first" in response.json()["detail"]
    assert job_count() == before


def test_no_learning_block_is_a_409(client: TestClient) -> None:
    response = client.post(f"{deployment_url(client, [])}/build", json={"target": "arduino"})
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "no classifier, regression or object_detection learning block" in detail


def test_float32_libraries_are_taken_and_model_files_keep_their_precision(
    client: TestClient,
) -> None:
    url = deployment_url(client, [CLASSIFIER])
    before = job_count()
    for target in ("cpp-sdk", "arduino"):
        response = client.post(f"{url}/build", json={"target": target, "precision": "float32"})
        # Not refused for its precision: refused only because nothing is trained yet.
        assert response.status_code == 409, response.text
        assert "no trained model; train it first" in response.json()["detail"]
    assert job_count() == before
    wrong = client.post(f"{url}/build", json={"target": "tflite-int8", "precision": "float32"})
    assert wrong.status_code == 422 and "int8 only" in wrong.json()["detail"]


def test_unknown_target_board_or_field_is_422(client: TestClient) -> None:
    url = deployment_url(client, [CLASSIFIER])
    assert client.post(f"{url}/build", json={"target": "esp-idf"}).status_code == 422
    assert client.post(f"{url}/build", json={"target": "cpp-sdk", "x": 1}).status_code == 422
    board = client.post(f"{url}/build", json={"target": "cpp-sdk", "board": "pdp11"})
    assert board.status_code == 422 and "nano33ble" in board.json()["detail"]
    estimates = client.get(f"{url}/estimates", params={"board": "pdp11"})
    assert estimates.status_code == 422 and "unknown board" in estimates.json()["detail"]


def test_builds_list_is_empty_and_unknown_download_is_404(client: TestClient) -> None:
    url = deployment_url(client, [CLASSIFIER])
    assert client.get(f"{url}/builds").json() == {"data": [], "count": 0}
    assert client.get(f"{url}/builds/12345/download").status_code == 404


def test_deployment_keys_reach_deployment_routes_and_ingestion_keys_do_not(
    client: TestClient,
) -> None:
    url = deployment_url(client, [CLASSIFIER])
    project_id = url.split("/")[3]
    keys = {
        scope: client.post(
            f"/api/projects/{project_id}/api-keys", json={"name": scope, "scope": scope}
        ).json()["key"]
        for scope in ("ingestion+deployment", "ingestion")
    }
    with TestClient(client.app) as device:
        device.headers["x-api-key"] = keys["ingestion+deployment"]
        assert device.get(f"{url}/targets").status_code == 200
        assert device.get(f"{url}/builds").status_code == 200
        # Reaches the build route (and is refused for the model, not for the key).
        assert device.post(f"{url}/build", json={"target": "cpp-sdk"}).status_code == 409
        device.headers["x-api-key"] = keys["ingestion"]
        assert device.get(f"{url}/targets").status_code == 403
        assert device.post(f"{url}/build", json={"target": "cpp-sdk"}).status_code == 403
