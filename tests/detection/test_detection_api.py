"""Object detection through the API, as a user clicks through it: images with boxes uploaded, an
impulse with the image block and an object_detection block, FOMO trained and tested (better
than chance), live classification returning the objects, a C++ SDK built by the deployment job,
and that SDK, fed the uploaded pixels, finding the platform's objects in every test image.

Jobs run in-process through `run_job`, as a worker runs them. 48x48 images: seconds to train.
"""

from __future__ import annotations

import io
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

import worker.celery_app
from backend.api.routes.auth import login_limiter
from backend.app import create_app
from backend.db.migrate import upgrade
from backend.db.models import Artifact, Sample, TrainedModel
from backend.db.session import get_sessionmaker, set_database_url
from tests.detection.host_decoder import parse_objects
from tests.utils.api import create_project, sign_up, upload
from tests.utils.shapes import SHAPE_LABELS, shapes_dataset
from tests.utils.world import add_trained_model
from worker.celery_app import make_celery_app
from worker.deployment.job import run_build_deployment
from worker.features.job import run_generate_features
from worker.job_runtime import run_job
from worker.learning.detection import DetectedObject
from worker.training.test_job import run_test_model
from worker.training.train_job import run_train_model

FRAME_DRIVER = Path(__file__).resolve().parent / "host_detect_frame.cpp"
SIZE = 48
TRAINING_IMAGES, TEST_IMAGES = 128, 24
IMAGE_BLOCK = {
    "id": 1, "type": "image", "params": {"width": SIZE, "height": SIZE, "color_mode": "rgb"}
}  # fmt: skip
SETTINGS = {"epochs": 15, "learning_rate": 0.01, "batch_size": 16, "seed": 2}
DETECTION_BLOCK = {"id": 1, "type": "object_detection", "dsp_blocks": [1], "settings": SETTINGS}


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class DetectionWorld:
    url: str
    client: TestClient
    project_id: int
    impulse_id: int
    frames: dict[str, np.ndarray]  # file name -> uploaded RGB pixels
    boxes: dict[str, list[dict[str, Any]]]

    @property
    def impulse_url(self) -> str:
        return f"/api/projects/{self.project_id}/impulses/{self.impulse_id}"

    @property
    def block_url(self) -> str:
        return f"{self.impulse_url}/learning/1"


def _upload_shapes(client: TestClient, project_id: int) -> tuple[dict, dict]:
    images, boxes = shapes_dataset(TRAINING_IMAGES + TEST_IMAGES, SIZE, seed=1)
    pixels = np.rint(images * 255.0).astype(np.uint8)
    frames, by_name = {}, {}
    for category, indices in (
        ("training", range(TRAINING_IMAGES)),
        ("testing", range(TRAINING_IMAGES, TRAINING_IMAGES + TEST_IMAGES)),
    ):
        files = []
        for i in indices:
            name = f"shapes.{i:03d}.png"
            frames[name], by_name[name] = pixels[i], boxes[i]
            files.append((name, png(pixels[i])))
        response = upload(client, project_id, files, category=category)
        assert response.status_code in (200, 201), response.text
    return frames, by_name


def _set_boxes(project_id: int, boxes: dict[str, list[dict[str, Any]]]) -> None:
    """What the labelling view or an import stores (backend.schemas.bounding_box)."""
    with get_sessionmaker()() as session:
        for sample in session.scalars(select(Sample).where(Sample.project_id == project_id)):
            sample.bounding_boxes = boxes[sample.filename]
        session.commit()


