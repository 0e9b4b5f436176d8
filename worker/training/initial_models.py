"""The Keras file a learning block starts from: the stored .keras of an earlier model of the
same project (kept by the training job for this), read as bytes only; the sandboxed training
script is what opens it (worker/learning/initial_model.py)."""

from __future__ import annotations

from sqlalchemy import select

from backend.db.models import Artifact, TrainedModel
from backend.db.session import get_sessionmaker
from worker.job_errors import JobInputError

INITIAL_MODEL_KIND = "keras-model"


def initial_model_bytes(project_id: int, model_id: int) -> bytes:
    """The Keras file of model `model_id` of project `project_id`, or JobInputError saying why not."""
    with get_sessionmaker()() as session:
        model = session.get(TrainedModel, model_id)
        if model is None or model.project_id != project_id:
            raise JobInputError(f"the initial model {model_id} no longer exists in this project")
        data = session.scalar(
            select(Artifact.data).where(
                Artifact.trained_model_id == model_id, Artifact.kind == INITIAL_MODEL_KIND
            )
        )
    if data is None:
        raise JobInputError(f"model {model_id} has no Keras file to start from; train it again")
    return bytes(data)
