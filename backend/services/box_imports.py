"""Import images with their bounding boxes (Edge Impulse, COCO, Pascal VOC, YOLO): all or nothing.

The annotation files are read first (they are small); then each image goes through the upload's
own per-file checks (name, size, format, fits the project, duplicates) and its boxes are checked
against its real size before it is flushed. Nothing is committed unless every file passed: one
refused file or box rolls the whole import back, so a fixed import can simply be sent again.
Every imported image is labelled OBJECT_DETECTION_LABEL, with or without boxes yet.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.db.models import Project
from backend.ingest import IngestError, ParsedSample, check_filename
from backend.ingest.box_formats import (
    Annotations,
    boxes_for_image,
    has_boxes_for,
    is_image_name,
    parse_annotation_files,
)
from backend.ingest.errors import shown_name
from backend.schemas.bounding_box import OBJECT_DETECTION_LABEL, boxes_as_json
from backend.schemas.sample import SamplePublic, UploadCategory
from backend.schemas.upload import RejectedFile, UploadResult
from backend.services.errors import InvalidRequest
from backend.services.upload_form import UploadedFile, UploadForm
from backend.services.uploads import (
    BoxesForFile,
    UploadOptions,
    new_upload_state,
    store_one,
    too_large_error,
)
from backend.settings import settings

MAX_SHOWN_UNKNOWN_IMAGES = 5


def import_options(fields: dict[str, str]) -> UploadOptions:
    """The form fields of an import: category and allow_duplicates as for uploads; the labels
    come from the annotations."""
    for name in ("label", "value"):
        if fields.get(name, "").strip():
            raise InvalidRequest(
                f"An import takes its labels from the annotation file; do not send {name}."
            )
    category_text = fields.get("category", "auto").strip() or "auto"
    try:
        category = UploadCategory(category_text)
    except ValueError:
        raise InvalidRequest(
            f'The category "{category_text}" is not one of training, testing, auto.'
        ) from None
    duplicates_text = fields.get("allow_duplicates", "false").strip().lower()
    if duplicates_text not in ("true", "false", "1", "0", ""):
        raise InvalidRequest(f'allow_duplicates must be true or false, not "{duplicates_text}".')
    return UploadOptions(OBJECT_DETECTION_LABEL, category, duplicates_text in ("true", "1"))


def _read_annotations(annotation_files: list[UploadedFile]) -> Annotations:
    contents = []
    for upload in annotation_files:
        check_filename(upload.filename)
        contents.append((upload.filename, upload.read()))
    return parse_annotation_files(contents)


def _unknown_images(annotations: Annotations, images: list[UploadedFile]) -> IngestError | None:
    """An error naming the images the annotations describe but the upload does not hold."""
    uploaded = {upload.filename for upload in images}
    if annotations.box_format == "yolo":
        uploaded = {name.rsplit(".", 1)[0] for name in uploaded}
    missing = [key for key in annotations.boxes if key not in uploaded]
    if not missing:
        return None
    source = annotations.source[missing[0]]
    shown = ", ".join(f'"{shown_name(name)}"' for name in missing[:MAX_SHOWN_UNKNOWN_IMAGES])
    more = (
        f" and {len(missing) - MAX_SHOWN_UNKNOWN_IMAGES} more"
        if len(missing) > MAX_SHOWN_UNKNOWN_IMAGES
        else ""
    )
    return IngestError(
        source,
        f"it describes {len(missing)} image{'s' if len(missing) != 1 else ''} not in this "
        f"upload: {shown}{more}; send each image beside its annotations",
    )


def _refused(
    rejected: list[RejectedFile], total: int, size_rejections: int
) -> tuple[UploadResult, int]:
    detail = (
        f"Nothing was imported: {len(rejected)} of {total} file{'s' if total != 1 else ''} "
        "refused (see rejected); fix them and send the import again."
    )
    status = 413 if size_rejections == len(rejected) else 422
    return UploadResult(detail=detail, accepted=[], rejected=rejected), status


def import_annotated_images(
    session: Session, project: Project, form: UploadForm, options: UploadOptions
) -> tuple[UploadResult, int]:
    """Store every image of the form with its boxes, or nothing; returns (result, status)."""
    images = [upload for upload in form.files if is_image_name(upload.filename)]
    annotation_files = [upload for upload in form.files if not is_image_name(upload.filename)]
    total = len(form.files)
    try:
        if not images:
            raise InvalidRequest(
                "An import needs the images (PNG or JPEG) beside the annotation file."
            )
        if not annotation_files:
            raise InvalidRequest(
                "An import needs one annotation file beside the images (Edge Impulse "
                "bounding_boxes.labels, COCO .json, Pascal VOC .xml, or YOLO .txt files with "
                "classes.txt); send images without boxes through the ordinary upload."
            )
        limit_bytes = settings.max_upload_file_bytes
        too_large = [upload for upload in annotation_files if upload.too_large(limit_bytes)]
        if too_large:
            error = too_large_error(too_large[0], limit_bytes)
            return _refused([RejectedFile(filename=error.filename, error=str(error))], total, 1)
        try:
            annotations = _read_annotations(annotation_files)
        except IngestError as error:
            return _refused([RejectedFile(filename=error.filename, error=str(error))], total, 0)
        unknown = _unknown_images(annotations, images)
        if unknown is not None:
            return _refused([RejectedFile(filename=unknown.filename, error=str(unknown))], total, 0)

        def boxes_for(filename: str, parsed: ParsedSample) -> list[dict[str, object]]:
            if parsed.kind != "image" or not has_boxes_for(annotations, filename):
                return []
            height, width = parsed.values.shape[:2]
            return boxes_as_json(boxes_for_image(annotations, filename, width, height))

        return _store_all_or_none(session, project, images, options, boxes_for, total)
    finally:
        form.close()


def _store_all_or_none(
    session: Session,
    project: Project,
    images: list[UploadedFile],
    options: UploadOptions,
    boxes_for: BoxesForFile,
    total: int,
) -> tuple[UploadResult, int]:
    state = new_upload_state(session, project)
    accepted: list[SamplePublic] = []
    rejected: list[RejectedFile] = []
    try:
        for upload in images:
            try:
                stored = store_one(
                    session, project, upload, options, state, boxes_for=boxes_for, commit=False
                )
                accepted.append(stored)
            except IngestError as error:
                rejected.append(RejectedFile(filename=upload.filename, error=str(error)))
            finally:
                upload.close()
    except BaseException:
        session.rollback()
        raise
    if rejected:
        session.rollback()
        return _refused(rejected, total, state.size_rejections)
    session.commit()
    count = len(accepted)
    boxes = sum(len(sample.bounding_boxes) for sample in accepted)
    detail = f"Imported {count} image{'s' if count != 1 else ''} with {boxes} bounding box{'es' if boxes != 1 else ''}."
    return UploadResult(detail=detail, accepted=accepted, rejected=[]), 201
