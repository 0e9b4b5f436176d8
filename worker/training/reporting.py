"""Passes a training's progress (epochs done) and log lines (one per epoch) to its job."""

from __future__ import annotations

from worker.job_runtime import JobContext


class JobReporter:
    """A TrainingReporter writing into the job: progress percent and log lines."""

    def __init__(self, context: JobContext) -> None:
        self._context = context

    def progress(self, done: int, total: int) -> None:
        self._context.progress(done, total)

    def log(self, line: str) -> None:
        self._context.log(line)
