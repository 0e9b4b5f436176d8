"""The compiled loops of the audio pipeline against the numpy steps they replace."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.fft

from dsp_blocks.frame_kernels import (
    HALF_FFT_POWER_SCALE,
    half_fft_twiddles,
    power_from_half_fft,
    window_frames_into,
)
from dsp_blocks.framing import frame_count, frames, hann_window, pre_emphasis


@pytest.mark.parametrize(
    ("frame_length", "stride", "coefficient"),
    [(320, 320, 0.97), (320, 160, 0.0), (400, 160, 0.98), (25, 40, 0.5)],
    ids=["mfcc", "mfe", "overlap", "gaps"],
)
def test_window_frames_into_is_numpys_pipeline_to_the_bit(
    frame_length: int, stride: int, coefficient: float, rng: np.random.Generator
) -> None:
    signal = (rng.standard_normal((3, 4000)) * 1000).astype(np.float32)
    n_frames = frame_count(signal.shape[1], frame_length, stride)
    window = hann_window(frame_length)
    expected = frames(pre_emphasis(signal, coefficient), frame_length, stride)[:, :n_frames]
    expected = expected * window

    # The buffer holds the previous chunk's spectrum: the padding must be zeroed again.
    padded = np.full((3, n_frames, 512), np.nan, np.float32)
    window_frames_into(signal, frame_length, stride, np.float32(coefficient), window, padded)

    np.testing.assert_array_equal(padded[..., :frame_length], expected)
    assert not padded[..., frame_length:].any()


@pytest.mark.parametrize("fft_length", [4, 8, 256, 512, 2048])
def test_power_from_half_fft_is_the_real_fft_power(
    fft_length: int, rng: np.random.Generator
) -> None:
    """Against the float64 power: loud tones beside quiet bins (where splitting the half-length
    spectrum could lose precision) keep the float32 real FFT's own error."""
    used = fft_length * 5 // 8
    n = np.arange(used)
    frames_ = np.zeros((64, fft_length), np.float32)
    frames_[:, :used] = rng.standard_normal((64, used)) * 1e-3
    frames_[:32, :used] += 100.0 * np.sin(0.05 * n)
    frames_[32:, :used] += 100.0 * np.cos(2.9 * n)
    reference = np.abs(np.fft.rfft(frames_.astype(np.float64), axis=-1)) ** 2
    real_fft = np.abs(scipy.fft.rfft(frames_, axis=-1)) ** 2

    half_spectra = scipy.fft.fft(frames_.view(np.complex64), axis=-1)
    power = np.empty((64, fft_length // 2 + 1), np.float32)
    power_from_half_fft(half_spectra.view(np.float32), *half_fft_twiddles(fft_length), power)
    power /= np.float32(HALF_FFT_POWER_SCALE)

    loudest = reference.max(axis=1, keepdims=True)
    error = np.abs(power - reference) / loudest
    real_fft_error = np.abs(real_fft - reference) / loudest
    assert error.max() < 1e-6
    assert error.max() < 4 * max(real_fft_error.max(), 1e-7)
    # The tones land in the right bins.
    assert (power.argmax(axis=1) == reference.argmax(axis=1)).all()


def test_kernels_run_where_no_compiled_cache_can_be_written() -> None:
    """A read-only install with no writable home: numba finds no cache directory and refuses to
    cache; the kernels are then compiled per process instead of failing the import. (Only
    IPython's locator is offered, which finds nothing outside IPython: the same refusal.)"""
    program = (
        "import numpy as np\n"
        "from dsp_blocks.frame_kernels import window_frames_into\n"
        "padded = np.ones((1, 2, 8), np.float32)\n"
        "window_frames_into(np.arange(1, 9, dtype=np.float32)[None], 4, 4, np.float32(0.5),"
        " np.ones(4, np.float32), padded)\n"
        "print(padded[0, 1].tolist())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "NUMBA_CACHE_LOCATOR_CLASSES": "IPythonCacheLocator"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    # x = 5..8 after x[3] = 4: 5 - 2, 6 - 2.5, 7 - 3, 8 - 3.5, then the zeroed padding.
    assert result.stdout.split("\n")[-2] == "[3.0, 3.5, 4.0, 4.5, 0.0, 0.0, 0.0, 0.0]"
