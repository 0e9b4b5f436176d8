"""One trial, pure: features of the trial's DSP configuration in; the network built from its
preset family, compiled and measured on the board (pruned if it cannot fit), trained briefly,
quantized to int8 and scored out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from deploy_targets.boards import Board
from deploy_targets.sdk import DspSpec, ImpulseSpec
from worker.learning.blocks import LearningBlockSpec
from worker.learning.errors import NothingLearned, TrainingError
from worker.learning.layers import LayerShapeError, LayerSpec
from worker.learning.metrics import ClassificationMetrics, RegressionMetrics
from worker.learning.quantize import representative_windows
from worker.learning.reporting import NullReporter, TrainingReporter
from worker.learning.runner import RunLimits
from worker.learning.settings import TrainingSettings
from worker.learning.train import train
from worker.tuning.device_cost import DeviceCost, measure, untrained_int8_model
from worker.tuning.networks import network_layers
from worker.tuning.space import TrialConfig

ObjectiveKind = Literal["accuracy", "f1", "mae"]
# Windows that calibrate the untrained model's int8 ranges: the shapes, not the values, matter.
CALIBRATION_WINDOWS = 16


@dataclass(frozen=True)
class Limits:
    """What a trial must fit: the board's flash and RAM unless tighter ones are given, and a
    latency per inference (DSP + model) if one is given."""

    board: Board
    max_latency_ms: float | None = None
    max_ram_bytes: int | None = None
    max_flash_bytes: int | None = None

    @property
    def ram_bytes(self) -> int:
        return min(self.board.ram_bytes, self.max_ram_bytes or self.board.ram_bytes)

    @property
    def flash_bytes(self) -> int:
        return min(self.board.flash_bytes, self.max_flash_bytes or self.board.flash_bytes)

    def exceeded(self, cost: DeviceCost) -> list[str]:
        """What `cost` exceeds, in words (empty when it fits; unknown figures do not prune)."""
        over = []
        if cost.ram_bytes is not None and cost.ram_bytes > self.ram_bytes:
            over.append(f"RAM {cost.ram_bytes} B > {self.ram_bytes} B")
        if cost.flash_bytes is not None and cost.flash_bytes > self.flash_bytes:
            over.append(f"flash {cost.flash_bytes} B > {self.flash_bytes} B")
        if (
            self.max_latency_ms is not None
            and cost.latency_ms is not None
            and cost.latency_ms > self.max_latency_ms
        ):
            over.append(f"latency {cost.latency_ms:.2f} ms > {self.max_latency_ms:g} ms")
        return over


@dataclass(frozen=True)
class Objective:
    """What the search maximises (accuracy, F1 of chosen labels) or minimises (MAE)."""

    kind: ObjectiveKind = "accuracy"
    labels: tuple[str, ...] = ()

    @property
    def maximize(self) -> bool:
        return self.kind != "mae"

    def value(self, metrics: ClassificationMetrics | RegressionMetrics) -> float:
        if isinstance(metrics, RegressionMetrics):
            return float(metrics.mean_absolute_error)
        if self.kind == "f1":
            chosen = [c.f1 for c in metrics.per_class if not self.labels or c.name in self.labels]
            return float(np.mean(chosen)) if chosen else 0.0
        return float(metrics.accuracy)


@dataclass
class TrialData:
    """Features of one DSP configuration, with labels (class indices, or numbers for regression)
    and each window's sample (so validation keeps a sample's windows together)."""

    features: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    groups: np.ndarray
    task: Literal["classification", "regression"] = "classification"


@dataclass
class TrialOutcome:
    """How a trial ended: complete (scored), pruned (does not fit; not trained) or failed."""

    state: Literal["complete", "pruned", "failed"]
    config: dict[str, Any]
    layers: list[dict[str, Any]] = field(default_factory=list)
    cost: DeviceCost | None = None
    fits: bool | None = None
    reason: str | None = None
    objective: float | None = None
    float32: dict[str, Any] | None = None
    int8: dict[str, Any] | None = None
    parameter_count: int | None = None
    training_seconds: float | None = None
    # The earlier trial of the same configuration whose figures this one repeats (not trained).
    same_as: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "config": self.config,
            "layers": self.layers,
            "cost": self.cost.as_json() if self.cost else None,
            "fits": self.fits,
            "reason": self.reason,
            "objective": self.objective,
            "float32": self.float32,
            "int8": self.int8,
            "parameter_count": self.parameter_count,
            "training_seconds": self.training_seconds,
            "same_as": self.same_as,
        }

    @classmethod
    def repeating(cls, earlier: dict[str, Any], number: int) -> TrialOutcome:
        """The outcome of a trial whose configuration trial `number` already ran: its figures
        (`earlier` is that trial's stored as_json()), marked as borrowed."""
        cost = earlier.get("cost")
        fields = {k: v for k, v in earlier.items() if k not in ("cost", "same_as")}
        return cls(**fields, cost=DeviceCost.from_json(cost) if cost else None, same_as=number)


def _headline(metrics: ClassificationMetrics | RegressionMetrics) -> dict[str, Any]:
    if isinstance(metrics, RegressionMetrics):
        return {"mae": metrics.mean_absolute_error, "mse": metrics.mean_squared_error}
    return {
        "accuracy": metrics.accuracy,
        "loss": metrics.loss,
        "f1": {c.name: c.f1 for c in metrics.per_class},
    }


def nothing_learned_reason(learning_rate: float) -> str:
    """Why a trial whose network learned nothing failed, with what to do about it."""
    return (
        f"the network learned nothing at learning rate {learning_rate:.3g}: every output is "
        "constant, so its int8 model cannot run. The search moves on; if most trials end like "
        "this, check that the features differ between labels"
    )


def training_settings(config: TrialConfig, *, epochs: int, seed: int) -> TrainingSettings:
    """The settings a trial trains with, and an applied trial's learning block keeps."""
    return TrainingSettings.model_validate(
        {"epochs": epochs, "learning_rate": config.learning_rate, "batch_size": 32, "seed": seed}
    )


def run_trial(
    data: TrialData,
    config: TrialConfig,
    *,
    impulse: ImpulseSpec,
    dsp: DspSpec,
    limits: Limits,
    objective: Objective,
    epochs: int,
    seed: int,
    workdir: Path,
    reporter: TrainingReporter | None = None,
    run_limits: RunLimits | None = None,
    check_stop: Callable[[], None] = lambda: None,
) -> TrialOutcome:
    """Compile first, prune if it cannot fit, then train and score (see the module)."""
    reporter = reporter or NullReporter()
    config_json = config.as_json()
    input_shape = tuple(int(d) for d in data.features.shape[1:])
    if not np.isfinite(data.features).all() or float(np.ptp(data.features)) == 0.0:
        # A network learns nothing from them (and its int8 model cannot even be prepared): a
        # block scaled to [0, 1] saturates on loud audio, for one. Not worth compiling.
        return TrialOutcome(
            "pruned",
            config_json,
            reason="the DSP block gives the same (or "
            "non-finite) features in every window: nothing to learn from",
        )
    try:
        layers: list[LayerSpec] = network_layers(input_shape, config.network)
    except (LayerShapeError, ValueError) as error:
        return TrialOutcome(
            "pruned",
            config_json,
            reason=f"the network does not fit the features {input_shape}: {error}",
        )
    layer_json = [layer.model_dump(mode="json") for layer in layers]
    num_classes = len(data.class_names) if data.task == "classification" else 1
    calibration = representative_windows(data.features, count=CALIBRATION_WINDOWS, seed=seed)
    untrained = untrained_int8_model(
        layers,
        input_shape,
        task=data.task,
        num_classes=num_classes,
        representative=calibration,
        seed=seed,
    )
    cost = measure(untrained, impulse, dsp, limits.board)
    reporter.log(
        f"compiled: {cost.latency_ms} ms, RAM {cost.ram_bytes} B, flash {cost.flash_bytes} B "
        f"({cost.method})"
    )
    over = limits.exceeded(cost)
    if over:
        return TrialOutcome(
            "pruned",
            config_json,
            layer_json,
            cost,
            fits=False,
            reason="does not fit: " + ", ".join(over),
        )
    check_stop()
    spec = LearningBlockSpec(task=data.task, layers=layers)
    try:
        result = train(
            data.features,
            data.labels,
            data.class_names,
            spec,
            training_settings(config, epochs=epochs, seed=seed),
            workdir,
            reporter,
            limits=run_limits,
            measure_arena=False,
            groups=data.groups,
        )
    except NothingLearned:
        return TrialOutcome(
            "failed",
            config_json,
            layer_json,
            cost,
            fits=True,
            reason=nothing_learned_reason(config.learning_rate),
        )
    except TrainingError as error:
        return TrialOutcome(
            "failed", config_json, layer_json, cost, fits=True, reason=error.message
        )
    fits = None if cost.ram_bytes is None or cost.flash_bytes is None else True
    return TrialOutcome(
        "complete",
        config_json,
        layer_json,
        cost,
        fits=fits,
        objective=objective.value(result.int8),
        float32=_headline(result.float32),
        int8=_headline(result.int8),
        parameter_count=result.parameter_count,
        training_seconds=result.training_seconds,
    )
