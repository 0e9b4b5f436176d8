"""The bounding boxes of a learning block's samples, in the pixels of the block's input.

Boxes are stored in pixels of the stored image; the image DSP block resizes the whole image
(bilinear, no crop) to its output size, so a box scales by the same factor on each axis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import Sample

Boxes = list[dict[str, Any]]


def scale_boxes(
    boxes: Sequence[dict[str, Any]], image_size: tuple[int, int], input_size: tuple[int, int]
) -> Boxes:
    """`boxes` of an image of image_size (width, height) in pixels of input_size (width, height),
    rounded to whole pixels and at least 1 x 1."""
    scale_x = input_size[0] / image_size[0]
    scale_y = input_size[1] / image_size[1]
    scaled = []
    for box in boxes:
        x = int(round(float(box["x"]) * scale_x))
        y = int(round(float(box["y"]) * scale_y))
        right = int(round((float(box["x"]) + float(box["width"])) * scale_x))
        bottom = int(round((float(box["y"]) + float(box["height"])) * scale_y))
        scaled.append(
            {
                "label": str(box["label"]),
                "x": x,
                "y": y,
                "width": max(1, right - x),
                "height": max(1, bottom - y),
            }
        )
    return scaled


def sample_boxes(
    session: Session, sample_ids: Sequence[int] | np.ndarray, input_size: tuple[int, int]
) -> list[Boxes]:
    """Per sample id (in order, repeats allowed), its boxes scaled to input_size (width, height)."""
    wanted = sorted({int(i) for i in sample_ids})
    rows = session.execute(
        select(Sample.id, Sample.shape, Sample.bounding_boxes).where(Sample.id.in_(wanted))
    ).all()
    by_id = {
        int(row.id): scale_boxes(
            row.bounding_boxes or [], (int(row.shape[1]), int(row.shape[0])), input_size
        )
        for row in rows
    }
    # A sample deleted since its features were made has no boxes to learn from.
    return [by_id.get(int(i), []) for i in sample_ids]


def object_labels(boxes: Sequence[Sequence[dict[str, Any]]]) -> list[str]:
    """The labels of the objects, sorted (the model's output channels after background)."""
    return sorted({str(box["label"]) for image in boxes for box in image})
