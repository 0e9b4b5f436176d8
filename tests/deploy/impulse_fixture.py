"""A tiny keyword-like impulse trained once per session: three generated sound classes at 8 kHz,
MFCC, the Conv1D keyword preset trained for a few epochs, and a K-means anomaly block."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deploy_targets.sdk import DspSpec, ImpulseSpec
from dsp_blocks import get_block
from worker.learning.anomaly import AnomalySettings, fit_anomaly
from worker.learning.architectures import preset_layers
from worker.learning.blocks import LearningBlockSpec
from worker.learning.inference import predict
from worker.learning.runner import RunLimits
from worker.learning.settings import TrainingSettings
from worker.learning.train import train

SAMPLE_RATE_HZ = 8000.0
WINDOW_LENGTH = 4000  # 500 ms
LABELS = ["low", "high", "noise"]
DSP = DspSpec("mfcc", {"normalization_window_frames": 0})
IMPULSE = ImpulseSpec("Tones test", ("audio",), SAMPLE_RATE_HZ, WINDOW_LENGTH)


def sound_windows(per_label: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(windows (n, WINDOW_LENGTH, 1) float32, label indices): a ~300 Hz tone, a ~1.8 kHz tone
    and white noise, at random levels and phases with a little noise on the tones."""
    rng = np.random.default_rng(seed)
    t = np.arange(WINDOW_LENGTH) / SAMPLE_RATE_HZ
    windows, labels = [], []
    for index, label in enumerate(LABELS):
        for _ in range(per_label):
            level = rng.uniform(0.2, 0.9)
            if label == "noise":
                signal = rng.uniform(-1.0, 1.0, WINDOW_LENGTH) * level
            else:
                hz = rng.uniform(270, 330) if label == "low" else rng.uniform(1700, 1900)
                signal = level * np.sin(2 * np.pi * hz * t + rng.uniform(0, 2 * np.pi))
                signal += rng.normal(0.0, 0.03, WINDOW_LENGTH)
            windows.append(signal.astype(np.float32))
            labels.append(index)
    return np.stack(windows)[:, :, None], np.asarray(labels)


def mixed_windows(count: int, seed: int) -> np.ndarray:
    """Ambiguous windows, two classes' sounds mixed at random weights: the model's scores on
    them are far from 0 and 1, where a one-step difference in the C++ would show."""
    windows, _ = sound_windows(count, seed=seed)
    rng = np.random.default_rng(seed + 100)
    first = rng.integers(0, len(LABELS), count)
    second = (first + rng.integers(1, len(LABELS), count)) % len(LABELS)
    weight = rng.uniform(0.3, 0.7, count)[:, None, None].astype(np.float32)
    return weight * windows[first * count + np.arange(count)] + (1 - weight) * windows[
        second * count + np.arange(count)
    ]


def python_features(windows: np.ndarray) -> np.ndarray:
    """The platform's DSP: the Python MFCC block with the impulse's parameters."""
    block = get_block(DSP.block_type)
    params = block.parse_params(DSP.params)
    return block.extract(windows, sample_rate_hz=SAMPLE_RATE_HZ, params=params)


@dataclass
class TrainedImpulse:
    model_int8: bytes
    model_float32: bytes
    saved_model_zip: Path
    anomaly: dict[str, object]
    test_windows: np.ndarray
    test_labels: np.ndarray  # labels of the first len(test_labels) windows; the rest are mixes
    test_features: np.ndarray
    platform_scores: np.ndarray  # Python DSP + int8 interpreter on the test windows


def train_impulse(workdir: Path) -> TrainedImpulse:
    windows, labels = sound_windows(30, seed=1)
    features = python_features(windows)
    block = LearningBlockSpec(layers=preset_layers("conv1d_audio", features.shape[1:]))
    settings = TrainingSettings(epochs=10, learning_rate=0.002, batch_size=16, seed=3)
    result = train(
        features, labels, LABELS, block, settings, workdir,
        limits=RunLimits(time_limit_s=300, threads=1), measure_arena=False,
    )
    anomaly = fit_anomaly(features, AnomalySettings(clusters=3, seed=1))
    pure_windows, test_labels = sound_windows(15, seed=2)
    test_windows = np.concatenate([pure_windows, mixed_windows(15, seed=3)])
    test_features = python_features(test_windows)
    model_int8 = result.artifacts.int8_tflite.read_bytes()
    return TrainedImpulse(
        model_int8=model_int8,
        model_float32=result.artifacts.float32_tflite.read_bytes(),
        saved_model_zip=result.artifacts.saved_model_zip,
        anomaly=anomaly.export(),
        test_windows=test_windows,
        test_labels=test_labels,
        test_features=test_features,
        platform_scores=predict(model_int8, test_features),
    )
