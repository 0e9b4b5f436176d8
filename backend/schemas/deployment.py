"""Deployment: targets and their availability, on-device estimates, builds and their files."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backend.schemas.common import StrictInput, UtcDatetime
from deploy_targets.boards import Board
from worker.deployment.params import Precision, TargetName


class DeploymentTargetPublic(BaseModel):
    name: str
    title: str
    description: str
    precisions: list[str]
    available: bool
    reason: str | None = Field(None, description="why the target cannot be built, when it can't")


class DeploymentTargetsPublic(BaseModel):
    data: list[DeploymentTargetPublic]
    count: int


class CostPublic(BaseModel):
    latency_ms: float | None
    flash_bytes: int | None
    ram_bytes: int | None = Field(
        description=(
            "RAM in bytes. int8 model: model RAM = the mcuforge tensor arena (activations) + "
            "the compiled model's other static data (arm-none-eabi-size .data + .bss) + its "
            "stack. DSP: its buffers + stack. float32 model: the TensorFlow Lite Micro arena "
            "(for comparison). total: DSP + model, the deeper stack counted once."
        )
    )
    method: str = Field(description="qemu (measured), mac-estimate, or none")
    basis: str
    notes: list[str] = []
    stack_bytes: int | None = Field(None, description="stack, included in ram_bytes")
    instructions: int | None = Field(
        None,
        description="Instructions of one inference, counted in QEMU: a lower bound on the "
        "cycles of a Cortex-M4.",
    )
    cycles: int | None = Field(
        None,
        description="≈ cycles of one inference by the Cortex-M4 cycle model (Arm Cortex-M4 TRM "
        "instruction timings over the traced run, pipeline refill 2 cycles); None with "
        "cycle_basis saying why.",
    )
    cycles_min: int | None = Field(None, description="cycles with a pipeline refill of 1 cycle")
    cycles_max: int | None = Field(None, description="cycles with a pipeline refill of 3 cycles")
    cycle_factor: float | None = Field(
        None,
        description="The board core's cycles per Cortex-M4-model cycle (1 on a Cortex-M4; "
        "cycle_basis says where another core's factor comes from).",
    )
    cycle_latency_ms: float | None = Field(
        None, description="cycles x cycle_factor at the board's clock, in milliseconds."
    )
    cycle_basis: str | None = Field(
        None, description="What the cycle figures are and assume, or why there are none."
    )
    cycle_assumption: str | None = Field(
        None,
        description="What the cycle figures assume of the board's core (the Cortex-M4 model's "
        "own core, or the factor another core's cycles are scaled by and its source).",
    )


class PrecisionEstimatePublic(BaseModel):
    precision: str
    dsp: CostPublic | None
    model: CostPublic
    total: CostPublic
    fits: bool | None = Field(description="flash and RAM fit the board; None if not measured")
    fits_unknown_reason: str | None = Field(
        None, description="Why `fits` is None: which figure is unknown and why."
    )
    deployable: bool = Field(description="the C++/Arduino/WASM libraries can be built")
    reason: str | None


class BoardPublic(BaseModel):
    """A board profile: what someone choosing a board to build and estimate for needs to know."""

    name: str = Field(description="What the deployment routes take as `board`.")
    description: str
    core: str = Field(description="The Arm core, e.g. cortex-m4f (f: with an FPU).")
    clock_hz: int
    flash_bytes: int
    ram_bytes: int
    fpu: str | None = Field(
        None, description="The floating-point unit the library is built for; None without one."
    )
    dsp_extension: bool = Field(
        False, description="The core has the Arm DSP (SIMD multiply-accumulate) instructions."
    )

    @classmethod
    def from_board(cls, board: Board) -> BoardPublic:
        return cls(
            name=board.name,
            description=board.description,
            core=board.core,
            clock_hz=board.clock_hz,
            flash_bytes=board.flash_bytes,
            ram_bytes=board.ram_bytes,
            fpu=board.fpu,
            dsp_extension=board.dsp_extension,
        )


class BoardsPublic(BaseModel):
    data: list[BoardPublic]
    count: int


class DeploymentEstimatesPublic(BaseModel):
    board: BoardPublic
    trained_model_id: int
    int8: PrecisionEstimatePublic
    float32: PrecisionEstimatePublic
    notes: list[str]


class DeploymentBuildRequest(StrictInput):
    model_config = ConfigDict(extra="forbid")

    target: TargetName
    precision: Precision = "int8"
    board: str = Field("nano33ble", max_length=40)


class DeploymentBuildPublic(BaseModel):
    """A built deployment file (an artifact of a deployment.build job)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    job_id: int | None
    trained_model_id: int | None = Field(description="The model it was built from.")
    kind: str
    target: str
    precision: str | None
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    created_at: UtcDatetime


class DeploymentBuildsPublic(BaseModel):
    data: list[DeploymentBuildPublic]
    count: int


def build_public(
    artifact: Any, params: dict[str, Any], result: dict[str, Any]
) -> DeploymentBuildPublic:
    """`params` and `result` are those of the build job that made `artifact`."""
    return DeploymentBuildPublic(
        id=artifact.id,
        job_id=artifact.job_id,
        trained_model_id=result.get("trained_model_id"),
        kind=artifact.kind,
        target=str(params.get("target", artifact.kind.removeprefix("deploy-"))),
        precision=params.get("precision"),
        file_name=artifact.file_name,
        content_type=artifact.content_type,
        size_bytes=artifact.size_bytes,
        sha256=artifact.sha256,
        created_at=artifact.created_at,
    )
