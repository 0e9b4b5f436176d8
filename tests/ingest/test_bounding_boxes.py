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


# --- annotation files with hostile values: always an IngestError, never another exception ------

HUGE = 10**400


@pytest.mark.parametrize(
    "document",
    [
        {
            "images": [{"id": 1, "file_name": "a.png"}],
            "categories": [{"id": 1, "name": "c"}],
            "annotations": [{"image_id": [1], "category_id": 1, "bbox": [0, 0, 1, 1]}],
        },
        {
            "images": [{"id": 1, "file_name": "a.png"}],
            "categories": [{"id": 1, "name": "c"}],
            "annotations": [{"image_id": 1, "category_id": {"x": 1}, "bbox": [0, 0, 1, 1]}],
        },
        {
            "images": [{"id": 1, "file_name": "a.png"}],
            "categories": [{"id": 1, "name": "c"}],
            "annotations": [{"image_id": True, "category_id": 1, "bbox": [0, 0, 1, 1]}],
        },
        {
            "images": [{"id": 1, "file_name": "a.png"}],
            "categories": [{"id": 1, "name": "c"}],
            "annotations": [{"image_id": 1, "category_id": 1, "bbox": [HUGE, 0, 1, 1]}],
        },
        {"images": [{"id": True, "file_name": "a.png"}], "categories": [], "annotations": []},
    ],
)
def test_hostile_coco_values_are_refused_as_the_file(document: dict[str, object]) -> None:
    import json

    from backend.ingest.box_formats import parse_annotation_files
    from backend.ingest.errors import IngestError

    with pytest.raises(IngestError) as refused:
        parse_annotation_files([("i.json", json.dumps(document).encode())])
    assert refused.value.filename == "i.json"


def test_hostile_edge_impulse_and_voc_values_are_refused() -> None:
    import json

    from backend.ingest.box_formats import parse_annotation_files
    from backend.ingest.errors import IngestError

    labels = {
        "boundingBoxes": {"a.png": [{"label": "c", "x": HUGE, "y": 0, "width": 1, "height": 1}]}
    }
    with pytest.raises(IngestError, match="x must be a number"):
        parse_annotation_files([("bounding_boxes.labels", json.dumps(labels).encode())])
    voc = b"<annotation><filename>a.png</filename><object><name>c</name><bndbox><xmin>1e400</xmin>"
    voc += b"<ymin>0</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object></annotation>"
    with pytest.raises(IngestError, match="finite"):
        parse_annotation_files([("a.xml", voc)])
    with pytest.raises(IngestError, match="not valid JSON"):
        parse_annotation_files([("i.json", b"[" * 100_000)])
