"""Framing, FFT and power (or mel energies) of many frames at once, in compiled loops.

scipy's FFT transforms one frame at a time; here a block of FRAME_BLOCK frames is held transposed
(one row per FFT point, one column per frame, real and imaginary parts apart), so every step is
a loop over the block's frames that LLVM vectorises at the host's full width with no shuffles,
and the block stays in cache from the windowing to the power (or the mel energies). Each frame's N real samples are read
as N/2 complex ones (x[2n] + i x[2n + 1]) as in `frame_kernels.power_from_half_fft`, whose split
into the real spectrum's power (times 4) this repeats; the M = N/2 point FFT is radix-2
decimation in time, its stages taken two at a time (radix 4) to halve the passes over the block.

The loops index with unsigned integers where they can: numba's wrap-around of negative indices
would stop LLVM from vectorising them. Checked against window_frames_into + scipy +
power_from_half_fft in tests/dsp/test_batched_fft.py.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numba
import numpy as np
from numpy.typing import NDArray

from dsp_blocks.frame_kernels import _compiled

# The steps of a block, inlined by numba into the loops over blocks: compiled apart, LLVM cannot
# tell that the block's buffers (allocated by those loops) do not overlap, and leaves them scalar.
_inlined = numba.njit(nogil=True, inline="always")

# Frames per block: two AVX-512 vectors a row. On a 2-core Zen 4 with bench/dsp.py's batch, 32
# measured 5-10 % faster than 16 (MFE, MFCC) although a block at a 512-point FFT (64 KiB) then
# outgrows L1: fewer passes of loop overhead and twiddle loads for the same work.
FRAME_BLOCK = 32
_BLOCK = np.uint64(FRAME_BLOCK)

# Blocks whose power goes through the filterbank together: a loop over one block's frames per
# bin would wait on its own previous sum (a store and a load of the same row each time).
MEL_GROUP_BLOCKS = 8

# The longest FFTs that these loops make the mel energies and the power of; scipy's FFT makes
# longer ones. Measured against scipy on 200 one-second clips (2-core Zen 4): mel energies
# 0.5-0.7x scipy's time up to 2048 points, 0.8-0.9x at 4096; the power (257 values a frame copied
# out of the block) 0.75-0.95x up to 2048 points but 1.1x at 4096.
MAX_BATCHED_MEL_FFT = 4096
MAX_BATCHED_POWER_FFT = 2048


class HalfFftPlan(NamedTuple):
    """Tables for the M = N/2 point FFT of N-point real frames."""

    # 0..M-1 bit-reversed, then M - k for k = 0..M-1 (see `_power_block`).
    indices: NDArray[np.intp]
    # exp(-2 pi i k / 2h), k < h, of each radix-2 stage of half-size h = 1, 2, .., M/2 one after
    # another (stage h's at h - 1).
    stage_re: NDArray[np.float32]
    stage_im: NDArray[np.float32]
    # W^k = exp(-2 pi i k / N), k = 0..M, of the split into the real spectrum.
    twiddle_re: NDArray[np.float32]
    twiddle_im: NDArray[np.float32]


@lru_cache(maxsize=16)
def half_fft_plan(fft_length: int) -> HalfFftPlan:
    """The plan for `fft_length`, its twiddles computed in float64 and rounded once."""
    m = fft_length // 2
    bits = m.bit_length() - 1
    indices = np.arange(m)
    reversed_ = np.zeros(m, np.intp)
    for bit in range(bits):
        reversed_ |= ((indices >> bit) & 1) << (bits - 1 - bit)
    stage_angles = np.concatenate(
        [np.zeros(0)] + [np.pi * np.arange(h) / h for h in 1 << indices[:bits]]
    )
    angles = 2.0 * np.pi * np.arange(m + 1) / fft_length
    return HalfFftPlan(
        np.concatenate([reversed_, m - indices]).astype(np.intp),
        np.cos(stage_angles).astype(np.float32),
        (-np.sin(stage_angles)).astype(np.float32),
        np.cos(angles).astype(np.float32),
        (-np.sin(angles)).astype(np.float32),
    )


@_inlined
def _load_block(
    samples: NDArray[np.float32],
    n_samples: int,
    n_frames: int,
    stride: int,
    frame_length: int,
    coefficient: np.float32,
    window: NDArray[np.float32],
    first: int,
    count: int,
    indices: NDArray[np.intp],
    re: NDArray[np.float32],
    im: NDArray[np.float32],
    staging: NDArray[np.float32],
) -> None:
    """Frames first..first+count-1 of `samples` (the rows of `n_samples` one after another),
    emphasised, windowed and zero-padded, into the block's columns in bit-reversed order; the
    spare columns get frame 0 again. Emphasised and windowed into `staging` `(block,
    frame_length)` first by window_frames_into's loop, so the frames are the same to the bit."""
    m = re.shape[0]
    one = np.uint64(1)
    two = np.uint64(2)
    negative = -coefficient
    pairs = frame_length // 2
    used = (frame_length + 1) // 2
    for j in range(used, m):
        re[indices[j]] = 0.0
        im[indices[j]] = 0.0
    for f in range(FRAME_BLOCK):
        frame = first + f if f < count else 0
        row = frame // n_frames
        start = row * n_samples + (frame - row * n_frames) * stride
        # The sample before the frame's first, which pre-emphasis subtracts (0 at a row's start).
        previous = samples[start - 1] if start > row * n_samples else np.float32(0.0)
        segment = samples[start : start + frame_length]
        out = staging[f]
        if coefficient == 0.0:
            for n in range(frame_length):
                out[n] = segment[n] * window[n]
        else:
            out[0] = (previous * negative + segment[0]) * window[0]
            for n in range(1, frame_length):
                out[n] = (segment[n - 1] * negative + segment[n]) * window[n]
    # Transposed in bit-reversed order: loads down the staging's columns, stores along rows,
    # measured faster than the frames' samples gathered straight from the signal.
    for j in range(np.uint64(pairs)):
        p = indices[j]
        for f in range(_BLOCK):
            re[p, f] = staging[f, two * j]
            im[p, f] = staging[f, two * j + one]
    if used > pairs:
        p = indices[pairs]
        for f in range(_BLOCK):
            re[p, f] = staging[f, frame_length - 1]
            im[p, f] = 0.0


