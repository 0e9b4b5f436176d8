"""Mel filterbank with the HTK formula mel = 2595 log10(1 + f / 700), unnormalised triangles.

It equals librosa.filters.mel(..., htk=True, norm=None): triangles in Hz between mel-spaced edges.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dsp_blocks.base import DspParameterError


def hz_to_mel(frequency_hz: NDArray[np.float64] | float) -> NDArray[np.float64]:
    return np.asarray(2595.0 * np.log10(1.0 + np.asarray(frequency_hz) / 700.0))


def mel_to_hz(mel: NDArray[np.float64] | float) -> NDArray[np.float64]:
    return np.asarray(700.0 * (10.0 ** (np.asarray(mel) / 2595.0) - 1.0))


def mel_filterbank(
    *, sample_rate_hz: float, fft_length: int, n_filters: int, low_hz: float, high_hz: float
) -> NDArray[np.float64]:
    """Weights `(n_filters, fft_length // 2 + 1)`; every filter must cover at least one FFT bin."""
    bin_hz = np.linspace(0.0, sample_rate_hz / 2.0, fft_length // 2 + 1)
    edges_hz = mel_to_hz(np.linspace(hz_to_mel(low_hz), hz_to_mel(high_hz), n_filters + 2))
    widths_hz = np.diff(edges_hz)
    distance_hz = edges_hz[:, None] - bin_hz[None, :]
    rising = -distance_hz[:-2] / widths_hz[:-1, None]
    falling = distance_hz[2:] / widths_hz[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    empty = np.flatnonzero(weights.max(axis=1) == 0.0)
    if empty.size:
        raise DspParameterError(
            "n_filters",
            n_filters,
            f"filter {int(empty[0])} covers no FFT bin between {low_hz:g} and {high_hz:g} Hz with "
            f"an FFT of {fft_length}; use fewer filters, a longer FFT or a wider frequency range",
        )
    return weights


def sparse_rows(
    weights: NDArray[np.float64],
) -> tuple[list[int], list[int], NDArray[np.float64]]:
    """Each row as (first non-zero bin, number of bins, weights): the C++ twin's layout."""
    starts: list[int] = []
    lengths: list[int] = []
    packed: list[NDArray[np.float64]] = []
    for row in weights:
        nonzero = np.flatnonzero(row)
        first, last = int(nonzero[0]), int(nonzero[-1])
        starts.append(first)
        lengths.append(last - first + 1)
        packed.append(row[first : last + 1])
    return starts, lengths, np.concatenate(packed)


def triangle_segments(weights: NDArray[np.float64]) -> tuple[list[int], NDArray[np.float64]]:
    """The filterbank `(n_filters, bins)` as the C++ twin's segments: segment j holds the bins
    between filter j - 1's peak and filter j's, where filter j rises with weight r and filter
    j - 1 falls with weight 1 - r (unnormalised triangles between shared edges sum to 1). Returns
    each segment's end bin (n_filters + 1 of them; the first starts at the first covered bin)
    and r for every bin from the first covered one; segment n_filters, with no filter rising,
    keeps 1 - the falling weight. One multiply-add and one add a bin, instead of two
    multiply-adds over separate weight lists."""
    n_filters = weights.shape[0]
    covered = np.flatnonzero(weights.any(axis=0))
    first, last = int(covered[0]), int(covered[-1])
    segments: list[int] = []
    rising: list[float] = []
    for k in range(first, last + 1):
        filters = np.flatnonzero(weights[:, k])
        if filters.size == 2 and filters[1] == filters[0] + 1:
            segment, r = int(filters[1]), float(weights[filters[1], k])
            falling = float(weights[filters[0], k])
        elif filters.size == 1:
            # Filter f alone: rising in segment f (the first filter, or its peak) or falling in
            # segment f + 1 (the last filter, or its peak); the earlier while bins stay in order.
            f = int(filters[0])
            w = float(weights[f, k])
            peak = abs(1.0 - w) <= 1e-6
            rises = (f == 0 or peak) and not (segments and segments[-1] > f)
            if not rises and not (f == n_filters - 1 or peak):
                raise ValueError(f"bin {k}: the filters are not triangles between shared edges")
            segment = f if rises else f + 1
            r = w if rises else (1.0 - w if segment == n_filters else 0.0)
            falling = 1.0 - r
        else:
            raise ValueError(f"bin {k} is not covered by one or two adjacent filters")
        if abs(falling - (1.0 - r)) > 1e-6 or (segments and segment < segments[-1]):
            raise ValueError(f"bin {k}: the filters are not triangles between shared edges")
        segments.append(segment)
        rising.append(r)
    ends = [first + int(np.searchsorted(segments, j, side="right")) for j in range(n_filters + 1)]
    return ends, np.asarray(rising)
