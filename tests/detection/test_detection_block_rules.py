"""Where an object_detection block fits (one image DSP block of sides multiple of 8) and how boxes
follow the image block's resize; no database, no TensorFlow."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from backend.schemas.learning import LearningBlockIn
from backend.services.learning_blocks import check_learning_blocks
from worker.training.sample_boxes import object_labels, scale_boxes

IMAGE_INPUT = {"type": "image", "axes": ["r", "g", "b"]}
SERIES_INPUT = {"type": "time-series", "axes": ["x"], "frequency_hz": 100.0, "window_size_ms": 1000}


def image_block(block_id: int, width: int = 48, height: int = 48) -> dict[str, Any]:
    return {"id": block_id, "type": "image", "params": {"width": width, "height": height}}


def detection(**fields: Any) -> LearningBlockIn:
    return LearningBlockIn.model_validate(
        {"id": 1, "type": "object_detection", "dsp_blocks": [1], **fields}
    )


def test_a_detector_on_one_image_block_is_stored_with_fomo_defaults() -> None:
    stored, problems = check_learning_blocks([detection()], IMAGE_INPUT, [image_block(1)])
    assert problems == []
    assert stored[0]["name"] == "Object detection (FOMO)"
    assert stored[0]["detection"]["object_weight"] == 100.0


@pytest.mark.parametrize(
    ("spec", "input_block", "dsp_blocks", "field", "words"),
    [
        (detection(), SERIES_INPUT, [{"id": 1, "type": "raw", "params": {}}], "type",
         "takes images"),
        (detection(dsp_blocks=[1, 2]), IMAGE_INPUT, [image_block(1), image_block(2)],
         "dsp_blocks", "exactly one image DSP block"),
        (detection(), IMAGE_INPUT, [image_block(1, 50, 48)], "dsp_blocks", "multiples of 8"),
    ],
)  # fmt: skip
def test_a_detector_where_it_cannot_work_is_refused_naming_the_field(
    spec: LearningBlockIn,
    input_block: dict[str, Any],
    dsp_blocks: list[dict[str, Any]],
    field: str,
    words: str,
) -> None:
    stored, problems = check_learning_blocks([spec], input_block, dsp_blocks)
    assert stored == []
    ((loc, message),) = problems
    assert loc == ("learning_blocks", 0, field) and words in message


def test_network_settings_do_not_apply_to_a_detector() -> None:
    with pytest.raises(ValidationError, match="FOMO network"):
        detection(preset="mobilenet_images")
    with pytest.raises(ValidationError, match="object_detection blocks"):
        LearningBlockIn.model_validate(
            {"id": 1, "type": "classifier", "dsp_blocks": [1], "detection": {"width": 0.5}}
        )


def test_boxes_scale_with_the_whole_image_resize() -> None:
    boxes = [{"label": "bee", "x": 40, "y": 30, "width": 20, "height": 10}]
    # A 160x120 photo resized whole to 48x48: x by 0.3, y by 0.4.
    assert scale_boxes(boxes, (160, 120), (48, 48)) == [
        {"label": "bee", "x": 12, "y": 12, "width": 6, "height": 4}
    ]
    tiny = [{"label": "ant", "x": 0, "y": 0, "width": 1, "height": 1}]
    assert scale_boxes(tiny, (480, 480), (48, 48))[0]["width"] == 1  # never empty
    assert object_labels([boxes, tiny, []]) == ["ant", "bee"]
