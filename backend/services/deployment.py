"""Deployment of an impulse: which targets can be built, on-device estimates, build jobs and the
files they made. Refusals name what is missing: 409 when something must happen first (train,
generate features), 422 when the request or the impulse cannot be deployed that way."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import Artifact, Impulse, Job, TrainedModel
from backend.schemas.deployment import (
    BoardPublic,
    DeploymentBuildPublic,
    DeploymentEstimatesPublic,
    DeploymentTargetPublic,
    build_public,
)
from backend.services.errors import Conflict, InvalidRequest, NotFound
from backend.services.jobs import create_job, enqueue_job
from deploy_targets.boards import BOARDS, Board, get_board
from worker.deployment.estimates import deployment_estimates
from worker.deployment.inputs import (
    DeploymentInputs,
    DeploymentNotReady,
    DeploymentUnsupported,
    deployment_inputs,
    library_refusal,
    model_file,
)
from worker.deployment.job import ARTIFACT_KIND_PREFIX
from worker.deployment.targets import (
    TARGETS,
    DeploymentTarget,
    precision_refusal,
    unavailable_reason,
)

BUILD_KIND = "deployment.build"


def _inputs(session: Session, impulse: Impulse, *, library: bool) -> DeploymentInputs:
    try:
        return deployment_inputs(session, impulse, library=library)
    except DeploymentNotReady as error:
        raise Conflict(str(error)) from None
    except DeploymentUnsupported as error:
        raise InvalidRequest(str(error)) from None


def _board(name: str) -> Board:
    try:
        return get_board(name)
    except (KeyError, ValueError):
        raise InvalidRequest(
            f"unknown board {name!r}; the boards are: {', '.join(sorted(BOARDS))}"
        ) from None


def list_boards() -> list[BoardPublic]:
    return [BoardPublic.from_board(board) for board in BOARDS.values()]


def _target_refusal(target: DeploymentTarget, library_reason: str | None) -> str | None:
    """Why `target` cannot be built for the impulse: this server lacks its tools, or (a library)
    the build refuses the impulse, in the build's own words."""
    server_reason = unavailable_reason(target.name)
    if server_reason is not None:
        return server_reason
    return library_reason if target.library else None


def list_targets(session: Session, impulse: Impulse) -> list[DeploymentTargetPublic]:
    library_reason = library_refusal(session, impulse)
    targets = []
    for target in TARGETS.values():
        reason = _target_refusal(target, library_reason)
        targets.append(
            DeploymentTargetPublic(
                name=target.name,
                title=target.title,
                description=target.description,
                precisions=list(target.precisions),
                available=reason is None,
                reason=reason,
            )
        )
    return targets


def estimates(session: Session, impulse: Impulse, board_name: str) -> DeploymentEstimatesPublic:
    board = _board(board_name)
    inputs = _inputs(session, impulse, library=False)
    try:
        model_int8 = model_file(session, inputs.model, "tflite-int8")
    except DeploymentNotReady as error:
        raise Conflict(str(error)) from None
    notes = list(inputs.notes)
    figures = deployment_estimates(
        cache_key=(inputs.model.id, impulse.fingerprint),
        impulse=inputs.impulse if inputs.dsp_blocks else None,
        dsp_blocks=inputs.dsp_blocks,
        model_int8=model_int8,
        sizes=dict(inputs.model.sizes or {}),
        mac_count=inputs.model.mac_count,
        board=board,
        library_refusal=library_refusal(session, impulse),
        model_float32=_optional_model_file(session, inputs.model, "tflite-float32"),
    )
    return DeploymentEstimatesPublic(
        board=BoardPublic.from_board(board),
        trained_model_id=inputs.model.id,
        int8=figures["int8"],
        float32=figures["float32"],
        notes=notes,
    )


def _optional_model_file(session: Session, model: TrainedModel, kind: str) -> bytes | None:
    """A model file, or None when the model has none (models kept without it)."""
    try:
        return model_file(session, model, kind)
    except DeploymentNotReady:
        return None


def start_build(
    session: Session, impulse: Impulse, target_name: str, precision: str, board_name: str
) -> Job:
    """Check what can be known now (target, precision, board, trained and fresh model), then
    write and enqueue the build job."""
    target = TARGETS[target_name]
    refusal = precision_refusal(target.name, precision)
    if refusal is not None:
        raise InvalidRequest(refusal)
    reason = unavailable_reason(target.name)
    if reason is not None:
        raise Conflict(f"{target.title} cannot be built on this server: {reason}")
    _board(board_name)
    inputs = _inputs(session, impulse, library=target.library)
    if (
        target.library
        and precision == "float32"
        and _optional_model_file(session, inputs.model, "tflite-float32") is None
    ):
        raise Conflict(
            "the trained model has no float32 .tflite to compile; train again, or choose int8"
        )
    job = create_job(
        session,
        project_id=impulse.project_id,
        kind=BUILD_KIND,
        params={
            "impulse_id": impulse.id,
            "target": target.name,
            "precision": precision,
            "board": board_name,
        },
    )
    enqueue_job(job)
    return job


def _build_jobs(session: Session, impulse: Impulse) -> dict[int, Job]:
    jobs = session.scalars(
        select(Job).where(Job.project_id == impulse.project_id, Job.kind == BUILD_KIND)
    )
    return {job.id: job for job in jobs if (job.params or {}).get("impulse_id") == impulse.id}


def list_builds(session: Session, impulse: Impulse) -> list[DeploymentBuildPublic]:
    jobs = _build_jobs(session, impulse)
    if not jobs:
        return []
    rows = session.scalars(
        select(Artifact)
        .where(Artifact.job_id.in_(list(jobs)), Artifact.kind.startswith(ARTIFACT_KIND_PREFIX))
        .order_by(Artifact.id.desc())
    )
    return [
        build_public(row, jobs[row.job_id or 0].params or {}, jobs[row.job_id or 0].result or {})
        for row in rows
    ]


def build_file(session: Session, impulse: Impulse, artifact_id: int) -> Artifact:
    artifact = session.get(Artifact, artifact_id)
    jobs = _build_jobs(session, impulse)
    if artifact is None or artifact.job_id not in jobs:
        raise NotFound(f"deployment build {artifact_id} does not exist for impulse {impulse.id}")
    return artifact