@pytest.fixture(scope="module")
def detection_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DetectionWorld]:
    folder = tmp_path_factory.mktemp("detection-api")
    url = f"sqlite:///{folder / 'detection.db'}"
    upgrade(url)
    set_database_url(url)
    original_app = worker.celery_app.celery_app
    worker.celery_app.celery_app = make_celery_app(redis_url=None, data_dir=Path(folder))
    login_limiter.clear()
    try:
        with TestClient(create_app()) as client:
            sign_up(client, "detective")
            project_id = int(create_project(client, f"shapes {uuid.uuid4().hex[:8]}")["id"])
            frames, boxes = _upload_shapes(client, project_id)
            body = {
                "input_block": {"type": "image"},
                "dsp_blocks": [IMAGE_BLOCK],
                "learning_blocks": [DETECTION_BLOCK],
            }
            refused = client.post(f"/api/projects/{project_id}/impulses", json=body)
            assert refused.status_code == 422, refused.text
            error = refused.json()["detail"][0]
            assert error["loc"] == ["body", "learning_blocks", 0, "type"]
            assert "no image in this project has any" in error["msg"]

            _set_boxes(project_id, boxes)
            created = client.post(f"/api/projects/{project_id}/impulses", json=body)
            assert created.status_code == 201, created.text
            world = DetectionWorld(url, client, project_id, created.json()["id"], frames, boxes)
            response = client.post(f"{world.impulse_url}/features")
            assert response.status_code == 202, response.text
            assert run_job(response.json()["id"], run_generate_features) == "succeeded"
            response = client.post(f"{world.block_url}/train")
            assert response.status_code == 202, response.text
            assert run_job(response.json()["id"], run_train_model) == "succeeded"
            yield world
    finally:
        worker.celery_app.celery_app = original_app


@pytest.fixture
def world(detection_world: DetectionWorld) -> DetectionWorld:
    set_database_url(detection_world.url)
    return detection_world


def test_the_stored_block_is_fomo_with_its_defaults(world: DetectionWorld) -> None:
    impulse = world.client.get(world.impulse_url).json()
    block = impulse["learning_blocks"][0]
    assert block["type"] == "object_detection" and block["name"] == "Object detection (FOMO)"
    assert block["detection"]["width"] == 0.35 and block["layers"] is None
    script = world.client.get(f"{world.block_url}/script").json()
    assert "fomo_head" in script["script"] and script["input_shape"] == [SIZE, SIZE, 3]
    edited = world.client.put(f"{world.block_url}/script", json={"script": "print(1)"})
    assert edited.status_code == 422 and "detection" in edited.text, edited.text


