"""Session fixtures of the deployment tests: one trained impulse and its SDK built with g++."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.sdk import SdkBuild, build_cpp_sdk
from tests.deploy.impulse_fixture import DSP, IMPULSE, LABELS, TrainedImpulse, train_impulse

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HOST_DRIVER = Path(__file__).resolve().parent / "host_classify.cpp"


@pytest.fixture(scope="session")
def trained_impulse(tmp_path_factory: pytest.TempPathFactory) -> TrainedImpulse:
    return train_impulse(tmp_path_factory.mktemp("training"))


@dataclass
class HostResults:
    """One row per window: mf_result_t's fields and mf_last_features()."""

    scores: np.ndarray  # classification[i].value
    anomaly: np.ndarray
    anomalous: np.ndarray  # bool
    value: np.ndarray  # the regression value (0 for a classifier)
    features: np.ndarray


@dataclass
class HostSdk:
    """The SDK built on the host with its own Makefile, plus the test driver linked to it."""

    build: SdkBuild
    driver: Path
    example: Path

    def results(self, windows: np.ndarray) -> HostResults:
        """Everything the C++ SDK reports for each raw window."""
        data = np.ascontiguousarray(windows, dtype="<f4").tobytes()
        run = subprocess.run([str(self.driver)], input=data, capture_output=True, timeout=60)
        assert run.returncode == 0, run.stderr.decode()
        labels = self.build.label_count
        row = labels + 3 + self.build.feature_count
        values = np.frombuffer(run.stdout, dtype="<f4").reshape(len(windows), row)
        return HostResults(
            scores=values[:, :labels],
            anomaly=values[:, labels],
            anomalous=values[:, labels + 1] == 1.0,
            value=values[:, labels + 2],
            features=values[:, labels + 3 :],
        )

    def classify(self, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(scores, anomaly scores, features) of each raw window, from the C++ SDK."""
        results = self.results(windows)
        return results.scores, results.anomaly, results.features

    def classify_stream(self, stream: np.ndarray) -> np.ndarray:
        """Averaged scores after each slice fed to mf_run_classifier_continuous."""
        data = np.ascontiguousarray(stream, dtype="<f4").tobytes()
        run = subprocess.run(
            [str(self.driver), "continuous"], input=data, capture_output=True, timeout=60
        )
        assert run.returncode == 0, run.stderr.decode()
        return np.frombuffer(run.stdout, dtype="<f4").reshape(-1, len(LABELS))


def make_sdk(build: SdkBuild) -> None:
    """Build the SDK's library and example with its Makefile (warnings are checked per file by
    test_sdk_sources_compile_without_warnings)."""
    run = subprocess.run(
        ["make", "-C", str(build.out_dir), "CXXFLAGS=-O2", "-j2"],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def example_index(trained: TrainedImpulse) -> int:
    """The test window the examples classify: the first with an uncertain top score, so the
    printed scores are not all 0 or 1."""
    return int(np.argmax(trained.platform_scores.max(axis=1) < 0.9))


def host_driver(out_dir: Path) -> Path:
    """The test driver linked to the SDK's library (built by make_sdk)."""
    driver = out_dir / "build" / "host_classify"
    run = subprocess.run(
        ["g++", "-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{out_dir}",
         str(HOST_DRIVER), str(out_dir / "build" / "libmf_sdk.a"), "-lm", "-o", str(driver)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return driver


@pytest.fixture(scope="session")
def host_sdk(trained_impulse: TrainedImpulse, tmp_path_factory: pytest.TempPathFactory) -> HostSdk:
    out_dir = tmp_path_factory.mktemp("sdk") / "tones_sdk"
    example = example_index(trained_impulse)
    build = build_cpp_sdk(
        IMPULSE,
        trained_impulse.model_int8,
        LABELS,
        dsp_blocks=[DSP],
        anomaly=trained_impulse.anomaly,
        out_dir=out_dir,
        example_window=trained_impulse.test_windows[example, :, 0],
        example_note=f"test window {example} of the deployment tests",
    )
    make_sdk(build)
    return HostSdk(build=build, driver=host_driver(out_dir), example=out_dir / "build" / "example")
