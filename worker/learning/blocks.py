"""The learning block a user configures: classifier or regression, its layers or expert script."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from worker.learning.layers import LayerSpec

LearningTask = Literal["classification", "regression"]


class LearningBlockSpec(BaseModel):
    """A neural-network learning block: the editor's layers, or an expert script replacing them.

    `layers` is the hidden part of the network; the generated script adds the output layer.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    task: LearningTask = "classification"
    layers: list[LayerSpec] = Field(default_factory=list)
    expert_script: str | None = Field(
        default=None, description="a tf_keras training script that replaces the generated one"
    )
    quantization_aware_training: bool = Field(
        default=False,
        description="train with int8 rounding simulated (tensorflow-model-optimization)",
    )
    pruning_sparsity: float | None = Field(
        default=None, ge=0.1, le=0.95, description="share of weights pruned to zero while training"
    )

    @model_validator(mode="after")
    def _one_source(self) -> LearningBlockSpec:
        if self.expert_script is None and not self.layers:
            raise ValueError("a learning block needs either layers or an expert_script")
        if self.quantization_aware_training and self.pruning_sparsity is not None:
            raise ValueError(
                "choose quantization-aware training or pruning, not both: tensorflow-model-"
                "optimization cannot prune a model that is already quantization-aware"
            )
        if self.expert_script is not None and (
            self.quantization_aware_training or self.pruning_sparsity is not None
        ):
            raise ValueError(
                "quantization-aware training and pruning are added to generated scripts; "
                "in an expert script, call tfmot yourself"
            )
        return self