def test_training_stores_a_detector_with_metrics_per_label(world: DetectionWorld) -> None:
    model = world.client.get(f"{world.block_url}/model").json()
    assert model["task"] == "object_detection"
    assert model["class_names"] == SHAPE_LABELS
    assert model["metrics"]["output_shape"] == [SIZE // 8, SIZE // 8, 1 + len(SHAPE_LABELS)]
    for precision in ("float32", "int8"):
        metrics = model["metrics"][precision]
        assert [label["name"] for label in metrics["per_label"]] == SHAPE_LABELS
        assert len(metrics["confusion_matrix"]) == 1 + len(SHAPE_LABELS)
    kinds = {artifact["kind"] for artifact in model["artifacts"]}
    assert {"tflite-int8", "tflite-float32", "training-script"} <= kinds
    assert model["int8_model_bytes"] > 0 and len(model["history"]) > 0


def test_testing_finds_the_objects_far_better_than_chance(world: DetectionWorld) -> None:
    response = world.client.post(f"{world.block_url}/test", json={})
    assert response.status_code == 202, response.text
    assert run_job(response.json()["id"], run_test_model) == "succeeded"
    results = world.client.get(f"{world.block_url}/test-results").json()["results"]
    assert results["task"] == "object_detection"
    assert len(results["samples"]) == TEST_IMAGES
    # Chance: a cell guessed at random among 36 is within reach of an object rarely; F1 ~0.1.
    for precision in ("float32", "int8"):
        assert results[precision]["f1"] > 0.6, results[precision]
        assert len(results[precision]["per_label"]) == len(SHAPE_LABELS)
    sample = results["samples"][0]
    assert sample["boxes"] == world.boxes[sample["filename"]]  # 48 -> 48: unscaled
    assert {"int8_objects", "float32_objects", "correct", "input_size"} <= set(sample)


def _platform_objects(world: DetectionWorld) -> dict[str, list[DetectedObject]]:
    """Live classification of every test image: the objects the platform finds."""
    with get_sessionmaker()() as session:
        rows = session.execute(
            select(Sample.id, Sample.filename)
            .where(Sample.project_id == world.project_id, Sample.category == "testing")
            .order_by(Sample.filename)
        ).all()
    found = {}
    for sample_id, filename in rows:
        response = world.client.post(f"{world.block_url}/classify", json={"sample_id": sample_id})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["input_size"] == [SIZE, SIZE]
        assert body["boxes"] == world.boxes[filename]
        assert body["windows"][0]["objects"] == body["objects"]
        found[filename] = [DetectedObject.model_validate(o) for o in body["objects"]]
    return found


def test_the_deployed_sdk_finds_the_platforms_objects_in_every_test_image(
    world: DetectionWorld, tmp_path: Path
) -> None:
    targets = world.client.get(f"{world.impulse_url}/deployment/targets").json()
    cpp = next(t for t in targets["data"] if t["name"] == "cpp-sdk")
    assert cpp["available"] is True, cpp
    response = world.client.post(
        f"{world.impulse_url}/deployment/build", json={"target": "cpp-sdk"}
    )
    assert response.status_code == 202, response.text
    assert run_job(response.json()["id"], run_build_deployment) == "succeeded"
    builds = world.client.get(f"{world.impulse_url}/deployment/builds").json()["data"]
    cpp_build = next(b for b in builds if b["target"] == "cpp-sdk")
    download = world.client.get(f"{world.impulse_url}/deployment/builds/{cpp_build['id']}/download")
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        archive.extractall(tmp_path)
    (sdk_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    run = subprocess.run(
        ["make", "-C", str(sdk_dir), "CXXFLAGS=-O2", "-j2"], capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    driver = tmp_path / "host_detect_frame"
    run = subprocess.run(
        ["g++", "-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{sdk_dir}",
         str(FRAME_DRIVER), str(sdk_dir / "build" / "libmf_sdk.a"), "-lm", "-o", str(driver)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr

    platform = _platform_objects(world)
    names = sorted(platform)
    frames = np.stack([world.frames[name] for name in names])
    run = subprocess.run([str(driver)], input=frames.tobytes(), capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode()
    device = parse_objects(run.stdout.decode(), SHAPE_LABELS, by_name=True)
    assert device == [platform[name] for name in names]
    assert sum(map(len, device)) > len(names) // 2


def test_estimates_of_a_detector_say_it_is_deployable(world: DetectionWorld) -> None:
    response = world.client.get(
        f"{world.impulse_url}/deployment/estimates", params={"board": "nano33ble"}
    )
    assert response.status_code == 200, response.text
    int8 = response.json()["int8"]
    assert int8["deployable"] is True and int8["reason"] is None, int8
    assert int8["model"]["ram_bytes"] and int8["model"]["flash_bytes"], int8


def test_the_arduino_library_of_a_detector_has_the_camera_sketch(world: DetectionWorld) -> None:
    targets = world.client.get(f"{world.impulse_url}/deployment/targets").json()
    for name in ("arduino", "wasm"):
        target = next(t for t in targets["data"] if t["name"] == name)
        assert target["available"] is True, target
    response = world.client.post(
        f"{world.impulse_url}/deployment/build", json={"target": "arduino"}
    )
    assert response.status_code == 202, response.text
    assert run_job(response.json()["id"], run_build_deployment) == "succeeded"
    builds = world.client.get(f"{world.impulse_url}/deployment/builds").json()["data"]
    arduino = next(b for b in builds if b["target"] == "arduino")
    download = world.client.get(f"{world.impulse_url}/deployment/builds/{arduino['id']}/download")
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        (sketch,) = [n for n in archive.namelist() if n.endswith("camera_frame.ino")]
        assert "result.bounding_boxes" in archive.read(sketch).decode()


def test_a_detector_can_start_from_an_earlier_model_of_the_project(world: DetectionWorld) -> None:
    first = world.client.get(f"{world.block_url}/model").json()
    assert "keras-model" in {artifact["kind"] for artifact in first["artifacts"]}
    impulse = world.client.get(world.impulse_url).json()
    second = {
        **DETECTION_BLOCK,
        "id": 2,
        "settings": {**SETTINGS, "epochs": 3},
        "initial_model_id": first["id"],
        "detection": {"initial_model": {"frozen_layers": 8}},
    }
    missing = {**second, "id": 3, "initial_model_id": 2**31 - 1}
    body = {
        "input_block": {"type": "image"},
        "dsp_blocks": impulse["dsp_blocks"],
        "learning_blocks": [*impulse["learning_blocks"], second, missing],
    }
    # A block cannot even be saved with a model that does not exist; nothing is stored.
    refused = world.client.put(world.impulse_url, json=body)
    assert refused.status_code == 422
    assert f"model {2**31 - 1} does not exist" in refused.text
    assert len(world.client.get(world.impulse_url).json()["learning_blocks"]) == 1
    body["learning_blocks"] = [*impulse["learning_blocks"], second]
    response = world.client.put(world.impulse_url, json=body)
    assert response.status_code == 200, response.text
    response = world.client.post(f"{world.impulse_url}/learning/2/train")
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert run_job(job_id, run_train_model) == "succeeded"
    log = world.client.get(f"/api/projects/{world.project_id}/jobs/{job_id}/logs")
    assert f"Starting from the backbone of model {first['id']}" in log.text
    model = world.client.get(f"{world.impulse_url}/learning/2/model").json()
    assert model["learning_block"]["initial_model_id"] == first["id"]
    # Three epochs from the trained backbone find the shapes as well as fifteen from scratch.
    assert model["metrics"]["int8"]["f1"] > 0.6


def test_a_detector_can_start_from_an_uploaded_keras_file(world: DetectionWorld) -> None:
    first = world.client.get(f"{world.block_url}/model").json()
    (keras,) = [a for a in first["artifacts"] if a["kind"] == "keras-model"]
    project_url = f"/api/projects/{world.project_id}"
    content = world.client.get(f"{project_url}/artifacts/{keras['id']}/download").content
    uploaded = world.client.post(
        f"{project_url}/initial-models", files={"file": ("backbone.keras", content)}
    )
    assert uploaded.status_code == 201, uploaded.text
    file_id = uploaded.json()["id"]
    assert uploaded.json()["kind"] == "uploaded-keras"
    listed = world.client.get(f"{project_url}/initial-models").json()
    assert [f["id"] for f in listed["data"]] == [file_id]

    impulse = world.client.get(world.impulse_url).json()
    block = {
        **DETECTION_BLOCK,
        "id": 4,
        "settings": {**SETTINGS, "epochs": 3},
        "initial_model_file_id": file_id,
        "detection": {"initial_model": {"frozen_layers": 8}},
    }
    both = {**block, "initial_model_id": first["id"]}
    body = {
        "input_block": {"type": "image"},
        "dsp_blocks": impulse["dsp_blocks"],
        "learning_blocks": [*impulse["learning_blocks"], both],
    }
    refused = world.client.put(world.impulse_url, json=body)
    assert refused.status_code == 422
    assert "not both" in refused.text
    body["learning_blocks"] = [*impulse["learning_blocks"], block]
    response = world.client.put(world.impulse_url, json=body)
    assert response.status_code == 200, response.text

    response = world.client.post(f"{world.impulse_url}/learning/4/train")
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert run_job(job_id, run_train_model) == "succeeded"
    log = world.client.get(f"{project_url}/jobs/{job_id}/logs")
    assert f"Starting from the uploaded Keras file {file_id}" in log.text
    model = world.client.get(f"{world.impulse_url}/learning/4/model").json()
    assert model["metrics"]["int8"]["f1"] > 0.6

    # Once deleted, the block can no longer be trained from it: a clear 422, no job.
    assert world.client.delete(f"{project_url}/initial-models/{file_id}").status_code == 204
    refused = world.client.post(f"{world.impulse_url}/learning/4/train")
    assert refused.status_code == 422
    assert f"uploaded initial model {file_id} does not exist" in refused.text


def test_a_detector_starts_from_another_projects_model_only_while_it_is_readable(
    world: DetectionWorld,
) -> None:
    """No training runs here: the job stops at the access check, before TensorFlow."""
    first = world.client.get(f"{world.block_url}/model").json()
    app = world.client.app
    with TestClient(app) as stranger, TestClient(app) as hermit:
        stranger_name = f"stranger{uuid.uuid4().hex[:6]}"
        sign_up(stranger, stranger_name)
        sign_up(hermit, f"hermit{uuid.uuid4().hex[:6]}")
        members = f"/api/projects/{world.project_id}/members"
        response = world.client.post(members, json={"user": stranger_name, "role": "editor"})
        assert response.status_code == 201, response.text
        stranger_id = response.json()["user_id"]
        other_id = int(create_project(hermit, "hermit's shapes")["id"])
        with get_sessionmaker()() as session:  # a detector of the hermit's, with its Keras file
            model_id = add_trained_model(session, other_id)
            hermits = session.get(TrainedModel, model_id)
            assert hermits is not None
            hermits.task = "object_detection"
            keras = session.scalar(
                select(Artifact).where(
                    Artifact.trained_model_id == first["id"], Artifact.kind == "keras-model"
                )
            )
            assert keras is not None
            session.add(
                Artifact(
                    project_id=other_id,
                    trained_model_id=model_id,
                    kind="keras-model",
                    file_name="hermit.keras",
                    content_type="application/zip",
                    data=keras.data,
                    size_bytes=keras.size_bytes,
                    sha256=keras.sha256,
                )
            )
            session.commit()

        impulse = world.client.get(world.impulse_url).json()
        block = {**DETECTION_BLOCK, "id": 5, "initial_model_id": model_id}
        body = {
            "input_block": {"type": "image"},
            "dsp_blocks": impulse["dsp_blocks"],
            "learning_blocks": [*impulse["learning_blocks"], block],
        }
        # Not readable: the same answer as a model that does not exist.
        refused = stranger.put(world.impulse_url, json=body)
        assert refused.status_code == 422, refused.text
        assert f"model {model_id} does not exist in this project or in one you can read" in (
            refused.text
        )
        detectors = f"/api/projects/{world.project_id}/initial-models/detectors"
        listed = {d["model_id"] for d in stranger.get(detectors).json()["data"]}
        assert first["id"] in listed and model_id not in listed
        other_members = f"/api/projects/{other_id}/members"
        response = hermit.post(other_members, json={"user": stranger_name, "role": "viewer"})
        assert response.status_code == 201, response.text
        listed = {d["model_id"] for d in stranger.get(detectors).json()["data"]}
        assert model_id in listed
        response = stranger.put(world.impulse_url, json=body)
        assert response.status_code == 200, response.text

        # An API key of this project never reaches the other project's models.
        key = world.client.post(
            f"/api/projects/{world.project_id}/api-keys", json={"name": "ci", "scope": "admin"}
        )
        assert key.status_code == 201, key.text
        with TestClient(app, headers={"x-api-key": key.json()["key"]}) as device:
            by_key = device.post(f"{world.impulse_url}/learning/5/train")
        assert by_key.status_code == 422, by_key.text
        assert f"model {model_id} does not exist in this project or in one you can read" in (
            by_key.text
        )

        started = stranger.post(f"{world.impulse_url}/learning/5/train")
        assert started.status_code == 202, started.text
        # Access revoked while the job waits: it fails saying why.
        assert hermit.delete(f"{other_members}/{stranger_id}").status_code == 204
        job_id = started.json()["id"]
        assert run_job(job_id, run_train_model) == "failed"
        job = stranger.get(f"/api/projects/{world.project_id}/jobs/{job_id}").json()
        assert "can no longer read" in job["error"]
