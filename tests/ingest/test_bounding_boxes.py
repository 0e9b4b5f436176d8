"""The one rule set for boxes: inside the image, at least a pixel wide and high, labelled."""

from __future__ import annotations

import pytest

from backend.schemas.bounding_box import BoundingBox, BoxError, validate_boxes


def test_valid_boxes_are_kept_in_order() -> None:
    boxes = validate_boxes(
        [
            {"label": "cat", "x": 0, "y": 0, "width": 10, "height": 8},
            BoundingBox(label=" dog ", x=90, y=70, width=10, height=10),
        ],
        100,
        80,
    )
    assert [(b.label, b.x, b.y, b.width, b.height) for b in boxes] == [
        ("cat", 0, 0, 10, 8),
        ("dog", 90, 70, 10, 10),
    ]


@pytest.mark.parametrize(
    ("box", "message"),
    [
        ({"label": "cat", "x": 95, "y": 0, "width": 10, "height": 8}, "outside the 100 x 80"),
        ({"label": "cat", "x": -1, "y": 0, "width": 10, "height": 8}, "outside the 100 x 80"),
        ({"label": "cat", "x": 0, "y": 75, "width": 10, "height": 6}, "outside the 100 x 80"),
        ({"label": "cat", "x": 0, "y": 0, "width": 0, "height": 8}, "at least 1 pixel"),
        ({"label": "cat", "x": 0, "y": 0, "width": 5, "height": -3}, "at least 1 pixel"),
        ({"label": "  ", "x": 0, "y": 0, "width": 5, "height": 5}, "label is empty"),
        ({"label": "", "x": 0, "y": 0, "width": 5, "height": 5}, "label is empty"),
        ({"label": "cat", "x": 1.5, "y": 0, "width": 5, "height": 5}, "x"),
        ({"label": "cat", "x": 0, "y": 0, "width": 5}, "height"),
    ],
)
def test_bad_boxes_are_refused_naming_the_box(box: dict[str, object], message: str) -> None:
    good = {"label": "ok", "x": 0, "y": 0, "width": 1, "height": 1}
    with pytest.raises(BoxError) as refused:
        validate_boxes([good, box], 100, 80)
    assert "box 2" in str(refused.value)
    assert message in str(refused.value)
