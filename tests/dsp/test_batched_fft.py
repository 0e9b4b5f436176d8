"""batched_fft against the pipeline it replaces: window_frames_into, scipy's FFT and
power_from_half_fft, then the mel filterbank as a matmul."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft

import dsp_blocks.audio_frames as audio_frames
from dsp_blocks.audio_frames import (
    frame_layout,
    mel_cepstrum,
    mel_db,
    mel_weights_float32,
    power_spectrogram,
    scaled_sparse_filters,
)
from dsp_blocks.batched_fft import frames_mel_into, frames_power_into
from dsp_blocks.dct import dct_matrix
from dsp_blocks.frame_kernels import half_fft_twiddles, power_from_half_fft, window_frames_into
from dsp_blocks.framing import frame_count, hann_window

CASES = [
    (320, 160, 0.0, 512),  # MFE, spectrogram
    (320, 320, 0.97, 512),  # MFCC
    (400, 160, 0.98, 512),
    (255, 100, 0.97, 256),  # odd frame: the last sample has no pair
    (25, 40, 0.5, 64),  # gaps between frames
    (64, 64, 0.97, 64),  # frame as long as the FFT
    (1000, 512, 0.9, 4096),
    (7, 3, 0.0, 8),  # one radix-2 stage and no radix-4 one
    (3, 2, 0.5, 4),
    (2, 1, 0.9, 2),  # a one-point FFT
]


def scipy_power(
    signal: np.ndarray, frame_length: int, stride: int, coefficient: float, fft_length: int
) -> np.ndarray:
    n_frames = frame_count(signal.shape[1], frame_length, stride)
    padded = np.empty((signal.shape[0], n_frames, fft_length), np.float32)
    window = hann_window(frame_length)
    window_frames_into(signal, frame_length, stride, np.float32(coefficient), window, padded)
    half = scipy.fft.fft(padded.view(np.complex64), axis=-1)
    power = np.empty((signal.shape[0], n_frames, fft_length // 2 + 1), np.float32)
    twiddles = half_fft_twiddles(fft_length)
    power_from_half_fft(
        half.reshape(-1, fft_length // 2).view(np.float32),
        *twiddles,
        power.reshape(-1, power.shape[2]),
    )
    return power


@pytest.mark.parametrize(("frame_length", "stride", "coefficient", "fft_length"), CASES)
def test_frames_power_into_is_the_scipy_pipelines_power(
    frame_length: int, stride: int, coefficient: float, fft_length: int, rng: np.random.Generator
) -> None:
    """Loud tones over quiet noise; 3 rows, so blocks of FRAME_BLOCK frames span rows and the
    last block is partly spare."""
    n = np.arange(3000)
    signal = (rng.standard_normal((3, 3000)) * 1e-3 + 100.0 * np.sin(0.05 * n)).astype(np.float32)
    expected = scipy_power(signal, frame_length, stride, coefficient, fft_length)
    power = np.full_like(expected, np.nan)
    frames_power_into(
        signal, frame_length, stride, np.float32(coefficient), hann_window(frame_length), power
    )

    loudest = np.maximum(expected.max(axis=-1, keepdims=True), 1e-30)
    assert np.abs(power - expected).max(initial=0.0) <= 2e-6 * loudest.max()
    assert (np.abs(power - expected) / loudest).max() < 2e-6


def test_frames_power_into_matches_float64(rng: np.random.Generator) -> None:
    """The error against the float64 FFT is that of a float32 FFT (scipy's here)."""
    signal = (rng.standard_normal((4, 4000)) * 1e-3).astype(np.float32)
    signal[:2] += (100.0 * np.cos(2.9 * np.arange(4000))).astype(np.float32)
    window = hann_window(320)
    frames = np.lib.stride_tricks.sliding_window_view(signal.astype(np.float64), 320, axis=1)
    frames = frames[:, ::160] * window
    reference = 4.0 * np.abs(np.fft.rfft(frames, n=512, axis=-1)) ** 2
    power = np.empty(reference.shape, np.float32)
    frames_power_into(signal, 320, 160, np.float32(0.0), window, power)
    scipy_ = scipy_power(signal, 320, 160, 0.0, 512)

    loudest = reference.max(axis=-1, keepdims=True)
    error = (np.abs(power - reference) / loudest).max()
    assert error < 1e-6
    assert error < 4 * max((np.abs(scipy_ - reference) / loudest).max(), 1e-7)


def test_frames_mel_into_is_the_power_through_the_filterbank(rng: np.random.Generator) -> None:
    signal = rng.standard_normal((5, 4000)).astype(np.float32)
    weights = mel_weights_float32(16000.0, 512, 40, 0.0, 8000.0)
    window = hann_window(320)
    power = np.empty((5, frame_count(4000, 320, 160), 257), np.float32)
    frames_power_into(signal, 320, 160, np.float32(0.97), window, power)
    expected = power.astype(np.float64) @ weights * float(audio_frames.chunk_power_scale(512))
    energies = np.full(power.shape[:2] + (40,), np.nan, np.float32)
    filters = scaled_sparse_filters(weights, 512)
    frames_mel_into(signal, 320, 160, np.float32(0.97), window, 512, filters, energies)
    np.testing.assert_allclose(energies, expected, rtol=1e-5, atol=1e-12)


def _pipelines(signal: np.ndarray, fft_length: int) -> dict[str, np.ndarray]:
    layout = frame_layout(
        frame_length_s=0.02,
        frame_stride_s=0.01,
        fft_length=fft_length,
        auto_fft_minimum=256,
        sample_rate_hz=16000.0,
        window_length=signal.shape[1],
    )
    weights = mel_weights_float32(16000.0, fft_length, 32, 0.0, 8000.0)
    dct = np.ascontiguousarray(dct_matrix(13, 32).T, dtype=np.float32)
    return {
        "power": power_spectrogram(signal, layout, 0.97),
        "mel_db": mel_db(signal, layout, 0.0, weights),
        "cepstrum": mel_cepstrum(signal, layout, 0.97, weights, dct),
    }


@pytest.mark.parametrize("fft_length", [512, 2048, 4096])
def test_audio_frames_batched_agrees_with_the_scipy_path(
    fft_length: int, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The blocks' pipelines with batched_fft against the same with scipy's FFT, over more
    windows than a chunk holds."""
    signal = (rng.standard_normal((12, 8000)) * 0.1).astype(np.float32)
    batched = _pipelines(signal, fft_length)
    monkeypatch.setattr(audio_frames, "MAX_BATCHED_MEL_FFT", 0)
    monkeypatch.setattr(audio_frames, "MAX_BATCHED_POWER_FFT", 0)
    reference = _pipelines(signal, fft_length)
    for name, values in reference.items():
        scale = np.abs(values).max()
        np.testing.assert_allclose(batched[name], values, rtol=0, atol=2e-6 * scale, err_msg=name)


def test_scipy_path_takes_what_batched_fft_does_not(rng: np.random.Generator) -> None:
    """float64 or strided batches go through scipy's FFT (and get the same power)."""
    signal = (rng.standard_normal((3, 8000)) * 0.1).astype(np.float32)
    layout = frame_layout(
        frame_length_s=0.02,
        frame_stride_s=0.01,
        fft_length=512,
        auto_fft_minimum=256,
        sample_rate_hz=16000.0,
        window_length=8000,
    )
    expected = power_spectrogram(signal, layout, 0.97)
    strided = np.repeat(signal, 2, axis=0)[::2]
    assert not strided.flags.c_contiguous
    for other in (signal.astype(np.float64), strided):
        np.testing.assert_allclose(
            power_spectrogram(other, layout, 0.97), expected, rtol=0, atol=2e-6 * expected.max()
        )
