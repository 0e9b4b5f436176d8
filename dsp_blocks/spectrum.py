"""Frequency-domain steps shared by the blocks: FFT length rule and the power spectrum."""

from __future__ import annotations

import os

import numpy as np
import scipy.fft

from dsp_blocks.base import DspParameterError, FloatArray

FFT_WORKERS = max(1, min(4, os.cpu_count() or 1))


def is_power_of_two(value: int) -> bool:
    return value > 0 and value & (value - 1) == 0


def resolve_fft_length(fft_length: int | None, frame_length: int, *, auto_minimum: int) -> int:
    """The FFT length to use: an explicit value is checked; None picks the smallest power of two
    that is >= the frame length and >= `auto_minimum`."""
    if fft_length is None:
        length = auto_minimum
        while length < frame_length:
            length *= 2
        return length
    if not is_power_of_two(fft_length):
        raise DspParameterError("fft_length", fft_length, "the FFT length must be a power of two")
    if fft_length < frame_length:
        raise DspParameterError(
            "fft_length",
            fft_length,
            f"the FFT length must be at least the frame length ({frame_length} samples); "
            "leave it empty (auto) to pick one",
        )
    return fft_length


def power_spectrum(windowed_frames: FloatArray, fft_length: int) -> FloatArray:
    """|FFT|^2 / fft_length of each frame (zero-padded at the end), shape (..., fft_length//2+1).

    The 1/N scaling is the periodogram convention of python_speech_features and speechpy.
    """
    spectrum = scipy.fft.rfft(windowed_frames, n=fft_length, axis=-1, workers=FFT_WORKERS)
    parts = spectrum.view(np.float32)
    np.square(parts, out=parts)
    power = parts[..., 0::2] + parts[..., 1::2]
    power *= np.float32(1.0 / fft_length)
    return np.asarray(power, dtype=np.float32)


def check_frequency_range(
    low_hz: float, high_hz: float, sample_rate_hz: float, *, low_name: str, high_name: str
) -> float:
    """Check 0 <= low < high <= Nyquist (high 0 meaning Nyquist); return the effective high."""
    nyquist_hz = sample_rate_hz / 2.0
    effective_high_hz = nyquist_hz if high_hz == 0 else high_hz
    if effective_high_hz > nyquist_hz:
        raise DspParameterError(
            high_name,
            high_hz,
            f"{high_hz:g} Hz is above the Nyquist frequency ({nyquist_hz:g} Hz at "
            f"{sample_rate_hz:g} Hz); use at most {nyquist_hz:g} Hz or 0 for Nyquist",
        )
    if low_hz >= effective_high_hz:
        raise DspParameterError(
            low_name,
            low_hz,
            f"the low frequency must be below the high frequency ({effective_high_hz:g} Hz)",
        )
    return effective_high_hz