@_inlined
def _fft_block(
    re: NDArray[np.float32],
    im: NDArray[np.float32],
    stage_re: NDArray[np.float32],
    stage_im: NDArray[np.float32],
) -> None:
    """In place, each column's M-point FFT, from bit-reversed order to natural order."""
    m = np.uint64(re.shape[0])
    zero = np.uint64(0)
    one = np.uint64(1)
    two = np.uint64(2)
    three = np.uint64(3)
    four = np.uint64(4)
    h = one
    while h * four < m:
        h *= four
    if h * two == m:
        # An odd number of radix-2 stages: the first (twiddle 1) on its own.
        for r0 in range(zero, m, two):
            r1 = r0 + one
            for f in range(_BLOCK):
                t_re = re[r1, f]
                t_im = im[r1, f]
                re[r1, f] = re[r0, f] - t_re
                im[r1, f] = im[r0, f] - t_im
                re[r0, f] = re[r0, f] + t_re
                im[r0, f] = im[r0, f] + t_im
        h = two
    elif m >= four:
        # The first two stages: twiddles 1, 1 and -i, no multiplies.
        for r0 in range(zero, m, four):
            r1 = r0 + one
            r2 = r1 + one
            r3 = r2 + one
            for f in range(_BLOCK):
                a_re = re[r0, f] + re[r1, f]
                a_im = im[r0, f] + im[r1, f]
                b_re = re[r0, f] - re[r1, f]
                b_im = im[r0, f] - im[r1, f]
                c_re = re[r2, f] + re[r3, f]
                c_im = im[r2, f] + im[r3, f]
                d_re = re[r2, f] - re[r3, f]
                d_im = im[r2, f] - im[r3, f]
                re[r0, f] = a_re + c_re
                im[r0, f] = a_im + c_im
                re[r2, f] = a_re - c_re
                im[r2, f] = a_im - c_im
                re[r1, f] = b_re + d_im
                im[r1, f] = b_im - d_re
                re[r3, f] = b_re - d_im
                im[r3, f] = b_im + d_re
        h = four
    else:
        h = one
    while h < m:
        # The radix-2 stages of half-sizes h and 2h in one pass over each 4 rows.
        for base in range(zero, m, four * h):
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
                for f in range(_BLOCK):
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
        h *= four


