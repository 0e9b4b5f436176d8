"""Compiled loops of the audio pipeline where numpy would make several passes over each chunk.

- `window_frames_into`: pre-emphasis, framing and the window in one pass (numpy: an emphasised
  copy of the signal in two passes, then the windowed frames in a third).
- `power_from_half_fft`: the power spectrum of real frames of length N from the complex FFT of
  length N/2 of the same samples read as complex numbers, times 4 (HALF_FFT_POWER_SCALE).
  scipy's complex FFT of N/2 points is ~20 % faster than its real FFT of N, and the split into
  the real spectrum, fused with |.|^2, costs less than numpy's squaring and adding of the real
  FFT's output.

Both are plain loops that numba (LLVM) vectorises, on the calling thread without the GIL, and
both are checked against the numpy pipeline they replace (tests/dsp/test_frame_kernels.py).
They are compiled on first use, and cached beside this module (or in the user's cache
directory) where one can be written.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar, cast

import numba
import numpy as np
from numpy.typing import NDArray

Kernel = TypeVar("Kernel", bound=Callable[..., None])


def _compiled(function: Kernel) -> Kernel:
    try:
        return cast(Kernel, numba.njit(nogil=True, cache=True)(function))
    except RuntimeError:
        # numba refuses to cache where no cache directory can be written (a read-only install
        # with no home): compile once per process instead.
        return cast(Kernel, numba.njit(nogil=True)(function))


@_compiled
def window_frames_into(
    signal: NDArray[np.float32],
    frame_length: int,
    stride: int,
    coefficient: np.float32,
    window: NDArray[np.float32],
    padded: NDArray[np.float32],
) -> None:
    """padded[w, t, n] = window[n] * (x[s + n] - coefficient * x[s + n - 1]), n < frame_length,
    for the frame of window w starting at s = t * stride, x = signal[w] and x[-1] = 0; the rest of
    each frame (n >= frame_length) is set to zero, so the buffer may hold anything before (the
    previous chunk's spectrum, say).

    Rounded as `framing.pre_emphasis` then the window round (the product first, then the sum),
    so the frames are the same to the bit.
    """
    negative = -coefficient
    for row in range(padded.shape[0]):
        samples = signal[row]
        for frame in range(padded.shape[1]):
            start = frame * stride
            # A slice per frame keeps every index below non-negative: numba wraps negative
            # indices, and the check that needs stops LLVM from vectorising the loop.
            segment = samples[start : start + frame_length]
            out = padded[row, frame]
            out[frame_length:] = 0.0
            if coefficient == 0.0:
                for n in range(frame_length):
                    out[n] = segment[n] * window[n]
                continue
            previous = samples[start - 1] if start > 0 else np.float32(0.0)
            out[0] = (previous * negative + segment[0]) * window[0]
            for n in range(1, frame_length):
                out[n] = (segment[n - 1] * negative + segment[n]) * window[n]


# What `power_from_half_fft` leaves out of its power: the split's halvings (see there).
HALF_FFT_POWER_SCALE = 4.0


@_compiled
def power_from_half_fft(
    half_spectra: NDArray[np.float32],
    twiddle_re: NDArray[np.float32],
    twiddle_im: NDArray[np.float32],
    power: NDArray[np.float32],
) -> None:
    """4 |X[k]|^2, k = 0..M, of real frames x of length N = 2M, into `power` `(rows, M + 1)`.

    half_spectra `(rows, 2M)`: Z, the M-point complex FFT of z[n] = x[2n] + i x[2n + 1], as
    (re, im) pairs. With Z[M] = Z[0] and W^k = twiddle_re[k] + i twiddle_im[k] = exp(-2 pi i k / N):
        E[k] = (Z[k] + conj Z[M - k]) / 2      (the FFT of the even samples)
        O[k] = -i (Z[k] - conj Z[M - k]) / 2   (the FFT of the odd samples)
        X[k] = E[k] + W^k O[k]
    X[k] itself is formed before squaring, so a quiet bin keeps the absolute error of any float32
    FFT rather than inheriting the rounding of a loud neighbour's power. 2 E[k] and 2 O[k] are
    formed instead of the halves (3 multiplies a bin fewer, ~18 % faster): scaling by a power of
    two is exact, so every rounding is the same and the result is exactly 4 |X[k]|^2; callers
    fold the 1/4 into their own 1/N.
    """
    rows = power.shape[0]
    # Unsigned indices: numba's wrap-around check on M - k would stop LLVM from vectorising.
    m = np.uint64(power.shape[1] - 1)
    one = np.uint64(1)
    two = np.uint64(2)
    four = np.float32(HALF_FFT_POWER_SCALE)
    for row in range(rows):
        z = half_spectra[row]
        out = power[row]
        # k = 0 and k = M: W^0 = 1, W^M = -1, and E, O are the real and imaginary parts of Z[0].
        out[0] = (z[0] + z[1]) * (z[0] + z[1]) * four
        out[m] = (z[0] - z[1]) * (z[0] - z[1]) * four
        for k in range(one, m):
            mirror = m - k
            a_re = z[two * k]
            a_im = z[two * k + one]
            b_re = z[two * mirror]
            b_im = z[two * mirror + one]
            even_re = a_re + b_re
            even_im = a_im - b_im
            odd_re = a_im + b_im
            odd_im = b_re - a_re
            x_re = even_re + (twiddle_re[k] * odd_re - twiddle_im[k] * odd_im)
            x_im = even_im + (twiddle_re[k] * odd_im + twiddle_im[k] * odd_re)
            out[k] = x_re * x_re + x_im * x_im


@lru_cache(maxsize=16)
def half_fft_twiddles(fft_length: int) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """(re, im) of W^k = exp(-2 pi i k / fft_length), k = 0..fft_length / 2, for
    `power_from_half_fft`; computed in float64 and rounded once."""
    angle = 2.0 * np.pi * np.arange(fft_length // 2 + 1) / fft_length
    return np.cos(angle).astype(np.float32), (-np.sin(angle)).astype(np.float32)
