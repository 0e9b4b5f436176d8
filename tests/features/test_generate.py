"""Batched DSP extraction equals one big extract call; the explorer projection is a true PCA."""

from __future__ import annotations

import numpy as np
import pytest

from dsp_blocks.registry import get_block
from worker.features.fingerprint import block_fingerprint, impulse_fingerprint
from worker.features.generate import (
    DspBlockConfig,
    extract_features,
    generate_features,
    label_counts,
    pca_2d,
    project_2d,
)
from worker.features.windowing import InputBlock, SeriesSample, window_samples

RATE_HZ = 8000.0


def audio_windows(rng: np.random.Generator, n_samples: int = 3) -> tuple[InputBlock, list]:
    block = InputBlock(
        axes=("audio",), window_size_ms=250, window_increase_ms=125, frequency_hz=RATE_HZ
    )
    samples = [
        SeriesSample(
            sample_id=index + 1,
            name=f"clip{index}.wav",
            label="yes" if index % 2 else "no",
            category="training",
            values=rng.normal(scale=1000, size=(int(RATE_HZ * 0.5), 1)).astype(np.float32),
            axes=("audio",),
            sample_rate_hz=RATE_HZ,
        )
        for index in range(n_samples)
    ]
    return block, samples


def test_chunked_extraction_equals_the_block_on_all_windows(rng: np.random.Generator) -> None:
    block, samples = audio_windows(rng)
    cut = window_samples(samples, block)
    config = DspBlockConfig(1, "mfcc", (0,), {"frame_length_s": 0.02, "frame_stride_s": 0.01})
    reported: list[tuple[int, int]] = []

    chunked = extract_features(
        cut.windows,
        config,
        sample_rate_hz=RATE_HZ,
        chunk_windows=4,
        progress=lambda done, total: reported.append((done, total)),
    )

    mfcc = get_block("mfcc")
    whole = mfcc.extract(
        cut.windows, sample_rate_hz=RATE_HZ, params=mfcc.parse_params(config.params)
    )
    # The block's float32 matrix products may round differently for another batch size.
    np.testing.assert_allclose(chunked, whole, rtol=1e-5, atol=1e-4)
    assert chunked.shape == (len(cut), 24, 13)
    assert reported == [(4, 9), (8, 9), (9, 9)]


def test_generate_features_runs_every_block_on_its_axes(rng: np.random.Generator) -> None:
    block, samples = audio_windows(rng)
    cut = window_samples(samples, block)
    configs = [DspBlockConfig(1, "mfcc", (0,), {}), DspBlockConfig(2, "mfe", (0,), {})]
    progress: list[tuple[int, int]] = []
    lines: list[str] = []

    results = generate_features(
        cut,
        configs,
        sample_rate_hz=RATE_HZ,
        progress=lambda d, t: progress.append((d, t)),
        log=lines.append,
    )

    assert [r.config.block_id for r in results] == [1, 2]
    mfe = get_block("mfe")
    np.testing.assert_array_equal(
        results[1].features,
        mfe.extract(cut.windows, sample_rate_hz=RATE_HZ, params=mfe.default_params()),
    )
    assert all(r.projection.shape == (len(cut), 2) for r in results)
    assert progress[-1] == (progress[-1][1], progress[-1][1])
    assert any("DSP block 2 (mfe)" in line for line in lines)


def test_pca_matches_the_principal_axes(rng: np.random.Generator) -> None:
    # Points stretched along one direction: the first component carries that spread.
    direction = np.array([3.0, 4.0, 0.0]) / 5.0
    spread = rng.normal(scale=10.0, size=200)
    points = spread[:, None] * direction + rng.normal(scale=0.1, size=(200, 3))
    features = points.astype(np.float32).reshape(200, 3, 1)

    projected = pca_2d(features)

    assert projected.shape == (200, 2)
    assert abs(np.corrcoef(projected[:, 0], spread)[0, 1]) > 0.99
    assert abs(np.corrcoef(projected[:, 0], projected[:, 1])[0, 1]) < 1e-3
    assert np.var(projected[:, 0]) > np.var(projected[:, 1])


def test_projection_of_constant_or_tiny_sets_is_finite() -> None:
    assert np.all(pca_2d(np.ones((5, 4), dtype=np.float32)) == 0)
    assert pca_2d(np.ones((1, 4), dtype=np.float32)).shape == (1, 2)
    points, method = project_2d(np.zeros((0, 3), dtype=np.float32), method="pca")
    assert points.shape == (0, 2) and method == "pca"
    with pytest.raises(ValueError, match="choose auto, pca or umap"):
        project_2d(np.zeros((3, 3), dtype=np.float32), method="tsne")


def test_label_counts_are_sorted_by_label() -> None:
    assert label_counts(["yes", "no", "yes"]) == {"no": 1, "yes": 2}


def test_fingerprints_change_with_any_parameter_but_not_a_name() -> None:
    input_block = {
        "axes": ["audio"],
        "window_size_ms": 1000,
        "window_increase_ms": 500,
        "frequency_hz": 16000,
        "zero_pad": True,
    }
    dsp = {"id": 1, "type": "mfcc", "name": "MFCC", "axes": ["audio"], "params": {"n_filters": 32}}
    base = block_fingerprint(input_block, dsp)

    assert block_fingerprint(input_block, {**dsp, "name": "renamed"}) == base
    assert block_fingerprint(input_block, {**dsp, "params": {"n_filters": 40}}) != base
    assert block_fingerprint({**input_block, "zero_pad": False}, dsp) != base
    assert impulse_fingerprint(input_block, [dsp]) != impulse_fingerprint(input_block, [])
