"""Time-domain steps shared by the audio blocks: pre-emphasis, framing (stride tricks), window."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from dsp_blocks.base import FloatArray


def samples_in(seconds: float, sample_rate_hz: float) -> int:
    """A duration in whole samples, rounded to the nearest sample."""
    return int(round(seconds * sample_rate_hz))


def frame_count(n_samples: int, frame_length: int, stride: int) -> int:
    """Frames that fit entirely in the window (no padding), or 0 when not even one fits."""
    if n_samples < frame_length:
        return 0
    return 1 + (n_samples - frame_length) // stride


def pre_emphasis(signal: FloatArray, coefficient: float) -> FloatArray:
    """y[n] = x[n] - coefficient * x[n-1] along the last axis, with x[-1] = 0."""
    if coefficient == 0.0:
        return signal
    emphasised = np.empty_like(signal)
    emphasised[..., 0] = signal[..., 0]
    np.multiply(signal[..., :-1], np.float32(-coefficient), out=emphasised[..., 1:])
    emphasised[..., 1:] += signal[..., 1:]
    return emphasised


def frames(signal: NDArray[Any], frame_length: int, stride: int) -> NDArray[Any]:
    """A read-only view `(..., n_frames, frame_length)` of the last axis; no samples are copied."""
    view = sliding_window_view(signal, frame_length, axis=-1)
    return view[..., ::stride, :]


def hann_window(length: int) -> FloatArray:
    """Periodic Hann window (as scipy.signal.get_window('hann', length) and librosa use)."""
    n = np.arange(length, dtype=np.float64)
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * n / length)).astype(np.float32)
