"""The presets learn bench-like data at their defaults: dense_spectral on a wide non-negative
MFE image (its ReLUs died without batch norm, and LiteRT refused the int8 model), and the
batch-norm presets' validation leaves chance within a few epochs (Keras's default running
statistics lagged the training batches for most of a short run)."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

from dsp_blocks.mfe import MFE
from tests.deploy.test_image_sdk import frames
from tests.learning.conftest import TEST_LIMITS
from tests.training.conftest import RATE_HZ, clip_wav
from worker.features.generate import DspBlockConfig, extract_features
from worker.learning.architectures import preset_layers
from worker.learning.blocks import LearningBlockSpec
from worker.learning.inference import classify
from worker.learning.settings import TrainingSettings
from worker.learning.train import train

pytestmark = pytest.mark.slow
LABELS = ["high", "low", "noise"]


def _mfe_of_wav_tones(per_label: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MFE (defaults, 16-bit WAV levels) of 0.5 s windows of the training tones: (49, 40)
    non-negative values each; labels; each window's clip."""
    windows, labels, groups = [], [], []
    for label_index, label in enumerate(LABELS):
        for clip in range(per_label):
            with wave.open(io.BytesIO(clip_wav(label, 500 + clip))) as reader:
                pcm = np.frombuffer(reader.readframes(reader.getnframes()), "<i2")
            for start in (0, 2000, 4000):
                windows.append(pcm[start : start + 4000].astype(np.float32))
                labels.append(label_index)
                groups.append(label_index * 1000 + clip)
    params = MFE.defaults_for(window_length=4000, sample_rate_hz=RATE_HZ, n_axes=1)
    features = MFE.extract(np.stack(windows)[:, :, None], sample_rate_hz=RATE_HZ, params=params)
    return features, np.array(labels), np.array(groups)


def test_dense_spectral_learns_an_mfe_image_and_quantizes(tmp_path: Path) -> None:
    features, labels, groups = _mfe_of_wav_tones(per_label=30)
    assert features.shape[1:] == (49, 40) and features.min() >= 0.0
    block = LearningBlockSpec(layers=preset_layers("dense_spectral", features.shape[1:]))
    settings = TrainingSettings(epochs=8, learning_rate=0.005, batch_size=32, seed=1)

    result = train(features, labels, LABELS, block, settings, tmp_path, limits=TEST_LIMITS,
                   measure_arena=False, groups=groups)

    assert result.float32.accuracy >= 0.9
    assert result.int8.accuracy >= 0.9
    predicted = classify(result.artifacts.int8_tflite.read_bytes(), features).argmax(axis=1)
    assert (predicted == labels).mean() >= 0.9


def test_mobilenet_validation_leaves_chance_within_a_few_epochs(tmp_path: Path) -> None:
    images = frames((9, 12, 3), 40, 1)
    config = DspBlockConfig(1, "image", None, {"width": 12, "height": 9})
    features = extract_features(images, config, sample_rate_hz=1.0)
    labels = np.repeat(np.arange(3), 40)
    block = LearningBlockSpec(layers=preset_layers("mobilenet_images", features.shape[1:]))
    settings = TrainingSettings(epochs=12, learning_rate=0.005, batch_size=16, seed=1)

    result = train(features, labels, ["horizontal", "vertical", "blank"], block, settings,
                   tmp_path, limits=TEST_LIMITS, measure_arena=False)

    assert result.history[-1]["val_accuracy"] >= 0.9, [h["val_accuracy"] for h in result.history]
    assert result.int8.accuracy >= 0.9