@_inlined
def _power_block(
    re: NDArray[np.float32],
    im: NDArray[np.float32],
    indices: NDArray[np.intp],
    twiddle_re: NDArray[np.float32],
    twiddle_im: NDArray[np.float32],
    power: NDArray[np.float32],
    column: int,
) -> None:
    """4 |X[k]|^2, k = 0..M, of each column into `power` `(M + 1, columns)` from `column` on:
    the arithmetic of `power_from_half_fft`, which explains it."""
    m = re.shape[0]
    zero = np.uint64(0)
    one = np.uint64(1)
    m_u = np.uint64(m)
    four = np.float32(4.0)
    c = np.uint64(column)
    for f in range(_BLOCK):
        power[zero, c + f] = (re[zero, f] + im[zero, f]) * (re[zero, f] + im[zero, f]) * four
        power[m_u, c + f] = (re[zero, f] - im[zero, f]) * (re[zero, f] - im[zero, f]) * four
    for k in range(one, m_u):
        # M - k from a table: LLVM's overlap check for a row index that counts down is hoisted
        # out of this loop and always fails, which leaves only the scalar loop.
        mirror = indices[m + k]
        w_re = twiddle_re[k]
        w_im = twiddle_im[k]
        for f in range(_BLOCK):
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
            power[k, c + f] = x_re * x_re + x_im * x_im


@_compiled
def _frames_power_into(
    signal: NDArray[np.float32],
    frame_length: int,
    stride: int,
    coefficient: np.float32,
    window: NDArray[np.float32],
    indices: NDArray[np.intp],
    stage_re: NDArray[np.float32],
    stage_im: NDArray[np.float32],
    twiddle_re: NDArray[np.float32],
    twiddle_im: NDArray[np.float32],
    power: NDArray[np.float32],
) -> None:
    n_frames = power.shape[1]
    m = power.shape[2] - 1
    flat = power.reshape(-1, m + 1)
    samples = signal.reshape(-1)
    re = np.empty((m, FRAME_BLOCK), np.float32)
    im = np.empty((m, FRAME_BLOCK), np.float32)
    block_power = np.empty((m + 1, FRAME_BLOCK), np.float32)
    staging = np.empty((FRAME_BLOCK, frame_length), np.float32)
    for first in range(0, flat.shape[0], FRAME_BLOCK):
        count = min(FRAME_BLOCK, flat.shape[0] - first)
        _load_block(
            samples,
            signal.shape[1],
            n_frames,
            stride,
            frame_length,
            coefficient,
            window,
            first,
            count,
            indices,
            re,
            im,
            staging,
        )
        _fft_block(re, im, stage_re, stage_im)
        _power_block(re, im, indices, twiddle_re, twiddle_im, block_power, 0)
        for f in range(count):
            target = flat[first + f]
            for k in range(m + 1):
                target[k] = block_power[k, f]


