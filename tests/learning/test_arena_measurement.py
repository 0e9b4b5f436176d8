"""Issue 13: a 6-axis accelerometer project with the default dense network trains, and its
TFLM arena is measured, although tflite-micro segfaults at some too-small arena sizes; when the
arena cannot be measured at all, training still succeeds and says why the arena is unknown."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from deploy_targets.estimate import tflm_arena
from dsp_blocks import get_block
from tests.learning.conftest import TEST_LIMITS
from worker.learning.architectures import preset_layers
from worker.learning.blocks import LearningBlockSpec
from worker.learning.inference import micro_arena_bytes, predict
from worker.learning.metrics import model_size
from worker.learning.settings import TrainingSettings
from worker.learning.train import train

RATE_HZ = 62.5
WINDOW = 125  # 2 s
AXES = 6


def six_axis_spectral_features() -> tuple[np.ndarray, np.ndarray]:
    """Spectral features (block defaults) of noise, and of noise with a 2 Hz wave on one axis."""
    rng = np.random.default_rng(0)
    windows = rng.normal(0.0, 1.0, (24, WINDOW, AXES)).astype(np.float32)
    labels = np.arange(24) % 2
    windows[labels == 1, :, 0] += np.sin(2 * np.pi * 2.0 * np.arange(WINDOW) / RATE_HZ)
    block = get_block("spectral")
    return block.extract(windows, sample_rate_hz=RATE_HZ, params=block.parse_params({})), labels


def test_default_dense_network_on_six_axes_trains_and_reports_its_arena(tmp_path: Path) -> None:
    features, labels = six_axis_spectral_features()
    block = LearningBlockSpec(layers=preset_layers("dense_spectral", features.shape[1:]))
    result = train(features, labels, ["idle", "wave"], block, TrainingSettings(epochs=2),
                   tmp_path, limits=TEST_LIMITS)
    for size in (result.int8_size, result.float32_size):
        assert size.arena_bytes is not None, size.arena_note
        assert size.arena_bytes % 16 == 0 and size.arena_bytes > 20 * 4
        assert size.arena_note is None
    # The figure is the smallest arena that works: 16 bytes less does not (it may even crash).
    model_bytes = result.artifacts.int8_tflite.read_bytes()
    with tflm_arena.IsolatedProbe(model_bytes) as probe:
        assert probe(model_bytes, result.int8_size.arena_bytes)
        assert not probe(model_bytes, result.int8_size.arena_bytes - 16)


def test_an_arena_that_cannot_be_measured_is_unknown_with_the_reason(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def crashed(_model_bytes: bytes) -> int:
        raise tflm_arena.ArenaMeasurementError("the tflite-micro probe crashed 25 times")

    monkeypatch.setattr(tflm_arena, "tflm_min_arena_bytes", crashed)
    model_bytes = (Path(__file__).parent.parent / "estimate" / "fixtures"
                   / "dense_spectral_6axis_int8.tflite").read_bytes()
    size = model_size(model_bytes)
    assert size.arena_bytes is None
    assert size.arena_note == (
        "the TFLM arena could not be measured: the tflite-micro probe crashed 25 times")
    assert size.mac_count == 78 * 20 + 20 * 10 + 10 * 2  # the other figures are still there


def test_int8_inference_fits_a_model_with_large_activations_and_few_weights() -> None:
    # 2.5 KB of model, 96x96x8 int8 activations: tflite-micro's default arena (10 times the
    # model, 24 KB) failed to allocate ("TFLM failed to allocate tensors").
    model_bytes = (Path(__file__).parent / "fixtures"
                   / "conv_96x96_few_weights_int8.tflite").read_bytes()
    assert micro_arena_bytes(model_bytes) >= 96 * 96 * 8 + 96 * 96
    probabilities = predict(model_bytes, np.random.default_rng(0).random((2, 96, 96, 1)))
    assert probabilities.shape == (2, 2)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=0.02)
