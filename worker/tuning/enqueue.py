"""Write a `tuner.trial` job row, then send its task (the order every job follows)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from backend.db.models import Job, JobLog, JobState, TunerSearch
from backend.db.models.common import utcnow
from worker.tuning.lifecycle import TRIAL_KIND, give_back

TASK_NAME = "mcuforge.tuner.trial"


class TrialQueueUnavailable(RuntimeError):
    """The broker could not be reached; the job was failed and its place given back."""


def enqueue_trial(session: Session, search: TunerSearch, *, queue: str | None = None) -> Job:
    """One trial job for `search`, sent to `queue` (None: the app's route for tuner trials)."""
    job = Job(project_id=search.project_id, kind=TRIAL_KIND, state=JobState.queued, progress=0,
              params={"search_id": search.id})
    session.add(job)
    session.flush()
    session.add(JobLog(job_id=job.id, line=f"queued {TRIAL_KIND} of search {search.id}"))
    session.commit()
    # Looked up at call time, so tests and tools can point it at another broker.
    from worker import celery_app as configured

    try:
        configured.celery_app.send_task(TASK_NAME, args=[job.id], queue=queue)
    except Exception as exc:
        message = f"the job queue could not be reached, so the trial was not started: {exc}"
        session.execute(
            update(Job).where(Job.id == job.id, Job.state == JobState.queued)
            .values(state=JobState.failed, error=message, finished_at=utcnow())
        )
        session.commit()
        give_back(session, search.id)
        raise TrialQueueUnavailable(message) from exc
    return job
