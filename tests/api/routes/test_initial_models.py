"""Keras files uploaded to start a detector from: checked by size and container, refused with a
clear 4xx that stores nothing, listed and deleted; only editors may upload."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from backend.settings import settings
from tests.utils.api import create_project

KERAS = b"PK\x03\x04" + b"\x00" * 60  # a zip's first bytes: never opened outside the sandbox
H5 = b"\x89HDF\r\n\x1a\n" + b"\x00" * 60


def _upload(client: TestClient, project_id: int, name: str, content: bytes) -> object:
    return client.post(
        f"/api/projects/{project_id}/initial-models", files={"file": (name, content)}
    )


def _listed(client: TestClient, project_id: int) -> list[dict]:
    response = client.get(f"/api/projects/{project_id}/initial-models")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_keras_and_h5_files_are_stored_listed_and_deleted(client: TestClient) -> None:
    project_id = int(create_project(client, "backbones")["id"])
    keras = _upload(client, project_id, "../../mobilenet.keras", KERAS)
    assert keras.status_code == 201, keras.text
    assert keras.json()["file_name"] == "mobilenet.keras"
    assert keras.json()["kind"] == "uploaded-keras"
    assert keras.json()["size_bytes"] == len(KERAS)
    h5 = _upload(client, project_id, "weights.h5", H5)
    assert h5.status_code == 201, h5.text
    assert h5.json()["content_type"] == "application/x-hdf5"
    assert [f["id"] for f in _listed(client, project_id)] == [keras.json()["id"], h5.json()["id"]]

    url = f"/api/projects/{project_id}/initial-models/{keras.json()['id']}"
    assert client.delete(url).status_code == 204
    assert client.delete(url).status_code == 404
    assert [f["id"] for f in _listed(client, project_id)] == [h5.json()["id"]]


def test_a_file_that_is_not_keras_is_refused_and_nothing_stored(client: TestClient) -> None:
    project_id = int(create_project(client, "backbones")["id"])
    for name, content in (
        ("model.keras", b"import os; os.system('boom')"),
        ("model.tflite", b"\x1c\x00\x00\x00TFL3" + b"\x00" * 40),
        ("empty.keras", b""),
    ):
        response = _upload(client, project_id, name, content)
        assert response.status_code == 422, response.text
        assert name in response.json()["detail"]
    text = client.post(
        f"/api/projects/{project_id}/initial-models", data={"file": "not a file"}
    )
    assert text.status_code in (400, 422), text.text
    assert _listed(client, project_id) == []


def test_a_file_over_the_limit_is_refused_with_413(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id = int(create_project(client, "backbones")["id"])
    monkeypatch.setattr(settings, "max_initial_model_bytes", 1024)
    response = _upload(client, project_id, "big.keras", KERAS + b"\x00" * 2048)
    assert response.status_code == 413, response.text
    assert "at most 1024 bytes" in response.json()["detail"]
    assert _upload(client, project_id, "small.keras", KERAS).status_code == 201
    assert len(_listed(client, project_id)) == 1


def test_a_viewer_may_list_but_not_upload_or_delete(
    client: TestClient, new_client: Callable[[str], TestClient]
) -> None:
    viewer = new_client("vera")
    project_id = int(create_project(client, "backbones")["id"])
    members = f"/api/projects/{project_id}/members"
    assert client.post(members, json={"user": "vera", "role": "viewer"}).status_code == 201
    stored = _upload(client, project_id, "mine.keras", KERAS)
    assert stored.status_code == 201
    refused = _upload(viewer, project_id, "theirs.keras", KERAS)
    assert refused.status_code == 403, refused.text
    assert "write" in refused.json()["detail"]
    url = f"/api/projects/{project_id}/initial-models/{stored.json()['id']}"
    assert viewer.delete(url).status_code == 403
    assert [f["file_name"] for f in _listed(viewer, project_id)] == ["mine.keras"]
