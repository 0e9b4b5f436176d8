"""Windows in fixed-size batches across samples, and the sizes known before any work: what
keeps feature generation's memory flat in the number of samples, and live classification's
checks ahead of resampling."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from scipy.signal import resample_poly

from backend.settings import settings
from worker.features.generate import (
    BATCH_VALUES,
    CHUNK_WINDOWS,
    DspBlockConfig,
    batch_windows,
    generate_features,
)
from worker.features.windowing import (
    InputBlock,
    ResampleTooLarge,
    SeriesSample,
    resample,
    resampled_length,
    stream_windows,
    window_count,
    window_samples,
    window_starts,
)


def _clip(index: int, length: int, rate_hz: float = 100.0) -> SeriesSample:
    values = np.arange(length * 2, dtype=np.float32).reshape(length, 2) + 1000 * index
    return SeriesSample(
        index + 1, f"clip{index}.csv", "yes", "training", values, ("x", "y"), rate_hz
    )


def test_window_count_is_the_number_of_window_starts() -> None:
    for length, window, step, zero_pad in itertools.product(
        range(0, 30), range(1, 9), range(1, 9), (True, False)
    ):
        expected = len(window_starts(length, window, step, zero_pad=zero_pad))
        assert window_count(length, window, step, zero_pad=zero_pad) == expected


@pytest.mark.parametrize(("from_hz", "to_hz"), [(1, 16000), (44100, 16000), (100, 62.5), (3, 7)])
def test_resampled_length_is_what_resampling_makes(from_hz: float, to_hz: float) -> None:
    ratio = Fraction(to_hz / from_hz).limit_denominator(1000)
    for length in (1, 2, 7, 50):
        made = resample_poly(np.zeros(length), ratio.numerator, ratio.denominator).shape[0]
        assert resampled_length(length, from_hz, to_hz) == made


def test_resampling_past_the_limit_is_refused_before_the_work(monkeypatch) -> None:
    monkeypatch.setattr(settings, "max_resampled_values", 1000)
    with pytest.raises(
        ResampleTooLarge,
        match="4000 values once resampled to 200 Hz.*MCUFORGE_MAX_RESAMPLED_VALUES",
    ):
        resample(np.zeros((10, 2), dtype=np.float32), 1.0, 200.0, what="the recording")
    assert resample(np.zeros((5, 2), dtype=np.float32), 1.0, 100.0).shape == (500, 2)


def test_batches_are_full_across_samples_and_equal_the_windows_of_all_samples() -> None:
    block = InputBlock(
        axes=("y", "x"), window_size_ms=200, window_increase_ms=50, frequency_hz=100.0
    )
    clips = [_clip(index, length) for index, length in enumerate([50, 7, 0, 33, 120, 61])]
    skipped: list[str] = []

    batches = list(stream_windows(clips, block, batch_windows=16, skipped=skipped))

    assert [len(batch) for batch in batches[:-1]] == [16] * (len(batches) - 1)
    assert 0 < len(batches[-1]) <= 16
    whole = window_samples(clips, block)
    np.testing.assert_array_equal(np.concatenate([b.windows for b in batches]), whole.windows)
    np.testing.assert_array_equal(np.concatenate([b.sample_ids for b in batches]), whole.sample_ids)
    np.testing.assert_array_equal(np.concatenate([b.offsets_ms for b in batches]), whole.offsets_ms)
    assert skipped == whole.skipped and len(skipped) == 1  # the empty clip


def test_batches_hold_fewer_windows_when_windows_are_large() -> None:
    assert batch_windows(1000) == CHUNK_WINDOWS
    assert batch_windows(2048 * 2048 * 3) == max(1, BATCH_VALUES // (2048 * 2048 * 3))
    assert batch_windows(BATCH_VALUES * 4) == 1


def test_features_from_batches_equal_features_of_all_windows_at_once(rng) -> None:
    block = InputBlock(axes=("x",), window_size_ms=250, window_increase_ms=125, frequency_hz=8000.0)
    clips = [
        SeriesSample(
            i + 1,
            f"c{i}.wav",
            "yes",
            "training",
            rng.normal(scale=1000, size=(4000 + 300 * i, 1)).astype(np.float32),
            ("x",),
            8000.0,
        )
        for i in range(40)
    ]
    config = DspBlockConfig(1, "mfe", (0,), {})
    whole = window_samples(clips, block)
    assert len(whole) > CHUNK_WINDOWS  # batches span samples and more than one chunk

    (from_all,) = generate_features(whole, [config], sample_rate_hz=8000.0, projection_method="pca")
    batches = list(stream_windows(clips, block, batch_windows=CHUNK_WINDOWS, skipped=[]))
    (from_batches,) = generate_features(
        batches, [config], sample_rate_hz=8000.0, projection_method="pca"
    )

    assert from_all.features.tobytes() == from_batches.features.tobytes()


def test_the_projection_of_a_large_matrix_in_chunks_equals_the_exact_one(rng, monkeypatch) -> None:
    from worker.features import generate

    latent = rng.normal(size=(1500, 4)) * [5.0, 3.0, 1.0, 0.5]
    features = (latent @ rng.normal(size=(4, 60)) + rng.normal(scale=0.1, size=(1500, 60))).astype(
        np.float32
    )
    exact = generate.pca_2d(features)
    monkeypatch.setattr(generate, "EXACT_PCA_MAX_VALUES", 0)
    monkeypatch.setattr(generate, "PCA_CHUNK_ROWS", 128)  # several chunks

    chunked = generate.pca_2d(features)

    for component in range(2):  # each component's sign is arbitrary in both
        sign = np.sign(exact[:, component] @ chunked[:, component])
        np.testing.assert_allclose(
            sign * chunked[:, component], exact[:, component], rtol=1e-4, atol=1e-4
        )
