"""Autotune on generated data: a low-pass near the signal's band, a noise floor that follows
the background level, suggestions that validate and extract; blocks it does not tune refused."""

from __future__ import annotations

import numpy as np
import pytest

from dsp_blocks.autotune import suggest_params
from dsp_blocks.base import DspParameterError
from dsp_blocks.registry import get_block


def _motion(rng: np.random.Generator, rate_hz: float, n_windows: int, length: int) -> np.ndarray:
    """5 Hz motion, a weaker 100 Hz vibration and a little noise, on 2 axes."""
    time_s = np.arange(length) / rate_hz
    windows = []
    for _ in range(n_windows):
        motion = np.sin(2 * np.pi * 5.0 * time_s + rng.uniform(0, 2 * np.pi))
        vibration = 0.3 * np.sin(2 * np.pi * 100.0 * time_s)
        axis = motion + vibration + 0.05 * rng.normal(size=length)
        windows.append(np.stack([axis, 0.5 * axis], axis=-1))
    return np.asarray(windows, dtype=np.float32)


@pytest.mark.parametrize(("rate_hz", "length"), [(400.0, 800), (250.0, 100), (1000.0, 4000)])
def test_spectral_cutoff_sits_just_above_the_signal(rate_hz: float, length: int) -> None:
    block = get_block("spectral")
    windows = _motion(np.random.default_rng(1), rate_hz, 10, length)
    start = block.defaults_for(window_length=length, sample_rate_hz=rate_hz, n_axes=2)

    suggestion = suggest_params(block, windows, sample_rate_hz=rate_hz, params=start)

    params = suggestion.params
    assert params.filter_type == "low" and 5.0 < params.filter_cutoff_hz < 20.0
    assert params.fft_length <= length and params.fft_length >= 16
    assert set(suggestion.reasons) >= {"filter_type", "filter_cutoff_hz", "fft_length"}
    features = block.extract(windows, sample_rate_hz=rate_hz, params=params)
    assert np.isfinite(features).all()


def test_spectral_white_noise_gets_no_filter() -> None:
    block = get_block("spectral")
    windows = np.random.default_rng(2).normal(size=(20, 512, 1)).astype(np.float32)
    suggestion = suggest_params(block, windows, sample_rate_hz=100.0, params=block.default_params())
    assert suggestion.params.filter_type == "none"
    assert "close to Nyquist" in suggestion.reasons["filter_type"]


def test_constant_windows_change_nothing() -> None:
    block = get_block("spectral")
    windows = np.ones((3, 64, 1), dtype=np.float32)
    suggestion = suggest_params(block, windows, sample_rate_hz=100.0, params=block.default_params())
    assert suggestion.params == block.default_params()


@pytest.mark.parametrize("block_name", ["mfe", "spectrogram"])
def test_noise_floor_follows_the_background_level(block_name: str) -> None:
    block = get_block(block_name)
    rng = np.random.default_rng(3)
    time_s = np.arange(16000) / 16000.0
    floors = []
    for amplitude in (0.001, 0.1):
        tone = 8 * amplitude * np.sin(2 * np.pi * 300.0 * time_s) * (time_s > 0.5)
        windows = (amplitude * rng.normal(size=(4, time_s.size)) + tone)[:, :, None]
        suggestion = suggest_params(
            block, windows.astype(np.float32), sample_rate_hz=16000.0, params=block.default_params()
        )
        floors.append(suggestion.params.noise_floor_db)
        features = block.extract(
            windows.astype(np.float32), sample_rate_hz=16000.0, params=suggestion.params
        )
        assert 0.0 < features.mean() < 1.0
    quiet, loud = floors
    assert quiet < loud - 30.0  # 40 dB apart


@pytest.mark.parametrize("block_name", ["mfe", "spectrogram"])
@pytest.mark.parametrize(
    ("scale", "full_scale"),
    [(32768.0, 32768.0), (1.0, 1.0), (1.3, 1.0), (8388608.0, 8388608.0), (40000.0, 65536.0)],
)
def test_full_scale_follows_the_units_of_the_audio(
    block_name: str, scale: float, full_scale: float
) -> None:
    """16-bit values (a WAV upload) get 32768, float audio 1 (a little clipping included),
    24-bit integers 2^23; whatever the units, the suggested features neither vanish nor
    saturate."""
    block = get_block(block_name)
    rng = np.random.default_rng(4)
    time_s = np.arange(8000) / 8000.0
    tone = 0.7 * np.sin(2 * np.pi * 440.0 * time_s) * (time_s > 0.5)
    windows = np.clip(0.01 * rng.normal(size=(3, time_s.size)) + tone, -1, 1) * scale
    windows[0, 100] = scale  # the loudest sample is the full scale of these units
    suggestion = suggest_params(
        block, windows[:, :, None].astype(np.float32), sample_rate_hz=8000.0,
        params=block.default_params(),
    )
    assert suggestion.params.full_scale == full_scale
    assert "full_scale" in suggestion.reasons
    features = block.extract(
        windows[:, :, None].astype(np.float32), sample_rate_hz=8000.0, params=suggestion.params
    )
    assert 0.05 < features.mean() < 0.95


def test_parameters_stored_before_full_scale_still_validate() -> None:
    """Impulses saved before the parameter existed load with the 16-bit full scale."""
    for block_name in ("mfe", "spectrogram"):
        block = get_block(block_name)
        params = block.parse_params({"frame_length_s": 0.02, "noise_floor_db": -60.0})
        assert params.full_scale == 32768.0


def test_mfcc_frames_on_a_short_low_rate_window_fit_and_filters_follow() -> None:
    """A 50 Hz hum at 1 kHz: longer frames; the filters fit the FFT those frames give."""
    block = get_block("mfcc")
    time_s = np.arange(300) / 1000.0
    windows = np.sin(2 * np.pi * 50.0 * time_s)[None, :, None].astype(np.float32)
    start = block.defaults_for(window_length=300, sample_rate_hz=1000.0, n_axes=1)

    suggestion = suggest_params(block, windows, sample_rate_hz=1000.0, params=start)

    assert suggestion.params.frame_length_s == pytest.approx(0.08, abs=0.002)
    assert suggestion.params.frame_stride_s == pytest.approx(0.04, abs=0.001)
    block.validate(suggestion.params, sample_rate_hz=1000.0, window_length=300, n_axes=1)


def test_blocks_without_autotune_are_refused() -> None:
    block = get_block("raw")
    with pytest.raises(DspParameterError, match="autotune suggests parameters of"):
        suggest_params(
            block,
            np.zeros((1, 8, 1), np.float32),
            sample_rate_hz=1.0,
            params=block.default_params(),
        )


def test_the_noise_floor_looks_at_a_bounded_number_of_frames(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stride of one sample would make a frame per sample: the dB image stays bounded."""
    import dsp_blocks.autotune as autotune

    monkeypatch.setattr(autotune, "DB_VALUES_MAX", 65 * 50)  # 65 bins: 50 frames
    block = get_block("spectrogram")
    seen: list[tuple[int, ...]] = []
    original = block.decibels

    def recording(windows: np.ndarray, **kwargs: object) -> np.ndarray:
        seen.append(windows.shape)
        return original(windows, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(block, "decibels", recording)
    windows = np.zeros((5, 4000, 1), dtype=np.float32)  # silence: the frames are not tuned
    params = block.parse_params({"frame_length_s": 0.016, "frame_stride_s": 0.000125})
    suggestion = suggest_params(block, windows, sample_rate_hz=8000.0, params=params)
    assert seen == [(1, 128 + 49, 1)]
    assert suggestion.params.noise_floor_db == -100.0
