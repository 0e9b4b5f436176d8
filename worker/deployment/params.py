"""Parameters of the `deployment.build` job (the job registry imports these)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TargetName = Literal["cpp-sdk", "arduino", "wasm", "tflite-int8", "tflite-float32", "savedmodel"]
Precision = Literal["int8", "float32"]


class BuildDeploymentParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    impulse_id: int = Field(ge=1, description="The impulse to deploy.")
    target: TargetName = Field(description="What to build.")
    precision: Precision = Field(default="int8", description="int8 or float32 model.")
    board: str = Field(default="nano33ble", max_length=40, description="Board of the estimates.")
