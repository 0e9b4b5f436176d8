"""Every parameter rule raises DspParameterError naming the parameter, its value and the rule."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dsp_blocks.base import DspParameterError
from dsp_blocks.registry import get_block

# (block, params, sample rate, window length, n_axes, parameter named, words of the rule)
AUDIO_RULES: list[tuple[str, dict[str, Any], float, int, int, str, str]] = [
    (
        "mfcc",
        {"frame_length_s": 0.00006},
        16000,
        16000,
        1,
        "frame_length_s",
        "1 sample at 16000 Hz; at least 4 samples are needed",
    ),
    ("mfcc", {"frame_stride_s": 0.00001}, 16000, 16000, 1, "frame_stride_s", "0 samples"),
    ("mfcc", {"fft_length": 300}, 16000, 16000, 1, "fft_length", "power of two"),
    (
        "mfcc",
        {"fft_length": 256},
        16000,
        16000,
        1,
        "fft_length",
        "at least the frame length (320 samples)",
    ),
    (
        "mfcc",
        {"high_frequency_hz": 9000},
        16000,
        16000,
        1,
        "high_frequency_hz",
        "above the Nyquist frequency (8000 Hz",
    ),
    (
        "mfcc",
        {"low_frequency_hz": 4000, "high_frequency_hz": 3000},
        16000,
        16000,
        1,
        "low_frequency_hz",
        "below the high frequency",
    ),
    ("mfcc", {"n_coefficients": 40}, 16000, 16000, 1, "n_coefficients", "at most n_filters"),
    (
        "mfcc",
        {"normalization_window_frames": 100},
        16000,
        16000,
        1,
        "normalization_window_frames",
        "odd",
    ),
    (
        "mfcc",
        {"n_filters": 128, "fft_length": 256, "frame_length_s": 0.016},
        16000,
        16000,
        1,
        "n_filters",
        "covers no FFT bin",
    ),
    ("mfcc", {}, 16000, 16000, 3, "n_axes", "one axis"),
    ("mfcc", {"frame_length_s": 0.5}, 16000, 4000, 1, "frame_length_s", "does not fit"),
    ("mfe", {"high_frequency_hz": 8001}, 16000, 16000, 1, "high_frequency_hz", "Nyquist"),
    ("mfe", {"fft_length": 100}, 16000, 16000, 1, "fft_length", "power of two"),
    (
        "spectrogram",
        {"frame_length_s": 0.0002},
        16000,
        16000,
        1,
        "frame_length_s",
        "at least 4 samples",
    ),
    ("spectrogram", {"fft_length": 128}, 16000, 16000, 1, "fft_length", "at least the frame"),
    ("mfcc", {}, 0, 16000, 1, "sample_rate_hz", "above 0"),
    (
        "spectral",
        {"filter_cutoff_hz": 40},
        62.5,
        125,
        3,
        "filter_cutoff_hz",
        "below the Nyquist frequency (31.25 Hz",
    ),
    ("spectral", {"fft_length": 48}, 62.5, 125, 3, "fft_length", "power of two"),
    (
        "spectral",
        {"fft_length": 256},
        62.5,
        125,
        3,
        "fft_length",
        "at most the window length (125 samples)",
    ),
    (
        "spectral",
        {"fft_length": 8, "n_power_bands": 6},
        62.5,
        125,
        3,
        "n_power_bands",
        "has 5 bins",
    ),
    ("spectral", {}, 0, 125, 3, "sample_rate_hz", "above 0"),
    (
        "flatten",
        {"average": False, "minimum": False, "maximum": False, "rms": False, "stdev": False},
        62.5,
        125,
        3,
        "statistics",
        "at least one",
    ),
    ("raw", {}, 62.5, 0, 3, "window_length", "at least 1 sample"),
    ("raw", {}, 62.5, 10, 0, "n_axes", "at least 1 axis"),
    ("image", {}, 0, 96 * 96, 1, "color_mode", "needs RGB images"),
    ("image", {"color_mode": "grayscale"}, 0, 96 * 96, 2, "channels", "1 (grayscale) or 3"),
]


@pytest.mark.parametrize(
    "block_name, values, rate, length, n_axes, parameter, rule",
    AUDIO_RULES,
    ids=[f"{case[0]}-{case[5]}-{i}" for i, case in enumerate(AUDIO_RULES)],
)
def test_rule_is_enforced(
    block_name: str,
    values: dict[str, Any],
    rate: float,
    length: int,
    n_axes: int,
    parameter: str,
    rule: str,
) -> None:
    block = get_block(block_name)
    params = block.parse_params(values)
    with pytest.raises(DspParameterError) as raised:
        block.validate(params, sample_rate_hz=rate, window_length=length, n_axes=n_axes)
    assert raised.value.parameter == parameter
    assert parameter in str(raised.value)
    assert rule in str(raised.value)


def test_extract_checks_the_rules_too() -> None:
    block = get_block("mfcc")
    params = block.parse_params({"high_frequency_hz": 7000})
    with pytest.raises(DspParameterError, match="high_frequency_hz = 7000.0: 7000 Hz is above"):
        block.extract(np.zeros((1, 8000, 1), np.float32), sample_rate_hz=8000, params=params)


@pytest.mark.parametrize(
    "block_name, values, parameter",
    [
        ("mfcc", {"n_coefficients": 0}, "n_coefficients"),
        ("mfcc", {"pre_emphasis": 1.5}, "pre_emphasis"),
        ("mfe", {"noise_floor_db": 10}, "noise_floor_db"),
        ("mfe", {"n_filers": 10}, "n_filers"),
        ("spectrogram", {"frame_length_s": -0.02}, "frame_length_s"),
        ("spectral", {"filter_type": "band"}, "filter_type"),
        ("spectral", {"filter_order": 0}, "filter_order"),
        ("image", {"width": 0}, "width"),
    ],
)
def test_out_of_range_values_name_the_field(
    block_name: str, values: dict[str, Any], parameter: str
) -> None:
    with pytest.raises(DspParameterError) as raised:
        get_block(block_name).parse_params(values)
    assert raised.value.parameter == parameter
    assert str(raised.value).startswith(f"{parameter} = ")


def test_unknown_block_lists_the_known_ones() -> None:
    with pytest.raises(DspParameterError, match="choose one of .*mfcc"):
        get_block("wavelet")


def test_images_must_have_four_axes() -> None:
    with pytest.raises(DspParameterError, match=r"\(batch, height, width, channels\)"):
        get_block("image").extract(
            np.zeros((2, 8, 8), np.float32),
            sample_rate_hz=0,
            params=get_block("image").default_params(),
        )


def test_window_layout_is_checked() -> None:
    with pytest.raises(DspParameterError, match=r"\(batch, n_samples, n_axes\)"):
        get_block("mfe").extract(
            np.zeros((16000,), np.float32),
            sample_rate_hz=16000,
            params=get_block("mfe").default_params(),
        )
