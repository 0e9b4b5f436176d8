"""A Jupyter notebook (nbformat) that reproduces a training run from its exported features.

It embeds the same dataset code and the same training script the sandbox ran, in the same
order and with the same seeds, so running it next to X_train.npy ... gives the same model.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import nbformat as _nbformat
from nbformat import v4 as _v4

from worker.learning import sandbox

# Read as text, not imported: importing it would load TensorFlow into the worker.
DATASETS_SOURCE = Path(__file__).with_name("datasets.py")

NOTEBOOK_FILE = "training.ipynb"
# nbformat has no type hints; typed as Any so strict checks accept its calls.
nbformat: Any = _nbformat
v4: Any = _v4


def _code(source: str) -> Any:
    return v4.new_code_cell(source.strip("\n"))


def training_notebook(script: str, job: dict[str, Any]) -> Any:
    """The notebook for `script` run with `job` (the sandbox's job.json contents)."""
    settings = dict(job["settings"])
    if settings.get("class_weight") is not None:
        settings["class_weight"] = {int(k): v for k, v in settings["class_weight"].items()}
    patience = job.get("early_stopping_patience")
    early_stopping = (
        "callbacks.append(keras.callbacks.EarlyStopping(monitor='val_loss', "
        f"patience={patience}, restore_best_weights=True))"
        if patience
        else "# (early stopping was off)"
    )
    cells = [
        v4.new_markdown_cell(
            "# Reproduce an mcuforge training run\n\n"
            "Put this notebook next to the exported features (`X_train.npy`, `y_train.npy`, "
            "`X_validation.npy`, `y_validation.npy`) and run all cells. The dataset code and the "
            "training script are the ones the platform ran, with the same seed.\n\n"
            "Needs `tensorflow`, `tf_keras` (and `tensorflow-model-optimization` for "
            "quantization-aware training or pruning)."
        ),
        _code(
            """
import os
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # tfmot works with tf_keras only

from types import SimpleNamespace

import numpy as np
import tensorflow as tf
import tf_keras as keras
"""
        ),
        v4.new_markdown_cell("## Datasets\nThe platform's own `datasets.py`."),
        _code(DATASETS_SOURCE.read_text().replace("from __future__ import annotations\n", "")),
        _code(
            f"""
input_shape = {tuple(job["input_shape"])!r}
num_classes = {job["num_classes"]!r}
settings = SimpleNamespace(**{settings!r})
augmentation = {job.get("augmentation")!r}

keras.utils.set_random_seed(settings.seed)
tf.config.experimental.enable_op_determinism()

x_train, y_train, x_validation, y_validation = (
    np.load(name) for name in {list(sandbox.FEATURE_FILES)!r}
)
train_dataset, validation_dataset = make_datasets(
    x_train, y_train, x_validation, y_validation,
    batch_size=settings.batch_size, seed=settings.seed, augmentation=augmentation,
)
callbacks = []
{early_stopping}
"""
        ),
        v4.new_markdown_cell("## Training script\nEdit it here, or in mcuforge's expert mode."),
        _code(script),
        v4.new_markdown_cell("## int8 model\nFull-integer post-training quantization."),
        _code(
            f"""
model.save("saved_model", save_format="tf")
representative = x_train[np.sort(np.random.default_rng(settings.seed).choice(
    len(x_train), size=min({job.get("representative_samples", 200)}, len(x_train)), replace=False))]

def representative_dataset():
    for window in representative:
        yield [window[np.newaxis].astype(np.float32)]

converter = tf.lite.TFLiteConverter.from_saved_model("saved_model")
converter.optimizations = [tf.lite.Optimize.DEFAULT]
converter.representative_dataset = representative_dataset
converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
converter.inference_input_type = tf.int8
converter.inference_output_type = tf.int8
with open("model_int8.tflite", "wb") as file:
    file.write(converter.convert())
"""
        ),
    ]
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.validate(notebook)
    return notebook


def write_training_notebook(workdir: Path) -> Path:
    """Write training.ipynb into a finished training run's working directory."""
    script = (workdir / sandbox.SCRIPT_FILE).read_text()
    job = json.loads((workdir / sandbox.JOB_FILE).read_text())
    path = workdir / NOTEBOOK_FILE
    # The training script may have left a link here: replace it, never write through it.
    path.unlink(missing_ok=True)
    nbformat.write(training_notebook(script, job), str(path))
    return path


def export_training_bundle(workdir: Path, zip_path: Path) -> Path:
    """A zip of the notebook, the script and the features: everything to retrain elsewhere."""
    notebook = write_training_notebook(workdir)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(notebook, NOTEBOOK_FILE)
        archive.write(workdir / sandbox.SCRIPT_FILE, sandbox.SCRIPT_FILE)
        for name in sandbox.FEATURE_FILES:
            archive.write(workdir / name, name)
    return zip_path
