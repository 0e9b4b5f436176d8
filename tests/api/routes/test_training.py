"""Training routes that need no TensorFlow, on SQLite and PostgreSQL: presets, learning blocks
checked on save, the script in expert mode, and what is refused before any job is written.
(Training itself, model testing, classification and downloads: tests/training.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

import worker.celery_app
from tests.conftest import require
from tests.utils.api import create_project, upload
from tests.utils.files import wav_bytes
from worker.celery_app import make_celery_app
from worker.training.sandbox_policy import expert_mode

INPUT_BLOCK = {"window_size_ms": 1000, "window_increase_ms": 500, "zero_pad": True}
MFCC_BLOCK = {"id": 1, "type": "mfcc", "name": "MFCC", "params": {}}


@pytest.fixture(autouse=True)
def embedded_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        worker.celery_app, "celery_app", make_celery_app(redis_url=None, data_dir=tmp_path)
    )


@pytest.fixture
def project_id(client: TestClient) -> int:
    project = create_project(client, "training routes")
    rng = np.random.default_rng(5)
    files = [
        (f"{label}.{i}.wav", wav_bytes(rng, seconds=1.0))
        for label in ("yes", "no")
        for i in range(2)
    ]
    assert upload(client, project["id"], files).status_code in (200, 201)
    return int(project["id"])


def put_impulse(client: TestClient, project_id: int, learning_blocks: list[dict[str, Any]]) -> Any:
    created = client.post(
        f"/api/projects/{project_id}/impulses",
        json={"input_block": INPUT_BLOCK, "dsp_blocks": [MFCC_BLOCK]},
    )
    assert created.status_code == 201, created.text
    return client.put(
        f"/api/projects/{project_id}/impulses/{created.json()['id']}",
        json={
            "input_block": INPUT_BLOCK,
            "dsp_blocks": [MFCC_BLOCK],
            "learning_blocks": learning_blocks,
        },
    )


def block_url(project_id: int, impulse_id: int, block_id: int = 1) -> str:
    return f"/api/projects/{project_id}/impulses/{impulse_id}/learning/{block_id}"


def test_presets_come_with_their_layers_for_an_input_shape(client: TestClient) -> None:
    response = client.get("/api/learning-presets", params={"input_shape": "50,13"})
    assert response.status_code == 200
    presets = {p["name"]: p for p in response.json()["data"]}
    assert set(presets) == {
        "conv1d_audio",
        "conv2d_audio",
        "ds_cnn_keywords",
        "dense_spectral",
        "mobilenet_images",
    }
    assert presets["conv1d_audio"]["layers"][0] == {"type": "reshape", "target_shape": [50, 13]}
    assert presets["mobilenet_images"]["layers"] is None
    assert presets["mobilenet_images"]["error"] == (
        "needs an image (height × width × channels) from the image block; "
        "this impulse gives 50 × 13 features (time × features)"
    )
    flat = {
        p["name"]: p
        for p in client.get("/api/learning-presets", params={"input_shape": "78"}).json()["data"]
    }
    assert flat["conv2d_audio"]["error"] == (
        "needs a 2-D input (time × features) such as MFCC or MFE; "
        "this impulse gives 78 features in one dimension"
    )
    assert [name for name, p in flat.items() if p["layers"] is not None] == ["dense_spectral"]
    bad = client.get("/api/learning-presets", params={"input_shape": "50,x"})
    assert bad.status_code == 422
    assert bad.json()["detail"] == (
        "input_shape '50,x' must be 1 to 4 positive sizes separated by commas, e.g. 50,13"
    )


def test_a_learning_block_is_stored_with_its_preset_layers(
    client: TestClient, project_id: int
) -> None:
    response = put_impulse(
        client,
        project_id,
        [
            {"id": 1, "dsp_blocks": [1], "settings": {"epochs": 30}},
            {"id": 2, "type": "anomaly", "dsp_blocks": [1]},
        ],
    )
    assert response.status_code == 200, response.text
    classifier, anomaly = response.json()["learning_blocks"]
    assert classifier["name"] == "Classifier"
    assert [layer["type"] for layer in classifier["layers"]] == [
        "reshape",
        "conv1d",
        "max_pooling1d",
        "dropout",
        "conv1d",
        "max_pooling1d",
        "dropout",
        "flatten",
    ]
    assert (
        classifier["settings"]["epochs"] == 30 and classifier["settings"]["learning_rate"] == 0.005
    )
    assert anomaly["anomaly"]["clusters"] == 32 and anomaly["layers"] is None


def test_a_preset_block_starts_with_its_presets_training_settings(
    client: TestClient, project_id: int
) -> None:
    """Settings left out take the preset's (a DS-CNN epoch costs ~10 of conv1d_audio's); those
    given, and blocks with their own layers, keep theirs."""
    presets = {p["name"]: p for p in client.get(
        "/api/learning-presets", params={"input_shape": "50,13"}).json()["data"]}
    assert presets["ds_cnn_keywords"]["settings"] == {"epochs": 40, "learning_rate": 0.005}
    response = put_impulse(client, project_id, [
        {"id": 1, "dsp_blocks": [1], "preset": "ds_cnn_keywords"},
        {"id": 2, "dsp_blocks": [1], "preset": "ds_cnn_keywords",
         "settings": {"epochs": 7, "batch_size": 16}},
        {"id": 3, "dsp_blocks": [1]},
        {"id": 4, "dsp_blocks": [1], "layers": [{"type": "flatten"}]},
    ])
    assert response.status_code == 200, response.text
    settings = [block["settings"] for block in response.json()["learning_blocks"]]
    assert [(s["epochs"], s["learning_rate"], s["batch_size"]) for s in settings] == [
        (40, 0.005, 32), (7, 0.005, 16), (100, 0.005, 32), (100, 0.005, 32)]


@pytest.mark.parametrize(
    ("block", "loc", "message"),
    [
        (
            {"id": 1, "dsp_blocks": [4]},
            ["body", "learning_blocks", 0, "dsp_blocks"],
            "DSP block(s) [4] are not in the impulse; its DSP blocks are [1]",
        ),
        (
            {"id": 1, "dsp_blocks": [1], "layers": [{"type": "dense", "units": 8}]},
            ["body", "learning_blocks", 0, "layers"],
            "the network cannot take features (50, 13): layer 1 (Dense): Dense needs a 1-D "
            "input (features) but receives (50, 13); add a Flatten layer before it",
        ),
        (
            # The default MFCC network is Conv1D, which tfmot cannot make quantization-aware.
            {"id": 1, "dsp_blocks": [1], "quantization_aware_training": True},
            ["body", "learning_blocks", 0, "quantization_aware_training"],
            "layer 2 (Conv1D) is not supported by quantization-aware training",
        ),
        (
            {
                "id": 1,
                "dsp_blocks": [1],
                "quantization_aware_training": True,
                "layers": [{"type": "flatten"}, {"type": "batch_normalization"}],
            },
            ["body", "learning_blocks", 0, "quantization_aware_training"],
            "layer 2 (BatchNormalization) cannot be made quantization-aware",
        ),
        (
            {"id": 1, "dsp_blocks": [1], "settings": {"learning_rate": 5}},
            ["body", "learning_blocks", 0, "settings", "learning_rate"],
            "Value error, learning_rate (Adam learning rate) is 5; it must be between 1e-06 and 1",
        ),
    ],
)
def test_a_bad_learning_block_is_a_422_naming_the_field(
    client: TestClient, project_id: int, block: dict[str, Any], loc: list[Any], message: str
) -> None:
    response = put_impulse(client, project_id, [block])
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == loc
    assert error["msg"].startswith(message), error["msg"]


def test_expert_mode_replaces_the_script_and_delete_returns_to_the_editor(
    client: TestClient, project_id: int
) -> None:
    impulse = put_impulse(client, project_id, [{"id": 1, "dsp_blocks": [1]}]).json()
    url = f"{block_url(project_id, impulse['id'])}/script"
    generated = client.get(url).json()
    assert (generated["expert"], generated["input_shape"]) == (False, [50, 13])
    assert "model.fit(" in generated["script"]
    mine = "model = None  # mine\n"
    mode = expert_mode()
    require(mode != "refused", "expert scripts are refused here: bubblewrap is unavailable")
    replaced = client.put(url, json={"script": mine}).json()
    assert replaced.pop("expert_mode_note")
    assert replaced == {
        "learning_block_id": 1,
        "expert": True,
        "input_shape": [50, 13],
        "script": mine,
        "expert_mode": mode,
    }
    assert client.get(url).json()["script"] == mine
    assert client.delete(url).json()["script"] == generated["script"]


def test_what_is_refused_before_a_job_is_written(client: TestClient, project_id: int) -> None:
    impulse = put_impulse(client, project_id, [{"id": 1, "dsp_blocks": [1]}]).json()
    base = block_url(project_id, impulse["id"])
    train = client.post(f"{base}/train")
    assert (train.status_code, train.json()["detail"]) == (
        409,
        "features of DSP block 1 (MFCC) have not been generated; generate features first",
    )
    bad = client.post(f"{base}/train", json={"settings": {"batch_size": 0}})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["msg"] == (
        "batch_size (windows per training step) is 0; it must be between 1 and 4096"
    )
    no_model = "learning block 1 has no trained model yet; train it first"
    for method, path in (("get", "model"), ("post", "test"), ("get", "test-results")):
        response = getattr(client, method)(f"{base}/{path}")
        assert (response.status_code, response.json()["detail"]) == (404, no_model)
    classify = client.post(f"{base}/classify", json={"sample_id": 1})
    assert (classify.status_code, classify.json()["detail"]) == (404, no_model)
    assert client.get(f"/api/projects/{project_id}/jobs").json()["count"] == 0
    missing_model = client.get(f"/api/projects/{project_id}/models/99/artifacts")
    assert missing_model.json()["detail"] == f"model 99 does not exist in project {project_id}"
    missing = client.get(f"/api/projects/{project_id}/artifacts/99/download")
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        f"artifact 99 does not exist in project {project_id}",
    )
