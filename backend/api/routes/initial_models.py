"""Keras files uploaded to a project as the starting point (backbone) of a detector."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from backend.api.deps import CurrentActor, ProjectDep, SessionDep
from backend.schemas.training import ArtifactPublic, ArtifactsPublic, StartingDetectorsPublic
from backend.services import initial_model_files as service
from backend.services.errors import PayloadTooLarge
from backend.services.upload_form import read_upload_form
from backend.settings import settings

router = APIRouter(prefix="/projects/{project_id}/initial-models", tags=["models"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
_FORM_OVERHEAD_BYTES = 64 * 1024  # boundaries and part headers around the one file

UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "A .keras (zip) or .h5 (HDF5) file saved by tf_keras / "
                        "Keras 2.",
                    },
                },
            }
        }
    },
}


@router.post(
    "",
    response_model=ArtifactPublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def upload_initial_model(
    request: Request, session: SessionDep, project: ProjectDep
) -> ArtifactPublic:
    """Upload a Keras file to start a detector from; checked by size and container, never opened
    here."""
    limit = service.upload_limit(settings.max_initial_model_bytes)
    form = await read_upload_form(
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        request.stream(),
        max_file_bytes=limit,
        max_files=1,
        max_request_bytes=limit + _FORM_OVERHEAD_BYTES,
        files_field="file",
        form_fields=(),
    )
    try:
        upload = form.files[0]
        if upload.too_large(limit):
            raise PayloadTooLarge(
                f"{upload.filename} is {upload.size_bytes} bytes; an uploaded initial model may "
                f"be at most {limit} bytes"
            )
        content = upload.read()
        artifact = await run_in_threadpool(
            service.store_initial_model_file,
            session,
            project,
            upload.filename,
            content,
            max_bytes=limit,
        )
    finally:
        form.close()
    return ArtifactPublic.model_validate(artifact)


@router.get("", response_model=ArtifactsPublic)
def read_initial_models(session: SessionDep, project: ProjectDep) -> ArtifactsPublic:
    """The Keras files uploaded to this project."""
    files = service.list_initial_model_files(session, project.id)
    return ArtifactsPublic(data=[ArtifactPublic.model_validate(f) for f in files], count=len(files))


@router.get("/detectors", response_model=StartingDetectorsPublic)
def read_starting_detectors(
    session: SessionDep, project: ProjectDep, actor: CurrentActor
) -> StartingDetectorsPublic:
    """Trained detectors a block of this project may start from: this project's and those of
    every project the caller can read (newest first, at most 200)."""
    found = service.readable_detectors(session, actor, project.id)
    return StartingDetectorsPublic(data=found, count=len(found))


@router.delete("/{file_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_initial_model(session: SessionDep, project: ProjectDep, file_id: Id) -> Response:
    """Delete an uploaded Keras file; blocks that start from it fail to train until changed."""
    service.delete_initial_model_file(session, project.id, file_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
