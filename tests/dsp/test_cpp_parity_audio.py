"""The C++ twins of MFCC, MFE and spectrogram reproduce the Python features (g++ -Werror)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dsp_blocks.registry import get_block
from tests.dsp.cpp_runner import CppBuilder, run_program

AUDIO_CASES: list[tuple[str, dict[str, Any], int]] = [
    ("mfcc", {}, 16000),
    ("mfcc", {"normalization_window_frames": 0}, 16000),
    ("mfcc", {"normalize_variance": True, "normalization_window_frames": 31}, 16000),
    (
        "mfcc",
        {
            "frame_length_s": 0.025,
            "frame_stride_s": 0.01,
            "n_filters": 40,
            "n_coefficients": 20,
            "fft_length": 1024,
            "low_frequency_hz": 300,
            "high_frequency_hz": 6000,
            "pre_emphasis": 0.0,
        },
        16000,
    ),
    ("mfcc", {"frame_length_s": 0.032, "n_filters": 20}, 8000),
    ("mfe", {}, 16000),
    (
        "mfe",
        {
            "n_filters": 32,
            "frame_stride_s": 0.02,
            "noise_floor_db": -72,
            "low_frequency_hz": 80,
            "high_frequency_hz": 7600,
        },
        16000,
    ),
    ("mfe", {"fft_length": 256, "frame_length_s": 0.016}, 16000),
    ("mfe", {"full_scale": 1.0}, 16000),
    ("mfe", {"full_scale": 8388608.0, "noise_floor_db": -90}, 8000),
    # Odd frame lengths (309 samples, 161-sample stride; 255 in a 256-point FFT): the FFT's first
    # stage reads a half-filled last point.
    ("mfcc", {"frame_length_s": 0.0193125, "frame_stride_s": 0.0100625}, 16000),
    ("mfe", {"frame_length_s": 0.0159375, "fft_length": 256}, 16000),
    # A 512-point FFT without pre-emphasis loads its frame through the first radix-4 stage, one
    # loop per count of points in the frame (mf_dsp_fixed.cpp, fused_radix4): 481 samples (four
    # points, then three, the half-filled one among them), 321 (three, two), 81 (two, one, none).
    ("mfe", {"frame_length_s": 0.0300625, "frame_stride_s": 0.02}, 16000),
    ("mfe", {"frame_length_s": 0.0200625}, 16000),
    ("mfe", {"frame_length_s": 0.0050625, "frame_stride_s": 0.005, "fft_length": 512}, 16000),
    ("spectrogram", {}, 16000),
    (
        "spectrogram",
        {
            "frame_length_s": 0.008,
            "frame_stride_s": 0.008,
            "fft_length": 128,
            "noise_floor_db": -90,
        },
        16000,
    ),
    ("spectrogram", {"full_scale": 1.0, "fft_length": 512}, 16000),
]


def _case_id(case: tuple[str, dict[str, Any], int]) -> str:
    block, params, rate = case
    return f"{block}-{rate}-" + ("-".join(f"{k}={v}" for k, v in params.items()) or "defaults")


def _audio_batch(
    clips: dict[str, np.ndarray],
    rng: np.random.Generator,
    sample_rate_hz: int,
    full_scale: float = 1.0,
) -> np.ndarray:
    """Every shared clip (resampled by decimation for 8 kHz) plus noise at several levels, in
    [-1, 1] times `full_scale` (32768: a WAV upload, stored in the 16-bit range)."""
    step = 16000 // sample_rate_hz
    windows = [clip[::step] for clip in clips.values()]
    n_samples = len(windows[0])
    for amplitude in (1e-4, 0.05, 0.9):
        windows.append((rng.uniform(-1, 1, n_samples) * amplitude).astype(np.float32))
    chirp_t = np.arange(n_samples) / sample_rate_hz
    windows.append((0.5 * np.sin(2 * np.pi * (100 + 2000 * chirp_t) * chirp_t)).astype(np.float32))
    return (np.stack(windows) * np.float32(full_scale))[:, :, None]


@pytest.mark.parametrize("case", AUDIO_CASES, ids=_case_id)
def test_audio_cpp_matches_python(
    case: tuple[str, dict[str, Any], int],
    audio_clips: dict[str, np.ndarray],
    rng: np.random.Generator,
    cpp_builder: CppBuilder,
) -> None:
    block_name, values, sample_rate_hz = case
    block = get_block(block_name)
    params = block.parse_params(values)
    windows = _audio_batch(
        audio_clips, rng, sample_rate_hz, getattr(params, "full_scale", 1.0)
    )
    expected = block.extract(windows, sample_rate_hz=sample_rate_hz, params=params)

    program = cpp_builder.program(
        block_name,
        params,
        sample_rate_hz=sample_rate_hz,
        window_length=windows.shape[1],
        n_axes=1,
    )
    actual = run_program(program, windows, int(np.prod(expected.shape[1:])))

    actual = actual.reshape(expected.shape)
    feature_range = float(expected.max() - expected.min())
    assert feature_range > 0
    if block_name != "mfcc":  # scaled to [0, 1]: neither silent nor saturated at these levels
        assert 0.05 < float(expected.mean()) < 0.95
    worst = float(np.abs(actual - expected).max())
    assert worst <= 1e-3 * feature_range, f"max |C++ - Python| {worst} over range {feature_range}"


FIXED_POINT_CASES = AUDIO_CASES  # every audio block has a fixed-point path


@pytest.mark.parametrize("case", FIXED_POINT_CASES, ids=_case_id)
def test_fixed_point_build_matches_python(
    case: tuple[str, dict[str, Any], int],
    audio_clips: dict[str, np.ndarray],
    rng: np.random.Generator,
    cpp_builder_fixed: CppBuilder,
) -> None:
    """The fixed-point path (MF_DSP_FIXED_POINT, the default on cores without an FPU) agrees with
    the platform on audio as a device records it, 16-bit samples (the shared clips are; the noise
    and the chirp are rounded to 16 bits here, as an ADC delivers them): within the float path's
    1e-3 of the range on the recordings and the noise. The chirp, a pure tone with the rest of its
    spectrum 100 dB and more below it, reaches the fixed path's arithmetic noise (about 110 dB
    below a frame's loudest bin) in its quietest bands: within one step of an int8 input
    quantised over the features' range (measured: 0.14 of a step, 0.5 with variance
    normalisation, which divides by the small spread of its cepstra). See mf_dsp_audio.h."""
    block_name, values, sample_rate_hz = case
    block = get_block(block_name)
    params = block.parse_params(values)
    windows = np.round(_audio_batch(audio_clips, rng, sample_rate_hz) * 32768.0) / 32768.0
    # In the units the block expects: its full scale (WAV uploads are stored in 16-bit units).
    windows = (windows * getattr(params, "full_scale", 1.0)).astype(np.float32)
    expected = block.extract(windows, sample_rate_hz=sample_rate_hz, params=params)

    program = cpp_builder_fixed.program(
        block_name, params, sample_rate_hz=sample_rate_hz, window_length=windows.shape[1], n_axes=1
    )
    actual = run_program(program, windows, int(np.prod(expected.shape[1:])))

    actual = actual.reshape(expected.shape)
    feature_range = float(expected.max() - expected.min())
    difference = np.abs(actual - expected).reshape(len(windows), -1).max(axis=1)
    recorded, chirp = difference[:-1], difference[-1]
    assert recorded.max() <= 1e-3 * feature_range, (
        f"max |C++ - Python| {recorded.max()} over range {feature_range}"
    )
    assert chirp <= feature_range / 255, f"chirp: {chirp} over range {feature_range}"
    # Not the float path in disguise: the fixed-point rounding shows.
    assert recorded.max() > 0.0


def test_two_blocks_link_into_one_program(cpp_builder: CppBuilder, tmp_path: Any) -> None:
    """Two configs (different prefixes) compiled into one program do not clash."""
    import subprocess

    from dsp_blocks.cpp_export import render_config

    headers = {}
    for prefix, block in (("kws", "mfcc"), ("noise", "mfe")):
        name = f"{prefix}_{block}_config.h"
        (tmp_path / name).write_text(
            render_config(
                block, {}, sample_rate_hz=16000, window_length=16000, n_axes=1, symbol_prefix=prefix
            )
        )
        headers[prefix] = name
    (tmp_path / "main.cpp").write_text(
        "#define KWS_MFCC_IMPLEMENTATION\n#define NOISE_MFE_IMPLEMENTATION\n"
        f'#include "{headers["kws"]}"\n#include "{headers["noise"]}"\n'
        "static float window[KWS_MFCC_INPUT_LEN];\n"
        "static float a[KWS_MFCC_OUTPUT_LEN];\nstatic float b[NOISE_MFE_OUTPUT_LEN];\n"
        "int main() { return kws_mfcc_extract(window, a) | noise_mfe_extract(window, b); }\n"
    )
    command = [
        "g++",
        "-std=c++11",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-O2",
        "-I",
        str(cpp_builder.cpp_dir),
        "-I",
        str(tmp_path),
        str(tmp_path / "main.cpp"),
        *map(str, cpp_builder.runtime_objects()),
        "-o",
        str(tmp_path / "both"),
        "-lm",
    ]
    build = subprocess.run(command, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    assert subprocess.run([str(tmp_path / "both")]).returncode == 0


def test_fixed_point_mfcc_keeps_int8_inputs_of_speech(
    audio_clips: dict[str, np.ndarray], cpp_builder_fixed: CppBuilder
) -> None:
    """The fixed-point MFCC's cepstra on the shared recordings (16-bit, in the 16-bit range as WAV
    uploads are stored), quantised as a model's int8 input over the features' range: the mean
    difference from the platform's is what decides how many inputs land a step apart (each
    feature crosses a rounding boundary with a probability of about its difference over a step).
    Rounding the log2 levels to Q8 before the DCT (and DCT rows one bit coarser) gave a mean of
    0.0023 of a step on these clips, and on espeak-ng speech (bench/workloads.py --speech's 378
    test windows) 276 of 75 600 inputs a step apart and 28 windows scored more than 1/256 from the
    platform; Q16 levels in two 32-bit DCT sums: 0.00057, 50 inputs and 9 windows."""
    block = get_block("mfcc")
    params = block.parse_params({})
    clips = np.stack(list(audio_clips.values()))[:, :, None]
    windows = (np.round(clips * 32768.0)).astype(np.float32)
    expected = block.extract(windows, sample_rate_hz=16000, params=params)
    program = cpp_builder_fixed.program(
        "mfcc", params, sample_rate_hz=16000, window_length=windows.shape[1], n_axes=1
    )
    actual = run_program(program, windows, int(np.prod(expected.shape[1:]))).reshape(
        expected.shape
    )
    step = float(expected.max() - expected.min()) / 255.0
    mean = float(np.abs(actual - expected).mean()) / step
    assert 0.0 < mean <= 0.001, f"mean |C++ - Python| {mean:.5f} of an int8 step"
