"""Job kinds: what the API may enqueue, how its params are checked, which Celery task runs it.

Adding a job kind (feature generation, training, deployment...) takes two small steps:

1. Write the pure function ``def run_x(context: JobContext, params: dict) -> dict | None`` with a
   pydantic model of its params (it reports through ``context.progress/log/check_cancelled`` and
   raises ``JobInputError``/``TransientJobError`` from ``worker.job_errors``), and its thin task
   in ``worker/tasks.py``::

       @celery_app.task(name="mcuforge.features.generate", **JOB_TASK_OPTIONS)
       def generate_features(self: Task, job_id: int) -> str | None:
           return run_task(self, job_id, run_generate_features)

2. Add one ``JobKind`` to ``JOB_KINDS`` below.

The API then calls ``backend.services.jobs.create_job(session, project_id=..., kind=..., params=...)``
and ``enqueue_job(job)``; the job appears in the jobs API with progress, log and cancel for free.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from worker.deployment.params import BuildDeploymentParams
from worker.features.params import GenerateFeaturesParams
from worker.projects.clone_params import CloneProjectParams
from worker.self_check import SelfCheckParams
from worker.training.params import TestModelParams, TrainModelParams
from worker.tuning.params import TunerTrialParams


@dataclass(frozen=True)
class JobKind:
    name: str  # stored in jobs.kind
    task_name: str  # the Celery task that runs it, `mcuforge.<area>.<verb>`
    params_model: type[BaseModel]  # validates params before the job row is written
    description: str


JOB_KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in [
        JobKind(
            name="worker.check",
            task_name="mcuforge.worker.check",
            params_model=SelfCheckParams,
            description="Worker self-check: progress and a log line per step, fails on request.",
        ),
        JobKind(
            name="features.generate",
            task_name="mcuforge.features.generate",
            params_model=GenerateFeaturesParams,
            description="Window every sample of an impulse, run its DSP blocks, store features.",
        ),
        JobKind(
            name="projects.clone",
            task_name="mcuforge.projects.clone",
            params_model=CloneProjectParams,
            description="Copy a public project's samples, impulses and settings into a new one.",
        ),
        JobKind(
            name="training.train",
            task_name="mcuforge.training.train",
            params_model=TrainModelParams,
            description="Train a learning block on its features; store float32 and int8 models.",
        ),
        JobKind(
            name="training.test",
            task_name="mcuforge.training.test",
            params_model=TestModelParams,
            description="Classify the test split with a learning block's float32 and int8 models.",
        ),
        JobKind(
            name="deployment.build",
            task_name="mcuforge.deployment.build",
            params_model=BuildDeploymentParams,
            description="Build a C++ SDK, Arduino library, WebAssembly or model file of an impulse.",
        ),
        JobKind(
            name="tuner.trial",
            task_name="mcuforge.tuner.trial",
            params_model=TunerTrialParams,
            description="One tuner trial: DSP + network compiled, measured, trained and scored.",
        ),
    ]
}


def get_job_kind(name: str) -> JobKind:
    try:
        return JOB_KINDS[name]
    except KeyError:
        known = ", ".join(sorted(JOB_KINDS))
        raise ValueError(f"unknown job kind {name!r}; the known kinds are: {known}") from None
