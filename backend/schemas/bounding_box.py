"""Bounding boxes on image samples: the one model every import, the labelling API and training share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field, ValidationError, field_validator

from backend.schemas.common import StrictInput
from backend.schemas.sample import clean_label

# A box list is stored as JSON on the sample row; this keeps one row bounded.
MAX_BOXES_PER_IMAGE = 1000


class BoundingBox(StrictInput):
    """One object in an image, in pixels of the stored image; (x, y) is the top-left corner."""

    label: str = Field(min_length=1, max_length=100)
    x: int = Field(description="Left edge, in pixels from the image's left.")
    y: int = Field(description="Top edge, in pixels from the image's top.")
    width: int = Field(description="In pixels, at least 1.")
    height: int = Field(description="In pixels, at least 1.")

    @field_validator("label")
    @classmethod
    def _label(cls, label: str) -> str:
        return clean_label(label)


class BoundingBoxesUpdate(StrictInput):
    """The whole list of a sample's boxes; an empty list removes them all."""

    bounding_boxes: list[BoundingBox] = Field(max_length=MAX_BOXES_PER_IMAGE)


class BoxError(ValueError):
    """A box that cannot be stored; the message names the box (its position and label)."""


def _describe(index: int, box: Any) -> str:
    label = box.get("label") if isinstance(box, dict) else getattr(box, "label", None)
    return f"box {index + 1}" + (f" ({label!r})" if isinstance(label, str) and label else "")


def validate_boxes(
    boxes: Sequence[BoundingBox | dict[str, Any]], image_width: int, image_height: int
) -> list[BoundingBox]:
    """The boxes as stored, or BoxError naming the first box that is empty, unlabelled or outside
    the image (image_width x image_height pixels)."""
    if len(boxes) > MAX_BOXES_PER_IMAGE:
        raise BoxError(f"an image has at most {MAX_BOXES_PER_IMAGE} boxes, this one {len(boxes)}")
    valid: list[BoundingBox] = []
    for index, raw in enumerate(boxes):
        where = _describe(index, raw)
        if isinstance(raw, BoundingBox):
            box = raw
        else:
            if (
                isinstance(raw, dict)
                and isinstance(raw.get("label"), str)
                and not raw["label"].strip()
            ):
                raise BoxError(f"{where}: the label is empty")
            try:
                box = BoundingBox.model_validate(raw)
            except ValidationError as error:
                first = error.errors()[0]
                field = ".".join(str(part) for part in first["loc"]) or "box"
                raise BoxError(f"{where}: {field}: {first['msg']}") from None
        if box.width <= 0 or box.height <= 0:
            raise BoxError(
                f"{where}: width and height must be at least 1 pixel, "
                f"this box is {box.width} x {box.height}"
            )
        if (
            box.x < 0
            or box.y < 0
            or box.x + box.width > image_width
            or box.y + box.height > image_height
        ):
            raise BoxError(
                f"{where}: x={box.x} y={box.y} width={box.width} height={box.height} "
                f"reaches outside the {image_width} x {image_height} image"
            )
        valid.append(box)
    return valid


def boxes_as_json(boxes: Sequence[BoundingBox]) -> list[dict[str, Any]]:
    """The list as stored in samples.bounding_boxes."""
    return [box.model_dump() for box in boxes]
