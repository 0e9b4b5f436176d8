"""Keras files uploaded to a project to start a detector from. They are artifacts of the project
(kind "uploaded-keras", no model or job) whose bytes are only checked here, by size and by their
container's first bytes: only the training sandbox ever opens them."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models import Artifact, Project, ProjectMember, TrainedModel
from backend.schemas.training import StartingDetector
from backend.services.access import Actor, Permission, project_access
from backend.services.errors import InvalidRequest, NotFound, PayloadTooLarge
from worker.learning.errors import TrainingError
from worker.learning.initial_model import MAX_INITIAL_MODEL_BYTES, keras_format
from worker.training.initial_models import INITIAL_MODEL_KIND, UPLOADED_KERAS_KIND

_CONTENT_TYPES = {"keras": "application/zip", "h5": "application/x-hdf5"}


def upload_limit(setting: int) -> int:
    """The configured limit, never above what the sandbox opens."""
    return min(setting, MAX_INITIAL_MODEL_BYTES)


def store_initial_model_file(
    session: Session, project: Project, file_name: str, content: bytes, *, max_bytes: int
) -> Artifact:
    """Store the uploaded Keras file after checking it; nothing is stored when it is refused."""
    name = PurePath(file_name.replace("\\", "/")).name.strip() or "model.keras"
    if len(content) > max_bytes:
        raise PayloadTooLarge(
            f"{name} is {len(content)} bytes; an uploaded initial model may be at most "
            f"{max_bytes} bytes"
        )
    if not content:
        raise InvalidRequest(f"{name} is empty; upload a .keras or .h5 file")
    try:
        fmt = keras_format(content, name)
    except TrainingError as error:
        raise InvalidRequest(str(error)) from None
    stem = PurePath(name).stem[:200] or "model"
    artifact = Artifact(
        project_id=project.id,
        kind=UPLOADED_KERAS_KIND,
        file_name=f"{stem}.{fmt}",
        content_type=_CONTENT_TYPES[fmt],
        data=content,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    session.add(artifact)
    session.commit()
    session.refresh(artifact)
    return artifact


def list_initial_model_files(session: Session, project_id: int) -> list[Artifact]:
    return list(
        session.scalars(
            select(Artifact)
            .where(Artifact.project_id == project_id, Artifact.kind == UPLOADED_KERAS_KIND)
            .order_by(Artifact.id)
        )
    )


def initial_model_file(session: Session, project_id: int, file_id: int) -> Artifact:
    artifact = session.get(Artifact, file_id)
    if (
        artifact is None
        or artifact.project_id != project_id
        or artifact.kind != UPLOADED_KERAS_KIND
    ):
        raise NotFound(f"uploaded initial model {file_id} does not exist in project {project_id}")
    return artifact


def delete_initial_model_file(session: Session, project_id: int, file_id: int) -> None:
    session.delete(initial_model_file(session, project_id, file_id))
    session.commit()


MAX_STARTING_DETECTORS = 200


def readable_detectors(session: Session, actor: Actor, project_id: int) -> list[StartingDetector]:
    """The newest detection models with a Keras file, of this project and of every other project
    the caller can read (an API key: its own project only), for a block to start from."""
    candidates = select(Project.id)
    if actor.user is None:
        candidates = candidates.where(Project.id == project_id)
    elif not actor.user.is_admin:
        member_of = select(ProjectMember.project_id).where(ProjectMember.user_id == actor.user.id)
        candidates = candidates.where(
            (Project.id == project_id) | Project.is_public | Project.id.in_(member_of)
        )
    with_keras = select(Artifact.trained_model_id).where(Artifact.kind == INITIAL_MODEL_KIND)
    rows = session.execute(
        select(TrainedModel, Project)
        .join(Project, Project.id == TrainedModel.project_id)
        .where(
            TrainedModel.task == "object_detection",
            TrainedModel.project_id.in_(candidates),
            TrainedModel.id.in_(with_keras),
        )
        .order_by(TrainedModel.id.desc())
        .limit(MAX_STARTING_DETECTORS)
    ).all()
    readable: dict[int, bool] = {}
    found = []
    for model, project in rows:
        if project.id not in readable:  # the one access check decides, the query only narrows
            access = project_access(session, actor, project)
            readable[project.id] = access is not None and Permission.read in access.permissions
        if readable[project.id]:
            found.append(
                StartingDetector(
                    model_id=model.id,
                    project_id=project.id,
                    project_name=project.name,
                    impulse_id=model.impulse_id,
                    learning_block_id=model.learning_block_id,
                    block_name=str(model.learning_block.get("name") or ""),
                    labels=list(model.class_names),
                    created_at=model.created_at,
                )
            )
    return found
