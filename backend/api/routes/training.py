"""Learning blocks of an impulse: presets, the training script (generated or expert), training,
the trained model's metrics and model testing (live classification: classification.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from fastapi.exceptions import RequestValidationError

from backend.api.deps import CurrentActor, SessionDep
from backend.api.routes.impulses import ImpulseDep
from backend.schemas.jobs import JobPublic
from backend.schemas.training import (
    LearningPresetsPublic,
    ScriptPublic,
    ScriptUpdate,
    TestRequest,
    TestResultsPublic,
    TrainedModelPublic,
    TrainRequest,
)
from backend.services import training as service
from backend.services.errors import InvalidRequest

router = APIRouter(tags=["training"])
BLOCK_PATH = "/projects/{project_id}/impulses/{impulse_id}/learning/{block_id}"
DEFAULT_UNCERTAIN_BELOW = 0.6
BlockId = Annotated[int, Path(ge=1, le=1_000_000, description="The learning block's id.")]


@contextmanager
def settings_errors_as_422() -> Iterator[None]:
    try:
        yield
    except service.SettingsInvalid as invalid:
        raise RequestValidationError(invalid.errors) from None


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        shape = ()
    if not shape or any(not 1 <= d <= 100_000 for d in shape) or len(shape) > 4:
        raise InvalidRequest(
            f"input_shape {text!r} must be 1 to 4 positive sizes separated by commas, e.g. 50,13"
        )
    return shape


@router.get("/learning-presets", response_model=LearningPresetsPublic)
def read_learning_presets(
    input_shape: Annotated[
        str, Query(max_length=40, description="Features of one window, e.g. 50,13 for MFCC.")
    ] = "50,13",
) -> LearningPresetsPublic:
    """The preset networks with their layers for an input shape (None where it does not fit)."""
    return service.learning_presets(_shape(input_shape))


@router.get(f"{BLOCK_PATH}/script", response_model=ScriptPublic)
def read_training_script(
    session: SessionDep, impulse: ImpulseDep, block_id: BlockId
) -> ScriptPublic:
    """The training script that runs: generated from the layers, or the expert one."""
    return service.read_script(session, impulse, block_id)


@router.put(f"{BLOCK_PATH}/script", response_model=ScriptPublic)
def replace_training_script(
    session: SessionDep, impulse: ImpulseDep, block_id: BlockId, script_in: ScriptUpdate
) -> ScriptPublic:
    """Expert mode: replace the training script with your own."""
    return service.replace_script(session, impulse, block_id, script_in.script)


@router.delete(f"{BLOCK_PATH}/script", response_model=ScriptPublic)
def delete_training_script(
    session: SessionDep, impulse: ImpulseDep, block_id: BlockId
) -> ScriptPublic:
    """Leave expert mode: the script is generated from the visual editor's layers again."""
    return service.replace_script(session, impulse, block_id, None)


@router.post(f"{BLOCK_PATH}/train", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED)
def train_learning_block(
    session: SessionDep,
    impulse: ImpulseDep,
    block_id: BlockId,
    actor: CurrentActor,
    train_in: TrainRequest | None = None,
) -> JobPublic:
    """Start training (422: settings out of range, or the initial model is gone or no longer
    readable; 409: features missing or stale)."""
    with settings_errors_as_422():
        job = service.start_training(
            session, impulse, block_id, train_in.settings if train_in else None, actor
        )
    return JobPublic.model_validate(job)


@router.get(f"{BLOCK_PATH}/model", response_model=TrainedModelPublic)
def read_trained_model(
    session: SessionDep, impulse: ImpulseDep, block_id: BlockId
) -> TrainedModelPublic:
    """The latest trained model: float32 and int8 metrics, sizes, MACs, TFLM arena, history,
    and whether it is out of date (trained on other DSP parameters or another training split)."""
    model = service.trained_model(session, impulse, block_id)
    return service.model_public(session, impulse, block_id, model)


@router.post(f"{BLOCK_PATH}/test", response_model=JobPublic, status_code=status.HTTP_202_ACCEPTED)
def test_learning_block(
    session: SessionDep, impulse: ImpulseDep, block_id: BlockId, test_in: TestRequest | None = None
) -> JobPublic:
    """Start classifying the test split with the latest model (int8 on TFLM and float32)."""
    uncertain_below = test_in.uncertain_below if test_in else DEFAULT_UNCERTAIN_BELOW
    job = service.start_testing(session, impulse, block_id, uncertain_below)
    return JobPublic.model_validate(job)


@router.get(f"{BLOCK_PATH}/test-results", response_model=TestResultsPublic)
def read_test_results(
    session: SessionDep, impulse: ImpulseDep, block_id: BlockId
) -> TestResultsPublic:
    """The latest model test: metrics and per-sample results."""
    return service.test_results(session, impulse, block_id)
