"""Request and response models of impulses and of their generated features."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.schemas.common import PlainName, StrictInput, UtcDatetime
from backend.schemas.jobs import JobPublic
from backend.schemas.learning import LearningBlockIn, LearningBlockPublic

MAX_WINDOW_MS = 3_600_000.0


InputType = Literal["time-series", "image"]


class InputBlockIn(StrictInput):
    """How samples are cut into windows. Empty `axes` / `frequency_hz` take the data's.
    An `image` input block takes each image whole; the window fields do not apply to it."""

    model_config = ConfigDict(extra="forbid")

    type: InputType = Field("time-series", description="Time-series windows or whole images.")
    axes: list[str] | None = Field(
        None, min_length=1, description="Axes used, in order; empty means every axis of the data."
    )
    window_size_ms: float = Field(1000.0, gt=0, le=MAX_WINDOW_MS, description="Window in ms.")
    window_increase_ms: float = Field(
        500.0, gt=0, le=MAX_WINDOW_MS, description="Step between window starts, in ms."
    )
    frequency_hz: float | None = Field(
        None,
        gt=0,
        le=1_000_000,
        description="Samples are resampled to this rate; empty means the data's rate.",
    )
    zero_pad: bool = Field(
        True, description="Pad short samples and the last window with zeros instead of skipping."
    )


class DspBlockIn(StrictInput):
    model_config = ConfigDict(extra="forbid")

    id: int = Field(ge=1, le=1_000_000, description="Unique within the impulse.")
    type: str = Field(description="A block name from GET /api/dsp-blocks, e.g. mfcc.")
    name: PlainName = Field("", max_length=100)
    axes: list[str] | None = Field(
        None, min_length=1, description="Axes of the input block it uses; empty means all."
    )
    params: dict[str, Any] = Field(default_factory=dict, description="Missing ones take defaults.")


class ImpulseCreate(StrictInput):
    model_config = ConfigDict(extra="forbid")

    name: PlainName = Field("Impulse", min_length=1, max_length=100)
    input_block: InputBlockIn = Field(default_factory=lambda: InputBlockIn.model_validate({}))
    dsp_blocks: list[DspBlockIn] = Field(default_factory=list, max_length=16)
    learning_blocks: list[LearningBlockIn] = Field(default_factory=list, max_length=16)


class ImpulseUpdate(StrictInput):
    """PUT replaces the input, DSP and learning blocks; the name only when given."""

    model_config = ConfigDict(extra="forbid")

    name: PlainName | None = Field(None, min_length=1, max_length=100)
    input_block: InputBlockIn
    dsp_blocks: list[DspBlockIn] = Field(default_factory=list, max_length=16)
    learning_blocks: list[LearningBlockIn] = Field(default_factory=list, max_length=16)


class InputBlockPublic(BaseModel):
    type: InputType = "time-series"
    axes: list[str]
    # None for an image input block.
    window_size_ms: float | None
    window_increase_ms: float | None
    frequency_hz: float | None
    zero_pad: bool | None


class DspBlockSpecPublic(BaseModel):
    id: int
    type: str
    name: str
    axes: list[str]
    params: dict[str, Any] = Field(description="Every parameter, defaults filled in.")


class ImpulsePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: int
    name: str
    input_block: InputBlockPublic
    dsp_blocks: list[DspBlockSpecPublic]
    learning_blocks: list[LearningBlockPublic]
    fingerprint: str = Field(description="Changes whenever any input or DSP parameter changes.")
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ImpulsesPublic(BaseModel):
    data: list[ImpulsePublic]
    count: int


class FeatureState(StrEnum):
    none = "none"  # never generated
    stale = "stale"  # generated with parameters or from samples that have changed since
    ready = "ready"


STALE_REASON_DESCRIPTION = (
    "Why the features are stale, e.g. the dataset changed since the features were generated: "
    "1 sample(s) cropped ('yes.1.wav'); None unless stale."
)


class FeatureBlockSummary(BaseModel):
    dsp_block_id: int
    type: str
    name: str
    state: FeatureState
    stale_reason: str | None = Field(None, description=STALE_REASON_DESCRIPTION)
    window_count: int = 0
    shape: list[int] | None = None
    label_counts: dict[str, int] = Field(default_factory=dict)
    projection_method: str | None = None
    job_id: int | None = Field(None, description="The job that generated the stored features.")
    generated_at: UtcDatetime | None = None


class FeaturesSummary(BaseModel):
    impulse_id: int
    blocks: list[FeatureBlockSummary]
    latest_job: JobPublic | None = Field(
        None, description="The newest feature-generation job of this impulse, in any state."
    )


class ExplorerPoint(BaseModel):
    x: float
    y: float
    label: str
    category: str
    sample_id: int
    window_offset_ms: float


class ExplorerPublic(BaseModel):
    dsp_block_id: int
    state: FeatureState
    stale_reason: str | None = Field(None, description=STALE_REASON_DESCRIPTION)
    method: str = Field(description="pca or umap")
    points: list[ExplorerPoint]
