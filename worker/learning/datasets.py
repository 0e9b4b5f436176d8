"""Builds the batched tf.data datasets a training script receives, with optional augmentation.

Self-contained (numpy and TensorFlow only): the exported notebook embeds this file's source so
that it builds exactly the datasets the platform trained on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf


def _mask_along(features: Any, axis: int, max_width: int, seed: int) -> Any:
    """Zero one random run of at most `max_width` positions along `axis` (SpecAugment)."""
    size = tf.shape(features)[axis]
    width = tf.random.uniform([], 0, max_width + 1, dtype=tf.int32, seed=seed)
    width = tf.minimum(width, size)
    start = tf.random.uniform([], 0, size - width + 1, dtype=tf.int32, seed=seed + 1)
    positions = tf.range(size)
    keep = tf.logical_or(positions < start, positions >= start + width)
    shape = [1] * len(features.shape)
    shape[axis] = -1
    return features * tf.cast(tf.reshape(keep, shape), features.dtype)


def augmenter(augmentation: dict[str, Any], feature_shape: tuple[int, ...], seed: int) -> Any:
    """A tf.data map function applying time/frequency masks and noise to one window's features.

    Masks need image-like features: frames on axis 0 and frequency bins on axis 1.
    """
    time_frames = int(augmentation.get("time_mask_max_frames", 0))
    frequency_bins = int(augmentation.get("frequency_mask_max_bins", 0))
    noise_stddev = float(augmentation.get("noise_stddev", 0.0))
    if (time_frames or frequency_bins) and len(feature_shape) < 2:
        raise ValueError(
            f"time and frequency masking need features of frames x frequency bins, but one "
            f"window's features have the shape {feature_shape}; turn masking off or use an "
            "MFCC, MFE or spectrogram block"
        )

    def augment(features: Any, targets: Any) -> tuple[Any, Any]:
        if time_frames:
            features = _mask_along(features, 0, time_frames, seed)
        if frequency_bins:
            features = _mask_along(features, 1, frequency_bins, seed + 2)
        if noise_stddev:
            features = features + tf.random.normal(
                tf.shape(features), stddev=noise_stddev, seed=seed + 4
            )
        return features, targets

    return augment


def make_datasets(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_validation: np.ndarray,
    y_validation: np.ndarray,
    *,
    batch_size: int,
    seed: int,
    augmentation: dict[str, Any] | None = None,
) -> tuple[Any, Any]:
    """(train_dataset, validation_dataset): shuffled and augmented training batches, plain validation."""
    train = tf.data.Dataset.from_tensor_slices(
        (x_train.astype(np.float32), y_train.astype(np.float32))
    )
    train = train.shuffle(len(x_train), seed=seed, reshuffle_each_iteration=True)
    if augmentation and any(augmentation.values()):
        train = train.map(augmenter(augmentation, tuple(x_train.shape[1:]), seed))
    validation = tf.data.Dataset.from_tensor_slices(
        (x_validation.astype(np.float32), y_validation.astype(np.float32))
    )
    return train.batch(batch_size), validation.batch(batch_size)
