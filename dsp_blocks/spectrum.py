"""Frequency-domain steps shared by the blocks: FFT length rule, power spectrum, projections."""

from __future__ import annotations

import contextlib
import threading
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.fft
from numpy.typing import NDArray
from threadpoolctl import ThreadpoolController

from dsp_blocks.base import DspParameterError

# Threads per FFT call. One: feature jobs already run one worker process per core, and on a
# busy 2-core host a second FFT thread measured 1.2-2x slower (waiting for a core each chunk).
FFT_WORKERS = 1


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


@lru_cache(maxsize=1)
def _blas_threads() -> ThreadpoolController:
    # Finding the loaded BLAS libraries takes ~5 ms: once per process, not once per call.
    return ThreadpoolController()


def one_blas_thread() -> Any:
    """A context in which BLAS runs on one thread (see `project` for why).

    Only in the main thread (a worker process's task, a script): the setting is the process's,
    and in the API's request threads another request may be inside BLAS while it changes; their
    batches are single windows, which OpenBLAS runs on one thread anyway."""
    if threading.current_thread() is not threading.main_thread():
        return contextlib.nullcontext()
    return _blas_threads().limit(limits=1, user_api="blas")


def project(values: NDArray[Any], matrix: NDArray[Any]) -> NDArray[Any]:
    """values (..., n) @ matrix (n, m) as one 2-D matmul.

    numpy runs a 3-D @ 2-D product as one small BLAS call per leading index, and each call
    synchronises BLAS's threads: on a busy machine that costs 10x the arithmetic. One thread for
    the same reason (and a feature job runs one worker per core already).
    """
    with one_blas_thread():
        flat = values.reshape(-1, values.shape[-1]) @ matrix
    return np.asarray(flat.reshape(*values.shape[:-1], matrix.shape[1]))


def squared_spectrum(padded_frames: NDArray[Any]) -> NDArray[Any]:
    """Re^2 and Im^2 of the real FFT of each frame, interleaved: (..., 2 * (N // 2 + 1)).

    The frames must already be zero-padded to the FFT length N: scipy's FFT is several times
    slower when asked to pad (`n=`) itself.
    """
    spectrum = scipy.fft.rfft(padded_frames, axis=-1, workers=FFT_WORKERS)
    parts = spectrum.view(spectrum.real.dtype)
    np.square(parts, out=parts)
    return np.asarray(parts)


def power_spectrum(padded_frames: NDArray[Any]) -> NDArray[Any]:
    """|FFT|^2 / N of each zero-padded frame of length N, shape (..., N // 2 + 1).

    The 1/N scaling is the periodogram convention of python_speech_features and speechpy.
    """
    parts = squared_spectrum(padded_frames)
    power = parts[..., 0::2] + parts[..., 1::2]
    power *= power.dtype.type(1.0 / padded_frames.shape[-1])
    return np.asarray(power)


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
