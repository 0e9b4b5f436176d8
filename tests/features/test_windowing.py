"""The input block: window positions, zero padding, resampling, axes and short samples."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from worker.features.windowing import (
    InputBlock,
    SeriesSample,
    resample,
    window_samples,
    window_starts,
)


def series(
    values: np.ndarray,
    *,
    sample_id: int = 1,
    name: str = "clip.wav",
    label: str = "yes",
    rate_hz: float = 100.0,
    axes: tuple[str, ...] = ("x",),
) -> SeriesSample:
    return SeriesSample(
        sample_id=sample_id,
        name=name,
        label=label,
        category="training",
        values=np.asarray(values, dtype=np.float32).reshape(len(values), len(axes)),
        axes=axes,
        sample_rate_hz=rate_hz,
    )


def ramp(length: int, n_axes: int = 1) -> np.ndarray:
    return np.arange(length * n_axes, dtype=np.float32).reshape(length, n_axes)


@pytest.mark.parametrize(
    ("length", "window", "step", "zero_pad", "expected"),
    [
        (10, 4, 2, False, [0, 2, 4, 6]),
        (10, 4, 2, True, [0, 2, 4, 6]),  # the last full window ends at the last sample
        (11, 4, 2, False, [0, 2, 4, 6]),
        (11, 4, 2, True, [0, 2, 4, 6, 8]),  # sample 10 would be lost: one padded window more
        (3, 4, 2, False, []),
        (3, 4, 2, True, [0]),
        (4, 4, 10, True, [0]),
        (0, 4, 1, True, []),
    ],
)
def test_window_starts(
    length: int, window: int, step: int, zero_pad: bool, expected: list[int]
) -> None:
    assert window_starts(length, window, step, zero_pad=zero_pad) == expected


def test_windows_without_zero_pad_are_slices_of_the_sample() -> None:
    block = InputBlock(
        axes=("x",), window_size_ms=400, window_increase_ms=200, frequency_hz=10, zero_pad=False
    )
    cut = window_samples([series(ramp(11), rate_hz=10)], block)

    assert cut.windows.shape == (4, 4, 1)
    np.testing.assert_array_equal(cut.windows[1, :, 0], [2, 3, 4, 5])
    np.testing.assert_array_equal(cut.offsets_ms, [0, 200, 400, 600])
    assert cut.labels == ["yes"] * 4 and cut.sample_ids.tolist() == [1] * 4


def test_zero_pad_fills_the_last_and_short_windows_with_zeros() -> None:
    block = InputBlock(
        axes=("x",), window_size_ms=400, window_increase_ms=200, frequency_hz=10, zero_pad=True
    )
    cut = window_samples(
        [series(ramp(11) + 1, rate_hz=10), series(ramp(2) + 1, sample_id=2, rate_hz=10)], block
    )

    assert cut.windows.shape == (6, 4, 1)
    np.testing.assert_array_equal(cut.windows[4, :, 0], [9, 10, 11, 0])
    np.testing.assert_array_equal(cut.windows[5, :, 0], [1, 2, 0, 0])
    assert cut.sample_ids.tolist() == [1, 1, 1, 1, 1, 2]
    assert cut.offsets_ms[-2:].tolist() == [800.0, 0.0]
    assert cut.skipped == []


def test_a_short_sample_without_zero_pad_is_logged_by_name_and_skipped() -> None:
    block = InputBlock(
        axes=("x",), window_size_ms=1000, window_increase_ms=500, frequency_hz=100, zero_pad=False
    )
    lines: list[str] = []
    cut = window_samples(
        [
            series(ramp(100), sample_id=1, name="long.wav"),
            series(ramp(60), sample_id=2, name="short one.wav"),
        ],
        block,
        log=lines.append,
    )

    assert set(cut.sample_ids.tolist()) == {1}
    assert len(lines) == 1 and "'short one.wav'" in lines[0] and "600 ms" in lines[0]
    assert cut.skipped == lines


def test_axes_are_selected_by_name_in_the_input_block_order() -> None:
    values = np.stack([np.full(5, 1.0), np.full(5, 2.0), np.full(5, 3.0)], axis=1)
    block = InputBlock(axes=("z", "x"), window_size_ms=50, window_increase_ms=50, frequency_hz=100)
    cut = window_samples([series(values, axes=("x", "y", "z"))], block)

    assert cut.windows.shape == (1, 5, 2)
    np.testing.assert_array_equal(cut.windows[0, 0], [3.0, 1.0])


def test_a_sample_without_a_chosen_axis_is_logged_and_skipped() -> None:
    block = InputBlock(axes=("y",), window_size_ms=50, window_increase_ms=50, frequency_hz=100)
    lines: list[str] = []
    cut = window_samples([series(ramp(10), name="accel.csv")], block, log=lines.append)

    assert len(cut) == 0
    assert "'accel.csv'" in lines[0] and "no axis 'y'" in lines[0]


def test_resampling_to_the_input_frequency(rng: np.random.Generator) -> None:
    tone_hz, rate_hz, target_hz = 440.0, 16000.0, 8000.0
    time_s = np.arange(16000) / rate_hz
    signal = np.sin(2 * np.pi * tone_hz * time_s).astype(np.float32)
    block = InputBlock(
        axes=("audio",), window_size_ms=1000, window_increase_ms=1000, frequency_hz=target_hz
    )
    cut = window_samples([series(signal, rate_hz=rate_hz, axes=("audio",))], block)

    assert cut.windows.shape == (1, 8000, 1)
    np.testing.assert_allclose(cut.windows[0, :, 0], resample_poly(signal, 1, 2), atol=1e-5)
    # The tone survives: its FFT peak is still at 440 Hz.
    spectrum = np.abs(np.fft.rfft(cut.windows[0, :, 0]))
    assert np.argmax(spectrum) * target_hz / 8000 == pytest.approx(tone_hz, abs=1)


def test_resample_uses_a_rational_ratio_and_keeps_matching_rates_untouched(
    rng: np.random.Generator,
) -> None:
    values = rng.normal(size=(441, 2)).astype(np.float32)
    np.testing.assert_array_equal(resample(values, 100.0, 100.0), values)
    assert resample(values, 44100.0, 16000.0).shape == (160, 2)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("window_size_ms", 0.0, "must be above 0"),
        ("window_increase_ms", -1.0, "must be above 0"),
        ("frequency_hz", 0.0, "must be above 0"),
        ("window_size_ms", 1.0, "less than one sample"),
    ],
)
def test_bad_input_blocks_are_refused_with_the_rule(field: str, value: float, words: str) -> None:
    settings = {"window_size_ms": 1000.0, "window_increase_ms": 500.0, "frequency_hz": 100.0}
    settings[field] = value
    with pytest.raises(ValueError, match=field) as error:
        InputBlock(axes=("x",), **settings)
    assert words in str(error.value)
