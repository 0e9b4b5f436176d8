"""Sensor fusion: a 4-axis impulse (3 accelerometer axes + temperature) with three DSP blocks,
spectral analysis on the accelerometer, raw on the temperature and flatten on every axis. The
SDK runs each block on its axes and concatenates the features as the platform does, so its
features and int8 scores agree with the platform's; the WebAssembly build scores like it."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.boards import get_board
from deploy_targets.sdk import DspSpec, ImpulseSpec, SdkBuild, build_cpp_sdk
from deploy_targets.sdk.build import dsp_parts
from deploy_targets.wasm import build_wasm, emscripten_unavailable
from tests.conftest import require
from tests.deploy.conftest import HOST_DRIVER, make_sdk
from tests.deploy.test_image_sdk import compile_without_warnings
from tests.deploy.test_wasm import NODE_DRIVER
from worker.deployment.estimates import dsp_cost
from worker.features.generate import DspBlockConfig, extract_features
from worker.learning.architectures import preset_layers
from worker.learning.blocks import LearningBlockSpec
from worker.learning.inference import predict
from worker.learning.runner import RunLimits
from worker.learning.settings import TrainingSettings
from worker.learning.train import train

RATE_HZ = 50.0
WINDOW = 100  # 2 s
LABELS = ["still", "shake", "warm"]
IMPULSE = ImpulseSpec("Fusion test", ("accX", "accY", "accZ", "temp"), RATE_HZ, WINDOW)
# The learning block's order: the platform concatenates the blocks' flat features in it.
DSP_BLOCKS = [
    DspSpec("spectral", {}, (0, 1, 2)),
    DspSpec("raw", {"scale_axes": 0.05}, (3,)),
    DspSpec("flatten", {}, None),
]


def fusion_windows(per_label: int, seed: int) -> np.ndarray:
    """(n, WINDOW, 4): still = gravity on Z and ~21 degrees; shake = a 2-4 Hz wave on X and Y;
    warm = still at ~30 degrees, slowly rising. Labels in LABELS order, per_label each."""
    rng = np.random.default_rng(seed)
    t = np.arange(WINDOW) / RATE_HZ
    windows = []
    for label in LABELS:
        for _ in range(per_label):
            window = rng.normal(0.0, 0.05, (WINDOW, 4))
            window[:, 2] += 9.81
            window[:, 3] = rng.uniform(19.0, 23.0) + rng.normal(0.0, 0.1, WINDOW)
            if label == "shake":
                hz = rng.uniform(2.0, 4.0)
                window[:, 0] += rng.uniform(1.0, 3.0) * np.sin(2 * np.pi * hz * t)
                window[:, 1] += rng.uniform(0.5, 2.0) * np.cos(2 * np.pi * hz * t)
            elif label == "warm":
                window[:, 3] += rng.uniform(7.0, 10.0) + 0.5 * t
            windows.append(window)
    return np.stack(windows).astype(np.float32)


def platform_features(windows: np.ndarray) -> np.ndarray:
    """The server's features: each block on its axes (worker/features/generate.py), flattened
    and concatenated in the learning block's order (worker/training/inputs.py)."""
    parts = [
        extract_features(
            windows,
            DspBlockConfig(index, dsp.block_type, dsp.axis_indices, dict(dsp.params)),
            sample_rate_hz=RATE_HZ,
        )
        for index, dsp in enumerate(DSP_BLOCKS)
    ]
    return np.concatenate([p.reshape(len(p), -1) for p in parts], axis=1)


@dataclass
class FusionSdk:
    build: SdkBuild
    driver: Path
    model_int8: bytes


