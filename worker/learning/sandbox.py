"""Child-process bootstrap: `python -m worker.learning.sandbox WORKDIR` runs one training script.

WORKDIR holds job.json, script.py and the features (X_train.npy, y_train.npy, X_validation.npy,
y_validation.npy). The sandbox builds the datasets, runs the script, checks the `model` it
leaves, saves the SavedModel, .keras, float32 and int8 .tflite files and result.json there, and
streams JSON events (epochs, stages, errors) to the file descriptor in MCUFORGE_EVENT_FD.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any

# tensorflow-model-optimization works only with the legacy Keras (tf_keras).
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

EVENT_FD_VARIABLE = "MCUFORGE_EVENT_FD"
SCRIPT_FILE = "script.py"
JOB_FILE = "job.json"
RESULT_FILE = "result.json"
FEATURE_FILES = ("X_train.npy", "y_train.npy", "X_validation.npy", "y_validation.npy")
ARTIFACT_FILES = {
    "saved_model_zip": "saved_model.zip",
    "keras": "model.keras",
    "float32_tflite": "model_float32.tflite",
    "int8_tflite": "model_int8.tflite",
}


class ScriptFailure(Exception):
    """The script or its model broke the contract; `message` says what to fix."""

    def __init__(self, message: str, traceback_text: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.traceback_text = traceback_text


class EventStream:
    """One JSON object per line to the parent (or to stdout when run by hand)."""

    def __init__(self) -> None:
        fd = os.environ.get(EVENT_FD_VARIABLE)
        self._file = os.fdopen(int(fd), "w", buffering=1) if fd else sys.stdout

    def send(self, event: str, **fields: Any) -> None:
        self._file.write(json.dumps({"event": event, **fields}) + "\n")
        self._file.flush()


def _script_traceback(error: BaseException, script_path: str) -> str:
    """The traceback from the first frame inside the script (the sandbox's frames are noise)."""
    tb: TracebackType | None = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != script_path:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb or error.__traceback__))


def _error_summary(error: BaseException) -> str:
    """The error's last line: Keras errors open with pages of 'in user code' frames."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return ""
    prefix = f"{type(error).__name__}: "
    return lines[-1].removeprefix(prefix)


def _compile_script(workdir: Path) -> Any:
    script_path = str(workdir / SCRIPT_FILE)
    source = (workdir / SCRIPT_FILE).read_text()
    try:
        return compile(source, script_path, "exec")
    except SyntaxError as error:
        raise ScriptFailure(
            f"the training script has a syntax error on line {error.lineno}: {error.msg}",
            "".join(traceback.format_exception_only(type(error), error)),
        ) from None


def _epoch_callback(keras: Any, events: EventStream, total_epochs: int) -> Any:
    class EpochEvents(keras.callbacks.Callback):  # type: ignore[misc]
        """Sends each finished epoch's metrics to the parent as a JSON line."""

        def __init__(self) -> None:
            super().__init__()
            self.history: list[dict[str, float]] = []

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            values = {key: float(value) for key, value in (logs or {}).items()}
            self.history.append(values)
            events.send("epoch", epoch=epoch + 1, epochs=total_epochs, logs=values)

    return EpochEvents()


def _check_model(
    keras: Any, namespace: dict[str, Any], job: dict[str, Any], epochs_run: int
) -> Any:
    model = namespace.get("model")
    if model is None:
        raise ScriptFailure(
            "the training script finished without defining a global `model`; "
            "assign the trained Keras model to `model`"
        )
    if not isinstance(model, keras.Model):
        raise ScriptFailure(
            f"`model` is a {type(model).__name__}, not a tf_keras Model; build it with "
            "`import tf_keras as keras` (Keras 3 models cannot be converted by this pipeline)"
        )
    expected = job["num_classes"]
    output_shape = model.output_shape
    if job.get("output_shape") is not None:  # object detection: one class per output cell
        wanted = tuple(int(size) for size in job["output_shape"])
        if not isinstance(output_shape, tuple) or tuple(output_shape[1:]) != wanted:
            raise ScriptFailure(
                f"the model's output shape is {output_shape} but object detection on this data "
                f"needs (None, {', '.join(str(size) for size in wanted)}): one probability per "
                "output cell for background and each label"
            )
    elif not isinstance(output_shape, tuple) or tuple(output_shape[1:]) != (expected,):
        what = "1 value (regression)" if job["task"] == "regression" else f"{expected} classes"
        raise ScriptFailure(
            f"the model's output shape is {output_shape} but the data has {what}; "
            f"the last layer must be Dense({expected}) and output shape (None, {expected})"
        )
    if epochs_run == 0:
        raise ScriptFailure(
            "the model was never trained with the callbacks mcuforge passes: call "
            "model.fit(..., callbacks=callbacks) in the script"
        )
    return model


