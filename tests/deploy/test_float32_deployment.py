"""A float32 deployment of a trained project through the API and the worker: the C++ SDK built on
the host and the WebAssembly build under Node score every test window as the platform's float32
model does (the TFLite interpreter): within 1e-5 relative on the features the library computed,
and within 1e-4 relative end to end, from the raw window, against the platform's Python DSP.

Why 1e-4 end to end: the C++ DSP computes the MFCC in float32 and the Python DSP in numpy; their
features differ by up to ~6e-5 (measured on these windows; tests/deploy/test_cpp_sdk.py holds the
DSP to its own tolerance), and the model carries that into the scores as ~1.3e-5 relative. The
model alone, on the same features, stays within 1e-5 (measured ~6e-7)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from backend.db.models import Impulse
from backend.db.session import get_sessionmaker
from deploy_targets.wasm import emscripten_unavailable
from tests.conftest import require
from tests.deploy.conftest import HOST_DRIVER
from tests.deploy.test_deployment_job import build, download, url
from tests.training.conftest import (
    TrainingWorld,
    training_world,  # noqa: F401 (the session fixture, trained once)
)
from worker.deployment.inputs import deployment_inputs, model_file
from worker.features.generate import extract_features
from worker.features.job import block_configs, impulse_batches, project_samples
from worker.learning.inference import predict

NODE_DRIVER = Path(__file__).resolve().parent / "wasm_classify.js"


@dataclass
class PlatformScores:
    """The project's test windows and what the platform makes of them in float32."""

    windows: np.ndarray  # (n, window_length, axes)
    features: np.ndarray  # (n, feature_count), Python DSP
    scores: np.ndarray  # (n, labels), the float32 .tflite on the TFLite interpreter
    labels: list[str]
    model: bytes  # the float32 .tflite


@pytest.fixture
def world(training_world: TrainingWorld) -> TrainingWorld:  # noqa: F811
    training_world.use()
    return training_world


@pytest.fixture
def platform(world: TrainingWorld) -> PlatformScores:
    with get_sessionmaker()() as session:
        impulse = session.get(Impulse, world.impulse_id)
        assert impulse is not None
        inputs = deployment_inputs(session, impulse, library=True)
        model = model_file(session, inputs.model, "tflite-float32")
        batches, _, _, rate = impulse_batches(
            session, impulse, project_samples(session, world.project_id), lambda _: None
        )
        testing = [
            batch.windows[[c == "testing" for c in batch.categories]] for batch in batches
        ]
        windows = np.concatenate(testing)
        features = np.concatenate(
            [
                extract_features(windows, config, sample_rate_hz=rate).reshape(len(windows), -1)
                for config in block_configs(impulse)
            ],
            axis=1,
        )
        labels = list(inputs.labels)
    assert len(windows) >= 6
    # Three dimensions, so predict() takes each row as one window whatever the model's shape.
    scores = predict(model, features.reshape(len(features), 1, -1))
    return PlatformScores(windows, features, scores, labels, model)


# The model on the same features; the whole impulse from the raw window (see above).
MODEL_RTOL, END_TO_END_RTOL = 1e-5, 1e-4


def assert_relative(got: np.ndarray, want: np.ndarray, rtol: float, what: str) -> None:
    """|got - want| <= rtol |want|, with a floor of 1e-5 of the largest score so a score that
    is all but zero is compared on the scale of the others (as tests/compiler/test_float32.py)."""
    floor = 1e-5 * float(np.max(np.abs(want)))
    tolerance = rtol * np.maximum(np.abs(want), floor)
    worst = np.abs(got - want) - tolerance
    assert float(worst.max()) <= 0, (
        f"{what}: off the platform's float32 scores by more than {rtol:g} relative at window "
        f"{int(np.unravel_index(worst.argmax(), worst.shape)[0])}"
    )
    assert np.array_equal(got.argmax(axis=1), want.argmax(axis=1))


def unzip(data: bytes, into: Path) -> Path:
    archive = zipfile.ZipFile(io.BytesIO(data))
    archive.extractall(into)
    roots = {name.split("/")[0] for name in archive.namelist()}
    assert len(roots) == 1
    return into / roots.pop()


