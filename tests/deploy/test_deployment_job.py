"""The job/API path on a project trained through the API (tests/training's tones world): int8
and float32 estimates side by side, builds as jobs, listed and downloaded; stale features refused
(parameters or dataset changed).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from backend.db.models import Artifact, Impulse
from backend.db.session import get_sessionmaker
from deploy_targets.wasm import emscripten_unavailable
from tests.conftest import require
from tests.training.conftest import (
    FAST_SETTINGS,
    MFCC_BLOCK,
    TrainingWorld,
    clip_wav,
    generate_features,
    impulse_url,
    make_impulse,
    start_training,
    training_world,  # noqa: F401 (the session fixture, trained once)
)
from tests.utils.api import upload
from tests.utils.files import png_bytes
from worker.deployment.inputs import deployment_inputs
from worker.deployment.job import run_build_deployment
from worker.job_runtime import run_job
from worker.training.train_job import run_train_model


@pytest.fixture
def world(training_world: TrainingWorld) -> TrainingWorld:  # noqa: F811
    training_world.use()
    return training_world


def url(world: TrainingWorld) -> str:
    return f"{impulse_url(world.project_id, world.impulse_id)}/deployment"


def build(world: TrainingWorld, **body: Any) -> dict[str, Any]:
    """Start a build through the API, run its job as a worker would; the job's final row."""
    response = world.client.post(f"{url(world)}/build", json=body)
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["kind"], job["state"]) == ("deployment.build", "queued")
    assert run_job(job["id"], run_build_deployment) == "succeeded"
    finished = world.client.get(f"/api/projects/{world.project_id}/jobs/{job['id']}").json()
    assert finished["progress"] == 100
    return dict(finished)


def download(world: TrainingWorld, build_id: int) -> bytes:
    response = world.client.get(f"{url(world)}/builds/{build_id}/download")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    return response.content


