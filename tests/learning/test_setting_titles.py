"""Training settings whose names are abbreviations carry titles: the Training page labels with them."""

from __future__ import annotations

from worker.learning.settings import AugmentationSettings


def test_augmentation_fields_have_written_titles() -> None:
    properties = AugmentationSettings.model_json_schema()["properties"]
    assert properties["noise_stddev"]["title"] == "Noise standard deviation"
    assert properties["time_mask_max_frames"]["title"] == "Longest time mask (frames)"
