"""Every block's `defaults_for` gives parameters that validate on windows of that shape and
extract finite features: windows of 8..100 000 samples, 1 Hz..48 kHz, 1..6 axes. A parameter
that no longer fits the window is refused naming the value that fits."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsp_blocks.base import DspParameterError
from dsp_blocks.registry import get_block

WINDOW_LENGTHS = (8, 9, 20, 100, 257, 1000, 16000, 100_000)
RATES_HZ = (1.0, 4.0, 10.0, 62.5, 100.0, 1000.0, 8000.0, 16000.0, 44100.0, 48000.0)
SENSOR_AXES = (1, 3, 6)
SENSOR_BLOCKS = ("spectral", "raw", "flatten")
AUDIO_BLOCKS = ("mfcc", "mfe", "spectrogram")
# The audio blocks need frames of 4 samples within their longest frame (1 s): 4 Hz and up.
LOWEST_AUDIO_RATE_HZ = 4.0


def _check(block_name: str, window_length: int, rate_hz: float, n_axes: int, seed: int) -> None:
    block = get_block(block_name)
    params = block.defaults_for(window_length=window_length, sample_rate_hz=rate_hz, n_axes=n_axes)
    block.validate(params, sample_rate_hz=rate_hz, window_length=window_length, n_axes=n_axes)
    window = np.random.default_rng(seed).normal(size=(1, window_length, n_axes)) * 100.0
    features = block.extract(window.astype(np.float32), sample_rate_hz=rate_hz, params=params)
    expected = block.output_shape(
        params, sample_rate_hz=rate_hz, window_length=window_length, n_axes=n_axes
    )
    assert features.shape == (1, *expected)
    assert np.isfinite(features).all(), (block_name, window_length, rate_hz, params)


@pytest.mark.parametrize("block_name", SENSOR_BLOCKS)
@pytest.mark.parametrize("rate_hz", RATES_HZ)
def test_sensor_block_defaults_fit_every_window(block_name: str, rate_hz: float) -> None:
    for seed, (window_length, n_axes) in enumerate(itertools.product(WINDOW_LENGTHS, SENSOR_AXES)):
        _check(block_name, window_length, rate_hz, n_axes, seed)


@pytest.mark.parametrize("block_name", AUDIO_BLOCKS)
@pytest.mark.parametrize("rate_hz", [r for r in RATES_HZ if r >= LOWEST_AUDIO_RATE_HZ])
def test_audio_block_defaults_fit_every_window(block_name: str, rate_hz: float) -> None:
    for seed, window_length in enumerate(WINDOW_LENGTHS):
        _check(block_name, window_length, rate_hz, 1, seed)


@settings(max_examples=60, deadline=None)
@given(
    window_length=st.integers(8, 100_000),
    rate_hz=st.floats(1.0, 48_000.0, allow_nan=False),
    n_axes=st.integers(1, 6),
    block_name=st.sampled_from(SENSOR_BLOCKS + AUDIO_BLOCKS),
)
def test_fitted_defaults_fit_any_window(
    window_length: int, rate_hz: float, n_axes: int, block_name: str
) -> None:
    """Any shape in the range: the audio blocks take one axis (4 Hz and up), the others any."""
    if block_name in AUDIO_BLOCKS:
        if rate_hz < LOWEST_AUDIO_RATE_HZ:
            return
        n_axes = 1
    _check(block_name, window_length, rate_hz, n_axes, window_length)


@pytest.mark.parametrize("block_name", AUDIO_BLOCKS)
def test_audio_defaults_below_four_hz_say_what_rate_is_needed(block_name: str) -> None:
    with pytest.raises(DspParameterError, match="a rate of at least 4 Hz"):
        get_block(block_name).defaults_for(window_length=100, sample_rate_hz=1.0, n_axes=1)


@pytest.mark.parametrize("n_axes", [1, 3])
def test_image_defaults_follow_the_channels(n_axes: int) -> None:
    block = get_block("image")
    params = block.defaults_for(window_length=12 * 10, sample_rate_hz=1.0, n_axes=n_axes)
    assert params.color_mode == ("grayscale" if n_axes == 1 else "rgb")
    images = np.random.default_rng(1).uniform(0, 255, size=(2, 10, 12, n_axes))
    features = block.extract(images.astype(np.float32), sample_rate_hz=1.0, params=params)
    assert features.shape == (2, 96, 96, n_axes) and np.isfinite(features).all()


def test_defaults_that_already_fit_are_the_models_defaults() -> None:
    """A 1 s window at 16 kHz and a 2 s window at 100 Hz need nothing changed."""
    for name in AUDIO_BLOCKS:
        block = get_block(name)
        fitted = block.defaults_for(window_length=16000, sample_rate_hz=16000.0, n_axes=1)
        assert fitted == block.default_params()
    spectral = get_block("spectral")
    assert (
        spectral.defaults_for(window_length=200, sample_rate_hz=100.0, n_axes=3)
        == spectral.default_params()
    )


@pytest.mark.parametrize(
    ("window_length", "rate_hz", "fft_length", "cutoff_hz"),
    [(20, 10.0, 16, 3.0), (8, 8000.0, 8, 3.0), (100, 4.0, 64, 1.0), (5000, 1.0, 64, 0.25)],
)
def test_spectral_fft_is_the_largest_power_of_two_in_the_window_and_cutoff_below_nyquist(
    window_length: int, rate_hz: float, fft_length: int, cutoff_hz: float
) -> None:
    params = get_block("spectral").defaults_for(
        window_length=window_length, sample_rate_hz=rate_hz, n_axes=6
    )
    assert (params.fft_length, params.filter_cutoff_hz) == (fft_length, cutoff_hz)
    assert params.n_power_bands <= fft_length // 2 + 1


@pytest.mark.parametrize(
    ("rate_hz", "window_length", "frame_samples"),
    [(8000.0, 8000, 160), (16000.0, 16000, 320), (44100.0, 44100, 882), (16000.0, 100, 100)],
)
def test_audio_frames_fit_the_rate_and_window(
    rate_hz: float, window_length: int, frame_samples: int
) -> None:
    for name in AUDIO_BLOCKS:
        block = get_block(name)
        params = block.defaults_for(window_length=window_length, sample_rate_hz=rate_hz, n_axes=1)
        layout = block.frame_layout(params, sample_rate_hz=rate_hz, window_length=window_length)
        assert layout.frame_length == frame_samples
        assert 1 <= layout.stride <= layout.frame_length and layout.n_frames >= 1
        if hasattr(params, "high_frequency_hz"):
            assert params.high_frequency_hz <= rate_hz / 2


def test_a_parameter_the_window_outgrew_is_refused_with_the_value_that_fits() -> None:
    """Stored for a 2 s window at 100 Hz, then the window shrinks to 200 ms (20 samples)."""
    block = get_block("spectral")
    stored = block.defaults_for(window_length=200, sample_rate_hz=100.0, n_axes=3)
    with pytest.raises(DspParameterError) as refused:
        block.check_fits(stored, sample_rate_hz=100.0, window_length=20, n_axes=3)
    assert refused.value.parameter == "fft_length"
    assert "fft_length = 16 fits windows of 20 samples at 100 Hz" in str(refused.value)

    mfe = get_block("mfe")
    with pytest.raises(DspParameterError) as refused:
        mfe.check_fits(mfe.default_params(), sample_rate_hz=16000.0, window_length=200, n_axes=1)
    assert refused.value.parameter == "frame_length_s"
    assert "frame_length_s = 0.0125 fits windows of 200 samples at 16000 Hz" in str(refused.value)
