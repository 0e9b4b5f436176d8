"""train() refuses bad input with a message saying what to fix, before any process starts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.learning.conftest import (
    CLASS_NAMES,
    COEFFICIENTS,
    FRAMES,
    TEST_LIMITS,
    mfcc_like_dataset,
)
from worker.learning.architectures import preset_layers
from worker.learning.blocks import LearningBlockSpec
from worker.learning.errors import TrainingError
from worker.learning.settings import TrainingSettings
from worker.learning.train import train

_BLOCK = LearningBlockSpec(layers=preset_layers("conv1d_audio", (FRAMES, COEFFICIENTS)))
_SETTINGS = TrainingSettings(epochs=1)


def _train(tmp_path: Path, features: np.ndarray, labels: np.ndarray, names: list[str]) -> None:
    train(features, labels, names, _BLOCK, _SETTINGS, tmp_path, limits=TEST_LIMITS)


def test_one_class_is_refused(tmp_path: Path) -> None:
    features, _ = mfcc_like_dataset(10)
    with pytest.raises(TrainingError, match="at least two classes"):
        _train(tmp_path, features, np.zeros(len(features), int), ["yes"])


def test_classes_of_a_single_sample_each_are_refused(tmp_path: Path) -> None:
    features, labels = mfcc_like_dataset(10)
    one_each = [int(np.flatnonzero(labels == c)[0]) for c in range(len(CLASS_NAMES))]
    with pytest.raises(TrainingError, match="every class has a single sample"):
        _train(tmp_path, features[one_each], labels[one_each], CLASS_NAMES)


def test_empty_and_nan_features_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="features are empty"):
        _train(tmp_path, np.zeros((0, FRAMES, COEFFICIENTS)), np.zeros(0, int), CLASS_NAMES)
    features, labels = mfcc_like_dataset(10)
    features[4, 2, 3] = np.nan
    with pytest.raises(TrainingError, match="1 window.*NaN.*window 4"):
        _train(tmp_path, features, labels, CLASS_NAMES)


def test_a_network_that_cannot_take_the_features_names_the_layer(tmp_path: Path) -> None:
    features, labels = mfcc_like_dataset(10)
    flat = features.reshape(len(features), -1)
    with pytest.raises(TrainingError, match=r"layer 1 \(Reshape\)"):
        _train(tmp_path, flat[:, :100], labels, CLASS_NAMES)
    assert not (tmp_path / "script.py").exists()


def test_masking_flat_features_is_refused(tmp_path: Path) -> None:
    features, labels = mfcc_like_dataset(10)
    flat = features.reshape(len(features), -1)
    settings = TrainingSettings(epochs=1, augmentation={"time_mask_max_frames": 2})
    block = LearningBlockSpec(layers=preset_layers("dense_spectral", flat.shape[1:]))
    with pytest.raises(TrainingError, match="masking need features of frames x frequency"):
        train(flat, labels, CLASS_NAMES, block, settings, tmp_path)
