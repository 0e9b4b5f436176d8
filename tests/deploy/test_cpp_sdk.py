"""The promise: the C++ SDK built with g++ classifies every test window from its raw signal as
the platform's int8 pipeline (Python DSP + int8 interpreter) does."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

from tests.conftest import require
from tests.deploy.conftest import HostSdk, example_index
from tests.deploy.impulse_fixture import LABELS, TrainedImpulse
from worker.learning.anomaly import AnomalyModel

SCORE_LSB = 1.0 / 256.0
QUANTIZE_DRIVER = Path(__file__).resolve().parent / "host_quantize.cpp"


def test_sdk_agrees_with_platform_on_every_test_window(
    trained_impulse: TrainedImpulse, host_sdk: HostSdk
) -> None:
    scores, _, _ = host_sdk.classify(trained_impulse.test_windows)
    platform = trained_impulse.platform_scores
    assert scores.shape == platform.shape == (len(trained_impulse.test_windows), len(LABELS))
    agreement = float(np.mean(scores.argmax(axis=1) == platform.argmax(axis=1)))
    assert agreement == 1.0, f"top labels agree on {agreement:.1%} of the windows"
    worst = float(np.abs(scores - platform).max())
    assert worst <= SCORE_LSB, f"a score differs by {worst * 256:.2f}/256"


def test_the_trained_model_is_not_trivial(trained_impulse: TrainedImpulse) -> None:
    """Agreement means something only if the model separates the classes."""
    pure = len(trained_impulse.test_labels)
    predicted = trained_impulse.platform_scores[:pure].argmax(axis=1)
    assert float(np.mean(predicted == trained_impulse.test_labels)) >= 0.7  # chance is 1/3
    assert len(set(predicted.tolist())) == len(LABELS)
    # The mixed windows give scores away from 0 and 1, where rounding differences would show.
    uncertain = trained_impulse.platform_scores.max(axis=1) < 0.9
    assert int(uncertain.sum()) >= 3


def test_sdk_features_match_python_dsp(trained_impulse: TrainedImpulse, host_sdk: HostSdk) -> None:
    _, _, features = host_sdk.classify(trained_impulse.test_windows)
    expected = trained_impulse.test_features.reshape(len(features), -1)
    feature_range = float(expected.max() - expected.min())
    assert float(np.abs(features - expected).max()) <= 1e-3 * feature_range


def test_sdk_anomaly_scores_match_python(trained_impulse: TrainedImpulse, host_sdk: HostSdk) -> None:
    """The K-means constants score as the platform's model does on the same features, to 1e-5
    on every window, and flag the same windows anomalous (the C++ DSP's own float differences,
    standardized by small column spreads, are checked loosely)."""
    results = host_sdk.results(trained_impulse.test_windows)
    anomaly = results.anomaly
    exported = {k: v for k, v in trained_impulse.anomaly.items() if k != "score"}
    model = AnomalyModel.model_validate(exported)
    platform = model.scores(results.features)
    worst = float(np.abs(anomaly - platform).max())
    assert worst <= 1e-5, f"an anomaly score differs by {worst:.2g}"
    np.testing.assert_array_equal(results.anomalous, model.is_anomaly(results.features))
    assert results.anomalous.any() and not results.anomalous.all()
    from_python_dsp = model.scores(trained_impulse.test_features)
    np.testing.assert_allclose(anomaly, from_python_dsp, rtol=0.1)
    assert float(anomaly.max()) > 0.0


def test_standalone_example_prints_the_pasted_window_result(
    trained_impulse: TrainedImpulse, host_sdk: HostSdk
) -> None:
    run = subprocess.run([str(host_sdk.example)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stdout + run.stderr
    printed = dict(line.split(": ") for line in run.stdout.strip().splitlines())
    expected = trained_impulse.platform_scores[example_index(trained_impulse)]
    assert float(expected.max()) < 0.9
    for label, score in zip(LABELS, expected, strict=True):
        assert abs(float(printed[label]) - float(score)) <= SCORE_LSB
    assert "anomaly" in printed


def test_feature_quantization_rounds_like_the_platform(
    host_sdk: HostSdk, tmp_path: Path
) -> None:
    """float32 value / scale + zero point, halves to even (np.round), clamped: the same int8 as
    worker.learning.inference.predict gives the interpreter, including exact halves."""
    model = host_sdk.build.model.inputs[0]
    scale = np.float32(model.scale)
    n = np.arange(-140, 140, dtype=np.float32)
    # Values whose scaled form lands exactly on a half, where half-away and half-even differ.
    candidates = ((n + np.float32(0.5) - model.zero_point) * scale).astype(np.float32)
    scaled = candidates / scale + np.float32(model.zero_point)
    halves = candidates[scaled - np.floor(scaled) == np.float32(0.5)]
    assert len(halves) >= 20
    rng = np.random.default_rng(0)
    values = np.concatenate(
        [halves, rng.uniform(-300, 300, 2000).astype(np.float32), [0.0, -0.0, 1e30, -1e30]]
    ).astype("<f4")
    expected = np.clip(np.round(values / scale + model.zero_point), -128, 127).astype(np.int8)

    driver = tmp_path / "quantize"
    sdk_dir = host_sdk.build.out_dir
    build = subprocess.run(
        ["g++", "-std=c++11", "-O2", "-Wall", "-Werror", f"-I{sdk_dir}", str(QUANTIZE_DRIVER),
         str(sdk_dir / "build" / "libmf_sdk.a"), "-lm", "-o", str(driver)],
        capture_output=True, text=True, timeout=120,
    )
    assert build.returncode == 0, build.stderr
    run = subprocess.run([str(driver)], input=values.tobytes(), capture_output=True, timeout=30)
    actual = np.frombuffer(run.stdout, dtype=np.int8)
    np.testing.assert_array_equal(actual, expected)
    half_away = np.sign(halves / scale + model.zero_point) * np.floor(
        np.abs(halves / scale + model.zero_point) + 0.5
    )
    assert np.any(np.clip(half_away, -128, 127) != expected[: len(halves)]), "no tie was tested"


def test_continuous_classification_averages_the_last_windows(
    trained_impulse: TrainedImpulse, host_sdk: HostSdk
) -> None:
    """Slices of a stream in: each report is the mean of the scores of the last
    MF_SLICES_PER_WINDOW windows ending at a slice boundary (the stream starts from zeros).
    The generator picks 5 slices: 800 samples are 5 strides of the MFCC's 20 ms frames at 8 kHz,
    so from the second slice on the DSP moves the frames the windows share (mf_dsp_audio.h), and
    the scores still equal those of each whole window."""
    window = trained_impulse.test_windows.shape[1]
    metadata = (host_sdk.build.out_dir / "model-parameters" / "model_metadata.h").read_text()
    slices_per_window = int(re.search(r"#define MF_SLICES_PER_WINDOW (\d+)", metadata)[1])
    assert slices_per_window == 5
    slice_length = window // slices_per_window
    stream = trained_impulse.test_windows[[0, 20, 40, 5], :, 0].reshape(-1)
    averaged = host_sdk.classify_stream(stream)
    assert averaged.shape == (len(stream) // slice_length, len(LABELS))

    padded = np.concatenate([np.zeros(window - slice_length, np.float32), stream])
    windows = np.stack(
        [padded[j * slice_length : j * slice_length + window] for j in range(len(averaged))]
    )
    scores, _, _ = host_sdk.classify(windows[:, :, None])
    for j in range(len(averaged)):
        expected = scores[max(0, j - slices_per_window + 1) : j + 1].mean(axis=0)
        np.testing.assert_allclose(averaged[j], expected, atol=1e-6)
    assert np.ptp(averaged[:, 0]) > 0.1, "the stream's classes should move the averages"


def test_sdk_sources_compile_without_warnings(host_sdk: HostSdk, tmp_path: Path) -> None:
    """The SDK runtime, the generated glue and the DSP compile with -Wall -Wextra -Werror (the
    compiled model's own warnings are the compiler's tests' business)."""
    sdk_dir = host_sdk.build.out_dir
    sources = [
        sdk_dir / "mf_classifier.cpp",
        sdk_dir / "mf_porting.cpp",
        sdk_dir / "model-parameters" / "mf_impulse.cpp",
        sdk_dir / "examples" / "standalone" / "main.cpp",
        sdk_dir / "examples" / "device_test" / "main.cpp",
    ]
    for index, source in enumerate(sources):
        run = subprocess.run(
            ["g++", "-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror", "-Wshadow",
             f"-I{sdk_dir}", "-c", str(source), "-o", str(tmp_path / f"{index}_{source.stem}.o")],
            capture_output=True, text=True, timeout=120,
        )
        assert run.returncode == 0, run.stderr


def test_cmake_builds_the_same_example(host_sdk: HostSdk, tmp_path: Path) -> None:
    require(shutil.which("cmake") is not None, "cmake is not installed")
    build_dir = tmp_path / "cmake-build"
    for command in (
        ["cmake", "-S", str(host_sdk.build.out_dir), "-B", str(build_dir),
         "-DCMAKE_BUILD_TYPE=Release"],
        ["cmake", "--build", str(build_dir), "-j", "2"],
    ):
        run = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    ours = subprocess.run([str(build_dir / "mf_example")], capture_output=True, text=True)
    made = subprocess.run([str(host_sdk.example)], capture_output=True, text=True)
    assert ours.returncode == 0 and ours.stdout == made.stdout


def test_readme_names_each_memory_figure(host_sdk: HostSdk) -> None:
    readme = (host_sdk.build.out_dir / "README.md").read_text()
    arena = host_sdk.build.model.arena_bytes
    assert f"| mcuforge tensor arena (the model's activations, RAM) | {arena} bytes |" in readme
    header = (host_sdk.build.out_dir / "mf_model.h").read_text()
    assert f"#define MF_MODEL_ARENA_BYTES {arena}" in header  # the figure the README names
    assert "**model RAM** on the Deployment page's estimates = this arena" in readme
    assert "**TensorFlow Lite Micro arena**" in readme and "for comparison only" in readme
    assert "model RAM (arena)" not in readme  # the old, ambiguous label
