"""Framing, FFT and power of many frames at once, in one compiled loop (`frames_power_into`).

scipy's FFT transforms one frame at a time with SSE-wide arithmetic; here a block of FRAME_BLOCK
frames is held transposed (one row per FFT point, one column per frame, real and imaginary parts
apart), so every butterfly is a loop over the block's frames that LLVM vectorises at the host's
full width with no shuffles, and the block stays in L1 from the windowing to the power. Each
frame's N real samples are read as N/2 complex ones (x[2n] + i x[2n + 1]) as in
`frame_kernels.power_from_half_fft`, whose split into the real spectrum's power this repeats.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from dsp_blocks.frame_kernels import _compiled

# Frames per block: two 8-float AVX vectors a row; the block's 2 x 256 rows (a 512-point FFT)
# take 32 KiB, within L1.
FRAME_BLOCK = 16
BLOCK_U = np.uint64(FRAME_BLOCK)


@lru_cache(maxsize=16)
def half_fft_plan(
    fft_length: int,
) -> tuple[NDArray[np.intp], NDArray[np.float32], NDArray[np.float32]]:
    """For the M = fft_length / 2 point complex FFT: the bit-reversal of 0..M-1, and the twiddles
    exp(-2 pi i k / 2h), k < h, of each radix-2 stage h = 1, 2, .., M/2 one after another (the
    stage of half-size h starts at h - 1); computed in float64 and rounded once."""
    m = fft_length // 2
    bits = m.bit_length() - 1
    indices = np.arange(m)
    reversed_ = np.zeros(m, np.intp)
    for bit in range(bits):
        reversed_ |= ((indices >> bit) & 1) << (bits - 1 - bit)
    angles = np.concatenate(
        [np.pi * np.arange(h) / h for h in (1 << s for s in range(bits))] or [np.zeros(0)]
    )
    mirrors = (m - np.arange(m)).astype(np.intp)
    return np.concatenate([reversed_, mirrors]), np.cos(angles).astype(np.float32), (-np.sin(angles)).astype(np.float32)


@_compiled
def frames_power_into(
    signal: NDArray[np.float32],
    frame_length: int,
    stride: int,
    coefficient: np.float32,
    window: NDArray[np.float32],
    bit_reversal: NDArray[np.intp],
    stage_re: NDArray[np.float32],
    stage_im: NDArray[np.float32],
    twiddle_re: NDArray[np.float32],
    twiddle_im: NDArray[np.float32],
    power: NDArray[np.float32],
) -> None:
    """4 |X[k]|^2 of every frame of `signal` `(rows, samples)` into `power` `(rows, T, M + 1)`:
    the frames are emphasised and windowed as `window_frames_into` makes them (to the bit),
    zero-padded to N = 2M, and `power_from_half_fft`'s split of their M-point complex FFT
    (twiddle_re/im: its W^k) gives the power."""
    n_frames = power.shape[1]
    m = power.shape[2] - 1
    flat = power.reshape(-1, m + 1)
    total = flat.shape[0]
    re = np.empty((m, FRAME_BLOCK), np.float32)
    im = np.empty((m, FRAME_BLOCK), np.float32)
    out = np.empty((m + 1, FRAME_BLOCK), np.float32)
    negative = -coefficient
    n_samples = signal.shape[1]
    samples = signal.reshape(-1)
    starts = np.empty(FRAME_BLOCK, np.uint64)
    previous = np.empty(FRAME_BLOCK, np.float32)
    pairs = frame_length // 2
    used = (frame_length + 1) // 2
    four = np.float32(4.0)
    zero = np.uint64(0)
    one = np.uint64(1)
    two = np.uint64(2)
    three = np.uint64(3)
    four_u = np.uint64(4)
    m_u = np.uint64(m)
    pairs_u = np.uint64(pairs)
    for first in range(0, total, FRAME_BLOCK):
        count = min(FRAME_BLOCK, total - first)
        for j in range(used, m):
            re[bit_reversal[j]] = 0.0
            im[bit_reversal[j]] = 0.0
        # Where each frame starts in `samples`; a block's spare columns transform frame 0 again.
        for f in range(FRAME_BLOCK):
            frame = first + f if f < count else 0
            row = frame // n_frames
            start = row * n_samples + (frame - row * n_frames) * stride
            starts[f] = start
            previous[f] = samples[start - 1] if start > row * n_samples else np.float32(0.0)
        # Loops over the block's frames (gathers): the writes go to one row of each part, in
        # bit-reversed order. Rounded as window_frames_into: product, then sum, then window.
        for j in range(pairs_u):
            p = bit_reversal[j]
            n = two * j
            w_even = window[n]
            w_odd = window[n + one]
            if coefficient == 0.0:
                for f in range(BLOCK_U):
                    re[p, f] = samples[starts[f] + n] * w_even
                    im[p, f] = samples[starts[f] + n + one] * w_odd
            elif j == zero:
                for f in range(BLOCK_U):
                    re[p, f] = (previous[f] * negative + samples[starts[f]]) * w_even
                    im[p, f] = (samples[starts[f]] * negative + samples[starts[f] + one]) * w_odd
            else:
                for f in range(BLOCK_U):
                    at = starts[f] + n
                    re[p, f] = (samples[at - one] * negative + samples[at]) * w_even
                    im[p, f] = (samples[at] * negative + samples[at + one]) * w_odd
        if used > pairs:
            p = bit_reversal[pairs]
            n = np.uint64(frame_length - 1)
            for f in range(BLOCK_U):
                before = samples[starts[f] + n - one] if n > zero else previous[f]
                if coefficient == 0.0:
                    re[p, f] = samples[starts[f] + n] * window[n]
                else:
                    re[p, f] = (before * negative + samples[starts[f] + n]) * window[n]
                im[p, f] = 0.0

        # Unsigned indices from here: numba's wrap-around of negative ones would stop LLVM from
        # vectorising the loops over the block.
        h = one
        while h * four_u < m_u:
            h *= four_u
        if h * two == m_u:
            # An odd number of radix-2 stages: the first (twiddle 1) on its own.
            for r0 in range(zero, m_u, two):
                r1 = r0 + one
                for f in range(BLOCK_U):
                    t_re = re[r1, f]
                    t_im = im[r1, f]
                    re[r1, f] = re[r0, f] - t_re
                    im[r1, f] = im[r0, f] - t_im
                    re[r0, f] = re[r0, f] + t_re
                    im[r0, f] = im[r0, f] + t_im
            h = two
        else:
            h = one
        while h < m_u:
            # The radix-2 stages of half-sizes h and 2h in one pass over each 4 rows.
            for base in range(zero, m_u, four_u * h):
                for k in range(h):
                    w1_re = stage_re[h - one + k]
                    w1_im = stage_im[h - one + k]
                    w2_re = stage_re[two * h - one + k]
                    w2_im = stage_im[two * h - one + k]
                    w3_re = stage_re[three * h - one + k]
                    w3_im = stage_im[three * h - one + k]
                    r0 = base + k
                    r1 = r0 + h
                    r2 = r1 + h
                    r3 = r2 + h
                    for f in range(BLOCK_U):
                        a_re = re[r0, f]
                        a_im = im[r0, f]
                        b_re = re[r1, f]
                        b_im = im[r1, f]
                        c_re = re[r2, f]
                        c_im = im[r2, f]
                        d_re = re[r3, f]
                        d_im = im[r3, f]
                        t_re = b_re * w1_re - b_im * w1_im
                        t_im = b_re * w1_im + b_im * w1_re
                        b_re = a_re - t_re
                        b_im = a_im - t_im
                        a_re = a_re + t_re
                        a_im = a_im + t_im
                        t_re = d_re * w1_re - d_im * w1_im
                        t_im = d_re * w1_im + d_im * w1_re
                        d_re = c_re - t_re
                        d_im = c_im - t_im
                        c_re = c_re + t_re
                        c_im = c_im + t_im
                        t_re = c_re * w2_re - c_im * w2_im
                        t_im = c_re * w2_im + c_im * w2_re
                        re[r2, f] = a_re - t_re
                        im[r2, f] = a_im - t_im
                        re[r0, f] = a_re + t_re
                        im[r0, f] = a_im + t_im
                        t_re = d_re * w3_re - d_im * w3_im
                        t_im = d_re * w3_im + d_im * w3_re
                        re[r3, f] = b_re - t_re
                        im[r3, f] = b_im - t_im
                        re[r1, f] = b_re + t_re
                        im[r1, f] = b_im + t_im
            h *= four_u

        # Z[M] = Z[0]: k = 0 and k = M have W^0 = 1, W^M = -1, and E, O are Z[0]'s parts.
        for f in range(BLOCK_U):
            out[zero, f] = (re[zero, f] + im[zero, f]) * (re[zero, f] + im[zero, f]) * four
            out[m_u, f] = (re[zero, f] - im[zero, f]) * (re[zero, f] - im[zero, f]) * four
        for k in range(one, m_u):
            # From a table, not m - k: LLVM's overlap check for a row walking backwards is
            # hoisted out of this loop and always fails, leaving the scalar loop.
            mirror = bit_reversal[m + k]
            w_re = twiddle_re[k]
            w_im = twiddle_im[k]
            for f in range(BLOCK_U):
                a_re = re[k, f]
                a_im = im[k, f]
                b_re = re[mirror, f]
                b_im = im[mirror, f]
                even_re = a_re + b_re
                even_im = a_im - b_im
                odd_re = a_im + b_im
                odd_im = b_re - a_re
                x_re = even_re + (w_re * odd_re - w_im * odd_im)
                x_im = even_im + (w_re * odd_im + w_im * odd_re)
                out[k, f] = x_re * x_re + x_im * x_im
        for f in range(count):
            target = flat[first + f]
            for k in range(m + 1):
                target[k] = out[k, f]
