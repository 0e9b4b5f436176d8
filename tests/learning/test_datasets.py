"""The tf.data pipeline: batching, seeded shuffling, and SpecAugment-style augmentation."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def _batches(dataset) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    return [features.numpy() for features, _ in dataset]


def test_datasets_are_batched_and_shuffled_with_the_seed() -> None:
    from worker.learning.datasets import make_datasets

    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.zeros((10, 2), np.float32)
    train, validation = make_datasets(x, y, x, y, batch_size=4, seed=3)
    first = np.concatenate(_batches(train)).ravel()
    again = np.concatenate(_batches(make_datasets(x, y, x, y, batch_size=4, seed=3)[0])).ravel()
    assert [len(b) for b in _batches(train)] == [4, 4, 2]
    assert sorted(first) == list(range(10)) and list(first) != list(range(10))
    assert list(first) == list(again)
    assert np.concatenate(_batches(validation)).ravel().tolist() == list(range(10))


def test_time_and_frequency_masks_zero_a_run_of_frames_and_a_band() -> None:
    import tensorflow as tf

    from worker.learning.datasets import augmenter

    window = tf.ones((20, 8))
    time_masked = augmenter({"time_mask_max_frames": 5}, (20, 8), seed=1)(window, 0)[0].numpy()
    zero_rows = np.flatnonzero((time_masked == 0).all(axis=1))
    assert len(zero_rows) <= 5
    assert (time_masked[np.setdiff1d(np.arange(20), zero_rows)] == 1).all()
    if len(zero_rows) > 1:
        assert np.all(np.diff(zero_rows) == 1)  # one contiguous run

    masks = [
        augmenter({"frequency_mask_max_bins": 3}, (20, 8), seed=s)(window, 0)[0].numpy()
        for s in range(10)
    ]
    widths = [int((m == 0).all(axis=0).sum()) for m in masks]
    assert max(widths) >= 1 and max(widths) <= 3
    assert all(((m == 0).any(axis=0) == (m == 0).all(axis=0)).all() for m in masks)


def test_noise_and_flat_features() -> None:
    import tensorflow as tf

    from worker.learning.datasets import augmenter

    noisy = augmenter({"noise_stddev": 0.5}, (100,), seed=2)(tf.zeros(100), 0)[0].numpy()
    assert 0.3 < noisy.std() < 0.7
    with pytest.raises(ValueError, match="masking need features of frames x frequency bins"):
        augmenter({"time_mask_max_frames": 2}, (100,), seed=2)
