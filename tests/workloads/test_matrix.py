"""The workload matrix (issue 14): each kind of project a user makes, run end to end through the
API with the worker's own job functions (run_job on the job rows the API wrote) on tiny generated
data: upload -> features -> train every preset network that fits the features, and an expert
script -> model testing -> every deployment target -> the C++ SDK built on the host and (for a
subset, to stay within a few minutes) the WebAssembly build under Node -> the device agrees with
the platform's live classification on every test window. A preset that cannot take the
features is not offered for them, with the reason.

Budget: one host build (and at most one WebAssembly build) per workload, of the network the
workload deploys; the other networks are trained and tested only."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.wasm import emscripten_unavailable
from tests.conftest import require
from tests.training.conftest import (
    TrainingWorld,
    generate_features,
    impulse_url,
    start_training,
    training_world,  # noqa: F401 (the session fixture: the API client of a signed-up user)
)
from tests.worker.jobs_helpers import log_lines
from tests.workloads.matrix import (
    AUDIO_INPUT,
    EXPERT,
    WORKLOADS,
    Workload,
    build_target,
    features_shape,
    float_audio_files,
    host_rows,
    int8_inputs_of_both,
    platform_windows,
    presets,
    run_model_testing,
    train_network,
    upload_files,
    wasm_rows,
)
from worker.deployment.targets import TARGETS
from worker.job_runtime import run_job
from worker.training.train_job import run_train_model

SETTINGS = {"epochs": 2, "learning_rate": 0.005, "batch_size": 8, "seed": 3}
SCORE_TOLERANCE = 1.0 / 256.0
VALUE_TOLERANCE = 1e-5
# WebAssembly builds take tens of seconds each: one workload of each kind of output.
WASM_WORKLOADS = {"keyword audio (MFCC)", "3-axis regression (spectral)",
                  "motion + K-means anomaly", "sensor fusion (spectral + raw)"}
# Which presets each workload's features must be offered (the rest must say why not).
OFFERED = {
    "keyword audio (MFCC)": {"conv1d_audio", "conv2d_audio", "ds_cnn_keywords", "dense_spectral"},
    "audio events (MFE)": {"conv1d_audio", "conv2d_audio", "ds_cnn_keywords", "dense_spectral"},
    "6-axis motion (spectral)": {"dense_spectral"},
    "3-axis regression (spectral)": {"dense_spectral"},
    "image (Conv2D)": {"dense_spectral", "mobilenet_images"},
    "motion + K-means anomaly": {"dense_spectral"},
    "sensor fusion (spectral + raw)": {"dense_spectral"},
}


@pytest.fixture
def world(training_world: TrainingWorld) -> TrainingWorld:  # noqa: F811
    training_world.use()
    return training_world


@pytest.mark.toolchain
@pytest.mark.parametrize("workload", WORKLOADS, ids=[w.name for w in WORKLOADS])
def test_workload_runs_end_to_end_and_the_device_agrees_with_the_platform(
    world: TrainingWorld, workload: Workload, tmp_path: Path
) -> None:
    require(shutil.which("g++") is not None, "g++ is not installed")
    client = world.client
    project_id = world.new_project(workload.name[:40])
    upload_files(client, project_id, workload.files(4, 1), "training", workload.labels_are_values)
    upload_files(client, project_id, workload.files(1, 2), "testing", workload.labels_are_values)

    deployed = train_network(client, workload, project_id, workload.deployed, SETTINGS)
    offered = presets(client, features_shape(client, project_id, deployed.impulse_id))
    assert {name for name, why in offered.items() if why is None} == OFFERED[workload.name]
    for name, why in offered.items():
        assert why is None or "needs" in why or "cannot fit" in why, (name, why)
    others = [name for name, why in offered.items() if why is None and name != workload.deployed]
    for network in [*others, EXPERT]:
        trained = train_network(client, workload, project_id, network, SETTINGS)
        results = run_model_testing(client, trained)
        assert results["int8"]["windows"] > 0, (network, results)

    results = run_model_testing(client, deployed)
    assert results["int8"]["windows"] > 0
    labels = sorted(workload.files(1, 0)) if workload.task == "classifier" else ["value"]
    platform = platform_windows(client, deployed, labels)
    assert len(platform.raw) == results["int8"]["windows"]

    built = {target: build_target(client, deployed, target) for target in TARGETS
             if target != "wasm"}
    assert all(built.values())
    rows = host_rows(built["cpp-sdk"], tmp_path, platform.raw, len(labels))
    check_agreement(workload, rows[:, : len(labels)], platform.scores)
    if workload.task != "regression":
        # Where the int8 inputs are equal the SDK's model code and TFLM agree bit for bit.
        device_inputs, platform_inputs = int8_inputs_of_both(client, deployed,
                                                             rows[:, len(labels) + 3:])
        same = np.all(device_inputs == platform_inputs, axis=1)
        # A feature within the DSP's rounding of an int8 boundary is rare (2 of 75 600 inputs on
        # espeak speech); many windows apart would mean the C++ DSP drifted from the platform's.
        apart = int(len(same) - same.sum())
        assert apart <= max(1, len(same) // 50), f"{apart} of {len(same)} windows' inputs differ"
        assert np.array_equal(rows[same, : len(labels)], platform.scores[same]), workload.name
    if platform.anomaly is not None:
        anomaly = rows[:, len(labels)]
        assert float(np.abs(anomaly - platform.anomaly).max()) <= VALUE_TOLERANCE

    if workload.name in WASM_WORKLOADS:
        reason = emscripten_unavailable()
        require(reason is None, str(reason))
        require(shutil.which("node") is not None, "node is not installed")
        wasm = wasm_rows(build_target(client, deployed, "wasm"), tmp_path, platform.raw)
        assert len(wasm) == len(platform.raw)
        check_agreement(workload, np.array([[r[label] for label in labels] for r in wasm]),
                        platform.scores)
        if platform.anomaly is not None:
            wasm_anomaly = np.array([r["anomaly"] for r in wasm])
            assert float(np.abs(wasm_anomaly - platform.anomaly).max()) <= VALUE_TOLERANCE


def check_agreement(workload: Workload, device: np.ndarray, platform: np.ndarray) -> None:
    """Labels equal and scores within one int8 step; regression values within 1e-5. Not bit for
    bit: the device's features differ from the platform's by float rounding (tests/dsp), so a
    feature that lies that close to an int8 rounding boundary reaches the model one step apart,
    and the model may carry that step into a score (README, "The workload matrix")."""
    assert device.shape == platform.shape, (device.shape, platform.shape)
    if workload.task == "regression":
        off = np.abs(device - platform).max(axis=1)
        assert float(off.max()) <= VALUE_TOLERANCE, (
            f"{workload.name}: window {int(off.argmax())}: device {device[off.argmax()]}, "
            f"platform {platform[off.argmax()]}")
        return
    bad = np.flatnonzero((device.argmax(axis=1) != platform.argmax(axis=1))
                         | (np.abs(device - platform).max(axis=1) > SCORE_TOLERANCE))
    assert len(bad) == 0, (
        f"{workload.name}: {len(bad)} of {len(device)} windows disagree "
        f"({int(np.all(device == platform, axis=1).sum())} identical); window {bad[0]}: "
        f"device {device[bad[0]].tolist()}, platform {platform[bad[0]].tolist()}")


def _train_mfe(world: TrainingWorld, project_id: int, params: dict[str, object]) -> int:
    """An MFE impulse with `params` on the project's audio, its features generated; the training
    job, run."""
    client = world.client
    response = client.post(impulse_url(project_id), json={
        "name": "MFE", "input_block": AUDIO_INPUT,
        "dsp_blocks": [{"id": 1, "type": "mfe", "params": params}],
        "learning_blocks": [{"id": 1, "dsp_blocks": [1], "settings": SETTINGS}]})
    assert response.status_code == 201, response.text
    impulse_id = response.json()["id"]
    generate_features(client, project_id, impulse_id)
    job_id = start_training(client, project_id, impulse_id)
    run_job(job_id, run_train_model)
    return job_id


def test_mfe_on_float_audio_needs_its_full_scale_and_says_so(world: TrainingWorld) -> None:
    """MFE's default full scale is 16-bit (WAV uploads, the matrix's MFE row). Float audio in
    [-1, 1] (a CSV) lies ~90 dB below it: every feature is 0, and the training job says so and
    names the parameter instead of training to chance and failing in LiteRT's XNNPACK prepare.
    With `full_scale` 1 the same audio trains."""
    client = world.client
    project_id = world.new_project("float audio")
    upload_files(client, project_id, float_audio_files(3, 1), "training", False)

    silent = _train_mfe(world, project_id, {})
    job = client.get(f"/api/projects/{project_id}/jobs/{silent}").json()
    assert job["state"] == "failed"
    assert "every training window has the same features (all 0) from the DSP block(s) mfe" in (
        job["error"])
    assert "full_scale" in job["error"]
    # Refused before training: LiteRT never gets the degenerate int8 model.
    assert "XNNPACK" not in "\n".join(log_lines(silent))

    heard = _train_mfe(world, project_id, {"full_scale": 1.0})
    job = client.get(f"/api/projects/{project_id}/jobs/{heard}").json()
    assert job["state"] == "succeeded", job.get("error")
