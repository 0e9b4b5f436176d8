"""Bounding-box labelling: set an image's boxes, list images for labelling, export as COCO."""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from backend.db.models import Project, Sample
from backend.schemas.bounding_box import (
    OBJECT_DETECTION_LABEL,
    BoundingBoxesUpdate,
    BoxError,
    boxes_as_json,
    validate_boxes,
)
from backend.schemas.sample import SamplePublic, SamplesPublic
from backend.services.errors import InvalidRequest
from backend.services.sample_values import png_bytes
from backend.services.samples import sample_values

# Export zips are built in a spooled file: in memory while small, on disk past this.
EXPORT_SPOOL_MEMORY_BYTES = 8 * 1024 * 1024
EXPORT_CHUNK_BYTES = 64 * 1024
_IMAGES_PER_QUERY = 100


def _image_size(sample: Sample) -> tuple[int, int]:
    """(width, height) of an image sample; its shape is (height, width, channels)."""
    return int(sample.shape[1]), int(sample.shape[0])


def set_boxes(session: Session, sample: Sample, boxes_in: BoundingBoxesUpdate) -> SamplePublic:
    """Replace the sample's boxes (checked against its size); an image given boxes becomes
    object-detection data (its label OBJECT_DETECTION_LABEL)."""
    if sample.kind != "image":
        raise InvalidRequest(
            f"Sample {sample.id} is a time series; only images carry bounding boxes."
        )
    width, height = _image_size(sample)
    try:
        boxes = validate_boxes(boxes_in.bounding_boxes, width, height)
    except BoxError as error:
        raise InvalidRequest(f"Sample {sample.id} ({sample.filename}): {error}.") from None
    sample.bounding_boxes = boxes_as_json(boxes)
    if boxes:
        sample.label = OBJECT_DETECTION_LABEL
    session.commit()
    session.refresh(sample)
    return SamplePublic.model_validate(sample)


def _no_boxes() -> Any:
    return func.coalesce(func.json_array_length(Sample.bounding_boxes), 0) == 0


def list_images(
    session: Session, project: Project, *, unlabelled_only: bool, offset: int, limit: int
) -> SamplesPublic:
    """A project's images for labelling: those without boxes first, then by upload order."""
    where = [Sample.project_id == project.id, Sample.kind == "image"]
    if unlabelled_only:
        where.append(_no_boxes())
    count = session.scalar(select(func.count()).select_from(Sample).where(*where)) or 0
    rows = session.scalars(
        select(Sample)
        .where(*where)
        .order_by(case((_no_boxes(), 0), else_=1), Sample.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return SamplesPublic(data=[SamplePublic.model_validate(row) for row in rows], count=count)


def _export_names(samples: list[tuple[int, str]]) -> dict[int, str]:
    """A distinct PNG name per sample (the stored pixels are written as PNG whatever the upload
    was); a name two samples share gets the sample id in front."""
    stems = [(sample_id, filename.rsplit(".", 1)[0] or "image") for sample_id, filename in samples]
    counts: dict[str, int] = {}
    for _, stem in stems:
        counts[stem] = counts.get(stem, 0) + 1
    return {
        sample_id: (f"{stem}.png" if counts[stem] == 1 else f"{sample_id}-{stem}.png")
        for sample_id, stem in stems
    }


def export_coco(session: Session, project: Project) -> IO[bytes]:
    """A zip of the project's images that carry boxes, as PNG under images/, with
    annotations.json in COCO object-detection form (bbox [x, y, width, height] in pixels).
    Images are read and written one at a time; the zip is rewound for reading."""
    labelled = session.execute(
        select(Sample.id, Sample.filename)
        .where(Sample.project_id == project.id, Sample.kind == "image", ~_no_boxes())
        .order_by(Sample.id)
    ).all()
    names = _export_names([(row.id, row.filename) for row in labelled])
    description = f"mcuforge project {project.id} ({project.name})"
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    category_ids: dict[str, int] = {}
    spool = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_MEMORY_BYTES)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        ids = [row.id for row in labelled]
        for start in range(0, len(ids), _IMAGES_PER_QUERY):
            batch = session.scalars(
                select(Sample)
                .where(Sample.id.in_(ids[start : start + _IMAGES_PER_QUERY]))
                .order_by(Sample.id)
            ).all()
            for sample in batch:
                width, height = _image_size(sample)
                name = names[sample.id]
                archive.writestr(f"images/{name}", png_bytes(sample_values(session, sample)))
                images.append(
                    {
                        "id": sample.id,
                        "file_name": name,
                        "width": width,
                        "height": height,
                        "mcuforge_category": sample.category,
                    }
                )
                for box in sample.bounding_boxes:
                    category_id = category_ids.setdefault(box["label"], len(category_ids) + 1)
                    annotations.append(
                        {
                            "id": len(annotations) + 1,
                            "image_id": sample.id,
                            "category_id": category_id,
                            "bbox": [box["x"], box["y"], box["width"], box["height"]],
                            "area": box["width"] * box["height"],
                            "iscrowd": 0,
                        }
                    )
                session.expunge(sample)  # a sample's pixels are not kept past its image
        document = {
            "info": {"description": description},
            "images": images,
            "annotations": annotations,
            "categories": [
                {"id": category_id, "name": label, "supercategory": "object"}
                for label, category_id in category_ids.items()
            ],
        }
        archive.writestr("annotations.json", json.dumps(document, indent=1))
    spool.seek(0)
    return spool


def iter_file(spool: IO[bytes]) -> Iterator[bytes]:
    """The file's bytes in chunks, then it is closed."""
    try:
        while chunk := spool.read(EXPORT_CHUNK_BYTES):
            yield chunk
    finally:
        spool.close()