def _save_artifacts(
    model: Any, workdir: Path, x_train: Any, job: dict[str, Any], events: EventStream
) -> dict[str, str]:
    from worker.learning import quantize

    events.send("stage", name="saving")
    saved_model_dir = workdir / "saved_model"
    model.save(str(saved_model_dir), save_format="tf")
    quantize.zip_saved_model(saved_model_dir, workdir / ARTIFACT_FILES["saved_model_zip"])
    artifacts = {"saved_model_zip": ARTIFACT_FILES["saved_model_zip"]}
    try:
        model.save(str(workdir / ARTIFACT_FILES["keras"]))
        artifacts["keras"] = ARTIFACT_FILES["keras"]
    except Exception as error:  # a custom layer without get_config; the SavedModel still stands
        print(f"warning: could not save model.keras: {error}", flush=True)

    events.send("stage", name="converting to float32 .tflite")
    (workdir / ARTIFACT_FILES["float32_tflite"]).write_bytes(
        quantize.float32_tflite(saved_model_dir)
    )
    artifacts["float32_tflite"] = ARTIFACT_FILES["float32_tflite"]

    events.send("stage", name="quantizing to int8")
    windows = quantize.representative_windows(
        x_train, count=job["representative_samples"], seed=job["settings"]["seed"]
    )
    try:
        int8_bytes = quantize.int8_tflite(saved_model_dir, windows)
    except Exception as error:
        raise ScriptFailure(
            "int8 quantization failed: the model uses an operation without an int8 TFLite "
            f"kernel or cannot be converted ({type(error).__name__}: {error})",
            traceback.format_exc(),
        ) from None
    (workdir / ARTIFACT_FILES["int8_tflite"]).write_bytes(int8_bytes)
    artifacts["int8_tflite"] = ARTIFACT_FILES["int8_tflite"]
    return artifacts


def run(workdir: Path, events: EventStream) -> None:
    """Train with WORKDIR's script and features; raise ScriptFailure on any broken contract."""
    job = json.loads((workdir / JOB_FILE).read_text())
    code = _compile_script(workdir)  # before importing TensorFlow: syntax errors fail in 0.1 s

    import numpy as np
    import tensorflow as tf
    import tf_keras as keras

    from worker.learning.datasets import make_datasets

    seed = int(job["settings"]["seed"])
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()

    x_train, y_train, x_validation, y_validation = (
        np.load(workdir / name) for name in FEATURE_FILES
    )
    train_dataset, validation_dataset = make_datasets(
        x_train,
        y_train,
        x_validation,
        y_validation,
        batch_size=int(job["settings"]["batch_size"]),
        seed=seed,
        augmentation=job.get("augmentation"),
    )
    settings = dict(job["settings"])
    if settings.get("class_weight") is not None:
        settings["class_weight"] = {int(k): float(v) for k, v in settings["class_weight"].items()}
    epoch_events = _epoch_callback(keras, events, int(settings["epochs"]))
    callbacks: list[Any] = [epoch_events]
    if job.get("early_stopping_patience"):
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=int(job["early_stopping_patience"]),
                restore_best_weights=True,
            )
        )
    namespace: dict[str, Any] = {
        "__name__": "__mcuforge_training__",
        "train_dataset": train_dataset,
        "validation_dataset": validation_dataset,
        "input_shape": tuple(job["input_shape"]),
        "num_classes": int(job["num_classes"]),
        "callbacks": callbacks,
        "settings": SimpleNamespace(**settings),
    }
    events.send("stage", name="training")
    started_s = time.monotonic()
    try:
        exec(code, namespace)
    except MemoryError as error:
        raise ScriptFailure(
            "the training script ran out of memory (the sandbox's memory limit); use a smaller "
            "network or batch size",
            _script_traceback(error, code.co_filename),
        ) from None
    except Exception as error:
        raise ScriptFailure(
            f"the training script raised {type(error).__name__}: {_error_summary(error)}",
            _script_traceback(error, code.co_filename),
        ) from None
    training_s = time.monotonic() - started_s
    model = _check_model(keras, namespace, job, len(epoch_events.history))
    artifacts = _save_artifacts(model, workdir, x_train, job, events)
    result = {
        "history": epoch_events.history,
        "artifacts": artifacts,
        "training_seconds": training_s,
        "parameter_count": int(model.count_params()),
    }
    (workdir / RESULT_FILE).write_text(json.dumps(result, indent=1))
    (workdir / "history.json").write_text(json.dumps(epoch_events.history, indent=1))
    events.send("done")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m worker.learning.sandbox WORKDIR", file=sys.stderr)
        return 2
    events = EventStream()
    try:
        run(Path(argv[1]), events)
    except ScriptFailure as failure:
        events.send("error", message=failure.message, traceback=failure.traceback_text)
        return 1
    except Exception as error:  # a sandbox bug, not the script's: still report it clearly
        events.send(
            "error",
            message=f"the training sandbox failed: {type(error).__name__}: {error}",
            traceback=traceback.format_exc(),
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
