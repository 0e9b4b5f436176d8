"""Training settings a user picks (cycles, rate, batch, split, balancing, augmentation, seed)."""

from __future__ import annotations

from typing import Any

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator


class _RangeChecked(BaseModel):
    """Checks every numeric field against its Field(ge/le) bounds with a message giving the range.

    Pydantic's own message ("Input should be less than or equal to 1000") omits the lower bound
    and the field's meaning; the bounds stay on the fields so the JSON schema (the UI form) has them.
    """

    # strict: `"epochs": true` is not 1, "5" is not 5, 1.5 is not an int (2 is still a float).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _in_range(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is None or isinstance(value, bool):
            return value
        if not isinstance(value, int | float):
            return value
        field = cls.model_fields[info.field_name]
        low: float | None = None
        high: float | None = None
        for rule in field.metadata:
            if isinstance(rule, annotated_types.Ge):
                low = float(rule.ge)  # type: ignore[arg-type]
            elif isinstance(rule, annotated_types.Le):
                high = float(rule.le)  # type: ignore[arg-type]
        if (low is not None and value < low) or (high is not None and value > high):
            what = field.description or info.field_name
            if low is not None and high is not None:
                rule = f"between {low:g} and {high:g}"
            else:
                rule = f"at least {low:g}" if low is not None else f"at most {high:g}"
            raise ValueError(f"{info.field_name} ({what}) is {value}; it must be {rule}")
        return value


class AugmentationSettings(_RangeChecked):
    """Spectrogram augmentation applied to training batches (SpecAugment-style masks + noise).

    Masks need image-like features: frames along the first axis, frequency bins along the second.
    """

    time_mask_max_frames: int = Field(
        default=0, ge=0, le=1000, title="Longest time mask (frames)", description="longest run of frames set to zero, 0 = off"
    )
    frequency_mask_max_bins: int = Field(
        default=0, ge=0, le=1000, title="Widest frequency mask (bins)", description="widest band of frequency bins set to zero, 0 = off"
    )
    noise_stddev: float = Field(
        default=0.0,
        ge=0.0,
        le=100.0,
        title="Noise standard deviation", description="standard deviation of added gaussian noise, 0 = off",
    )

    @property
    def enabled(self) -> bool:
        return bool(self.time_mask_max_frames or self.frequency_mask_max_bins or self.noise_stddev)


class TrainingSettings(_RangeChecked):
    """What the training job does; defaults follow Edge Impulse's keyword-spotting defaults."""

    epochs: int = Field(default=100, ge=1, le=1000, description="training cycles")
    learning_rate: float = Field(default=0.005, ge=1e-6, le=1.0, description="Adam learning rate")
    batch_size: int = Field(default=32, ge=1, le=4096, description="windows per training step")
    validation_split: float = Field(
        default=0.2,
        ge=0.05,
        le=0.5,
        description="share of each label's samples held out for validation (all windows of a "
        "sample on one side)",
    )
    balance_classes: bool = Field(
        default=False, description="weight classes by the inverse of their window count"
    )
    augmentation: AugmentationSettings = Field(default_factory=AugmentationSettings)
    early_stopping_patience: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="epochs without val_loss improvement before stopping",
    )
    seed: int = Field(
        default=1, ge=0, le=2**31 - 1, description="random seed of split, init and shuffling"
    )
    representative_samples: int = Field(
        default=200,
        ge=1,
        le=10000,
        description="training windows used to calibrate int8 quantization",
    )
