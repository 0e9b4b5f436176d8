"""Learning blocks of an impulse: a neural-network classifier or regression, K-means anomaly
detection, or FOMO object detection, fed by one or more of the impulse's DSP blocks."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from backend.schemas.common import StrictInput
from worker.learning.anomaly import AnomalySettings
from worker.learning.architectures import PresetName
from worker.learning.fomo import DetectionBlockSpec
from worker.learning.layers import LayerSpec
from worker.learning.settings import TrainingSettings

LearningBlockType = Literal["classifier", "regression", "anomaly", "object_detection"]
MAX_SCRIPT_CHARS = 200_000


class LearningBlockIn(StrictInput):
    """One learning block. `layers` empty or missing takes `preset` (or the preset that fits the
    DSP output) when the impulse is saved; `expert_script` replaces the generated script."""

    model_config = ConfigDict(extra="forbid")

    id: int = Field(ge=1, le=1_000_000, description="Unique within the impulse.")
    type: LearningBlockType = Field(
        "classifier",
        description="classifier, regression, anomaly or object_detection (FOMO, image impulses "
        "whose samples carry bounding boxes)",
    )
    name: str = Field("", max_length=100)
    dsp_blocks: list[int] = Field(
        min_length=1,
        max_length=16,
        description="Ids of the DSP blocks whose features it takes (concatenated when several).",
    )
    preset: PresetName | None = Field(
        None,
        description="Preset network for `layers` when none are given; empty = the one "
        "that fits the DSP block (conv1d_audio for MFCC/MFE).",
    )
    layers: list[LayerSpec] | None = Field(
        None, max_length=64, description="The visual editor's layers (hidden part of the network)."
    )
    expert_script: str | None = Field(
        None,
        max_length=MAX_SCRIPT_CHARS,
        description="A tf_keras training script replacing the generated one (expert mode).",
    )
    settings: TrainingSettings = Field(default_factory=TrainingSettings)
    quantization_aware_training: bool = False
    pruning_sparsity: float | None = Field(None, ge=0.1, le=0.95)
    anomaly: AnomalySettings | None = Field(
        None, description="K-means settings; anomaly blocks only (defaults when empty)."
    )
    detection: DetectionBlockSpec | None = Field(
        None,
        description="FOMO settings (backbone width, head, object weight); object_detection "
        "blocks only (defaults when empty).",
    )
    initial_model_id: int | None = Field(
        None,
        ge=1,
        le=2**31 - 1,
        description="object_detection only: start from the backbone of this trained model of "
        "the project (its Keras file) instead of random weights; "
        "`detection.initial_model.frozen_layers` of its layers stay as they are. The model "
        "may be of another project the caller can read.",
    )
    initial_model_file_id: int | None = Field(
        None,
        ge=1,
        le=2**31 - 1,
        description="object_detection only: start from this Keras file uploaded to the project "
        "(POST /projects/{id}/initial-models) instead of random weights; not with "
        "`initial_model_id`.",
    )

    @model_validator(mode="after")
    def _fits_its_type(self) -> LearningBlockIn:
        if self.type == "anomaly":
            if self.layers or self.expert_script or self.quantization_aware_training:
                raise ValueError(
                    "an anomaly block is K-means, not a network: give `anomaly` settings, not "
                    "layers, an expert script or quantization-aware training"
                )
        elif self.anomaly is not None:
            raise ValueError(f"`anomaly` settings apply to anomaly blocks, not to {self.type}")
        if self.type == "object_detection":
            if (
                self.layers
                or self.preset is not None
                or self.expert_script is not None
                or self.quantization_aware_training
                or self.pruning_sparsity is not None
            ):
                raise ValueError(
                    "an object_detection block is a FOMO network set by `detection` (width, "
                    "head_filters, object_weight): give no layers, preset, expert script, "
                    "quantization-aware training or pruning"
                )
            if self.initial_model_id is not None and self.initial_model_file_id is not None:
                raise ValueError(
                    "start from one model: `initial_model_id` (a trained model) or "
                    "`initial_model_file_id` (an uploaded Keras file), not both"
                )
            if (
                self.detection is not None
                and self.detection.initial_model is not None
                and self.initial_model_id is None
                and self.initial_model_file_id is None
            ):
                raise ValueError(
                    "`detection.initial_model` says which layers of the initial model stay "
                    "frozen: set `initial_model_id` to the trained model to start from, or "
                    "`initial_model_file_id` to an uploaded Keras file"
                )
        elif (
            self.detection is not None
            or self.initial_model_id is not None
            or self.initial_model_file_id is not None
        ):
            raise ValueError(
                "`detection` settings, `initial_model_id` and `initial_model_file_id` apply to "
                f"object_detection blocks, not to {self.type}"
            )
        if self.quantization_aware_training and self.pruning_sparsity is not None:
            raise ValueError("choose quantization-aware training or pruning, not both")
        if self.expert_script is not None and (
            self.quantization_aware_training or self.pruning_sparsity is not None
        ):
            raise ValueError(
                "quantization-aware training and pruning are added to generated scripts; in an "
                "expert script, call tfmot yourself"
            )
        if len(set(self.dsp_blocks)) != len(self.dsp_blocks):
            raise ValueError(f"dsp_blocks {self.dsp_blocks} lists a DSP block twice")
        return self


class LearningBlockPublic(LearningBlockIn):
    """A stored learning block: layers filled in from the preset when they were left empty."""

    model_config = ConfigDict(extra="ignore")
