"""The entry point a training job calls: features in; models, script, history and metrics out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel

from worker.learning import data
from worker.learning.blocks import LearningBlockSpec
from worker.learning.errors import NothingLearned, TrainingError
from worker.learning.inference import predict
from worker.learning.layers import LayerShapeError
from worker.learning.metrics import (
    ClassificationMetrics,
    MetricDifferences,
    ModelSize,
    RegressionMetrics,
    classification_metrics,
    differences,
    model_size,
    regression_metrics,
)
from worker.learning.notebook import write_training_notebook
from worker.learning.reporting import NullReporter, TrainingReporter
from worker.learning.runner import RunLimits, SandboxRun, run_sandbox, write_workdir
from worker.learning.script import generate_script
from worker.learning.settings import TrainingSettings


class TrainingArtifacts(BaseModel):
    """Files of one training run, all inside its working directory."""

    script: Path
    saved_model_zip: Path
    keras: Path | None
    float32_tflite: Path
    int8_tflite: Path
    history: Path
    notebook: Path

    @classmethod
    def of_run(cls, run: SandboxRun) -> TrainingArtifacts:
        """The files a successful sandbox run left, and the notebook written beside them."""
        return cls(
            script=run.workdir / "script.py",
            saved_model_zip=run.artifacts["saved_model_zip"],
            keras=run.artifacts.get("keras"),
            float32_tflite=run.artifacts["float32_tflite"],
            int8_tflite=run.artifacts["int8_tflite"],
            history=run.workdir / "history.json",
            notebook=write_training_notebook(run.workdir),
        )


class TrainingResult(BaseModel):
    """Everything the job stores after training; metrics are on the validation windows."""

    task: str
    class_names: list[str]
    input_shape: tuple[int, ...]
    training_windows: int
    validation_windows: int
    class_weight: dict[int, float] | None
    history: list[dict[str, float]]
    training_seconds: float
    parameter_count: int
    artifacts: TrainingArtifacts
    float32: ClassificationMetrics | RegressionMetrics
    int8: ClassificationMetrics | RegressionMetrics
    differences: MetricDifferences | None
    float32_size: ModelSize
    int8_size: ModelSize


def _augmentation_fits(settings: TrainingSettings, input_shape: tuple[int, ...]) -> None:
    masks = (
        settings.augmentation.time_mask_max_frames or settings.augmentation.frequency_mask_max_bins
    )
    if masks and len(input_shape) < 2:
        raise TrainingError(
            f"time and frequency masking need features of frames x frequency bins, but one "
            f"window's features have the shape {input_shape}; turn masking off or use an MFCC, "
            "MFE or spectrogram block"
        )


def _windows_text(windows: np.ndarray, groups: np.ndarray | None) -> str:
    """'40 windows' or, knowing each window's sample, '40 windows of 8 samples'."""
    if groups is None:
        return f"{len(windows)} windows"
    return f"{len(windows)} windows of {len(set(np.asarray(groups)[windows].tolist()))} samples"


def outputs_are_constant(outputs: np.ndarray) -> bool:
    """Whether every window got the same output (to float32's precision), all of them numbers:
    the mark of a network that learned nothing."""
    if len(outputs) == 0 or not np.isfinite(outputs).all():
        return False
    return bool(np.all(np.ptp(outputs, axis=0) <= 1e-6 * max(1.0, float(np.abs(outputs).max()))))