@_compiled
def _frames_mel_into(
    signal: NDArray[np.float32],
    frame_length: int,
    stride: int,
    coefficient: np.float32,
    window: NDArray[np.float32],
    indices: NDArray[np.intp],
    stage_re: NDArray[np.float32],
    stage_im: NDArray[np.float32],
    twiddle_re: NDArray[np.float32],
    twiddle_im: NDArray[np.float32],
    filter_bins: NDArray[np.intp],
    filter_offsets: NDArray[np.intp],
    filter_weights: NDArray[np.float32],
    energies: NDArray[np.float32],
) -> None:
    n_frames = energies.shape[1]
    n_filters = energies.shape[2]
    m = indices.shape[0] // 2
    flat = energies.reshape(-1, n_filters)
    samples = signal.reshape(-1)
    re = np.empty((m, FRAME_BLOCK), np.float32)
    im = np.empty((m, FRAME_BLOCK), np.float32)
    columns = FRAME_BLOCK * MEL_GROUP_BLOCKS
    group_power = np.empty((m + 1, columns), np.float32)
    sums = np.empty((n_filters, columns), np.float32)
    staging = np.empty((FRAME_BLOCK, frame_length), np.float32)
    total = flat.shape[0]
    for group in range(0, total, columns):
        for column in range(0, min(columns, total - group), FRAME_BLOCK):
            first = group + column
            _load_block(
                samples,
                signal.shape[1],
                n_frames,
                stride,
                frame_length,
                coefficient,
                window,
                first,
                min(FRAME_BLOCK, total - first),
                indices,
                re,
                im,
                staging,
            )
            _fft_block(re, im, stage_re, stage_im)
            _power_block(re, im, indices, twiddle_re, twiddle_im, group_power, column)
        used = np.uint64(min(columns, total - group))
        for filter_ in range(n_filters):
            for f in range(used):
                sums[filter_, f] = 0.0
            for i in range(filter_offsets[filter_], filter_offsets[filter_ + 1]):
                weight = filter_weights[i]
                # The bin from a table, not counted: see `_power_block`'s mirror.
                k = filter_bins[i]
                for f in range(used):
                    sums[filter_, f] += weight * group_power[k, f]
        for f in range(used):
            target = flat[group + f]
            for filter_ in range(n_filters):
                target[filter_] = sums[filter_, f]


def frames_power_into(
    signal: NDArray[np.float32],
    frame_length: int,
    stride: int,
    coefficient: np.float32,
    window: NDArray[np.float32],
    power: NDArray[np.float32],
) -> None:
    """4 |X[k]|^2 of every frame of `signal` `(rows, samples)`, C-contiguous, into `power`
    `(rows, T, N/2 + 1)` (N: the FFT length): frame t of a row starts at t * stride, is
    emphasised by `coefficient` and windowed as `window_frames_into` makes it, and zero-padded
    to N."""
    _frames_power_into(
        signal,
        frame_length,
        stride,
        coefficient,
        window,
        *half_fft_plan(2 * (power.shape[2] - 1)),
        power,
    )


class SparseFilters(NamedTuple):
    """A filterbank `(bins, n_filters)` as each filter's weights from its first to its last
    non-zero bin and those bins, all filters' one after another (filter j's from offsets[j] to
    offsets[j + 1])."""

    bins: NDArray[np.intp]
    offsets: NDArray[np.intp]
    weights: NDArray[np.float32]


def sparse_filters(weights: NDArray[np.float32]) -> SparseFilters:
    bins, offsets, packed = [], [0], []
    for column in weights.T:
        covered = np.flatnonzero(column)
        first, last = (int(covered[0]), int(covered[-1])) if covered.size else (0, -1)
        bins.append(np.arange(first, last + 1))
        packed.append(column[first : last + 1])
        offsets.append(offsets[-1] + last + 1 - first)
    return SparseFilters(
        np.concatenate(bins).astype(np.intp),
        np.asarray(offsets, np.intp),
        np.concatenate(packed).astype(np.float32),
    )


def frames_mel_into(
    signal: NDArray[np.float32],
    frame_length: int,
    stride: int,
    coefficient: np.float32,
    window: NDArray[np.float32],
    fft_length: int,
    filters: SparseFilters,
    energies: NDArray[np.float32],
) -> None:
    """`frames_power_into`'s power through the filterbank, into `energies` `(rows, T, n_filters)`:
    each filter's sum over its bins in ascending order, over the power of MEL_GROUP_BLOCKS
    blocks while it is in cache (it is never written out)."""
    _frames_mel_into(
        signal,
        frame_length,
        stride,
        coefficient,
        window,
        *half_fft_plan(fft_length),
        filters.bins,
        filters.offsets,
        filters.weights,
        energies,
    )
