"""Deployment of an impulse: targets, int8/float32 estimates for a board, build jobs, downloads.

Tagged "deployment": API keys with the ingestion+deployment scope reach these routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from backend.api.deps import SessionDep
from backend.api.routes.impulses import ImpulseDep
from backend.schemas.deployment import (
    DeploymentBuildRequest,
    DeploymentBuildsPublic,
    DeploymentEstimatesPublic,
    DeploymentTargetsPublic,
)
from backend.schemas.jobs import JobPublic
from backend.services import deployment as service

router = APIRouter(
    prefix="/projects/{project_id}/impulses/{impulse_id}/deployment", tags=["deployment"]
)
ArtifactId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The build's artifact id.")]


@router.get("/targets", response_model=DeploymentTargetsPublic)
def read_deployment_targets(session: SessionDep, impulse: ImpulseDep) -> DeploymentTargetsPublic:
    """Every target with its precisions and whether it can be built for this impulse on this
    server (and why not)."""
    targets = service.list_targets(session, impulse)
    return DeploymentTargetsPublic(data=targets, count=len(targets))


@router.get("/estimates", response_model=DeploymentEstimatesPublic)
def read_deployment_estimates(
    session: SessionDep,
    impulse: ImpulseDep,
    board: Annotated[str, Query(max_length=40, description="A board profile name.")] = "nano33ble",
) -> DeploymentEstimatesPublic:
    """DSP + model latency, flash and RAM on the board, int8 (measured) and float32 side by side."""
    return service.estimates(session, impulse, board)


@router.post("/build", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED)
def create_deployment_build(
    session: SessionDep, impulse: ImpulseDep, build_in: DeploymentBuildRequest
) -> JobPublic:
    """Start building a target (409: no trained model or stale features; 422: not possible)."""
    job = service.start_build(
        session, impulse, build_in.target, build_in.precision, build_in.board
    )
    return JobPublic.model_validate(job)


@router.get("/builds", response_model=DeploymentBuildsPublic)
def read_deployment_builds(session: SessionDep, impulse: ImpulseDep) -> DeploymentBuildsPublic:
    """The files built for this impulse, newest first."""
    builds = service.list_builds(session, impulse)
    return DeploymentBuildsPublic(data=builds, count=len(builds))


@router.get(
    "/builds/{artifact_id}/download",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}, "application/octet-stream": {}}}},
)
def download_deployment_build(
    session: SessionDep, impulse: ImpulseDep, artifact_id: ArtifactId
) -> Response:
    """The built file as an attachment."""
    artifact = service.build_file(session, impulse, artifact_id)
    return Response(
        content=artifact.data,
        media_type=artifact.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{artifact.file_name}"',
            "X-Content-SHA256": artifact.sha256,
        },
    )
