"""The tuner of a project: searches over DSP and network under a board's limits, their trials,
pause/resume/cancel, and a trial applied as a new impulse. Every member sees every search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from backend.api.deps import CurrentActor, ProjectDep, SessionDep
from backend.schemas.impulses import ImpulsePublic
from backend.schemas.jobs import JobPublic
from backend.schemas.tuner import (
    TunerApplyPublic,
    TunerApplyRequest,
    TunerSearchCreate,
    TunerSearchesPublic,
    TunerSearchPublic,
)
from backend.services import tuner as service

router = APIRouter(prefix="/projects/{project_id}/tuner", tags=["tuner"])

SearchId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The search's id.")]
TrialId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The trial's id.")]


@router.post("/searches", response_model=TunerSearchPublic, status_code=status.HTTP_202_ACCEPTED)
def create_tuner_search(
    session: SessionDep, project: ProjectDep, actor: CurrentActor, search_in: TunerSearchCreate
) -> TunerSearchPublic:
    """Start a search; its first trials are queued at once (409: no impulse; 422: bad board)."""
    search = service.start_search(session, project, search_in, actor.user)
    return service.search_public(session, search)


@router.get("/searches", response_model=TunerSearchesPublic)
def read_tuner_searches(session: SessionDep, project: ProjectDep) -> TunerSearchesPublic:
    """The project's searches, newest first, without their trials."""
    searches = service.list_searches(session, project.id)
    return TunerSearchesPublic(data=searches, count=len(searches))


@router.get("/searches/{search_id}", response_model=TunerSearchPublic)
def read_tuner_search(
    session: SessionDep, project: ProjectDep, search_id: SearchId
) -> TunerSearchPublic:
    """One search with every trial, the Pareto front marked and the best fitting trial named."""
    return service.read_search(session, project.id, search_id)


@router.post("/searches/{search_id}/pause", response_model=TunerSearchPublic)
def pause_tuner_search(
    session: SessionDep, project: ProjectDep, search_id: SearchId
) -> TunerSearchPublic:
    """Start no new trial; the running ones finish."""
    return service.pause_search(session, project.id, search_id)


@router.post("/searches/{search_id}/resume", response_model=TunerSearchPublic)
def resume_tuner_search(
    session: SessionDep, project: ProjectDep, search_id: SearchId
) -> TunerSearchPublic:
    """Run trials again (trials whose worker died meanwhile are failed and replaced)."""
    return service.resume_search(session, project.id, search_id)


@router.post("/searches/{search_id}/cancel", response_model=TunerSearchPublic)
def cancel_tuner_search(
    session: SessionDep, project: ProjectDep, search_id: SearchId
) -> TunerSearchPublic:
    """Stop the search: queued trials never start, running ones stop at their next check."""
    return service.cancel_search(session, project.id, search_id)


@router.post(
    "/searches/{search_id}/trials/{trial_id}/apply",
    response_model=TunerApplyPublic,
    status_code=status.HTTP_201_CREATED,
)
def apply_tuner_trial(
    session: SessionDep,
    project: ProjectDep,
    search_id: SearchId,
    trial_id: TrialId,
    apply_in: TunerApplyRequest,
) -> TunerApplyPublic:
    """Make the trial a new impulse of the project (the others are kept); with `train`, also
    start training its network fully on the trial's features."""
    impulse, job = service.apply_trial(
        session, project.id, search_id, trial_id, train=apply_in.train, epochs=apply_in.epochs
    )
    return TunerApplyPublic(
        impulse=ImpulsePublic.model_validate(impulse),
        job=JobPublic.model_validate(job) if job else None,
        kind="impulse+training" if job else "impulse",
    )