def test_targets_offer_float32_libraries(world: TrainingWorld) -> None:
    targets = world.client.get(f"{url(world)}/targets").json()["data"]
    libraries = {t["name"]: t for t in targets if t["name"] in ("cpp-sdk", "arduino", "wasm")}
    for target in libraries.values():
        assert "float32" in target["precisions"]
    assert libraries["cpp-sdk"]["available"] is True and libraries["cpp-sdk"]["reason"] is None


def test_float32_sdk_scores_as_the_platform(
    world: TrainingWorld, platform: PlatformScores, tmp_path: Path
) -> None:
    result = build(world, target="cpp-sdk", precision="float32")["result"]
    assert result["precision"] == "float32"
    sdk = unzip(download(world, result["artifact_id"]), tmp_path)
    impulse_header = (sdk / "model-parameters" / "mf_impulse.h").read_text()
    assert "#define MF_MODEL_FLOAT32 1" in impulse_header
    assert "float32" in (sdk / "mf_model.h").read_text()
    sources = [*sorted(sdk.glob("*.cpp")), sdk / "model-parameters" / "mf_impulse.cpp"]
    for index, source in enumerate(sources):
        # The int8-only code (quantization) is left out cleanly: no unused function, no warning.
        warned = subprocess.run(
            ["g++", "-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror", "-Wshadow", f"-I{sdk}",
             "-c", str(source), "-o", str(tmp_path / f"{index}.o")],
            capture_output=True, text=True, timeout=120,
        )
        assert warned.returncode == 0, warned.stderr
    make = subprocess.run(["make", "-C", str(sdk), "-j2"], capture_output=True, text=True,
                          timeout=300)
    assert make.returncode == 0, make.stdout[-3000:] + make.stderr[-3000:]
    driver = sdk / "build" / "host_classify"
    linked = subprocess.run(
        ["g++", "-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{sdk}", str(HOST_DRIVER),
         str(sdk / "build" / "libmf_sdk.a"), "-lm", "-o", str(driver)],
        capture_output=True, text=True, timeout=120,
    )
    assert linked.returncode == 0, linked.stderr
    data = np.ascontiguousarray(platform.windows, dtype="<f4").tobytes()
    run = subprocess.run([str(driver)], input=data, capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    count, labels = len(platform.windows), len(platform.labels)
    row = labels + 3 + platform.features.shape[1]
    rows = np.frombuffer(run.stdout, dtype="<f4").reshape(count, row)
    scores, features = rows[:, :labels], rows[:, labels + 3 :]
    np.testing.assert_allclose(features, platform.features, rtol=1e-4, atol=1e-4)
    on_its_features = predict(platform.model, features.reshape(count, 1, -1))
    assert_relative(scores, on_its_features, MODEL_RTOL, "C++ SDK, the model")
    assert_relative(scores, platform.scores, END_TO_END_RTOL, "C++ SDK, end to end")
    # The scores are the model's own floats: not on an int8 grid of 1/256 steps.
    assert np.mean(np.abs(scores * 256 - np.round(scores * 256)) > 1e-3) > 0.5


def test_float32_arduino_library_says_float32(world: TrainingWorld, tmp_path: Path) -> None:
    result = build(world, target="arduino", precision="float32")["result"]
    library = unzip(download(world, result["artifact_id"]), tmp_path)
    assert "a float32 neural network" in (library / "library.properties").read_text()
    header = (library / "src" / "model-parameters" / "mf_impulse.h").read_text()
    assert "#define MF_MODEL_FLOAT32 1" in header
    assert "soft-float" in (library / "README.md").read_text()


@pytest.mark.toolchain
def test_float32_wasm_scores_as_the_platform(
    world: TrainingWorld, platform: PlatformScores, tmp_path: Path
) -> None:
    require(emscripten_unavailable() is None, str(emscripten_unavailable()))
    require(shutil.which("node") is not None, "node is not installed")
    result = build(world, target="wasm", precision="float32")["result"]
    folder = unzip(download(world, result["artifact_id"]), tmp_path)
    script = next(folder.glob("*.js"))
    raw = tmp_path / "windows.f32"
    raw.write_bytes(np.ascontiguousarray(platform.windows, dtype="<f4").tobytes())
    run = subprocess.run(["node", str(NODE_DRIVER), str(script), str(raw)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.strip().splitlines()]
    results = lines[:-1]
    assert len(results) == len(platform.windows)
    scores = np.array([[r[label] for label in platform.labels] for r in results])
    assert_relative(scores, platform.scores, END_TO_END_RTOL, "WebAssembly, end to end")
