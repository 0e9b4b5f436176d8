"""Training settings: defaults and out-of-range values with messages that give the range."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from worker.learning.settings import AugmentationSettings, TrainingSettings


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("epochs", 0, "epochs (training cycles) is 0; it must be between 1 and 1000"),
        ("epochs", 1001, "between 1 and 1000"),
        (
            "learning_rate",
            2.0,
            "learning_rate (Adam learning rate) is 2.0; it must be between 1e-06 and 1",
        ),
        ("learning_rate", 0.0, "between 1e-06 and 1 "),
        ("validation_split", 0.6, "between 0.05 and 0.5"),
        ("batch_size", 0, "between 1 and 4096"),
        ("early_stopping_patience", 0, "between 1 and 1000"),
    ],
)
def test_out_of_range_values_say_the_range(field: str, value: float, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        TrainingSettings(**{field: value})


def test_augmentation_ranges_and_switch() -> None:
    assert not AugmentationSettings().enabled
    assert AugmentationSettings(noise_stddev=0.1).enabled
    with pytest.raises(ValidationError, match="time_mask_max_frames .* between 0 and 1000"):
        AugmentationSettings(time_mask_max_frames=-1)


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(ValidationError, match="learnig_rate"):
        TrainingSettings(learnig_rate=0.1)  # type: ignore[call-arg]


def test_json_schema_keeps_the_bounds_for_the_form() -> None:
    schema = TrainingSettings.model_json_schema()
    assert schema["properties"]["epochs"]["minimum"] == 1
    assert schema["properties"]["epochs"]["maximum"] == 1000
