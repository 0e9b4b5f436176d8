"""Per-axis statistics shared by the flatten and spectral-analysis blocks (float64, population)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Float64Array = NDArray[np.float64]


def central_moments(
    signal: Float64Array,
) -> tuple[Float64Array, Float64Array, Float64Array, Float64Array]:
    """Mean and 2nd, 3rd, 4th central moments along axis 1 of `(batch, n_samples, n_axes)`."""
    mean = signal.mean(axis=1)
    deviation = signal - mean[:, None, :]
    squared = deviation * deviation
    return (
        mean,
        squared.mean(axis=1),
        (squared * deviation).mean(axis=1),
        (squared * squared).mean(axis=1),
    )


def skewness(m2: Float64Array, m3: Float64Array) -> Float64Array:
    """m3 / m2^1.5 (biased, as scipy.stats.skew); 0 for a constant signal."""
    safe = np.where(m2 > 0, m2, 1.0)
    return np.where(m2 > 0, m3 / safe**1.5, 0.0)


def excess_kurtosis(m2: Float64Array, m4: Float64Array) -> Float64Array:
    """m4 / m2^2 - 3 (Fisher, biased, as scipy.stats.kurtosis); 0 for a constant signal."""
    safe = np.where(m2 > 0, m2, 1.0)
    return np.where(m2 > 0, m4 / (safe * safe) - 3.0, 0.0)
