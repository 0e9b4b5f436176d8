"""The C++ mel filterbank's segment layout (dsp_blocks.mel.triangle_segments) reproduces the
filterbank: each filter is its rising share of one segment plus the rest of the next."""

from __future__ import annotations

import numpy as np
import pytest

from dsp_blocks.mel import mel_filterbank, triangle_segments


def energies_from_segments(weights: np.ndarray, power: np.ndarray) -> np.ndarray:
    """What mf_dsp_mel_energies computes, in numpy."""
    ends, rising = triangle_segments(weights)
    first = int(np.flatnonzero(weights.any(axis=0))[0])
    energies = np.zeros(weights.shape[0])
    bin_, previous_rising = first, 0.0
    for j, end in enumerate(ends):
        total = float(power[bin_:end].sum())
        share = float((rising[bin_ - first : end - first] * power[bin_:end]).sum())
        if j > 0:
            energies[j - 1] = previous_rising + total - share
        previous_rising, bin_ = share, end
    return energies


@pytest.mark.parametrize(
    ("sample_rate_hz", "fft_length", "n_filters", "low_hz", "high_hz"),
    [
        (16000, 512, 40, 0.0, 8000.0),  # the platform's MFE
        (16000, 512, 32, 0.0, 8000.0),  # the platform's MFCC
        (16000, 256, 32, 300.0, 4000.0),  # the last filter ends below Nyquist
        (8000, 128, 10, 0.0, 4000.0),
        (16000, 512, 1, 0.0, 8000.0),
        (16000, 1024, 128, 20.0, 7600.0),
    ],
)
def test_segments_reproduce_the_filterbank(
    sample_rate_hz: int, fft_length: int, n_filters: int, low_hz: float, high_hz: float
) -> None:
    weights = mel_filterbank(
        sample_rate_hz=sample_rate_hz,
        fft_length=fft_length,
        n_filters=n_filters,
        low_hz=low_hz,
        high_hz=high_hz,
    )
    ends, rising = triangle_segments(weights)
    assert len(ends) == n_filters + 1
    assert list(ends) == sorted(ends)
    assert np.all((rising >= 0.0) & (rising <= 1.0))
    power = np.random.default_rng(0).random(fft_length // 2 + 1)
    expected = weights @ power
    np.testing.assert_allclose(energies_from_segments(weights, power), expected, rtol=1e-12)


def test_filters_that_are_not_shared_edge_triangles_are_refused() -> None:
    weights = mel_filterbank(
        sample_rate_hz=16000, fft_length=512, n_filters=8, low_hz=0.0, high_hz=8000.0
    )
    weights[3] *= 0.5  # a normalised filter: its falling side no longer complements the next
    with pytest.raises(ValueError, match="not triangles"):
        triangle_segments(weights)
