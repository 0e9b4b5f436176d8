"""Trained models' files: list a model's artifacts and download one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from backend.api.deps import ProjectDep, SessionDep
from backend.schemas.training import ArtifactsPublic
from backend.services import training as service
from backend.services.access import Permission, requires

router = APIRouter(prefix="/projects/{project_id}", tags=["models"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


# Deployment keys download models too, not only readers.
@router.get(
    "/models/{model_id}/artifacts",
    response_model=ArtifactsPublic,
    openapi_extra=requires(Permission.read, Permission.deploy),
)
def read_model_artifacts(session: SessionDep, project: ProjectDep, model_id: Id) -> ArtifactsPublic:
    """The model's files: float32 and int8 .tflite, SavedModel zip, script, notebook zip."""
    model = service.project_model(session, project.id, model_id)
    artifacts = service.list_artifacts(session, project.id, model.id)
    return ArtifactsPublic(data=artifacts, count=len(artifacts))


@router.get(
    "/artifacts/{artifact_id}/download",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
    openapi_extra=requires(Permission.read, Permission.deploy),
)
def download_artifact(session: SessionDep, project: ProjectDep, artifact_id: Id) -> Response:
    """The artifact's bytes as an attachment."""
    artifact = service.artifact_file(session, project.id, artifact_id)
    return Response(
        content=artifact.data,
        media_type=artifact.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{artifact.file_name}"',
            "X-Content-SHA256": artifact.sha256,
        },
    )
