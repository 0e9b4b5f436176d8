"""Live classification: one sample, or a recording that is not stored, window by window with a
learning block's latest int8 model. Its own router because a recording's values make a larger
request body than the other JSON routes allow (`max_recording_body_bytes`)."""

from __future__ import annotations

from fastapi import APIRouter

from backend.api.deps import SessionDep
from backend.api.routes.impulses import ImpulseDep
from backend.api.routes.training import BLOCK_PATH, BlockId
from backend.schemas.training import ClassificationPublic, ClassifyRequest
from backend.services import training as service

# The operations keep the training tag (and so their generated client names).
router = APIRouter(tags=["training"])


@router.post(f"{BLOCK_PATH}/classify", response_model=ClassificationPublic)
def classify_sample(
    session: SessionDep, impulse: ImpulseDep, block_id: BlockId, classify_in: ClassifyRequest
) -> ClassificationPublic:
    """Classify one sample, or a recording that is not stored, window by window with the int8
    model (numpy DSP + TFLM, no job)."""
    return ClassificationPublic.model_validate(
        service.classify(session, impulse, block_id, classify_in)
    )