def train(
    features: np.ndarray,
    labels: np.ndarray,
    class_names: list[str],
    block: LearningBlockSpec,
    settings: TrainingSettings,
    workdir: Path,
    reporter: TrainingReporter | None = None,
    *,
    limits: RunLimits | None = None,
    measure_arena: bool = True,
    groups: np.ndarray | None = None,
) -> TrainingResult:
    """Train `block` on `features` (windows first) in a sandboxed process, quantize, evaluate.

    `labels` are class indices into `class_names` (classification) or one number per window
    (regression, `class_names` ignored). `groups`: the sample id of each window, so that the
    validation split keeps all windows of a sample on one side (None: windows are independent).
    Raises TrainingError with what to fix.
    """
    reporter = reporter or NullReporter()
    x = data.check_features(features)
    input_shape = tuple(int(d) for d in x.shape[1:])
    class_weight: dict[int, float] | None = None
    if block.task == "classification":
        y = data.check_class_labels(labels, class_names, len(x))
        split = data.stratified_split(
            y,
            class_names,
            validation_split=settings.validation_split,
            seed=settings.seed,
            groups=groups,
        )
        num_classes = len(class_names)
        targets = data.one_hot(y, num_classes)
        if settings.balance_classes:
            class_weight = data.balanced_class_weights(y[split.train], num_classes)
    else:
        y_float = data.check_regression_targets(labels, len(x))
        split = data.regression_split(
            y_float, validation_split=settings.validation_split, seed=settings.seed, groups=groups
        )
        num_classes = 1
        targets = y_float[:, np.newaxis]
    _augmentation_fits(settings, input_shape)
    try:
        script = generate_script(block, input_shape)
    except LayerShapeError as error:
        raise TrainingError(
            f"the network cannot take features of shape {input_shape}: {error}"
        ) from None

    workdir = Path(workdir)
    job = {
        "task": block.task,
        "input_shape": list(input_shape),
        "num_classes": num_classes,
        "settings": {
            "epochs": settings.epochs,
            "learning_rate": settings.learning_rate,
            "batch_size": settings.batch_size,
            "class_weight": class_weight,
            "seed": settings.seed,
        },
        "augmentation": settings.augmentation.model_dump(),
        "early_stopping_patience": settings.early_stopping_patience,
        "representative_samples": settings.representative_samples,
    }
    write_workdir(
        workdir,
        script=script,
        job=job,
        x_train=x[split.train],
        y_train=targets[split.train],
        x_validation=x[split.validation],
        y_validation=targets[split.validation],
    )
    for note in split.notes:
        reporter.log(f"Validation split: {note}")
    reporter.log(
        f"Training on {_windows_text(split.train, groups)}, validating on "
        f"{_windows_text(split.validation, groups)}; features {input_shape}"
    )
    run = run_sandbox(workdir, reporter=reporter, limits=limits)

    reporter.log("Evaluating float32 and int8 models on the validation windows...")
    float_bytes = run.artifacts["float32_tflite"].read_bytes()
    int8_bytes = run.artifacts["int8_tflite"].read_bytes()
    x_validation = x[split.validation]
    float_outputs = predict(float_bytes, x_validation)
    try:
        int8_outputs = predict(int8_bytes, x_validation)
    except RuntimeError as error:
        # LiteRT refuses to prepare an int8 model with a degenerate quantization (a layer whose
        # outputs were all zero on the training data has a zero scale): a network that learned
        # nothing. Say so instead of failing with LiteRT's traceback. The converter saw the
        # training windows: a layer dead on those may still wake on a validation window.
        if outputs_are_constant(float_outputs) or outputs_are_constant(
            predict(float_bytes, x[split.train])
        ):
            raise NothingLearned(
                "the network learned nothing: its output is the same for every window, so"
                " its int8 model cannot run (LiteRT could not prepare it). Try a "
                "lower learning rate, or check that the features differ between labels"
            ) from None
        raise TrainingError(
            "the int8 model cannot be run: LiteRT could not prepare it "
            f"({str(error).strip()}). This happens when a layer's outputs are all zero on the "
            "training data, i.e. the network learned nothing: look at the features (do they "
            "differ between labels?) and the training history"
        ) from None
    float_metrics: ClassificationMetrics | RegressionMetrics
    int8_metrics: ClassificationMetrics | RegressionMetrics
    metric_differences = None
    if block.task == "classification":
        y_validation = y[split.validation]
        float_metrics = classification_metrics(y_validation, float_outputs, class_names)
        int8_metrics = classification_metrics(y_validation, int8_outputs, class_names)
        metric_differences = differences(float_metrics, int8_metrics)
    else:
        float_metrics = regression_metrics(targets[split.validation, 0], float_outputs)
        int8_metrics = regression_metrics(targets[split.validation, 0], int8_outputs)

    float32_size = model_size(float_bytes, measure_arena=measure_arena)
    int8_size = model_size(int8_bytes, measure_arena=measure_arena)
    for precision, size in (("float32", float32_size), ("int8", int8_size)):
        if measure_arena and size.arena_note:
            reporter.log(f"{precision} model: {size.arena_note}; the arena is shown as unknown")
    return TrainingResult(
        task=block.task,
        class_names=list(class_names) if block.task == "classification" else [],
        input_shape=input_shape,
        training_windows=len(split.train),
        validation_windows=len(split.validation),
        class_weight=class_weight,
        history=run.history,
        training_seconds=run.training_seconds,
        parameter_count=run.parameter_count,
        artifacts=TrainingArtifacts.of_run(run),
        float32=float_metrics,
        int8=int8_metrics,
        differences=metric_differences,
        float32_size=float32_size,
        int8_size=int8_size,
    )
