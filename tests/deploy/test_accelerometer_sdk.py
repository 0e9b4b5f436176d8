"""A three-axis accelerometer impulse whose spectral block reads two of the axes: the SDK
gathers those axes from the interleaved raw window as the platform does, agrees with the
platform's int8 pipeline, and its Arduino library gets the IMU example."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.arduino import build_arduino_library
from deploy_targets.sdk import DspSpec, ImpulseSpec, SdkBuild, build_cpp_sdk
from dsp_blocks import get_block
from tests.deploy.conftest import HostSdk, host_driver, make_sdk
from worker.learning.architectures import preset_layers
from worker.learning.blocks import LearningBlockSpec
from worker.learning.inference import predict
from worker.learning.runner import RunLimits
from worker.learning.settings import TrainingSettings
from worker.learning.train import train

RATE_HZ = 62.5
WINDOW = 125  # 2 s
LABELS = ["idle", "wave"]
# A name with quotes and a comment end: it must not break the generated C++.
IMPULSE = ImpulseSpec('Motion "test" */ 2', ("accX", "accY", "accZ"), RATE_HZ, WINDOW)
DSP = DspSpec("spectral", {}, (0, 2))  # accX and accZ


def motion_windows(per_label: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, WINDOW, 3): noise around gravity on Z for idle; a 1-2 Hz wave on X and Z for wave."""
    rng = np.random.default_rng(seed)
    t = np.arange(WINDOW) / RATE_HZ
    windows, labels = [], []
    for index, label in enumerate(LABELS):
        for _ in range(per_label):
            window = rng.normal(0.0, 0.05, (WINDOW, 3))
            window[:, 2] += 1.0
            if label == "wave":
                hz, phase = rng.uniform(1.0, 2.0), rng.uniform(0, 2 * np.pi)
                window[:, 0] += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * hz * t + phase)
                window[:, 2] += rng.uniform(0.1, 0.5) * np.sin(2 * np.pi * hz * t)
            # The Y axis is loud but unused by the DSP block: gathering the wrong axis shows.
            window[:, 1] = rng.uniform(-5, 5, WINDOW)
            windows.append(window.astype(np.float32))
            labels.append(index)
    return np.stack(windows), np.asarray(labels)


def python_features(windows: np.ndarray) -> np.ndarray:
    block = get_block("spectral")
    return block.extract(
        windows[..., list(DSP.axis_indices or ())], sample_rate_hz=RATE_HZ,
        params=block.parse_params(DSP.params),
    )


@dataclass
class MotionSdk:
    build: SdkBuild
    driver: Path
    model_int8: bytes


@pytest.fixture(scope="module")
def motion_sdk(tmp_path_factory: pytest.TempPathFactory) -> MotionSdk:
    windows, labels = motion_windows(20, seed=4)
    features = python_features(windows)
    result = train(
        features, labels, LABELS,
        LearningBlockSpec(layers=preset_layers("dense_spectral", features.shape[1:])),
        TrainingSettings(epochs=5, learning_rate=0.005, batch_size=8, seed=3),
        tmp_path_factory.mktemp("motion-training"),
        limits=RunLimits(time_limit_s=300, threads=1), measure_arena=False,
    )
    model_int8 = result.artifacts.int8_tflite.read_bytes()
    out_dir = tmp_path_factory.mktemp("motion") / "sdk"
    build = build_cpp_sdk(IMPULSE, model_int8, LABELS, dsp_blocks=[DSP], out_dir=out_dir)
    make_sdk(build)
    return MotionSdk(build, host_driver(out_dir), model_int8)


def test_gathered_axes_give_the_platform_features_and_scores(motion_sdk: MotionSdk) -> None:
    windows, _ = motion_windows(10, seed=5)
    host = HostSdk(motion_sdk.build, motion_sdk.driver, motion_sdk.build.out_dir / "build" / "example")
    scores, _, features = host.classify(windows)
    expected_features = python_features(windows).reshape(len(windows), -1)
    spread = float(expected_features.max() - expected_features.min())
    assert float(np.abs(features - expected_features).max()) <= 1e-3 * spread
    platform = predict(motion_sdk.model_int8, python_features(windows))
    assert np.array_equal(scores.argmax(axis=1), platform.argmax(axis=1))
    assert float(np.abs(scores - platform).max()) <= 1.0 / 256.0


def test_metadata_and_arduino_imu_example(motion_sdk: MotionSdk, tmp_path: Path) -> None:
    metadata = (motion_sdk.build.out_dir / "model-parameters" / "model_metadata.h").read_text()
    assert "#define MF_RAW_AXES_COUNT 3" in metadata
    assert '#define MF_AXES { "accX", "accY", "accZ" }' in metadata
    assert "#define MF_INTERVAL_MS 16.0f" in metadata
    assert '#define MF_PROJECT_NAME "Motion \\"test\\" */ 2"' in metadata
    assert motion_sdk.build.sensor == "accelerometer"
    library = build_arduino_library(motion_sdk.build, tmp_path)
    assert library.name == "motion_test_2_inferencing"
    examples = sorted(p.name for p in (library / "examples").iterdir())
    assert examples == ["device_test", "nano_ble33_sense_accelerometer", "static_buffer"]
    sketch = library / "examples" / examples[1] / f"{examples[1]}.ino"
    assert "#include <Arduino_LSM9DS1.h>" in sketch.read_text()
