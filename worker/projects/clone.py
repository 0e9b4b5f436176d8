"""The `projects.clone` job: copy a project's samples (with their values), impulses and settings
into a new project. Members, API keys, HMAC key and generated features are not copied."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.db.models import Impulse, Project, ProjectMember, Sample, SampleData, User
from backend.db.session import get_sessionmaker
from worker.job_errors import JobInputError
from worker.job_runtime import JobContext
from worker.projects.clone_params import CloneProjectParams

SAMPLES_PER_BATCH = 50

SAMPLE_COLUMNS = (
    "filename",
    "label",
    "category",
    "kind",
    "source_format",
    "axes",
    "shape",
    "interval_ms",
    "sample_rate_hz",
    "length",
    "duration_ms",
    "content_hash",
    "device_name",
    "device_type",
    "created_at",
)
IMPULSE_COLUMNS = ("name", "input_block", "dsp_blocks", "learning_blocks", "fingerprint")


def _may_read(session: Session, source: Project, user_id: int) -> bool:
    if source.is_public:
        return True
    user = session.get(User, user_id)
    if user is None:
        return False
    return user.is_admin or session.get(ProjectMember, (source.id, user_id)) is not None


def run_clone_project(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    checked = CloneProjectParams.model_validate(params)
    with get_sessionmaker()() as session:
        source = session.get(Project, checked.source_project_id)
        target = session.get(Project, checked.target_project_id)
        if source is None or target is None:
            raise JobInputError("the project to copy, or the copy, was deleted before the clone ran")
        if not _may_read(session, source, checked.requested_by_user_id):
            raise JobInputError("the project is no longer public, so it cannot be cloned")
        # A retried job starts over: the target is the job's own, so empty it first.
        session.execute(delete(Sample).where(Sample.project_id == target.id))
        session.execute(delete(Impulse).where(Impulse.project_id == target.id))
        target.description = source.description
        target.downmix_audio = source.downmix_audio
        session.commit()
        sample_ids = list(
            session.scalars(
                select(Sample.id).where(Sample.project_id == source.id).order_by(Sample.id)
            )
        )
        impulses = list(
            session.scalars(
                select(Impulse).where(Impulse.project_id == source.id).order_by(Impulse.id)
            )
        )
        total_steps = len(sample_ids) + len(impulses) or 1
        context.log(f"copying {len(sample_ids)} samples and {len(impulses)} impulses")
        done = 0
        for start in range(0, len(sample_ids), SAMPLES_PER_BATCH):
            batch = sample_ids[start : start + SAMPLES_PER_BATCH]
            rows = session.execute(
                select(Sample, SampleData.values)
                .join(SampleData, SampleData.sample_id == Sample.id)
                .where(Sample.id.in_(batch))
                .order_by(Sample.id)
            ).all()
            for sample, values in rows:
                copy = Sample(
                    project_id=target.id, **{c: getattr(sample, c) for c in SAMPLE_COLUMNS}
                )
                session.add(copy)
                session.flush()
                session.add(SampleData(sample_id=copy.id, values=values))
            session.commit()
            done += len(batch)
            context.progress(done, total_steps)
        for impulse in impulses:
            session.add(
                Impulse(project_id=target.id, **{c: getattr(impulse, c) for c in IMPULSE_COLUMNS})
            )
            done += 1
        session.commit()
        context.progress(total_steps, total_steps)
        context.log(f"cloned project {source.id} into project {target.id}")
        return {
            "project_id": target.id,
            "samples": len(sample_ids),
            "impulses": len(impulses),
        }
