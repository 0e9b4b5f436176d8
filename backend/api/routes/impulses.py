"""Impulses of a project: create, read, replace, delete; preview a DSP block on one window;
suggest a DSP block's parameters from the data (autotune); generate features and read their
summary and explorer points."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import Session

from backend.api.deps import CurrentActor, ProjectDep, SessionDep
from backend.db.models import Impulse
from backend.schemas.dsp_blocks import DspAutotunePublic, DspPreviewPublic, DspPreviewRequest
from backend.schemas.impulses import (
    ExplorerPublic,
    FeaturesSummary,
    ImpulseCreate,
    ImpulsePublic,
    ImpulsesPublic,
    ImpulseUpdate,
)
from backend.schemas.jobs import JobPublic
from backend.services import autotune as autotune_service
from backend.services import features as feature_service
from backend.services import impulses as service
from backend.services import training as training_service
from backend.services.access import Actor

router = APIRouter(prefix="/projects/{project_id}/impulses", tags=["impulses"])

DspBlockId = Annotated[int, Path(ge=1, le=1_000_000)]


def get_project_impulse(
    project: ProjectDep, session: SessionDep, impulse_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> Impulse:
    return service.get_impulse(session, project_id=project.id, impulse_id=impulse_id)


ImpulseDep = Annotated[Impulse, Depends(get_project_impulse)]


@contextmanager
def parameter_errors_as_422() -> Iterator[None]:
    """Rules broken against the data answer 422 in FastAPI's own validation-error format."""
    try:
        yield
    except service.ImpulseInvalid as invalid:
        raise RequestValidationError(invalid.errors) from None


@router.get("", response_model=ImpulsesPublic)
def read_impulses(session: SessionDep, project: ProjectDep) -> ImpulsesPublic:
    """List the project's impulses, oldest first."""
    impulses, count = service.list_impulses(session, project.id)
    return ImpulsesPublic(data=[ImpulsePublic.model_validate(i) for i in impulses], count=count)


@router.post("", response_model=ImpulsePublic, status_code=status.HTTP_201_CREATED)
def create_impulse(
    session: SessionDep, project: ProjectDep, actor: CurrentActor, impulse_in: ImpulseCreate
) -> ImpulsePublic:
    """Create an impulse; its parameters are checked against the project's data."""
    _require_initial_models(session, project.id, impulse_in, actor)
    with parameter_errors_as_422():
        impulse = service.create_impulse(session, project.id, impulse_in)
    return ImpulsePublic.model_validate(impulse)


@router.get("/{impulse_id}", response_model=ImpulsePublic)
def read_impulse(impulse: ImpulseDep) -> ImpulsePublic:
    """Read one impulse."""
    return ImpulsePublic.model_validate(impulse)


@router.put("/{impulse_id}", response_model=ImpulsePublic)
def replace_impulse(
    session: SessionDep, impulse: ImpulseDep, actor: CurrentActor, impulse_in: ImpulseUpdate
) -> ImpulsePublic:
    """Replace the input, DSP and learning blocks; features made before become stale."""
    _require_initial_models(session, impulse.project_id, impulse_in, actor, impulse)
    with parameter_errors_as_422():
        impulse = service.replace_impulse(session, impulse, impulse_in)
    return ImpulsePublic.model_validate(impulse)


@router.delete("/{impulse_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_impulse(session: SessionDep, impulse: ImpulseDep) -> Response:
    """Delete an impulse and its generated features."""
    service.delete_impulse(session, impulse)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{impulse_id}/dsp/{dsp_block_id}/preview", response_model=DspPreviewPublic)
def preview_dsp_block(
    session: SessionDep,
    impulse: ImpulseDep,
    dsp_block_id: DspBlockId,
    preview_in: DspPreviewRequest,
) -> DspPreviewPublic:
    """Run one DSP block on one window of one sample: its features and graphs."""
    return feature_service.preview_block(
        session,
        impulse,
        dsp_block_id,
        sample_id=preview_in.sample_id,
        window_start_ms=preview_in.window_start_ms,
    )


@router.post("/{impulse_id}/dsp/{dsp_block_id}/autotune", response_model=DspAutotunePublic)
def autotune_dsp_block(
    session: SessionDep, impulse: ImpulseDep, dsp_block_id: DspBlockId
) -> DspAutotunePublic:
    """Suggest parameters of a spectral, MFCC, MFE or spectrogram block from the project's
    training windows (a bounded subset), with a reason for each; nothing is saved."""
    return autotune_service.autotune_block(session, impulse, dsp_block_id)


@router.post(
    "/{impulse_id}/features", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED
)
def generate_features(session: SessionDep, impulse: ImpulseDep) -> JobPublic:
    """Start generating features of every DSP block (409 while a generation is under way)."""
    job = feature_service.start_generation(session, impulse)
    return JobPublic.model_validate(job)


@router.get("/{impulse_id}/features", response_model=FeaturesSummary)
def read_features(session: SessionDep, impulse: ImpulseDep) -> FeaturesSummary:
    """Per DSP block: state (none / stale / ready), windows, shape, windows per label, job."""
    return feature_service.features_summary(session, impulse)


@router.get("/{impulse_id}/features/explorer", response_model=ExplorerPublic)
def read_feature_explorer(
    session: SessionDep,
    impulse: ImpulseDep,
    dsp_block_id: Annotated[int, Query(ge=1, le=1_000_000)],
) -> ExplorerPublic:
    """The feature explorer's points of one DSP block: x, y, label, sample and window offset."""
    return feature_service.explorer_points(session, impulse, dsp_block_id)


def _require_initial_models(
    session: Session,
    project_id: int,
    impulse_in: ImpulseCreate | ImpulseUpdate,
    actor: Actor,
    stored: Impulse | None = None,
) -> None:
    """Detectors start only from models the caller may read, checked before anything is saved.
    A block whose starting point is unchanged is not checked again: a model deleted since must
    not stop the other blocks from being saved (training it then says why)."""
    before = {
        block["id"]: (block.get("initial_model_id"), block.get("initial_model_file_id"))
        for block in (stored.learning_blocks if stored else [])
    }
    blocks = [
        block
        for block in (b.model_dump() for b in impulse_in.learning_blocks)
        if before.get(block["id"]) != (block["initial_model_id"], block["initial_model_file_id"])
    ]
    training_service.require_initial_models(session, project_id, blocks, actor)
