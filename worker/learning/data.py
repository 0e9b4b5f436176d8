"""Checks training features and labels, splits off validation samples and weighs classes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from worker.learning.errors import TrainingError


def check_features(features: np.ndarray, what: str = "features") -> np.ndarray:
    """`features` as float32 (windows first); TrainingError when empty, shapeless or not finite."""
    array = np.asarray(features)
    if array.ndim < 2 or array.shape[0] == 0 or array[0].size == 0:
        raise TrainingError(
            f"{what} are empty (shape {array.shape}); generate features for the impulse first: "
            "training needs an array of windows x feature values"
        )
    if not np.issubdtype(array.dtype, np.number):
        raise TrainingError(f"{what} must be numbers, not {array.dtype}")
    bad = ~np.isfinite(array.reshape(len(array), -1)).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise TrainingError(
            f"{what} of {len(rows)} window(s) contain NaN or infinite values (first: window "
            f"{rows[0]}); check the DSP parameters or remove those samples and regenerate features"
        )
    return array.astype(np.float32, copy=False)


def check_class_labels(labels: np.ndarray, class_names: list[str], windows: int) -> np.ndarray:
    """Integer class indices into `class_names`, one per window, covering at least two classes."""
    if len(class_names) < 2:
        raise TrainingError(
            f"a classifier needs at least two classes, got {len(class_names)} "
            f"({', '.join(class_names) or 'none'}); label samples with a second class"
        )
    array = np.asarray(labels)
    if array.shape != (windows,):
        raise TrainingError(
            f"labels have the shape {array.shape} but there are {windows} feature windows; "
            "give one class index per window"
        )
    if not np.issubdtype(array.dtype, np.integer):
        raise TrainingError(f"class labels must be integer class indices, not {array.dtype}")
    if array.min() < 0 or array.max() >= len(class_names):
        raise TrainingError(
            f"class labels must be between 0 and {len(class_names) - 1} "
            f"(indices into {len(class_names)} class names); found {array.min()}..{array.max()}"
        )
    counts = np.bincount(array, minlength=len(class_names))
    empty = [class_names[i] for i in np.flatnonzero(counts == 0)]
    if empty:
        raise TrainingError(
            f"class(es) {', '.join(repr(n) for n in empty)} have no windows; add samples of them "
            "or remove them from the class list"
        )
    return array.astype(np.int64)


def check_regression_targets(targets: np.ndarray, windows: int) -> np.ndarray:
    """One finite float target per window."""
    array = np.asarray(targets, dtype=np.float64)
    if array.shape != (windows,):
        raise TrainingError(
            f"regression targets have the shape {array.shape} but there are {windows} windows; "
            "give one number per window"
        )
    if not np.isfinite(array).all():
        raise TrainingError("regression targets contain NaN or infinite values; fix those labels")
    return array.astype(np.float32)


@dataclass(frozen=True)
class Split:
    """Indices of the training and validation windows, and what the log should say about them."""

    train: np.ndarray
    validation: np.ndarray
    notes: tuple[str, ...] = ()


def _sample_of_each_window(groups: np.ndarray | None, windows: int) -> np.ndarray:
    """Position of each window's sample among the distinct samples (one per window when None)."""
    if groups is None:
        return np.arange(windows)
    array = np.asarray(groups)
    if array.shape != (windows,):
        raise TrainingError(
            f"sample ids have the shape {array.shape} but there are {windows} windows; "
            "give the sample id of each window"
        )
    return np.unique(array, return_inverse=True)[1].reshape(-1)


def _held_out_count(samples: int, validation_split: float) -> int:
    """round(samples x split), but at least one of two or more samples and never all of them."""
    if samples < 2:
        return 0
    return min(max(1, int(round(samples * validation_split))), samples - 1)


def _split_windows(sample_of_window: np.ndarray, validation_samples: list[int]) -> np.ndarray:
    return np.isin(sample_of_window, np.asarray(validation_samples, dtype=np.int64))


def stratified_split(
    labels: np.ndarray,
    class_names: list[str],
    *,
    validation_split: float,
    seed: int,
    groups: np.ndarray | None = None,
) -> Split:
    """Hold out `validation_split` of each class's samples, chosen with `seed`.

    groups: the sample id of each window. All windows of a sample land on one side, so that
    overlapping windows of one recording never sit in training and validation both (None: each
    window is its own sample). A class with a single sample trains; the notes say that
    validation lacks it.
    """
    rng = np.random.default_rng(seed)
    sample_of_window = _sample_of_each_window(groups, len(labels))
    first_window = np.unique(sample_of_window, return_index=True)[1]
    sample_labels = np.asarray(labels)[first_window]  # a sample has one label
    validation: list[int] = []
    notes: list[str] = []
    for index, name in enumerate(class_names):
        members = rng.permutation(np.flatnonzero(sample_labels == index))
        held_out = _held_out_count(len(members), validation_split)
        if held_out == 0 and len(members):
            notes.append(
                f"class {name!r} has a single sample: it is used for training and the "
                "validation set has none of it; add samples of it to validate it"
            )
        validation.extend(int(m) for m in members[:held_out])
    if not validation:
        raise TrainingError(
            f"every class has a single sample ({len(first_window)} samples): validation needs a "
            "class with at least 2 samples; add samples"
        )
    held = _split_windows(sample_of_window, validation)
    return Split(np.flatnonzero(~held), np.flatnonzero(held), tuple(notes))


def regression_split(
    targets: np.ndarray,
    *,
    validation_split: float,
    seed: int,
    groups: np.ndarray | None = None,
) -> Split:
    """Hold out `validation_split` of the samples, spread over the range of targets.

    groups: the sample id of each window (None: each window is its own sample); all windows of
    a sample land on one side. The samples, ordered by their mean target (ties at random), are
    cut into as many bins of equal size as samples are held out; one sample of each bin, drawn
    with `seed`, validates, so validation covers low, middle and high targets alike.
    """
    rng = np.random.default_rng(seed)
    values = np.asarray(targets, dtype=np.float64)
    sample_of_window = _sample_of_each_window(groups, len(values))
    samples = int(sample_of_window.max()) + 1 if len(values) else 0
    held_out = _held_out_count(samples, validation_split)
    if held_out == 0:
        raise TrainingError(
            f"{samples} sample(s) cannot be split {1 - validation_split:g}/{validation_split:g} "
            "into training and validation; add samples"
        )
    means = np.bincount(sample_of_window, weights=values) / np.bincount(sample_of_window)
    order = np.lexsort((rng.random(samples), means))
    edges = np.rint(np.linspace(0, samples, held_out + 1)).astype(np.int64)
    validation = [
        int(order[start + rng.integers(end - start)])
        for start, end in zip(edges[:-1], edges[1:], strict=True)
    ]
    held = _split_windows(sample_of_window, validation)
    return Split(np.flatnonzero(~held), np.flatnonzero(held))


def balanced_class_weights(labels: np.ndarray, num_classes: int) -> dict[int, float]:
    """weight(c) = windows / (classes x windows of c): every class weighs the same in the loss."""
    counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
    total = counts.sum()
    return {c: float(total / (num_classes * counts[c])) for c in range(num_classes) if counts[c]}


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    return np.asarray(np.eye(num_classes, dtype=np.float32)[labels])
