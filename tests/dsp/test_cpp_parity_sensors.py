"""The C++ twins of raw, flatten, spectral analysis and image reproduce the Python features."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dsp_blocks.cpp_export import render_config
from dsp_blocks.registry import get_block
from tests.dsp.cpp_runner import CppBuilder, run_program


def motion_windows(
    rng: np.random.Generator, sample_rate_hz: float, n_samples: int, n_axes: int
) -> np.ndarray:
    """Accelerometer-like windows: gravity offset, a few tones, noise; plus one constant window."""
    t = np.arange(n_samples) / sample_rate_hz
    windows = []
    for _ in range(6):
        axes = []
        for _axis in range(n_axes):
            tones = sum(
                rng.uniform(0.2, 3.0)
                * np.sin(2 * np.pi * rng.uniform(0.5, sample_rate_hz / 2.5) * t + rng.uniform(0, 6))
                for _ in range(3)
            )
            axes.append(rng.uniform(-9.8, 9.8) + tones + rng.normal(0, 0.3, n_samples))
        windows.append(np.stack(axes, axis=-1))
    windows.append(np.full((n_samples, n_axes), 9.81))
    return np.stack(windows).astype(np.float32)


SENSOR_CASES: list[tuple[str, dict[str, Any], float, int, int]] = [
    ("raw", {}, 62.5, 125, 3),
    ("raw", {"scale_axes": 0.01}, 100.0, 200, 6),
    ("flatten", {}, 62.5, 125, 3),
    (
        "flatten",
        {"skewness": True, "kurtosis": True, "minimum": False, "scale_axes": 2.5},
        100.0,
        300,
        2,
    ),
    ("spectral", {}, 62.5, 125, 3),
    (
        "spectral",
        {
            "filter_type": "high",
            "filter_cutoff_hz": 5.0,
            "filter_order": 3,
            "fft_length": 128,
            "n_power_bands": 8,
            "n_peaks": 5,
            "log_powers": False,
        },
        100.0,
        400,
        3,
    ),
    (
        "spectral",
        {"filter_type": "none", "fft_length": 32, "n_power_bands": 17, "n_peaks": 0},
        50.0,
        100,
        1,
    ),
    (
        "spectral",
        {"filter_type": "low", "filter_cutoff_hz": 20.0, "filter_order": 9},
        100.0,
        256,
        2,
    ),
    # More peaks than an FFT of 8 has inner bins: the rest are missing peaks (0, 0) in both.
    ("spectral", {"fft_length": 8, "n_power_bands": 5, "n_peaks": 5}, 50.0, 100, 2),
    # A 15 dB dynamic range: bands floored and the lower peaks missing in both.
    (
        "spectral",
        {"filter_type": "none", "n_power_bands": 8, "n_peaks": 6, "log_power_range_db": 15.0},
        62.5,
        125,
        3,
    ),
]


@pytest.mark.parametrize(
    "block_name, values, sample_rate_hz, n_samples, n_axes",
    SENSOR_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(SENSOR_CASES)],
)
def test_sensor_cpp_matches_python(
    block_name: str,
    values: dict[str, Any],
    sample_rate_hz: float,
    n_samples: int,
    n_axes: int,
    rng: np.random.Generator,
    cpp_builder: CppBuilder,
) -> None:
    block = get_block(block_name)
    params = block.parse_params(values)
    windows = motion_windows(rng, sample_rate_hz, n_samples, n_axes)
    expected = block.extract(windows, sample_rate_hz=sample_rate_hz, params=params)
    program = cpp_builder.program(
        block_name,
        params,
        sample_rate_hz=sample_rate_hz,
        window_length=n_samples,
        n_axes=n_axes,
    )
    actual = run_program(program, windows, expected.shape[1])
    feature_range = float(expected.max() - expected.min())
    worst = float(np.abs(actual - expected).max())
    assert worst <= 1e-3 * feature_range, f"max |C++ - Python| {worst} over range {feature_range}"


def test_spectral_defaults_agree_within_1e5_behind_a_low_pass(cpp_builder: CppBuilder) -> None:
    """Behind a 3 Hz low-pass (the motion defaults at 50 Hz), the upper bands hold ~1e-8 of the
    power of a 1-3 m/s^2 shake: there the device's float32 filter and FFT round the strong band
    by ~1e-7 of its amplitude, which moved those bands' log10 by up to ~2e-4 from the platform.
    New impulses get a 60 dB dynamic range that floors them, so every feature agrees within 1e-5
    of its size (absolute below 1: log10 powers near 0, skewness of a symmetric shake)."""
    rng = np.random.default_rng(11)
    t = np.arange(50) / 50.0
    windows = rng.normal(0.0, 0.05, (60, 50, 3))
    windows[:, :, 2] += 9.81
    for window in windows[:40]:
        hz = rng.uniform(2.0, 4.0)
        window[:, 0] += rng.uniform(1.0, 3.0) * np.sin(2 * np.pi * hz * t)
        window[:, 1] += rng.uniform(0.5, 2.0) * np.cos(2 * np.pi * hz * t)
    windows = windows.astype(np.float32)
    block = get_block("spectral")
    params = block.defaults_for(window_length=50, sample_rate_hz=50.0, n_axes=3)
    assert params.filter_type == "low" and params.log_powers
    assert params.log_power_range_db == 60.0
    expected = block.extract(windows, sample_rate_hz=50.0, params=params)
    program = cpp_builder.program(
        "spectral", params, sample_rate_hz=50.0, window_length=50, n_axes=3
    )
    actual = run_program(program, windows, expected.shape[1])
    relative = np.abs(actual - expected) / np.maximum(np.abs(expected), 1.0)
    assert float(relative.max()) <= 1e-5, float(relative.max())
    bands = expected.reshape(60, 3, -1)[:, :, 3:7]
    floored = np.isclose(bands, bands.max(axis=-1, keepdims=True) - 6.0, rtol=0, atol=1e-5)
    assert floored.any(), "the stop band was not floored: the test no longer covers it"


def test_spectral_without_a_dynamic_range_keeps_the_fixed_floor(cpp_builder: CppBuilder) -> None:
    """Impulses stored before the dynamic range existed parse to none and keep their features
    (only the fixed 1e-10 floor), on the platform and the device alike."""
    block = get_block("spectral")
    fitted = block.defaults_for(window_length=50, sample_rate_hz=50.0, n_axes=1)
    stored = {k: v for k, v in fitted.model_dump().items() if k != "log_power_range_db"}
    params = block.parse_params(stored)
    assert params.log_power_range_db is None
    t = np.arange(50) / 50.0
    windows = (2.0 * np.sin(2 * np.pi * 3.0 * t))[None, :, None].astype(np.float32)
    expected = block.extract(windows, sample_rate_hz=50.0, params=params)
    ranged = block.extract(windows, sample_rate_hz=50.0, params=fitted)
    bands, ranged_bands = expected[0, 3:7], ranged[0, 3:7]
    assert float(ranged_bands.min()) == pytest.approx(float(ranged_bands.max()) - 6.0, abs=1e-5)
    assert float(bands.min()) < float(ranged_bands.min()) - 1.0
    program = cpp_builder.program(
        "spectral", params, sample_rate_hz=50.0, window_length=50, n_axes=1
    )
    actual = run_program(program, windows, expected.shape[1])
    np.testing.assert_allclose(actual[0, 3:7], bands, rtol=5e-4)


@pytest.mark.parametrize(
    "in_shape, values",
    [
        ((48, 64, 3), {"width": 32, "height": 24}),
        ((48, 64, 3), {"width": 96, "height": 96, "color_mode": "grayscale"}),
        ((20, 30, 1), {"width": 7, "height": 45, "color_mode": "grayscale"}),
        ((5, 5, 3), {"width": 5, "height": 5}),
    ],
)
def test_image_cpp_matches_python(
    in_shape: tuple[int, int, int],
    values: dict[str, Any],
    rng: np.random.Generator,
    cpp_builder: CppBuilder,
) -> None:
    block = get_block("image")
    params = block.parse_params(values)
    images = rng.integers(0, 256, (3, *in_shape)).astype(np.float32)
    expected = block.extract(images, sample_rate_hz=0.0, params=params)
    program = cpp_builder.program(
        "image", params, sample_rate_hz=0.0, window_length=0, n_axes=0, input_shape=in_shape
    )
    actual = run_program(program, images, int(np.prod(expected.shape[1:])))
    np.testing.assert_allclose(actual.reshape(expected.shape), expected, rtol=0, atol=1e-6)


ROWS_MAIN = """\
#define MF_DSP_IMAGE_IMPLEMENTATION
#include "mf_dsp_image_config.h"

