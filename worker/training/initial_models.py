"""The Keras file a learning block starts from: the stored .keras of an earlier model (of this
project or of one the user can read) or a Keras file uploaded to the project, read as bytes
only; the sandboxed training script is what opens it (worker/learning/initial_model.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import Artifact, Project, ProjectMember, TrainedModel, User
from backend.db.session import get_sessionmaker
from worker.job_errors import JobInputError

INITIAL_MODEL_KIND = "keras-model"
# A Keras file a user uploaded to the project (backend/services/initial_model_files.py).
UPLOADED_KERAS_KIND = "uploaded-keras"


def initial_model_bytes(project_id: int, model_id: int, user_id: int | None = None) -> bytes:
    """The Keras file of model `model_id` of project `project_id`, or of another project that
    user `user_id` can still read; JobInputError saying why not."""
    with get_sessionmaker()() as session:
        model = session.get(TrainedModel, model_id)
        if model is None:
            raise JobInputError(f"the initial model {model_id} no longer exists")
        if model.project_id != project_id and not _user_reads(session, user_id, model.project_id):
            raise JobInputError(
                f"the initial model {model_id} is of a project that whoever started this "
                "training can no longer read (access revoked, or started with an API key, which "
                "reaches only its own project)"
            )
        data = session.scalar(
            select(Artifact.data).where(
                Artifact.trained_model_id == model_id, Artifact.kind == INITIAL_MODEL_KIND
            )
        )
    if data is None:
        raise JobInputError(f"model {model_id} has no Keras file to start from; train it again")
    return bytes(data)


def _user_reads(session: Session, user_id: int | None, project_id: int) -> bool:
    """A user's read access to a project, as the API's project_access (backend/services/access.py)
    grants it: member (any role), administrator, or a public project. The worker may import only
    the database models, hence this mirror; tests/training/test_initial_model_access.py pins
    both against each other."""
    project = session.get(Project, project_id)
    if project is None:
        return False
    if project.is_public:
        return True
    if user_id is None:
        return False
    user = session.get(User, user_id)
    if user is None or user.is_disabled:
        return False
    return user.is_admin or session.get(ProjectMember, (project_id, user_id)) is not None


def initial_model_file_bytes(project_id: int, file_id: int) -> bytes:
    """The Keras file uploaded to project `project_id` as `file_id`, or JobInputError."""
    with get_sessionmaker()() as session:
        artifact = session.get(Artifact, file_id)
        if (
            artifact is None
            or artifact.project_id != project_id
            or artifact.kind != UPLOADED_KERAS_KIND
        ):
            raise JobInputError(
                f"the uploaded initial model {file_id} no longer exists in this project; "
                "upload it again or choose another"
            )
        return bytes(artifact.data)