@pytest.fixture(scope="module")
def fusion_sdk(tmp_path_factory: pytest.TempPathFactory) -> FusionSdk:
    features = platform_features(fusion_windows(15, seed=1))
    labels = np.repeat(np.arange(len(LABELS)), 15)
    result = train(
        features, labels, LABELS,
        LearningBlockSpec(layers=preset_layers("dense_spectral", features.shape[1:])),
        TrainingSettings(epochs=3, learning_rate=0.005, batch_size=8, seed=3),
        tmp_path_factory.mktemp("fusion-training"),
        limits=RunLimits(time_limit_s=300, threads=1), measure_arena=False,
    )
    model_int8 = result.artifacts.int8_tflite.read_bytes()
    out_dir = tmp_path_factory.mktemp("fusion") / "sdk"
    build = build_cpp_sdk(IMPULSE, model_int8, LABELS, dsp_blocks=DSP_BLOCKS, out_dir=out_dir)
    make_sdk(build)
    driver = out_dir / "build" / "host_classify"
    run = subprocess.run(
        ["g++", "-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{out_dir}",
         str(HOST_DRIVER), str(out_dir / "build" / "libmf_sdk.a"), "-lm", "-o", str(driver)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return FusionSdk(build, driver, model_int8)


def host_rows(sdk: FusionSdk, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(scores, features) of each window from the C++ SDK's host driver."""
    run = subprocess.run([str(sdk.driver)], capture_output=True, timeout=60,
                         input=np.ascontiguousarray(windows, dtype="<f4").tobytes())
    assert run.returncode == 0, run.stderr
    rows = np.frombuffer(run.stdout, "<f4").reshape(len(windows), -1)
    # After the scores: the anomaly score, the anomalous flag and the regression value.
    return rows[:, : len(LABELS)], rows[:, len(LABELS) + 3 :]


def test_each_block_on_its_axes_gives_the_platform_features_and_scores(
    fusion_sdk: FusionSdk,
) -> None:
    windows = fusion_windows(8, seed=2)
    scores, features = host_rows(fusion_sdk, windows)
    expected = platform_features(windows)
    assert features.shape == expected.shape == (len(windows), fusion_sdk.build.feature_count)
    # Per block, as tests/dsp/test_cpp_parity_sensors.py: within 1e-3 of the feature range.
    start = 0
    for part in dsp_parts(IMPULSE, DSP_BLOCKS):
        block = slice(start, start + part.feature_count)
        spread = float(expected[:, block].max() - expected[:, block].min())
        worst = float(np.abs(features[:, block] - expected[:, block]).max())
        assert worst <= 1e-3 * spread, f"{part.block_type}: |C++ - Python| {worst} of {spread}"
        start += part.feature_count
    # As tests/deploy/test_accelerometer_sdk.py: the same class, within one int8 step.
    platform = predict(fusion_sdk.model_int8, expected)
    assert np.array_equal(scores.argmax(axis=1), platform.argmax(axis=1))
    assert float(np.abs(scores - platform).max()) <= 1.0 / 256.0


def test_generated_glue_gathers_each_blocks_axes_into_one_shared_buffer(
    fusion_sdk: FusionSdk,
) -> None:
    out_dir = fusion_sdk.build.out_dir
    glue = (out_dir / "model-parameters" / "mf_impulse.cpp").read_text()
    assert glue.count("float gathered_window[MF_GATHER_LEN];") == 1
    assert "const uint16_t mf_dsp_spectral_axes[3] = { 0, 1, 2 };" in glue
    assert "const uint16_t mf_dsp_raw_axes[1] = { 3 };" in glue
    calls = [glue.index(f"{name}_extract(window") for name in
             ("mf_dsp_spectral", "mf_dsp_raw", "mf_dsp_flatten")]
    assert calls == sorted(calls)
    spectral = dsp_parts(IMPULSE, DSP_BLOCKS)[0].feature_count
    assert f"mf_dsp_raw_extract(window2, features + {spectral})" in glue
    assert "malloc" not in glue and "new " not in glue
    metadata = (out_dir / "model-parameters" / "model_metadata.h").read_text()
    assert '#define MF_DSP_BLOCK "spectral, raw, flatten"' in metadata
    assert "#define MF_DSP_BLOCK_COUNT 3" in metadata
    assert fusion_sdk.build.sensor == "sensor"


def test_glue_and_runtime_compile_without_warnings(fusion_sdk: FusionSdk, tmp_path: Path) -> None:
    compile_without_warnings(
        fusion_sdk.build.out_dir,
        ["mf_classifier.cpp", "mf_image.cpp", "model-parameters/mf_impulse.cpp"],
        tmp_path,
    )


def test_a_repeated_block_type_gets_its_own_symbols() -> None:
    blocks = [DspSpec("spectral", {}, (0, 1, 2)), DspSpec("spectral", {"fft_length": 32}, (3,))]
    parts = dsp_parts(IMPULSE, blocks)
    assert [p.symbol for p in parts] == ["mf_dsp1_spectral", "mf_dsp2_spectral"]
    assert parts[1].feature_offset == parts[0].feature_count
    assert "mf_dsp2_spectral_extract" in parts[1].header_text


@pytest.mark.toolchain
def test_wasm_build_of_the_fused_impulse_scores_like_the_host(
    fusion_sdk: FusionSdk, tmp_path: Path
) -> None:
    reason = emscripten_unavailable()
    require(reason is None, str(reason))
    require(shutil.which("node") is not None, "node is not installed")
    wasm = build_wasm(fusion_sdk.build, tmp_path / "wasm")
    windows = fusion_windows(4, seed=3)
    raw = tmp_path / "windows.f32"
    raw.write_bytes(np.ascontiguousarray(windows, dtype="<f4").tobytes())
    run = subprocess.run(
        ["node", str(NODE_DRIVER), str(wasm.js_path), str(raw)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.strip().splitlines()][:-1]
    wasm_scores = np.array([[result[label] for label in LABELS] for result in results])
    host_scores, _ = host_rows(fusion_sdk, windows)
    assert np.array_equal(wasm_scores.argmax(axis=1), host_scores.argmax(axis=1))
    assert float(np.abs(wasm_scores - host_scores).max()) <= 1.0 / 256.0


@pytest.mark.toolchain
def test_dsp_estimate_runs_every_block() -> None:
    for tool in ("arm-none-eabi-g++", "qemu-system-arm"):
        require(shutil.which(tool) is not None, f"{tool} is not installed")
    board = get_board("nano33ble")
    fused = dsp_cost(IMPULSE, DSP_BLOCKS, board)
    spectral = dsp_cost(IMPULSE, DSP_BLOCKS[:1], board)
    assert fused.method == spectral.method == "qemu"
    assert fused.latency_ms is not None and spectral.latency_ms is not None
    assert fused.latency_ms > spectral.latency_ms
    # RAM: the raw window, the gather buffer (3 axes) and every block's features, at least.
    features = dsp_parts(IMPULSE, DSP_BLOCKS)
    floats = WINDOW * 4 + WINDOW * 3 + sum(part.feature_count for part in features)
    assert fused.ram_bytes is not None and fused.ram_bytes >= 4 * floats
