"""Bounding boxes of image samples: import with annotations, label, list for labelling, export COCO.

Mounted before the samples router, whose /{sample_id} would otherwise take /images and /import.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from backend.api.deps import ProjectDep, SessionDep
from backend.api.routes.samples import UPLOAD_RESPONSES, SampleId
from backend.schemas.bounding_box import BoundingBoxesUpdate
from backend.schemas.sample import SamplePublic, SamplesPublic
from backend.schemas.upload import UploadResult
from backend.services import box_imports, box_labels, samples
from backend.services.access import PERMISSION_KEY
from backend.services.upload_form import read_upload_form
from backend.settings import settings

router = APIRouter(prefix="/projects/{project_id}/samples", tags=["samples"])
# The import streams files like an upload and has the upload's body limits (see api/main.py).
import_router = APIRouter(prefix="/projects/{project_id}/samples", tags=["samples"])

IMPORT_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["files"],
                "properties": {
                    "files": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "The images (PNG, JPEG) and their annotations: one Edge "
                        "Impulse bounding_boxes.labels or COCO .json file, or Pascal VOC .xml "
                        "files, or YOLO .txt files (one per image, named after it) with "
                        "classes.txt or obj.names.",
                    },
                    "category": {
                        "type": "string",
                        "enum": ["training", "testing", "auto"],
                        "default": "auto",
                    },
                    "allow_duplicates": {"type": "boolean", "default": False},
                },
            }
        }
    },
}


@import_router.post(
    "/import",
    response_model=UploadResult,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={"requestBody": IMPORT_BODY, PERMISSION_KEY: ["ingest"]},
    responses=UPLOAD_RESPONSES,
)
async def import_annotated_samples(
    request: Request, session: SessionDep, project: ProjectDep
) -> JSONResponse:
    """Import images with their bounding boxes; every image and box is checked and nothing is
    stored unless all pass."""
    form = await read_upload_form(
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        request.stream(),
        max_file_bytes=settings.max_upload_file_bytes,
        max_files=settings.max_upload_files,
        max_request_bytes=settings.max_upload_request_bytes,
    )
    try:
        options = box_imports.import_options(form.fields)
        result, status_code = await run_in_threadpool(
            box_imports.import_annotated_images, session, project, form, options
        )
    finally:
        form.close()
    return JSONResponse(result.model_dump(mode="json"), status_code=status_code)


@router.get("/images", response_model=SamplesPublic)
def read_images_for_labelling(
    session: SessionDep,
    project: ProjectDep,
    unlabelled: bool = False,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> SamplesPublic:
    """A project's images, those without bounding boxes first (only those with unlabelled=true)."""
    return box_labels.list_images(
        session, project, unlabelled_only=unlabelled, offset=offset, limit=limit
    )


@router.get(
    "/export/coco",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/zip": {}}, "description": "annotations.json + images/"}
    },
)
def export_coco(session: SessionDep, project: ProjectDep) -> StreamingResponse:
    """The project's images with bounding boxes as a zip: COCO annotations.json and PNG images."""
    archive = box_labels.export_coco(session, project)
    return StreamingResponse(
        box_labels.iter_file(archive),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="project-{project.id}-coco.zip"'},
    )


@router.put("/{sample_id}/bounding_boxes", response_model=SamplePublic)
def update_bounding_boxes(
    session: SessionDep, project: ProjectDep, sample_id: SampleId, boxes_in: BoundingBoxesUpdate
) -> SamplePublic:
    """Replace an image's bounding boxes (an empty list removes them)."""
    sample = samples.get_sample(session, project, sample_id)
    return box_labels.set_boxes(session, sample, boxes_in)
