"""Response models of the DSP block catalogue and of a one-window preview."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from backend.schemas.common import StrictInput
from dsp_blocks.base import Graph


class DspBlockPublic(BaseModel):
    name: str = Field(description="The block's type, used as `type` in an impulse's DSP blocks.")
    title: str
    description: str
    output_kind: Literal["image", "vector"]
    parameters: dict[str, Any] = Field(
        description="JSON schema of the parameters: defaults, ranges, units and descriptions."
    )


class DspBlocksPublic(BaseModel):
    data: list[DspBlockPublic]
    count: int


class DspPreviewRequest(StrictInput):
    sample_id: int = Field(ge=1, le=2**31 - 1)
    window_start_ms: float = Field(0.0, ge=0, description="Start of the window in the sample.")


class DspPreviewPublic(BaseModel):
    dsp_block_id: int
    sample_id: int
    window_start_ms: float
    shape: list[int] = Field(description="Shape of the features of one window.")
    features: list[float] = Field(description="The features, flattened in row-major order.")
    graphs: list[Graph]


class DspAutotunePublic(BaseModel):
    """Parameters suggested from the project's training windows; nothing is saved."""

    dsp_block_id: int
    type: str
    window_count: int = Field(description="Training windows the suggestion looked at.")
    current: dict[str, Any] = Field(description="The block's parameters as stored.")
    suggested: dict[str, Any] = Field(
        description="Every parameter: the tuned ones changed, the others as stored."
    )
    reasons: dict[str, str] = Field(description="Why each tuned parameter has its value.")
