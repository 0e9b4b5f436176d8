"""Feature and label checks, the stratified split and class weights."""

from __future__ import annotations

import numpy as np
import pytest

from worker.learning.data import (
    balanced_class_weights,
    check_class_labels,
    check_features,
    random_split,
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


def test_a_class_too_small_for_validation_says_how_many_windows_are_needed() -> None:
    labels = np.repeat([0, 1, 2], [10, 10, 2])
    with pytest.raises(TrainingError) as caught:
        stratified_split(labels, NAMES, validation_split=0.2, seed=1)
    assert "class 'c' has 2 window(s)" in caught.value.message
    assert "no validation windows" in caught.value.message
    assert "at least 3 windows" in caught.value.message


def test_random_split_for_regression() -> None:
    split = random_split(50, validation_split=0.3, seed=0)
    assert len(split.validation) == 15 and len(split.train) == 35
    with pytest.raises(TrainingError, match="cannot be split"):
        random_split(1, validation_split=0.2, seed=0)


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
