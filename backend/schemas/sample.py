"""Request and response models of samples: listing, editing, plotting data, summary, crop and split."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.schemas.common import StrictInput, UtcDatetime

LABEL_MAX_CHARS = 100


class CategoryName(StrEnum):
    training = "training"
    testing = "testing"


class UploadCategory(StrEnum):
    training = "training"
    testing = "testing"
    auto = "auto"  # deterministic 80/20 split by content hash


def clean_label(label: str) -> str:
    """A label as stored: trimmed, non-empty, printable, at most 100 characters."""
    label = label.strip()
    if not label:
        raise ValueError("a label must contain at least one visible character")
    if len(label) > LABEL_MAX_CHARS:
        raise ValueError(f"a label has at most {LABEL_MAX_CHARS} characters, this one {len(label)}")
    if any(not ch.isprintable() for ch in label):
        raise ValueError("a label may not contain control characters (tabs, new lines...)")
    return label


class AxisPublic(BaseModel):
    name: str
    units: str


class BoundingBoxPublic(BaseModel):
    label: str
    x: int
    y: int
    width: int
    height: int


class SamplePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: int
    filename: str
    label: str
    category: CategoryName
    kind: Literal["timeseries", "image"]
    source_format: str
    axes: list[AxisPublic]
    shape: list[int] = Field(description="(length, axes) for time series, (height, width, channels) for images.")
    interval_ms: float | None
    sample_rate_hz: float | None
    length: int = Field(description="Frames of a time series, or pixels of an image.")
    duration_ms: float | None
    content_hash: str
    bounding_boxes: list[BoundingBoxPublic] = Field(
        default_factory=list,
        description="Objects in an image, in pixels of the stored image; (x, y) is the top-left.",
    )
    device_name: str | None
    device_type: str | None
    created_at: UtcDatetime


class SamplesPublic(BaseModel):
    data: list[SamplePublic]
    count: int = Field(description="Samples matching the filters, before offset and limit.")


class SampleUpdate(StrictInput):
    label: str | None = Field(None, min_length=1, max_length=LABEL_MAX_CHARS)
    category: CategoryName | None = Field(None, strict=False)

    @field_validator("label")
    @classmethod
    def _label(cls, label: str | None) -> str | None:
        return None if label is None else clean_label(label)


class CropRequest(StrictInput):
    start_ms: float = Field(ge=0, description="Keep from this time (inclusive), in ms from the start.")
    end_ms: float = Field(gt=0, description="Keep up to this time (exclusive), in ms from the start.")


class SplitRequest(StrictInput):
    window_ms: float = Field(gt=0, description="Length of each new sample; a shorter tail is dropped.")


class SplitResult(BaseModel):
    data: list[SamplePublic]
    dropped_tail_ms: float = Field(description="The end of the original that did not fill a window.")


class AxisValues(BaseModel):
    name: str
    units: str
    values: list[float]


class SampleDataPublic(BaseModel):
    """A time series for plotting; long samples are reduced to a min/max envelope."""

    sample_id: int
    time_ms: list[float] = Field(description="Time of each point, in ms from the start.")
    axes: list[AxisValues]
    length: int = Field(description="Frames in the stored sample.")
    downsampled: bool
    method: Literal["none", "minmax"] = Field(
        description="minmax: the frames are cut into equal buckets and each bucket gives two "
        "points per axis, its minimum and its maximum, in the order they occur."
    )


class LabelSummary(BaseModel):
    label: str
    count: int
    duration_ms: float
    training_count: int
    testing_count: int


class CategorySummary(BaseModel):
    category: CategoryName
    count: int
    duration_ms: float


class SamplesSummary(BaseModel):
    count: int
    duration_ms: float
    labels: list[LabelSummary]
    categories: list[CategorySummary]
    training_fraction: float = Field(description="Share of samples in training (0 when empty).")
    testing_fraction: float = Field(description="Share of samples in testing (0 when empty).")
    axes: list[str] = Field(
        default_factory=list,
        description="The axes every time-series sample has, in the first sample's order: "
        "the axes an impulse can take.",
    )
    data_kind: Literal["none", "audio", "time-series", "image"] = Field(
        "none",
        description="What the samples are, for recommending DSP blocks: images if any sample is "
        "one, audio when a time series came from a WAV file or is sampled at 8 kHz or more, "
        "otherwise time-series (motion and other sensors).",
    )


class RebalanceResult(BaseModel):
    changed: int = Field(description="Samples whose category changed.")
    summary: SamplesSummary
