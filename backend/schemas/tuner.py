"""Tuner searches and trials as the API takes and shows them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.db.models import SearchState, TrialState
from backend.schemas.common import StrictInput, UtcDatetime
from backend.schemas.impulses import ImpulsePublic
from backend.schemas.jobs import JobPublic

DEFAULT_TRIALS = 30


class TunerSearchCreate(StrictInput):
    """A search: board (or tighter custom limits), budget (trials and/or seconds), objective."""

    model_config = ConfigDict(extra="forbid")

    impulse_id: int | None = Field(
        None, ge=1, le=2**31 - 1,
        description="The impulse whose input block and data to explore; empty: the newest one.",
    )
    board: str = Field("nano33ble", min_length=1, max_length=40, description="A board profile.")
    max_latency_ms: float | None = Field(
        None, gt=0, le=600_000, description="Longest DSP + model time per inference on the board."
    )
    max_ram_bytes: int | None = Field(None, ge=1024, le=2**31 - 1)
    max_flash_bytes: int | None = Field(None, ge=1024, le=2**31 - 1)
    objective: Literal["accuracy", "f1", "mae"] = Field(
        "accuracy", description="int8 validation accuracy, mean F1 of `objective_labels`, or MAE"
    )
    objective_labels: list[str] = Field(default_factory=list, max_length=64)
    pareto: bool = Field(True, description="NSGA-II on objective vs latency; false: TPE alone")
    max_trials: int | None = Field(None, ge=1, le=1000)
    time_budget_s: int | None = Field(None, ge=10, le=7 * 24 * 3600)
    parallel_trials: int = Field(2, ge=1, le=32, description="Trials running at once at most.")
    epochs: int = Field(20, ge=1, le=500, description="Training epochs of each trial.")
    seed: int = Field(0, ge=0, le=2**31 - 1)

    @model_validator(mode="after")
    def _some_budget(self) -> TunerSearchCreate:
        if self.max_trials is None and self.time_budget_s is None:
            self.max_trials = DEFAULT_TRIALS
        if self.objective == "f1" and not self.objective_labels:
            raise ValueError("objective f1 needs objective_labels: the labels whose F1 to raise")
        return self


class TunerApplyRequest(StrictInput):
    model_config = ConfigDict(extra="forbid")

    train: bool = Field(False, description="Also train the new impulse's network fully now.")
    epochs: int | None = Field(None, ge=1, le=500, description="Epochs of that training.")


class TunerTrialPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: int
    state: TrialState
    worker: str | None
    worker_name: str | None
    job_id: int | None
    config: dict[str, Any]
    result: dict[str, Any] | None
    objective_value: float | None
    latency_ms: float | None
    error: str | None
    started_at: UtcDatetime
    finished_at: UtcDatetime | None
    on_pareto_front: bool = False


class TunerSearchPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: int
    impulse_id: int | None
    started_by_user_id: int | None
    board: str
    limits: dict[str, Any]
    objective: str
    objective_labels: list[str]
    multi_objective: bool
    max_trials: int | None
    time_budget_s: int | None
    parallel_trials: int
    epochs: int
    state: SearchState
    trials_started: int
    trials_finished: int = 0
    running_seconds: float = 0.0
    error: str | None
    created_at: UtcDatetime
    finished_at: UtcDatetime | None
    best_trial_id: int | None = None
    trials: list[TunerTrialPublic] = Field(default_factory=list)


class TunerSearchesPublic(BaseModel):
    data: list[TunerSearchPublic]
    count: int


class TunerApplyPublic(BaseModel):
    impulse: ImpulsePublic
    job: JobPublic | None = None
    kind: Literal["impulse", "impulse+training"] = "impulse"
