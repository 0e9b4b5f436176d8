"""Checks training features and labels, splits off validation windows and weighs classes."""

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
    """Indices of the training and validation windows."""

    train: np.ndarray
    validation: np.ndarray


def stratified_split(
    labels: np.ndarray, class_names: list[str], *, validation_split: float, seed: int
) -> Split:
    """Hold out `validation_split` of each class's windows (rounded), chosen with `seed`."""
    rng = np.random.default_rng(seed)
    train: list[np.ndarray] = []
    validation: list[np.ndarray] = []
    for index, name in enumerate(class_names):
        members = rng.permutation(np.flatnonzero(labels == index))
        held_out = int(round(len(members) * validation_split))
        if held_out == 0 or held_out == len(members):
            needed = int(np.ceil(0.5 / validation_split))
            raise TrainingError(
                f"class {name!r} has {len(members)} window(s): with a validation split of "
                f"{validation_split:g} it gets {'no validation' if held_out == 0 else 'no training'}"
                f" windows; add samples until it has at least {max(needed, 2)} windows, or raise "
                "the validation split"
            )
        validation.append(members[:held_out])
        train.append(members[held_out:])
    return Split(np.sort(np.concatenate(train)), np.sort(np.concatenate(validation)))


def random_split(windows: int, *, validation_split: float, seed: int) -> Split:
    """Hold out `validation_split` of all windows (regression has no classes to stratify)."""
    order = np.random.default_rng(seed).permutation(windows)
    held_out = int(round(windows * validation_split))
    if held_out == 0 or held_out == windows:
        raise TrainingError(
            f"{windows} window(s) cannot be split {1 - validation_split:g}/{validation_split:g} "
            "into training and validation; add samples"
        )
    return Split(np.sort(order[held_out:]), np.sort(order[:held_out]))


def balanced_class_weights(labels: np.ndarray, num_classes: int) -> dict[int, float]:
    """weight(c) = windows / (classes x windows of c): every class weighs the same in the loss."""
    counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
    total = counts.sum()
    return {c: float(total / (num_classes * counts[c])) for c in range(num_classes) if counts[c]}


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    return np.asarray(np.eye(num_classes, dtype=np.float32)[labels])