def test_estimates_show_int8_and_float32_measured(world: TrainingWorld) -> None:
    response = world.client.get(f"{url(world)}/estimates", params={"board": "nano33ble"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["board"]["name"] == "nano33ble"
    int8, float32 = body["int8"], body["float32"]
    for part in ("dsp", "model", "total"):
        assert int8[part]["latency_ms"] > 0
        assert int8[part]["flash_bytes"] > 0 and int8[part]["ram_bytes"] > 0
    total = int8["total"]
    assert total["latency_ms"] == pytest.approx(
        int8["dsp"]["latency_ms"] + int8["model"]["latency_ms"]
    )
    assert total["flash_bytes"] == int8["dsp"]["flash_bytes"] + int8["model"]["flash_bytes"]
    # DSP and model run one after the other: their stacks are not both counted.
    shallower = min(int8["dsp"]["stack_bytes"], int8["model"]["stack_bytes"])
    assert total["ram_bytes"] == int8["dsp"]["ram_bytes"] + int8["model"]["ram_bytes"] - shallower
    assert int8["deployable"] is True and int8["fits"] is True
    # Beside the instructions, cycles by the Cortex-M4 model for the DSP and the model: never
    # fewer than the instructions, inside their pipeline-refill range, their latency at 64 MHz.
    for part in ("dsp", "model", "total"):
        cost = int8[part]
        assert cost["instructions"] > 0
        assert cost["cycles"] >= cost["instructions"]
        assert cost["cycles_min"] <= cost["cycles"] <= cost["cycles_max"]
        assert cost["cycle_factor"] == 1.0
        assert cost["cycle_assumption"].startswith("Cortex-M4: the model's own core")
        assert cost["cycle_latency_ms"] == pytest.approx(cost["cycles"] / 64e3)
        assert cost["cycle_latency_ms"] >= cost["latency_ms"]
        assert cost["cycle_basis"].startswith(
            "≈ cycles, Cortex-M4 model; instructions are a lower bound"
        )
    assert total["cycles"] == int8["dsp"]["cycles"] + int8["model"]["cycles"]
    assert total["instructions"] == int8["dsp"]["instructions"] + int8["model"]["instructions"]
    assert float32["model"]["cycles"] >= float32["model"]["instructions"] > 0
    # Every RAM figure says what it is: model RAM is the tensor arena plus static data and stack.
    ram_note = int8["model"]["notes"][0]
    match = re.match(r"model RAM = mcuforge tensor arena \(activations, (\d+) bytes\)", ram_note)
    assert match is not None, ram_note
    assert 0 < int(match[1]) < int8["model"]["ram_bytes"]
    assert "TensorFlow Lite Micro arena" in ram_note and "for comparison" in ram_note
    # float32: the same DSP; the float32 model compiled and measured in QEMU as int8 is. Its
    # activations are four bytes each: an arena over twice the int8 one (which holds scratch too).
    assert float32["dsp"] == int8["dsp"]
    assert float32["model"]["method"] == "qemu"
    assert "instructions measured in QEMU" in float32["model"]["basis"]
    assert float32["model"]["latency_ms"] > 0 and float32["model"]["flash_bytes"] > 0
    float_note = float32["model"]["notes"][0]
    float_arena = re.match(
        r"model RAM = mcuforge tensor arena \(activations, (\d+) bytes\)", float_note
    )
    assert float_arena is not None, float_note
    assert int(float_arena[1]) > 2 * int(match[1])
    assert float32["model"]["ram_bytes"] > int(float_arena[1])
    assert float32["deployable"] is True and float32["reason"] is None
    assert "float32 output buffer" in float32["total"]["notes"][0]


def test_float32_without_an_fpu_is_measured_in_soft_float_and_says_so(world: TrainingWorld) -> None:
    def model(board: str) -> dict[str, Any]:
        response = world.client.get(f"{url(world)}/estimates", params={"board": board})
        assert response.status_code == 200, response.text
        return dict(response.json())

    soft = model("rp2040")
    int8, float32 = soft["int8"]["model"], soft["float32"]["model"]
    assert float32["method"] == "qemu"
    assert "no FPU" in float32["notes"][0] and "soft-float" in float32["notes"][0]
    # Every float operation a libgcc call: far more instructions than the int8 kernels.
    assert float32["latency_ms"] > 5 * int8["latency_ms"]
    # Not a Cortex-M4: the cycles say what they assume of the Cortex-M0+.
    assert int8["cycles"] >= int8["instructions"] > 0
    assert int8["cycle_assumption"].startswith("Cortex-M0+: the M0+ build's own instructions")
    assert int8["cycle_assumption"] in int8["cycle_basis"]
    assert int8["cycle_latency_ms"] == pytest.approx(int8["cycles"] / 133e3)


def test_cpp_sdk_build_is_stored_listed_and_downloads_a_zip_with_the_sdk(
    world: TrainingWorld,
) -> None:
    job = build(world, target="cpp-sdk", precision="int8")
    result = job["result"]
    assert result["target"] == "cpp-sdk" and result["file_name"].endswith("_sdk.zip")
    builds = world.client.get(f"{url(world)}/builds").json()
    listed = {b["id"]: b for b in builds["data"]}
    assert result["artifact_id"] in listed
    entry = listed[result["artifact_id"]]
    assert (entry["target"], entry["precision"], entry["job_id"]) == ("cpp-sdk", "int8", job["id"])
    model = world.client.get(
        f"/api/projects/{world.project_id}/impulses/{world.impulse_id}/learning/1/model"
    ).json()
    assert entry["trained_model_id"] == model["id"]

    archive = zipfile.ZipFile(io.BytesIO(download(world, entry["id"])))
    names = set(archive.namelist())
    root = result["file_name"].removesuffix(".zip")
    for path in (
        "mf_classifier.h",
        "mf_model.h",
        "model-parameters/model_metadata.h",
        "Makefile",
        "CMakeLists.txt",
        "README.md",
        "LICENSE",
        "examples/standalone/main.cpp",
    ):
        assert f"{root}/{path}" in names
    metadata = archive.read(f"{root}/model-parameters/model_metadata.h").decode()
    assert "#define MF_LABEL_COUNT 3" in metadata
    assert '"high", "low", "noise"' in metadata
    assert "#define MF_FREQUENCY_HZ 8000.0f" in metadata
    assert "generated by mcuforge" in metadata.splitlines()[0]


def test_arduino_and_model_file_builds(world: TrainingWorld) -> None:
    arduino = build(world, target="arduino")["result"]
    archive = zipfile.ZipFile(io.BytesIO(download(world, arduino["artifact_id"])))
    root = arduino["file_name"].removesuffix(".zip")
    assert root.endswith("_inferencing")
    assert "category=Data Processing" in archive.read(f"{root}/library.properties").decode()
    assert f"{root}/src/{root}.h" in archive.namelist()

    float_model = build(world, target="tflite-float32", precision="float32")["result"]
    downloaded = download(world, float_model["artifact_id"])
    with get_sessionmaker()() as session:
        trained = session.scalar(
            select(Artifact.data).where(
                Artifact.trained_model_id == float_model["trained_model_id"],
                Artifact.kind == "tflite-float32",
            )
        )
    assert downloaded == trained
    assert downloaded[4:8] == b"TFL3"


def test_stale_features_are_refused_with_what_to_do(world: TrainingWorld) -> None:
    impulse = world.client.get(impulse_url(world.project_id, world.impulse_id)).json()
    # A parameter that keeps the feature shape (the network still fits) but changes the values.
    changed = {**MFCC_BLOCK, "params": {**MFCC_BLOCK["params"], "normalize_variance": False}}
    body = {key: impulse[key] for key in ("name", "input_block", "learning_blocks")}
    response = world.client.put(
        impulse_url(world.project_id, world.impulse_id), json={**body, "dsp_blocks": [changed]}
    )
    assert response.status_code == 200, response.text
    try:
        refused = world.client.post(f"{url(world)}/build", json={"target": "cpp-sdk"})
        assert refused.status_code == 409
        detail = refused.json()["detail"]
        assert "stale" in detail and "generate features and train again" in detail
    finally:
        restored = world.client.put(
            impulse_url(world.project_id, world.impulse_id),
            json={**body, "dsp_blocks": [impulse["dsp_blocks"][0]]},
        )
        assert restored.status_code == 200, restored.text


def test_features_of_an_older_dataset_are_refused_until_it_is_restored(
    world: TrainingWorld,
) -> None:
    samples = f"/api/projects/{world.project_id}/samples"
    added = upload(world.client, world.project_id, [("low.extra.wav", clip_wav("low", 7))])
    assert added.status_code in (200, 201), added.text
    (sample,) = added.json()["accepted"]
    try:
        refused = world.client.post(f"{url(world)}/build", json={"target": "cpp-sdk"})
        assert refused.status_code == 409
        assert refused.json()["detail"] == (
            "features of DSP block 1 (MFCC) are stale: the dataset changed since they were "
            "generated: 1 sample(s) added ('low.extra.wav'); generate features again, then "
            "train again"
        )
    finally:
        assert world.client.delete(f"{samples}/{sample['id']}").status_code == 204
    # The dataset is again the one the features and the model were made from.
    features = world.client.get(f"{impulse_url(world.project_id, world.impulse_id)}/features")
    assert [block["state"] for block in features.json()["blocks"]] == ["ready"]
    with get_sessionmaker()() as session:
        impulse = session.get(Impulse, world.impulse_id)
        assert impulse is not None
        assert deployment_inputs(session, impulse, library=True).model is not None


@pytest.mark.toolchain
def test_wasm_build_through_the_job(world: TrainingWorld) -> None:
    require(emscripten_unavailable() is None, str(emscripten_unavailable()))
    wasm = build(world, target="wasm")["result"]
    archive = zipfile.ZipFile(io.BytesIO(download(world, wasm["artifact_id"])))
    suffixes = sorted(Path(name).suffix for name in archive.namelist())
    assert suffixes == [".js", ".json", ".md", ".wasm"]
    assert any(name.endswith("_wasm/README.md") for name in archive.namelist())
    script = next(n for n in archive.namelist() if n.endswith(".js"))
    assert "Module['classify']" in archive.read(script).decode()


def test_image_impulse_builds_an_sdk_taking_frames_of_its_images_size(
    world: TrainingWorld,
) -> None:
    client = world.client
    project_id = world.new_project("pictures")
    rng = np.random.default_rng(8)
    # Most images are 14 x 10 (width x height): the library's frames are that size.
    files = [
        (f"{label}.{i}.png", png_bytes(rng, size=(14, 10)))
        for label in ("cat", "dog")
        for i in range(4)
    ]
    files.append(("dog.9.png", png_bytes(rng, size=(20, 16))))
    assert upload(client, project_id, files, category="training").status_code in (200, 201)
    impulse = make_impulse(
        client,
        project_id,
        input_block={"type": "image"},
        dsp_blocks=[{"id": 1, "type": "image", "params": {"width": 8, "height": 6}}],
        learning_blocks=[{"id": 1, "dsp_blocks": [1], "settings": {**FAST_SETTINGS, "epochs": 2}}],
    )
    generate_features(client, project_id, impulse["id"])
    assert run_job(start_training(client, project_id, impulse["id"]), run_train_model) == (
        "succeeded"
    )
    response = client.post(
        f"{impulse_url(project_id, impulse['id'])}/deployment/build", json={"target": "cpp-sdk"}
    )
    assert response.status_code == 202, response.text
    assert run_job(response.json()["id"], run_build_deployment) == "succeeded"
    job = client.get(f"/api/projects/{project_id}/jobs/{response.json()['id']}").json()
    download = client.get(
        f"{impulse_url(project_id, impulse['id'])}/deployment/builds/"
        f"{job['result']['artifact_id']}/download"
    )
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    root = job["result"]["file_name"].removesuffix(".zip")
    metadata = archive.read(f"{root}/model-parameters/model_metadata.h").decode()
    assert "#define MF_IMAGE_INPUT_WIDTH 14\n" in metadata
    assert "#define MF_IMAGE_INPUT_HEIGHT 10\n" in metadata
    assert "#define MF_IMAGE_INPUT_CHANNELS 3\n" in metadata
    assert '#define MF_DSP_BLOCK "image"' in metadata
    assert f"{root}/mf_image.h" in archive.namelist()
    example = archive.read(f"{root}/examples/standalone/main.cpp").decode()
    assert "mf_signal_from_frame" in example
