"""Honest availability: for each kind of impulse, `GET …/deployment/targets` says a library
target is available exactly when its build succeeds, and when it is not, the build's refusal is
the reason the targets gave. The kinds: classification, regression, classification with an
anomaly block, one with two DSP blocks (all trained through the API on tests/training's tones),
and an image impulse (a project of small generated pictures).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tests.training.conftest import (
    FAST_SETTINGS,
    LABELS,
    MFCC_BLOCK,
    TRAINING_SAMPLES,
    TrainingWorld,
    block_url,
    clip_wav,
    generate_features,
    impulse_url,
    make_impulse,
    start_training,
    training_world,  # noqa: F401 (the session fixture, trained once)
)
from tests.utils.api import upload
from tests.utils.files import png_bytes
from tests.worker.jobs_helpers import log_lines
from worker.deployment.job import run_build_deployment
from worker.deployment.targets import TARGETS
from worker.job_runtime import run_job
from worker.training.train_job import run_train_model

LIBRARY_TARGETS = [name for name, target in TARGETS.items() if target.library]
# Regression targets of the tones: a number per label.
LEVELS = {"low": "0.5", "high": "2.5", "noise": "1.5"}


@pytest.fixture
def world(training_world: TrainingWorld) -> TrainingWorld:  # noqa: F811
    training_world.use()
    return training_world


def _train(world: TrainingWorld, project_id: int, impulse_id: int, block_id: int = 1) -> None:
    if block_id == 1:
        job_id = start_training(world.client, project_id, impulse_id)
    else:
        response = world.client.post(f"{block_url(project_id, impulse_id, block_id)}/train")
        assert response.status_code == 202, response.text
        job_id = int(response.json()["id"])
    assert run_job(job_id, run_train_model) == "succeeded", "\n".join(log_lines(job_id)[-12:])


def classification(world: TrainingWorld) -> tuple[int, int]:
    return world.project_id, world.impulse_id


def regression(world: TrainingWorld) -> tuple[int, int]:
    project_id = world.new_project("levels")
    for label in LABELS:
        files = [(f"{label}.{i}.wav", clip_wav(label, i)) for i in range(TRAINING_SAMPLES)]
        response = upload(world.client, project_id, files, category="training",
                          label=LEVELS[label])
        assert response.status_code in (200, 201), response.text
    block = {"id": 1, "type": "regression", "dsp_blocks": [1], "settings": FAST_SETTINGS}
    impulse_id = make_impulse(world.client, project_id, learning_blocks=[block])["id"]
    generate_features(world.client, project_id, impulse_id)
    _train(world, project_id, impulse_id)
    return project_id, impulse_id


def with_anomaly(world: TrainingWorld) -> tuple[int, int]:
    blocks = [
        {"id": 1, "dsp_blocks": [1], "settings": FAST_SETTINGS},
        {"id": 2, "type": "anomaly", "dsp_blocks": [1], "anomaly": {"clusters": 3}},
    ]
    impulse_id = make_impulse(
        world.client, world.project_id, name="with anomaly", learning_blocks=blocks
    )["id"]
    generate_features(world.client, world.project_id, impulse_id)
    _train(world, world.project_id, impulse_id, 1)
    _train(world, world.project_id, impulse_id, 2)
    return world.project_id, impulse_id


def image(world: TrainingWorld) -> tuple[int, int]:
    project_id = world.new_project("kinds pictures")
    rng = np.random.default_rng(5)
    files = [(f"{label}.{i}.png", png_bytes(rng, size=(12, 9)))
             for label in ("cat", "dog") for i in range(4)]
    assert upload(world.client, project_id, files, category="training").status_code == 201
    impulse = make_impulse(
        world.client, project_id, name="image", input_block={"type": "image"},
        dsp_blocks=[{"id": 1, "type": "image", "params": {"width": 8, "height": 6}}],
    )
    generate_features(world.client, project_id, impulse["id"])
    _train(world, project_id, impulse["id"])
    return project_id, impulse["id"]


def two_dsp_blocks(world: TrainingWorld) -> tuple[int, int]:
    # A second MFCC with other parameters: two blocks of one type must not clash on the device.
    coarse = {"id": 2, "type": "mfcc", "name": "Coarse MFCC", "params": {"n_coefficients": 4}}
    impulse = make_impulse(
        world.client, world.project_id, name="two DSP blocks",
        dsp_blocks=[MFCC_BLOCK, coarse],
        learning_blocks=[{"id": 1, "dsp_blocks": [1, 2], "settings": FAST_SETTINGS}],
    )
    generate_features(world.client, world.project_id, impulse["id"])
    _train(world, world.project_id, impulse["id"])
    return world.project_id, impulse["id"]


def _build(world: TrainingWorld, url: str, target: str) -> tuple[bool, str, bytes]:
    """(succeeded, the refusal's detail, the built zip) of one build through the API and job."""
    response = world.client.post(f"{url}/build", json={"target": target})
    if response.status_code != 202:
        return False, str(response.json()["detail"]), b""
    job_id = response.json()["id"]
    if run_job(job_id, run_build_deployment) != "succeeded":
        job = world.client.get(f"/api/projects/{url.split('/')[3]}/jobs/{job_id}").json()
        return False, str(job.get("error")), b""
    result = world.client.get(f"/api/projects/{url.split('/')[3]}/jobs/{job_id}").json()["result"]
    download = world.client.get(f"{url}/builds/{result['artifact_id']}/download")
    assert download.status_code == 200
    return True, "", download.content


def _metadata(zip_bytes: bytes) -> str:
    archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    (name,) = [n for n in archive.namelist() if n.endswith("model_metadata.h")]
    return archive.read(name).decode()


@pytest.mark.toolchain
@pytest.mark.parametrize(
    ("make", "deployable", "metadata_lines"),
    [
        (classification, True, ["#define MF_IS_REGRESSION 0", "#define MF_HAS_ANOMALY 0"]),
        (regression, True, ["#define MF_IS_REGRESSION 1", '#define MF_LABELS { "value" }']),
        (with_anomaly, True, ["#define MF_IS_REGRESSION 0", "#define MF_HAS_ANOMALY 1"]),
        (image, True, ["#define MF_IMAGE_INPUT_WIDTH 12", "#define MF_DSP_BLOCK_COUNT 1"]),
        (two_dsp_blocks, True, ['#define MF_DSP_BLOCK "mfcc, mfcc"']),
    ],
    ids=["classification", "regression", "anomaly", "image", "two-dsp-blocks"],
)
def test_targets_are_available_exactly_when_the_build_succeeds(
    world: TrainingWorld,
    make: Callable[[TrainingWorld], tuple[int, int]],
    deployable: bool,
    metadata_lines: list[str],
) -> None:
    project_id, impulse_id = make(world)
    url = f"{impulse_url(project_id, impulse_id)}/deployment"
    targets = {t["name"]: t for t in world.client.get(f"{url}/targets").json()["data"]}
    for name in LIBRARY_TARGETS:
        target: dict[str, Any] = targets[name]
        if name == "wasm" and target["reason"] and "emscripten" in target["reason"]:
            continue  # this server cannot build it for any impulse
        succeeded, refusal, built = _build(world, url, name)
        assert target["available"] is succeeded, (name, target, refusal)
        assert target["available"] is deployable, (name, target["reason"])
        if succeeded:
            assert target["reason"] is None
            if name != "wasm":
                metadata = _metadata(built)
                for line in metadata_lines:
                    assert line in metadata, (name, line)
        else:
            assert target["reason"] == refusal, name
    # Model files are built from any trained network.
    assert targets["tflite-int8"]["available"] is True
