"""A regression impulse (the tones' level from their MFCC) as a C++ SDK and a WebAssembly build:
both predict, on every test window, the value the platform's int8 pipeline predicts (the int8
output dequantized, no target scaling: the platform trains on the targets as they are)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.sdk import build_cpp_sdk
from deploy_targets.wasm import build_wasm, emscripten_unavailable
from tests.conftest import require
from tests.deploy.conftest import HostSdk, host_driver, make_sdk
from tests.deploy.impulse_fixture import DSP, IMPULSE, python_features, sound_windows
from tests.deploy.test_wasm import NODE_DRIVER
from worker.learning.architectures import preset_layers
from worker.learning.blocks import LearningBlockSpec
from worker.learning.inference import predict
from worker.learning.runner import RunLimits
from worker.learning.settings import TrainingSettings
from worker.learning.train import train

VALUE_TOLERANCE = 1e-5


def levels(windows: np.ndarray) -> np.ndarray:
    """The regression target: each window's RMS level."""
    return np.sqrt(np.mean(np.square(windows.astype(np.float64)), axis=(1, 2)))


@pytest.fixture(scope="module")
def regression_sdk(tmp_path_factory: pytest.TempPathFactory) -> tuple[HostSdk, bytes]:
    windows, _ = sound_windows(20, seed=11)
    features = python_features(windows)
    result = train(
        features, levels(windows), [],
        LearningBlockSpec(task="regression", layers=preset_layers("conv1d_audio",
                                                                  features.shape[1:])),
        TrainingSettings(epochs=5, learning_rate=0.005, batch_size=16, seed=3),
        tmp_path_factory.mktemp("regression-training"),
        limits=RunLimits(time_limit_s=300, threads=1), measure_arena=False,
    )
    model_int8 = result.artifacts.int8_tflite.read_bytes()
    out_dir = tmp_path_factory.mktemp("regression") / "sdk"
    build = build_cpp_sdk(IMPULSE, model_int8, [], dsp_blocks=[DSP], task="regression",
                          out_dir=out_dir)
    make_sdk(build)
    return HostSdk(build, host_driver(out_dir), out_dir / "build" / "example"), model_int8


@pytest.fixture(scope="module")
def level_windows() -> np.ndarray:
    windows, _ = sound_windows(8, seed=12)
    return windows


def test_host_sdk_predicts_the_platform_value_on_every_window(
    regression_sdk: tuple[HostSdk, bytes], level_windows: np.ndarray
) -> None:
    host, model_int8 = regression_sdk
    results = host.results(level_windows)
    # The platform's prediction on the device's features: the compiled model and the
    # dequantization must equal TFLM's int8 output and worker.learning.inference exactly.
    platform_features = python_features(level_windows)
    device_features = results.features.reshape(platform_features.shape)
    on_device_features = predict(model_int8, device_features)[:, 0]
    assert float(np.abs(results.value - on_device_features).max()) <= VALUE_TOLERANCE
    # ... and on the platform's own (Python DSP) features, what model testing shows.
    platform = predict(model_int8, platform_features)[:, 0]
    assert float(np.abs(results.value - platform).max()) <= VALUE_TOLERANCE
    # The value is in classification[0] too, under the label "value".
    np.testing.assert_array_equal(results.scores[:, 0], results.value)
    assert float(np.ptp(platform)) > 0.05, "the model should predict different levels"


def test_metadata_example_and_readme_say_regression(
    regression_sdk: tuple[HostSdk, bytes], level_windows: np.ndarray
) -> None:
    host, _ = regression_sdk
    sdk_dir = host.build.out_dir
    metadata = (sdk_dir / "model-parameters" / "model_metadata.h").read_text()
    assert "#define MF_IS_REGRESSION 1" in metadata
    assert '#define MF_LABELS { "value" }' in metadata
    assert "result.value" in (sdk_dir / "README.md").read_text()
    run = subprocess.run([str(host.example)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("value: ")


def test_wasm_predicts_the_host_value(
    regression_sdk: tuple[HostSdk, bytes], level_windows: np.ndarray, tmp_path: Path
) -> None:
    reason = emscripten_unavailable()
    require(reason is None, str(reason))
    require(shutil.which("node") is not None, "node is not installed")
    host, model_int8 = regression_sdk
    wasm = build_wasm(host.build, tmp_path / "wasm")
    raw = tmp_path / "windows.f32"
    raw.write_bytes(np.ascontiguousarray(level_windows, dtype="<f4").tobytes())
    run = subprocess.run(
        ["node", str(NODE_DRIVER), str(wasm.js_path), str(raw)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.strip().splitlines()[:-1]]
    assert len(results) == len(level_windows)
    values = np.array([result["value"] for result in results])
    platform = predict(model_int8, python_features(level_windows))[:, 0]
    assert float(np.abs(values - platform).max()) <= VALUE_TOLERANCE
