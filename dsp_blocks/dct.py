"""Orthonormal DCT-II as a matrix (equal to scipy.fft.dct(type=2, norm='ortho'))."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def dct_matrix(n_outputs: int, n_inputs: int) -> NDArray[np.float64]:
    """Rows k < n_outputs of the n_inputs-point orthonormal DCT-II: y = matrix @ x."""
    k = np.arange(n_outputs, dtype=np.float64)[:, None]
    n = np.arange(n_inputs, dtype=np.float64)[None, :]
    matrix = np.sqrt(2.0 / n_inputs) * np.cos(np.pi / n_inputs * (n + 0.5) * k)
    matrix[0] *= np.sqrt(0.5)
    return np.asarray(matrix, dtype=np.float64)
