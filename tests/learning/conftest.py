"""Tiny seeded datasets and one trained classifier shared by the learning tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from worker.learning.architectures import preset_layers
from worker.learning.blocks import LearningBlockSpec
from worker.learning.reporting import RecordingReporter
from worker.learning.runner import RunLimits
from worker.learning.settings import TrainingSettings
from worker.learning.train import TrainingResult, train

# Training runs in child processes; one thread each keeps the 2-core machine usable.
TEST_LIMITS = RunLimits(time_limit_s=300, threads=1)

CLASS_NAMES = ["yes", "no", "noise"]
FRAMES, COEFFICIENTS = 13, 10


def mfcc_like_dataset(
    windows_per_class: int = 40, *, seed: int = 7, noise_seed: int = 8, spread: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated classes of 13 x 10 'MFCC-like' windows around random centres.

    `seed` picks the class centres, `noise_seed` the windows around them (a new noise_seed
    gives a test split of the same classes)."""
    centres = np.random.default_rng(seed).normal(0.0, 1.0, (len(CLASS_NAMES), FRAMES, COEFFICIENTS))
    labels = np.repeat(np.arange(len(CLASS_NAMES)), windows_per_class)
    noise = np.random.default_rng(noise_seed).normal(
        0.0, spread, (len(labels), FRAMES, COEFFICIENTS)
    )
    features = centres[labels] + noise
    return features.astype(np.float32), labels


@pytest.fixture(scope="session")
def mfcc_dataset() -> tuple[np.ndarray, np.ndarray]:
    return mfcc_like_dataset()


class TrainedClassifier:
    def __init__(self, result: TrainingResult, reporter: RecordingReporter, workdir: Path):
        self.result = result
        self.reporter = reporter
        self.workdir = workdir


@pytest.fixture(scope="session")
def trained_classifier(
    tmp_path_factory: pytest.TempPathFactory, mfcc_dataset: tuple[np.ndarray, np.ndarray]
) -> TrainedClassifier:
    """The default keyword network (Conv1D preset), trained 5 epochs through the sandbox."""
    features, labels = mfcc_dataset
    block = LearningBlockSpec(layers=preset_layers("conv1d_audio", (FRAMES, COEFFICIENTS)))
    settings = TrainingSettings(epochs=5, learning_rate=0.01, batch_size=16, seed=3)
    reporter = RecordingReporter()
    workdir = tmp_path_factory.mktemp("classifier")
    result = train(
        features, labels, CLASS_NAMES, block, settings, workdir, reporter, limits=TEST_LIMITS
    )
    return TrainedClassifier(result, reporter, workdir)