#include <stdio.h>
#include <string.h>

#define ROW_LEN (MF_DSP_IMAGE_IN_WIDTH * MF_DSP_IMAGE_IN_CHANNELS)

static float image[MF_DSP_IMAGE_INPUT_LEN];
static int reads[MF_DSP_IMAGE_IN_HEIGHT];

static int get_row(void *context, int row, float *out) {
    (void)context;
    reads[row] += 1;
    memcpy(out, &image[row * ROW_LEN], sizeof(float) * ROW_LEN);
    return 0;
}

/* Images from stdin, features to stdout, read a row at a time; exits 3 if a row is read twice. */
int main() {
    static float features[MF_DSP_IMAGE_OUTPUT_LEN];
    while (fread(image, sizeof(float), MF_DSP_IMAGE_INPUT_LEN, stdin) == MF_DSP_IMAGE_INPUT_LEN) {
        memset(reads, 0, sizeof(reads));
        if (mf_dsp_image_extract_rows(get_row, 0, features) != 0) return 2;
        for (int row = 0; row < MF_DSP_IMAGE_IN_HEIGHT; ++row) {
            if (reads[row] > 1) return 3;
        }
        fwrite(features, sizeof(float), MF_DSP_IMAGE_OUTPUT_LEN, stdout);
    }
    return 0;
}
"""


@pytest.mark.parametrize(
    "in_shape, values",
    [
        ((48, 64, 3), {"width": 32, "height": 24}),  # down
        ((20, 30, 1), {"width": 7, "height": 45, "color_mode": "grayscale"}),  # up: rows shared
        ((17, 29, 3), {"width": 9, "height": 11, "color_mode": "grayscale"}),
        ((1, 5, 3), {"width": 3, "height": 4}),  # one row for every output row
    ],
)
def test_image_read_a_row_at_a_time_gives_the_same_features(
    in_shape: tuple[int, int, int],
    values: dict[str, Any],
    rng: np.random.Generator,
    cpp_builder: CppBuilder,
) -> None:
    """mf_dsp_image_extract_rows (the SDK reads camera frames this way) equals the whole-image
    extract bit for bit, reading each input row once."""
    block = get_block("image")
    params = block.parse_params(values)
    images = rng.integers(0, 256, (3, *in_shape)).astype(np.float32)
    output_len = int(np.prod(block.extract(images[:1], sample_rate_hz=0.0, params=params).shape))
    shape = {"sample_rate_hz": 0.0, "window_length": 0, "n_axes": 0, "input_shape": in_shape}
    whole = run_program(cpp_builder.program("image", params, **shape), images, output_len)
    executable = cpp_builder.program_of(
        f"rows-{'x'.join(map(str, in_shape))}-{params.width}",
        {"mf_dsp_image_config.h": render_config("image", params, **shape), "main.cpp": ROWS_MAIN},
    )
    rows = run_program(executable, images, output_len)
    assert np.array_equal(rows, whole)


def test_spectral_cpp_statistics_keep_precision_under_a_large_offset(
    rng: np.random.Generator, cpp_builder: CppBuilder
) -> None:
    """The C++ runs in single precision: a small vibration on top of gravity must still give the
    float64 statistics (RMS, skewness, kurtosis) to within a few float roundings, not lose them
    to the offset."""
    block = get_block("spectral")
    params = block.parse_params({"filter_type": "high", "filter_cutoff_hz": 2.0})
    t = np.arange(200) / 100.0
    vibration = 1e-3 * np.sin(2 * np.pi * 13.0 * t)[None, :, None] + rng.normal(
        0.0, 2e-4, (4, 200, 6)
    )
    windows = (9.81 + vibration * rng.uniform(0.5, 2.0, (4, 1, 6))).astype(np.float32)
    expected = block.extract(windows, sample_rate_hz=100.0, params=params)
    program = cpp_builder.program(
        "spectral", params, sample_rate_hz=100.0, window_length=200, n_axes=6
    )
    actual = run_program(program, windows, expected.shape[1])
    per_axis = 3 + params.n_power_bands + 2 * params.n_peaks
    statistics = np.arange(expected.shape[1]) % per_axis < 3
    np.testing.assert_allclose(
        actual[:, statistics], expected[:, statistics], rtol=1e-3, atol=3e-6
    )
