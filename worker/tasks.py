"""Celery tasks: one thin wrapper per job kind around `run_job` (see worker/registry.py)."""

from __future__ import annotations

from typing import Any, NoReturn

from celery import Task

from worker.celery_app import celery_app
from worker.job_errors import TransientJobError
from worker.job_runtime import JobFunction, run_job
from worker.self_check import run_self_check

# Job functions that pull in heavy libraries (scipy, TensorFlow) are imported inside their task,
# so that a worker starts quickly and a task only pays for what it runs.

# Shared by every job task. Time limits are per task; a soft limit becomes a failed job.
JOB_TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": 3,
    "default_retry_delay": 10,
}


def run_task(task: Task, job_id: int, function: JobFunction) -> str | None:
    """Run the job with retries bounded by the task's max_retries."""

    def schedule_retry(exc: TransientJobError) -> NoReturn:
        raise task.retry(exc=exc)

    retries_left = (task.max_retries or 0) - task.request.retries
    state = run_job(
        job_id,
        function,
        retries_left=retries_left,
        schedule_retry=schedule_retry,
        celery_task_id=task.request.id,
    )
    return str(state) if state else None


@celery_app.task(
    name="mcuforge.worker.check", soft_time_limit=660, time_limit=720, **JOB_TASK_OPTIONS
)
def check_worker(self: Task, job_id: int) -> str | None:
    return run_task(self, job_id, run_self_check)


@celery_app.task(
    name="mcuforge.features.generate", soft_time_limit=3300, time_limit=3600, **JOB_TASK_OPTIONS
)
def generate_features(self: Task, job_id: int) -> str | None:
    from worker.features.job import run_generate_features

    return run_task(self, job_id, run_generate_features)


@celery_app.task(
    name="mcuforge.projects.clone", soft_time_limit=3300, time_limit=3600, **JOB_TASK_OPTIONS
)
def clone_project(self: Task, job_id: int) -> str | None:
    from worker.projects.clone import run_clone_project

    return run_task(self, job_id, run_clone_project)


@celery_app.task(
    name="mcuforge.training.train", soft_time_limit=3300, time_limit=3600, **JOB_TASK_OPTIONS
)
def train_model(self: Task, job_id: int) -> str | None:
    from worker.training.train_job import run_train_model

    return run_task(self, job_id, run_train_model)


@celery_app.task(
    name="mcuforge.training.test", soft_time_limit=1700, time_limit=1800, **JOB_TASK_OPTIONS
)
def test_model(self: Task, job_id: int) -> str | None:
    from worker.training.test_job import run_test_model

    return run_task(self, job_id, run_test_model)


@celery_app.task(
    name="mcuforge.deployment.build", soft_time_limit=1700, time_limit=1800, **JOB_TASK_OPTIONS
)
def build_deployment(self: Task, job_id: int) -> str | None:
    from worker.deployment.job import run_build_deployment

    return run_task(self, job_id, run_build_deployment)


@celery_app.task(
    name="mcuforge.tuner.trial", soft_time_limit=3300, time_limit=3600, **JOB_TASK_OPTIONS
)
def run_tuner_trial(self: Task, job_id: int) -> str | None:
    from worker.tuning.job import run_tuner_trial as run_trial_job

    return run_task(self, job_id, run_trial_job)
