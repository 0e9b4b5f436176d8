"""A regression block reads each window's sample label as a float, and names the sample whose
label is not a number."""

from __future__ import annotations

import numpy as np
import pytest

from worker.job_errors import JobInputError
from worker.training.targets import regression_targets


def test_labels_become_float_targets() -> None:
    targets = regression_targets(["1.08", "1.08", "-3", "2.5e-05"], np.array([4, 4, 5, 6]))
    assert targets.dtype == np.float32
    assert targets.tolist() == pytest.approx([1.08, 1.08, -3.0, 2.5e-05])


def test_a_non_numeric_label_names_its_sample_and_how_to_give_a_value() -> None:
    rows = [[7, "warm.1.csv", "warm", "training", "h7"], [9, "hot.2.csv", "hot", "training", "h9"]]
    with pytest.raises(JobInputError) as caught:
        regression_targets(["1.5", "warm", "warm", "hot", "inf"], np.array([3, 7, 7, 9, 11]), rows)
    message = str(caught.value)
    assert "sample 7 (\"warm.1.csv\") is labelled 'warm'" in message
    assert "(and 2 more sample(s))" in message  # 9 (hot) and 11 (inf)
    assert "value field" in message and "1.08.n000.csv" in message
