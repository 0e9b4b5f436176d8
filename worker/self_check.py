"""The worker self-check job: proves a worker picks up jobs, reports progress and logs, and fails
cleanly on request, so a user (or a test) can verify the job system end to end."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backend.settings import settings
from worker.job_errors import JobError
from worker.job_runtime import JobContext, worker_identity

# Sleep in slices this long so a cancelled check stops promptly.
SLEEP_SLICE_SECONDS = 0.05


class SelfCheckParams(BaseModel):
    """Parameters of a worker self-check."""

    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(
        2.0, ge=0, le=600, description="How long the check runs, spread evenly over its steps."
    )
    steps: int = Field(
        10, ge=1, le=1000, description="Steps; each logs a line and reports progress."
    )
    fail: bool = Field(False, description="Fail half-way on purpose, to check failure reporting.")


class SelfCheckFailed(JobError):
    """The failure a self-check was asked to produce."""


def run_self_check(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Run `steps` steps over `seconds`; log and report progress at each; fail half-way if asked."""
    check = SelfCheckParams.model_validate(params)
    identity = worker_identity()
    step_seconds = check.seconds / check.steps
    fail_at_step = check.steps // 2 + 1 if check.fail else None
    started = time.monotonic()
    context.log(f"self-check: {check.steps} steps over {check.seconds:g} s on worker {identity}")
    for step in range(1, check.steps + 1):
        step_ends = started + step * step_seconds
        while (remaining := step_ends - time.monotonic()) > 0:
            context.check_cancelled()
            time.sleep(min(SLEEP_SLICE_SECONDS, remaining))
        if step == fail_at_step:
            raise SelfCheckFailed(
                f"self-check failed on purpose at step {step} of {check.steps} "
                "(it was started with fail=true)"
            )
        elapsed_seconds = time.monotonic() - started
        context.log(f"step {step}/{check.steps} done after {elapsed_seconds:.2f} s")
        context.progress(step, check.steps)
    return {
        "steps": check.steps,
        "elapsed_seconds": round(time.monotonic() - started, 3),
        "worker": identity,
        "broker": "embedded" if settings.uses_embedded_broker else "redis",
    }
