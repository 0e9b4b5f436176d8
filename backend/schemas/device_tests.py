"""Device-test reports: what `mcuforge device-test` sends, and what the Deployment page reads."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.schemas.common import StrictInput, UtcDatetime

MAX_REPORT_WINDOWS = 1000
Id = Annotated[int, Field(ge=0, le=2**31 - 1)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Difference = Annotated[float, Field(ge=0.0, le=1e30)]
ShortText = Annotated[str, Field(max_length=200)]


class DeviceTestWindow(StrictInput):
    """One window on the board against the platform."""

    model_config = ConfigDict(extra="forbid")

    sample_id: Id
    filename: Annotated[str, Field(max_length=255)]
    window: Count
    agrees: bool
    platform_top: ShortText | None = None
    device_top: ShortText | None = None
    max_score_difference: Difference | None = None
    value_difference: Difference | None = None
    anomaly_difference: Difference | None = None
    counter: Annotated[int, Field(ge=0, le=2**32 - 1)]


class DeviceTestReportCreate(StrictInput):
    """A report as `mcuforge device-test` sends it."""

    model_config = ConfigDict(extra="forbid")

    impulse_id: Id
    learning_block_id: Id
    trained_model_id: Id
    board: Annotated[str, Field(min_length=1, max_length=40)]
    windows_total: Annotated[int, Field(ge=1, le=1_000_000)]
    windows_agreeing: Count
    counter_unit: Literal["cycles", "instructions", "us"]
    counter_mean: Annotated[float, Field(ge=0.0, le=2.0**32)]
    counter_max: Annotated[int, Field(ge=0, le=2**32 - 1)]
    estimate_cycles: Annotated[float, Field(ge=0.0, le=1e15)] | None = None
    estimate_note: Annotated[str, Field(max_length=300)] = ""
    seconds_per_window: Annotated[float, Field(ge=0.0, le=86_400.0)]
    notes: list[Annotated[str, Field(max_length=500)]] = Field(default_factory=list,
                                                                max_length=20)
    windows: list[DeviceTestWindow] = Field(default_factory=list, max_length=MAX_REPORT_WINDOWS)


class DeviceTestReportPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: int
    impulse_id: int
    learning_block_id: int
    trained_model_id: int
    board: str
    windows_total: int
    windows_agreeing: int
    agreement_percent: float = Field(description="windows_agreeing / windows_total, in %.")
    counter_unit: str = Field(
        description="cycles (a DWT cycle counter), instructions (an emulator) or us (a timer)."
    )
    counter_mean: float
    counter_max: int
    estimate_cycles: float | None = Field(
        description="The platform's estimate for one window (DSP + model) on `board`, in cycles."
    )
    estimate_note: str
    seconds_per_window: float = Field(description="Wall time per window, serial link included.")
    created_at: UtcDatetime


class DeviceTestReportDetailPublic(DeviceTestReportPublic):
    notes: list[str]
    windows: list[DeviceTestWindow]


class DeviceTestReportsPublic(BaseModel):
    data: list[DeviceTestReportPublic]
    count: int
