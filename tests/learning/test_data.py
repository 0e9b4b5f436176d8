"""Feature and label checks, the stratified split and class weights."""

from __future__ import annotations

import numpy as np
import pytest

from worker.learning.data import (
    balanced_class_weights,
    check_class_labels,
    check_features,
    regression_split,
    stratified_split,
)
from worker.learning.errors import TrainingError

NAMES = ["a", "b", "c"]


def test_stratified_split_holds_out_each_class_share() -> None:
    labels = np.repeat([0, 1, 2], [10, 20, 30])
    split = stratified_split(labels, NAMES, validation_split=0.2, seed=1)
    assert np.bincount(labels[split.validation]).tolist() == [2, 4, 6]
    assert np.bincount(labels[split.train]).tolist() == [8, 16, 24]
    assert not set(split.train) & set(split.validation)
    again = stratified_split(labels, NAMES, validation_split=0.2, seed=1)
    assert np.array_equal(split.validation, again.validation)
    other = stratified_split(labels, NAMES, validation_split=0.2, seed=2)
    assert not np.array_equal(split.validation, other.validation)


def test_regression_split_without_groups_holds_out_windows() -> None:
    split = regression_split(np.arange(50.0), validation_split=0.3, seed=0)
    assert len(split.validation) == 15 and len(split.train) == 35
    with pytest.raises(TrainingError, match="cannot be split"):
        regression_split(np.zeros(1), validation_split=0.2, seed=0)


def test_a_class_with_one_sample_trains_and_the_notes_say_validation_lacks_it() -> None:
    labels = np.repeat([0, 1, 2], [10, 10, 1])
    split = stratified_split(labels, NAMES, validation_split=0.2, seed=1)
    assert 20 in split.train and np.bincount(labels[split.validation]).tolist() == [2, 2]
    assert len(split.notes) == 1 and "class 'c' has a single sample" in split.notes[0]
    # Two samples: one trains, one validates, even though 20 % of 2 rounds to 0.
    two_labels = np.repeat([0, 1], [10, 2])
    two = stratified_split(two_labels, NAMES[:2], validation_split=0.2, seed=1)
    assert np.bincount(two_labels[two.validation]).tolist() == [2, 1]
    with pytest.raises(TrainingError, match="every class has a single sample"):
        stratified_split(np.array([0, 1]), NAMES[:2], validation_split=0.2, seed=1)


def _windows_of(
    samples_per_label: list[int], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(label, sample id) of every window: each sample has 2 to 7 overlapping windows."""
    labels: list[int] = []
    groups: list[int] = []
    sample_id = 100
    for label, samples in enumerate(samples_per_label):
        for _ in range(samples):
            windows = int(rng.integers(2, 8))
            labels += [label] * windows
            groups += [sample_id] * windows
            sample_id += 3  # ids need not be contiguous
    order = rng.permutation(len(labels))  # windows of a sample need not be adjacent
    return np.array(labels)[order], np.array(groups)[order]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("validation_split", [0.2, 0.3])
def test_windows_of_one_sample_stay_on_one_side_and_labels_split_in_proportion(
    seed: int, validation_split: float
) -> None:
    rng = np.random.default_rng(seed)
    samples_per_label = [7, 23, 41]
    labels, groups = _windows_of(samples_per_label, rng)
    split = stratified_split(
        labels, NAMES, validation_split=validation_split, seed=seed, groups=groups
    )
    assert not set(groups[split.train]) & set(groups[split.validation])
    assert len(split.train) + len(split.validation) == len(labels)
    for label, samples in enumerate(samples_per_label):
        held = len(set(groups[split.validation][labels[split.validation] == label]))
        assert abs(held - samples * validation_split) <= 1, (label, held)
    again = stratified_split(
        labels, NAMES, validation_split=validation_split, seed=seed, groups=groups
    )
    assert np.array_equal(split.validation, again.validation)


def test_regression_split_keeps_samples_whole_and_spans_the_targets() -> None:
    rng = np.random.default_rng(4)
    _, groups = _windows_of([50], rng)
    sample_target = {g: g / 10 for g in set(groups.tolist())}
    targets = np.array([sample_target[g] for g in groups.tolist()])
    split = regression_split(targets, validation_split=0.2, seed=3, groups=groups)
    held = sorted(set(groups[split.validation].tolist()))
    assert not set(groups[split.train]) & set(held)
    assert len(held) == 10
    # One validation sample from each fifth of the ordered targets: low to high all validate.
    ranks = np.searchsorted(sorted(sample_target.values()), [sample_target[g] for g in held])
    assert sorted((ranks // 5).tolist()) == list(range(10))
    again = regression_split(targets, validation_split=0.2, seed=3, groups=groups)
    assert np.array_equal(split.validation, again.validation)
    with pytest.raises(TrainingError, match="1 sample"):
        regression_split(np.ones(4), validation_split=0.2, seed=0, groups=np.zeros(4, int))


def test_balanced_class_weights_make_every_class_weigh_the_same() -> None:
    labels = np.repeat([0, 1], [10, 30])
    weights = balanced_class_weights(labels, 2)
    assert weights == pytest.approx({0: 2.0, 1: 40 / 60})
    # Each class's total weight in the loss is then equal.
    assert 10 * weights[0] == pytest.approx(30 * weights[1])


def test_label_checks() -> None:
    with pytest.raises(TrainingError, match="one class index per window"):
        check_class_labels(np.zeros(3, int), NAMES, 4)
    with pytest.raises(TrainingError, match=r"between 0 and 2 .*found 0..5"):
        check_class_labels(np.array([0, 1, 5]), NAMES, 3)
    with pytest.raises(TrainingError, match="'c' have no windows"):
        check_class_labels(np.array([0, 1, 1]), NAMES, 3)
    with pytest.raises(TrainingError, match="integer class indices"):
        check_class_labels(np.array([0.0, 1.0, 2.0]), NAMES, 3)


def test_feature_checks() -> None:
    with pytest.raises(TrainingError, match="features are empty"):
        check_features(np.zeros((5,)))
    features = np.ones((4, 3), np.float64)
    features[2, 1] = np.inf
    with pytest.raises(TrainingError, match="1 window.*window 2"):
        check_features(features)
    assert check_features(np.ones((2, 3), np.float64)).dtype == np.float32
